#!/usr/bin/env python3
"""spaCy peer: `spacy.blank(LANG)` with an EntityRuler holding the exported gazetteer as
phrase patterns matched on LOWER, plus token patterns for handles, hashtags, URLs and numbers.

usage: run_spacy_ruler.py LANG RULER_PATTERNS_JSONL INPUT_JSONL
"""
import json
import sys

import spacy

from common import report, texts


def main():
    lang, patterns_path, path = sys.argv[1], sys.argv[2], sys.argv[3]
    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": False})
    with open(patterns_path, encoding="utf-8") as f:
        patterns = [json.loads(line) for line in f]
    ruler.add_patterns(patterns)
    docs = texts(path)
    mentions = 0
    for doc in nlp.pipe(docs, batch_size=256):
        mentions += len(doc.ents)
    report(f"spacy-ruler-{lang}", len(docs), mentions)


if __name__ == "__main__":
    main()
