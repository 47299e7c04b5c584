#!/usr/bin/env python3
"""spaCy statistical peer: a small trained pipeline (e.g. es_core_news_sm) run as shipped.

usage: run_spacy_model.py MODEL INPUT_JSONL
"""
import sys
import warnings

import spacy

from common import report, texts


def main():
    model, path = sys.argv[1], sys.argv[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp = spacy.load(model)
    docs = texts(path)
    mentions = 0
    for doc in nlp.pipe(docs, batch_size=64):
        mentions += len(doc.ents)
    report(model, len(docs), mentions)


if __name__ == "__main__":
    main()
