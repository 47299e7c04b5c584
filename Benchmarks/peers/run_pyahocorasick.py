#!/usr/bin/env python3
"""pyahocorasick peer: the exported gazetteer in an Aho-Corasick automaton over lowercased
text, keeping matches that start and end at word boundaries. It only looks names up.

usage: run_pyahocorasick.py NAMES_TSV INPUT_JSONL
"""
import sys

import ahocorasick

from common import report, texts


def main():
    names, path = sys.argv[1], sys.argv[2]
    automaton = ahocorasick.Automaton()
    with open(names, encoding="utf-8") as f:
        for line in f:
            form, etype = line.rstrip("\n").split("\t")
            key = form.lower()
            automaton.add_word(key, (len(key), etype))
    automaton.make_automaton()
    mentions = 0
    docs = texts(path)
    for text in docs:
        lower = text.lower()
        n = len(lower)
        for end, (length, _etype) in automaton.iter(lower):
            start = end - length + 1
            if (start == 0 or not lower[start - 1].isalnum()) and (end + 1 == n or not lower[end + 1].isalnum()):
                mentions += 1
    report("pyahocorasick", len(docs), mentions)


if __name__ == "__main__":
    main()
