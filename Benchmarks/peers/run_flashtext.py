#!/usr/bin/env python3
"""FlashText peer: case-insensitive keyword extraction with the exported gazetteer.

usage: run_flashtext.py NAMES_TSV INPUT_JSONL
"""
import sys

from flashtext import KeywordProcessor

from common import report, texts


def main():
    names, path = sys.argv[1], sys.argv[2]
    kp = KeywordProcessor(case_sensitive=False)
    # FlashText's default word characters are ASCII only; add Latin letters for Spanish.
    for ch in "áéíóúüñçàèìòùâêîôûäëïöÁÉÍÓÚÜÑÇ":
        kp.add_non_word_boundary(ch)
    with open(names, encoding="utf-8") as f:
        for line in f:
            form, etype = line.rstrip("\n").split("\t")
            kp.add_keyword(form, etype)
    mentions = 0
    docs = texts(path)
    for text in docs:
        mentions += len(kp.extract_keywords(text, span_info=True))
    report("flashtext", len(docs), mentions)


if __name__ == "__main__":
    main()
