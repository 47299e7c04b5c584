"""Build Lexicons/gazetteers/nationalities.tsv (NORP).

English demonyms: countryinfo 'demonym' plus data/demonym_overrides.tsv, with a plural.
Spanish demonyms: derived from CLDR Spanish currency names (spanish_demonyms.py) or
data/demonym_overrides.tsv, in all four inflections.
Groups: data/norp_groups.tsv (religious, political, regional).
"""
import os

import pycountry
from babel import Locale
from countryinfo import all_countries

from lexlib import DATA, Gazetteer, clean, deb_version, fold, pkg_version, slug
from spanish_demonyms import derive, inflect


def english_plurals(adj):
    """Venezuelan -> Venezuelans; Chinese, British, French, Swiss -> none."""
    if " " in adj and not adj.split()[-1][0].isupper():
        return []
    if adj.endswith(("ese", "ish", "ench", "tch", "ss", "i", "ic")) and not adj.endswith(("i",)):
        return []
    if adj.endswith("ch") and not adj.endswith("ech"):
        return []
    if adj.endswith("y") and adj[-2] not in "aeiou":
        return []
    return [adj + "s"]


def read_tsv(name, ncols):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            assert len(parts) == ncols, (name, line)
            yield parts


def split(field):
    return [] if field == "-" else field.split("|")


def build():
    g = Gazetteer()
    es, en = Locale("es"), Locale("en")
    overrides = {code: (split(s), split(e)) for code, s, e in read_tsv("demonym_overrides.tsv", 3)}
    infos = {}
    for ci in all_countries():
        info = ci.info() if not isinstance(ci, dict) else ci
        code = (info.get("ISO") or {}).get("alpha2")
        # countryinfo files Wales under GB too: keep the first entry per code only.
        if code and code not in infos and info.get("name") != "Wales":
            infos[code] = info
    def population(code):
        try:
            return int((infos.get(code) or {}).get("population") or 0)
        except (TypeError, ValueError):
            return 0

    # A demonym shared with a much bigger country (Chinese: CN, HK, MO) stays with the big one.
    holders = {}
    for code, info in infos.items():
        dem = clean(info.get("demonym") or "")
        if dem:
            holders.setdefault(dem, []).append(code)

    def keep(dem, code):
        biggest = max(population(c) for c in holders.get(dem, [code]))
        return code in overrides or population(code) >= 0.05 * biggest

    country_names = {n.lower() for loc in (es, en) for n in loc.territories.values()}
    country_names |= {fold(n) for n in country_names}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        eid = "norp:" + code
        ov_es, ov_en = overrides.get(code, (None, []))
        english = []
        dem = clean((infos.get(code) or {}).get("demonym") or "")
        if dem and dem[0].isupper() and keep(dem, code):
            english.append(dem)
        english += [d for d in ov_en if d not in english]
        for i, d in enumerate(english):
            g.add(d, "NORP", eid, "en", english_plurals(d) if not d.isupper() else [])
        if code in overrides:
            spanish = ov_es
        else:
            d = derive(code, [es.territories.get(code, ""), en.territories.get(code, "")], es)
            spanish = [d] if d else []
        for m in spanish:
            forms = inflect(m)
            aliases = forms[1:] + [fold(f) for f in forms if fold(f) != f]
            # "Argentina", "China", "Siria", "Gales": written with a capital (the only way a
            # bundled name matches) the word is the country, not the feminine demonym.
            aliases = [a for a in aliases if a.lower() not in country_names]
            if m.lower() in country_names or fold(m).lower() in country_names:
                if not aliases:
                    continue
                m, aliases = aliases[0], aliases[1:]
            g.add(m, "NORP", eid, "es", aliases, auto=False)
    for sl, e, ea, s, sa in read_tsv("norp_groups.tsv", 5):
        eid = "local:norp/" + sl
        g.add(e, "NORP", eid, "en", split(ea))
        sforms = [s] + split(sa)
        g.add(s, "NORP", eid, "es", split(sa) + [fold(f) for f in sforms if fold(f) != f], auto=False)
    g.write("gazetteers/nationalities.tsv", [
        "entex gazetteer: nationalities, religious and political groups (NORP).",
        "English demonyms: countryinfo %s (MIT) 'demonym' field, plurals added by rule;" % pkg_version("countryinfo"),
        "Spanish demonyms: derived by rule from Unicode CLDR Spanish currency names via babel %s" % pkg_version("babel"),
        "(Unicode License; e.g. 'bolivar venezolano' -> venezolano, venezolana, venezolanos, venezolanas),",
        "corrected by hand-written Lexicons/build/data/demonym_overrides.tsv; inflections that are",
        "a country's name (argentina, china, siria) are left out.",
        "Groups: hand-written Lexicons/build/data/norp_groups.tsv, ids local:norp/<slug>.",
        "NOTE: Spanish demonyms and group adjectives (lang es) are lowercase words in running text",
        "(los venezolanos, un diputado chavista); they carry flag - and are listed in lowercase.",
        "ids: norp:XX = people of ISO 3166-1 country XX.",
        "Generated by Lexicons/build/build_nationalities.py - do not edit by hand.",
    ])


if __name__ == "__main__":
    build()
