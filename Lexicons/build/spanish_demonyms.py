"""Derive Spanish demonym adjectives (masculine singular) for ISO countries from CLDR
Spanish currency names (e.g. 'bolívar venezolano' -> 'venezolano'), and inflect them.
"""
import re
from datetime import date

from babel import Locale
from babel.numbers import get_territory_currencies

from lexlib import fold

FEMININE_NOUNS = {"libra", "rupia", "corona", "lira", "peseta", "leva", "grivna", "kuna",
                  "unidad", "leona", "pataca", "rufiya", "lempira"}
STOP = {"euro", "esterlina", "oro", "convertible", "fuerte", "financiero", "reajustado",
        "antiguo", "nuevo", "siguiente", "día", "renminbi", "indexadas", "constante"}


def masculine(head, adj):
    if head in FEMININE_NOUNS and adj.endswith("a"):
        if adj.endswith(("ota", "ata")):
            return adj
        if adj.endswith("esa"):
            return adj[:-3] + "és"
        if adj.endswith("ola"):
            return adj[:-1]
        return adj[:-1] + "o"
    return adj


def _prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def derive(code, country_names, locale=None):
    """Best masculine demonym for code, or None."""
    es = locale or Locale("es")
    cur = get_territory_currencies(code, start_date=date(1800, 1, 1), end_date=date(2100, 1, 1),
                                   tender=True, non_tender=True)
    words = [fold(w).lower() for n in country_names for w in re.findall(r"\w+", n) if len(w) > 2]
    best, best_score = None, 0
    for c in cur:
        name = re.sub(r"\s*\(.*?\)", "", es.currencies.get(c, "")).strip()
        parts = name.split()
        if len(parts) < 2:
            continue
        adj = parts[-1]
        if not adj.isalpha() or adj != adj.lower() or adj in STOP:
            continue
        m = masculine(parts[0], adj)
        score = max([_prefix(fold(m), w) for w in words] or [0])
        if score >= 3 and score >= best_score:
            best, best_score = m, score
    return best


def inflect(m):
    """All four forms (masc sg, fem sg, masc pl, fem pl) of a masculine demonym, deduplicated."""
    def unaccent_last(s):
        return s.translate(str.maketrans("áéíóú", "aeiou"))
    if m.endswith("o"):
        forms = [m, m[:-1] + "a", m + "s", m[:-1] + "as"]
    elif m.endswith(("és", "án", "ín", "ón")):
        base = m[:-2] + unaccent_last(m[-2]) + m[-1]
        forms = [m, base + "a", base + "es", base + "as"]
    elif m.endswith(("ol", "or")):
        forms = [m, m + "a", m + "es", m + "as"]
    elif m.endswith(("í", "ú")):
        forms = [m, m + "es", m + "s"]
    elif m.endswith(("e", "a")):
        forms = [m, m + "s"]
    else:
        forms = [m, m + "es"]
    return list(dict.fromkeys(forms))
