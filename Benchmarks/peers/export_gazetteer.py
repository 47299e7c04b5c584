#!/usr/bin/env python3
"""Export entex's bundled gazetteer names to the formats of the peer tools.

Reads every `Lexicons/gazetteers/*.tsv` (columns: name, type, id, lang, aliases, flags; see
Lexicons/README.md) and writes into OUT_DIR:

- `names.tsv`: one surface form per line, `form<TAB>TYPE` (FlashText, pyahocorasick);
- `ruler_patterns.jsonl`: spaCy EntityRuler patterns, one JSON object per line: a phrase pattern
  per surface form (matched on LOWER by the ruler's config) plus token patterns for handles,
  hashtags, URLs and numbers.

Every name and alias becomes one surface form, as in entex's gazetteer. Licence of this script:
same as entex.
"""
import glob
import json
import os
import sys


def surface_forms(lexicons):
    seen = set()
    for path in sorted(glob.glob(os.path.join(lexicons, "gazetteers", "*.tsv"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 6:
                    continue
                name, etype, aliases = cols[0], cols[1], cols[4]
                forms = [name] + ([a for a in aliases.split("|") if a] if aliases != "-" else [])
                for form in forms:
                    key = (form, etype)
                    if key not in seen:
                        seen.add(key)
                        yield form, etype


TOKEN_PATTERNS = [
    {"label": "HANDLE", "pattern": [{"TEXT": {"REGEX": r"^@\w+$"}}]},
    {"label": "HANDLE", "pattern": [{"ORTH": "@"}, {"TEXT": {"REGEX": r"^\w+$"}}]},
    {"label": "HASHTAG", "pattern": [{"TEXT": {"REGEX": r"^#\w+$"}}]},
    {"label": "HASHTAG", "pattern": [{"ORTH": "#"}, {"TEXT": {"REGEX": r"^\w+$"}}]},
    {"label": "URL", "pattern": [{"LIKE_URL": True}]},
    {"label": "CARDINAL", "pattern": [{"LIKE_NUM": True}]},
]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: export_gazetteer.py LEXICONS_DIR OUT_DIR")
    lexicons, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    forms = list(surface_forms(lexicons))
    with open(os.path.join(out, "names.tsv"), "w", encoding="utf-8") as f:
        for form, etype in forms:
            f.write(f"{form}\t{etype}\n")
    with open(os.path.join(out, "ruler_patterns.jsonl"), "w", encoding="utf-8") as f:
        for form, etype in forms:
            f.write(json.dumps({"label": etype, "pattern": form}, ensure_ascii=False) + "\n")
        for p in TOKEN_PATTERNS:
            f.write(json.dumps(p) + "\n")
    print(f"exported {len(forms)} surface forms to {out}")


if __name__ == "__main__":
    main()
