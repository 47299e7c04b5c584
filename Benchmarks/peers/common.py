"""Shared by the peer runners: read JSON Lines texts and report a one-line result."""
import json
import sys


def texts(path):
    """The `text` field of every JSON Lines record of `path` (lines that are not records are skipped)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            text = record.get("text") if isinstance(record, dict) else None
            if isinstance(text, str):
                out.append(text)
    return out


def report(tool, documents, mentions):
    """One JSON line on stdout that compare.py reads."""
    print(json.dumps({"tool": tool, "documents": documents, "mentions": mentions}))
    sys.stdout.flush()
