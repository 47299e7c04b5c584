"""Shared helpers for the Lexicons build scripts.

Every generated gazetteer row has exactly six TAB-separated columns:
name, type, id, lang, aliases, flags (see Lexicons/README.md).
"""
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
LEXICONS = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")

TYPES = {"GPE", "LOC", "NORP", "ORG", "PERSON", "FAC", "PRODUCT", "EVENT", "LANGUAGE"}
LANGS = {"en", "es", "*"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")


def clean(text):
    """NFC-normalise, drop control characters, collapse whitespace, strip."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _CONTROL.sub(" ", text)
    text = text.replace("|", " ")
    return _SPACES.sub(" ", text).strip()


def fold(text):
    """Remove diacritics (used to add unaccented spellings as aliases)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    stripped = stripped.replace("ß", "ss").replace("ø", "o").replace("Ø", "O")
    stripped = stripped.replace("ł", "l").replace("Ł", "L").replace("đ", "d").replace("Đ", "D")
    stripped = stripped.replace("’", "'").replace("ʻ", "'").replace("ʼ", "'")
    return unicodedata.normalize("NFC", stripped)


def is_latin(text):
    """True when every letter of text is in the Latin script."""
    for ch in text:
        if ch.isalpha() and "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True


_ACRONYM = re.compile(r"^(?=.*[A-Z])[A-Z0-9&.\- ]+$")


def is_acronym(form):
    """Short all-capitals forms such as US, U.S., EE. UU., CNSA, NASA."""
    letters = [c for c in form if c.isalpha()]
    return bool(_ACRONYM.match(form)) and 1 <= len(letters) <= 6


def slug(text):
    s = fold(clean(text)).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s or "x"


_COMMON = None


def common_words():
    """Lowercased words of Lexicons/common/{en,es}.txt (built first by build_common_words.py)."""
    global _COMMON
    if _COMMON is None:
        words = set()
        for lang in ("en", "es"):
            path = os.path.join(LEXICONS, "common", lang + ".txt")
            if not os.path.exists(path):
                sys.exit("missing %s: run build_common_words.py first" % path)
            with open(path, encoding="utf-8") as f:
                for line in f:
                    w = line.strip()
                    if w and not w.startswith("#"):
                        words.add(w)
        _COMMON = words
    return _COMMON


def auto_flags(forms, extra=()):
    """cs when a form is a short acronym; cap when a form, lowercased, is a common word."""
    flags = set(extra)
    common = common_words()
    for f in forms:
        if is_acronym(f):
            flags.add("cs")
        if f.lower() in common:
            flags.add("cap")
    return flags


class Gazetteer:
    """Collects rows, merges duplicates of (name, type, id) and writes the TSV.

    Flags apply to a whole row, so short all-capitals acronyms (US, PRC, CNSA), which
    need `cs`, never share a row with longer names: when a row's name is not an acronym,
    its acronym aliases go to a companion row written right after it, with the same
    name, type, id and lang, the acronyms as its only aliases and the flag `cs`. The
    main row's flags are computed from its other forms only (China: `cap`, not `cs`).
    """

    def __init__(self):
        self.rows = []
        self.index = {}

    def add(self, name, etype, eid, lang, aliases=(), flags=(), auto=True):
        name = clean(name)
        if not name:
            return
        assert etype in TYPES, etype
        assert lang in LANGS, lang
        eid = clean(eid).replace(" ", "_")
        seen = {name}
        al = []
        for a in aliases:
            a = clean(a)
            if a and a not in seen:
                seen.add(a)
                al.append(a)
        acronyms = []
        if not is_acronym(name):
            acronyms = [a for a in al if is_acronym(a)]
            al = [a for a in al if not is_acronym(a)]
        fl = set(flags)
        if auto:
            fl |= auto_flags([name] + al)
        key = (name, etype, eid)
        if key in self.index:
            row = self.rows[self.index[key]]
            for a in al:
                if a not in row["aliases"] and a != row["name"]:
                    row["aliases"].append(a)
            for a in acronyms:
                if a not in row["acronyms"]:
                    row["acronyms"].append(a)
            row["flags"] |= fl
            if row["lang"] != lang:
                row["lang"] = "*"
            return
        self.index[key] = len(self.rows)
        self.rows.append({"name": name, "type": etype, "id": eid, "lang": lang,
                          "aliases": al, "acronyms": acronyms, "flags": fl})

    def write(self, relpath, header_lines):
        path = os.path.join(LEXICONS, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        count = 0
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for h in header_lines:
                f.write("# " + clean(h) + "\n" if h else "#\n")
            f.write("# columns: name\ttype\tid\tlang\taliases\tflags\n")
            f.write("# Acronyms (cs) are on a row of their own after the main row of the same name and id.\n")
            for r in self.rows:
                out = [(r["aliases"], r["flags"])]
                if r["acronyms"]:
                    out.append((r["acronyms"], {"cs"}))
                for aliases, flags in out:
                    fields = [r["name"], r["type"], r["id"], r["lang"],
                              "|".join(aliases) or "-", ",".join(sorted(flags)) or "-"]
                    assert all("\t" not in x and "\n" not in x for x in fields)
                    f.write("\t".join(fields) + "\n")
                    count += 1
        print("%s: %d rows" % (relpath, count))
        return count


def pkg_version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return "?"


def deb_version(pkg):
    import subprocess
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                             capture_output=True, text=True, check=True).stdout
        return out.strip() or "?"
    except Exception:
        return "?"
