"""Quality checks for the generated gazetteers; exits non-zero on a format error."""
import collections
import glob
import os
import sys
import unicodedata

from lexlib import LANGS, LEXICONS, TYPES, is_acronym

FLAGS = {"cs", "cap", "lc"}


def check_gazetteer(path):
    errors = 0
    seen = set()
    per_type = collections.Counter()
    with open(path, encoding="utf-8", newline="") as f:
        for n, line in enumerate(f, 1):
            if "\r" in line:
                print("%s:%d: CR in line" % (path, n)); errors += 1
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 6:
                print("%s:%d: %d columns" % (path, n, len(cols))); errors += 1
                continue
            name, etype, eid, lang, aliases, flags = cols
            if unicodedata.normalize("NFC", line) != line:
                print("%s:%d: not NFC" % (path, n)); errors += 1
            if etype not in TYPES or lang not in LANGS or ":" not in eid or not name:
                print("%s:%d: bad type/lang/id" % (path, n)); errors += 1
            if flags != "-" and not set(flags.split(",")) <= FLAGS:
                print("%s:%d: bad flags" % (path, n)); errors += 1
            if aliases != "-" and name in aliases.split("|"):
                print("%s:%d: alias repeats name" % (path, n)); errors += 1
            if any(unicodedata.category(c) == "Cc" for c in line.replace("\t", "")):
                print("%s:%d: control char" % (path, n)); errors += 1
            # A cs row of acronyms may follow the main row with the same name and id.
            acronym_row = flags == "cs" and not is_acronym(name)
            if acronym_row and (aliases == "-" or not all(is_acronym(a) for a in aliases.split("|"))):
                print("%s:%d: cs row with a name that is not an acronym must list only acronyms" % (path, n)); errors += 1
            key = (name, etype, eid, acronym_row)
            if key in seen:
                print("%s:%d: duplicate %r" % (path, n, key)); errors += 1
            seen.add(key)
            per_type[etype] += 1
    print("%-40s %6d rows  %s" % (os.path.relpath(path, LEXICONS), sum(per_type.values()),
                                  dict(per_type.most_common())))
    return errors


def main():
    errors = 0
    for path in sorted(glob.glob(os.path.join(LEXICONS, "gazetteers", "*.tsv"))):
        errors += check_gazetteer(path)
    for path in [os.path.join(LEXICONS, "names", "first_names.tsv")] + \
            sorted(glob.glob(os.path.join(LEXICONS, "common", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            rows = [l for l in f if not l.startswith("#")]
        width = {len(l.rstrip("\n").split("\t")) for l in rows}
        print("%-40s %6d rows  columns=%s" % (os.path.relpath(path, LEXICONS), len(rows), sorted(width)))
        if len(width) != 1:
            errors += 1
    if errors:
        sys.exit("%d errors" % errors)
    print("OK")


if __name__ == "__main__":
    main()
