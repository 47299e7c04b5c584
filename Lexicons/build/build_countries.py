"""Build Lexicons/gazetteers/countries.tsv: ISO 3166-1 countries (en, es) and
ISO 3166-2 first-level subdivisions, all as GPE.

Sources: CLDR territory names via babel (en, es) and the Debian unicode-cldr-core XML
(alt="short"/"variant" names), ISO 3166 names and Spanish translations from pycountry
(the Debian iso-codes database), countryinfo alternative spellings, and the hand-written
data/country_aliases.tsv.
"""
import gettext
import os
import re
import xml.etree.ElementTree as ET

import pycountry
from babel import Locale
from countryinfo import CountryInfo

from lexlib import DATA, Gazetteer, clean, deb_version, fold, is_latin, pkg_version

CLDR_MAIN = "/usr/share/unicode/cldr/common/main"

# Generic words that are not useful as subdivision names on their own.
GENERIC = {"central", "centre", "center", "north", "south", "east", "west", "northern",
           "southern", "eastern", "western", "capital", "north-east", "north-west",
           "south-east", "south-west", "northeast", "northwest", "southeast", "southwest",
           "centro", "norte", "sur", "este", "oeste", "oriental", "occidental", "upper",
           "lower", "coast", "island", "islands", "highlands", "lakes", "mountain"}


# countryinfo alternative spellings that name a part of the country, not the country.
NOT_COUNTRY_NAMES = {"England", "Scotland", "Wales", "Northern Ireland"}


def cldr_alts(lang):
    """{code: [alt names]} from CLDR main/<lang>.xml territory elements with an alt attribute."""
    tree = ET.parse(os.path.join(CLDR_MAIN, lang + ".xml"))
    out = {}
    for el in tree.iter("territory"):
        if el.get("alt") in ("short", "variant") and el.text:
            out.setdefault(el.get("type"), []).append(el.text)
    return out


def uninvert(name):
    """'Venezuela, Bolivarian Republic of' -> 'Bolivarian Republic of Venezuela'."""
    m = re.match(r"^(.+?), (.+ (?:of|of the|de|del|de la))$", name)
    if m:
        return "%s %s" % (m.group(2), m.group(1))
    return name


def usable(form):
    return form and "(" not in form and " - " not in form and is_latin(form)


def variants(form):
    out = [form]
    if "’" in form:
        out.append(form.replace("’", "'"))
    f = fold(form)
    if f != form:
        out.append(f)
    return out


def load_extras():
    extras = {}
    with open(os.path.join(DATA, "country_aliases.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, lang, name, aliases = line.rstrip("\n").split("\t")
            extras[(code, lang)] = (None if name == "-" else name, aliases.split("|"))
    return extras


def countryinfo_by_code():
    try:
        from countryinfo import all_countries
        data = all_countries()
    except Exception:
        data = {}
    out = {}
    items = data.values() if isinstance(data, dict) else data
    for info in items:
        if not isinstance(info, dict):
            info = info.info()
        iso = (info.get("ISO") or {}).get("alpha2")
        # countryinfo files Wales under GB too: keep the first entry per code only.
        if iso and iso not in out and info.get("name") not in NOT_COUNTRY_NAMES:
            out[iso] = info
    return out


def build():
    g = Gazetteer()
    en, es = Locale("en"), Locale("es")
    alts = {"en": cldr_alts("en"), "es": cldr_alts("es")}
    tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    extras = load_extras()
    cinfo = countryinfo_by_code()
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        eid = "iso3166:" + code
        iso_en = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
        iso_en = [uninvert(x) for x in iso_en if x]
        iso_es = [uninvert(tr.gettext(x)) for x in [c.name, getattr(c, "official_name", None)] if x]
        info = cinfo.get(code, {})
        for lang, loc, iso_names in (("en", en, iso_en), ("es", es, iso_es)):
            main = loc.territories.get(code) or iso_names[0]
            forms = [main] + alts[lang].get(code, []) + iso_names
            if lang == "en":
                forms += [info.get("name") or ""]
                forms += [a for a in info.get("altSpellings", [])
                          if len(a) > 3 and not a.isupper() and a not in NOT_COUNTRY_NAMES]
            else:
                forms += [(info.get("translations") or {}).get("es") or ""]
            override, extra = extras.get((code, lang), (None, []))
            forms += extra
            name = override or main
            if not usable(name):
                name = next((f for f in forms if usable(f) and not f.isupper()), name)
            aliases = []
            for f in forms:
                f = clean(f)
                if not f or not usable(f) or f == name:
                    continue
                if f.isupper() and len(f) <= 3 and f not in extra and f not in alts[lang].get(code, []):
                    continue  # bare ISO codes (VE, VEN) only when curated
                if "," in f and not f.startswith("Bonaire"):
                    continue
                aliases += variants(f)
            aliases += variants(name)[1:]
            g.add(name, "GPE", eid, lang, aliases)
    # Merge language rows that have the same display name into one '*' row (Gazetteer.add did).
    sub_tr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["es"])
    nsub = 0
    for s in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if s.parent_code is not None:
            continue
        name = clean(s.name)
        if not name or not is_latin(name) or name.lower() in GENERIC:
            continue
        names = [n.strip() for n in re.split(r"\s*[;\[\]]\s*", name) if n.strip()]
        name, rest = names[0], names[1:]
        eid = "iso3166-2:" + s.code
        aliases = rest + variants(name)[1:]
        esname = clean(sub_tr.gettext(s.name))
        g.add(name, "GPE", eid, "*", aliases)
        if esname and esname != s.name and is_latin(esname):
            g.add(esname, "GPE", eid, "es", variants(esname)[1:])
        nsub += 1
    print("subdivisions:", nsub)
    g.write("gazetteers/countries.tsv", [
        "entex gazetteer: countries (ISO 3166-1) and first-level subdivisions (ISO 3166-2), type GPE.",
        "Sources: Unicode CLDR territory names via babel %s (en, es) and Debian unicode-cldr-core %s"
        % (pkg_version("babel"), deb_version("unicode-cldr-core")),
        "(common/main/en.xml, es.xml alt=short/variant); ISO 3166 names and Spanish translations from pycountry %s"
        % pkg_version("pycountry"),
        "(Debian iso-codes data); countryinfo %s alternative spellings; hand-written Lexicons/build/data/country_aliases.tsv."
        % pkg_version("countryinfo"),
        "Licences: CLDR data - Unicode License (Copyright Unicode, Inc.); babel BSD-3-Clause; pycountry LGPL-2.1-only",
        "(iso-codes data LGPL-2.1+); countryinfo MIT; hand-written additions: same licence as entex.",
        "ids: iso3166:XX for countries, iso3166-2:XX-YY for subdivisions; English and Spanish rows share the id.",
        "Generated by Lexicons/build/build_countries.py - do not edit by hand.",
    ])


if __name__ == "__main__":
    build()
