#!/usr/bin/env python3
"""Write synthetic gazetteer lexicons for scale benchmarks of the gazetteer stage.

Usage: python3 Benchmarks/make_synthetic_lexicon.py [--out Benchmarks/out] [--sizes 10000,100000,1000000]

Writes <out>/synthetic-<N>.tsv for each size N, in the 6-column gazetteer format of
Lexicons/README.md (name, type, id, lang, aliases, flags), ready for `entex --lexicon`.
The output is deterministic (fixed seed, no dependence on the Python version's hash):
running it twice gives byte-identical files. Benchmarks/out/ is git-ignored.

Names are built like real ones so that matching does real work on real text:
- made-up words from syllables ("Kavoriel", "Tesandu"), which rarely occur in text;
- mixed with common capitalized English and Spanish words that do occur in news
  ("National", "Bank", "Group", "Nueva", "Capital"), so the matcher walks and backs off;
- 1 to 4 words per name; one entry in five has an alias (an acronym or a short form);
- types spread over PERSON, ORG, GPE, LOC, PRODUCT; a few flags (cap, cs on acronyms).
Each smaller file is a prefix of the larger ones (same seed, same sequence).
"""
import argparse
import os

ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
          "br", "dr", "kr", "tr", "st", "ch", "sh", "gl", "pl", "th"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "io"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "x"]
COMMON = ["National", "Bank", "Group", "International", "Capital", "Energy", "United",
          "Global", "Nueva", "Nuevo", "San", "Santa", "Banco", "Grupo", "Company", "Partners",
          "Foundation", "University", "City", "Port", "North", "South", "Holdings", "Systems",
          "American", "European", "Royal", "General", "Federal", "Central"]
TYPES = ["PERSON", "ORG", "ORG", "GPE", "LOC", "PRODUCT", "PERSON", "ORG"]


class Rng:
    """xorshift64*: the same numbers on every platform and Python version."""

    def __init__(self, seed):
        self.state = seed or 1

    def next(self):
        x = self.state
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        self.state = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        return self.next() % n

    def pick(self, items):
        return items[self.below(len(items))]


def made_up_word(rng):
    syllables = 2 + rng.below(3)
    word = "".join(rng.pick(ONSETS) + rng.pick(VOWELS) for _ in range(syllables)) + rng.pick(CODAS)
    return word.capitalize()


def entries(count):
    rng = Rng(0x5EED_2026)
    seen = set()
    n = 0
    while n < count:
        words = []
        for _ in range(1 + rng.below(4)):
            words.append(rng.pick(COMMON) if rng.below(4) == 0 else made_up_word(rng))
        if all(w in COMMON for w in words):
            words.append(made_up_word(rng))
        name = " ".join(words)
        if name in seen:
            continue
        seen.add(name)
        etype = rng.pick(TYPES)
        aliases = "-"
        flags = "-"
        r = rng.below(10)
        if r == 0 and len(words) >= 2:
            aliases = "".join(w[0] for w in words).upper() + str(rng.below(100))
        elif r == 1 and len(words) >= 2:
            aliases = words[-1] + " " + words[0]
        elif r == 2:
            flags = "cap"
        lang = "*" if rng.below(5) else rng.pick(["en", "es"])
        yield "%s\t%s\tsyn:%d\t%s\t%s\t%s\n" % (name, etype, n, lang, aliases, flags)
        n += 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(here, "out"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        path = os.path.join(args.out, "synthetic-%d.tsv" % size)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("# Synthetic gazetteer for entex benchmarks: %d entries, made by Benchmarks/make_synthetic_lexicon.py.\n" % size)
            f.write("# Made-up names, no real data. columns: name\ttype\tid\tlang\taliases\tflags\n")
            for line in entries(size):
                f.write(line)
        print("%s: %d entries, %.1f MB" % (path, size, os.path.getsize(path) / 1e6))


if __name__ == "__main__":
    main()
