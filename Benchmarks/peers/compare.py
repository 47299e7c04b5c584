#!/usr/bin/env python3
"""Time entex and peer tools side by side on the same inputs; print and save a Markdown report.

Each run is a whole process (start-up and lexicon loading included) pinned to one core with
`taskset -c 0` and measured with `/usr/bin/time -v` (wall time, peak RSS). Throughput is counted
on the UTF-8 bytes of the documents' `text` fields, the same for every tool.

usage: compare.py --entex BIN --lexicons DIR --out DIR [--size-mb N] [--model-mb N]
                  [--set NAME:LANG:PATH ...] [--model LANG:MODEL ...]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def cut(src, dst, limit_bytes):
    """Copies whole JSON Lines records of `src` into `dst` until `limit_bytes` of text; returns (docs, text bytes)."""
    docs = text_bytes = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            text = record.get("text") if isinstance(record, dict) else None
            if not isinstance(text, str) or not text.strip():
                continue
            out.write(json.dumps({"id": str(record.get("id", docs)), "text": text}, ensure_ascii=False) + "\n")
            docs += 1
            text_bytes += len(text.encode("utf-8"))
            if text_bytes >= limit_bytes:
                break
    return docs, text_bytes


def concat(parts, dst):
    with open(dst, "w", encoding="utf-8") as out:
        for p in parts:
            with open(p, encoding="utf-8") as f:
                out.write(f.read())


def timed(cmd, pin=True, capture=True):
    """Runs `cmd` under /usr/bin/time -v (and taskset -c 0); returns (seconds, peak RSS MiB, stdout)."""
    full = (["taskset", "-c", "0"] if pin else []) + ["/usr/bin/time", "-v"] + cmd
    start = time.monotonic()
    proc = subprocess.run(full, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, cwd=HERE)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr[-2000:])
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    el = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    if el:
        wall = int(el.group(1) or 0) * 3600 + int(el.group(2)) * 60 + float(el.group(3))
    return wall, (int(rss.group(1)) / 1024 if rss else float("nan")), proc.stdout or ""


def warm(cmd):
    """Runs `cmd` untimed twice, 4.5 s apart: entex's caches are then filled and trusted.

    A cache's validation is remembered only when its file time (whole seconds) is more than
    `GazetteerCache.trustAge` + 1 s (3 s) older than the validating run's start, so 2.5 s
    was not always enough after a quick compile."""
    for pause in (4.5, 0):
        timed(cmd, capture=False)
        time.sleep(pause)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entex", required=True)
    ap.add_argument("--lexicons", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size-mb", type=float, default=2.0, help="text MB taken from each input set")
    ap.add_argument("--model-mb", type=float, default=0.3, help="text MB for the (slow) statistical models")
    ap.add_argument("--set", action="append", default=[], help="NAME:LANG:PATH of a JSON Lines input")
    ap.add_argument("--model", action="append", default=[], help="LANG:MODEL of an installed spaCy pipeline")
    ap.add_argument("--corpus", help="entex's Corpus/ folder, timed as its own input")
    ap.add_argument("--big-lexicon", help="a user lexicon (1 M entries) for an extra entex run on the news sets")
    args = ap.parse_args()

    py = sys.executable
    names = os.path.join(args.out, "names.tsv")
    patterns = os.path.join(args.out, "ruler_patterns.jsonl")
    inputs_dir = os.path.join(args.out, "inputs")
    os.makedirs(inputs_dir, exist_ok=True)

    sets = []  # (name, lang, path, docs, text bytes)
    for spec in args.set:
        name, lang, path = spec.split(":", 2)
        dst = os.path.join(inputs_dir, name + ".jsonl")
        docs, nbytes = cut(path, dst, args.size_mb * 1e6)
        sets.append((name, lang, dst, docs, nbytes))
    if len(sets) > 1:
        dst = os.path.join(inputs_dir, "mixed.jsonl")
        concat([s[2] for s in sets], dst)
        sets.append(("mixed", "en", dst, sum(s[3] for s in sets), sum(s[4] for s in sets)))
    if args.corpus:
        parts = []
        for root, _dirs, files in os.walk(args.corpus):
            for f in sorted(files):
                if f.endswith(".jsonl"):
                    parts.append(os.path.join(root, f))
        dst = os.path.join(inputs_dir, "Corpus.jsonl")
        tmp = dst + ".all"
        concat(sorted(parts), tmp)
        docs, nbytes = cut(tmp, dst, 1e12)
        os.remove(tmp)
        sets.append(("Corpus", "en", dst, docs, nbytes))
    models = dict(m.split(":", 1) for m in args.model)

    # The bundled lexicons' caches, filled and trusted before any entex run is timed.
    if sets:
        warm([args.entex, "batch", sets[0][2], "-o", os.devnull, "--quiet", "--lexicons", args.lexicons])
    rows = []  # (set, tool, seconds, MB/s, docs/s, RSS, docs)
    for name, lang, path, docs, nbytes in sets:
        tools = [
            ("entex", [args.entex, "batch", path, "-o", "-", "--jobs", "1", "--quiet", "--lexicons", args.lexicons], path, docs, nbytes),
            (f"spaCy blank+EntityRuler", [py, "run_spacy_ruler.py", lang if lang in ("en", "es") else "en", patterns, path], path, docs, nbytes),
            ("FlashText", [py, "run_flashtext.py", names, path], path, docs, nbytes),
            ("pyahocorasick", [py, "run_pyahocorasick.py", names, path], path, docs, nbytes),
        ]
        if args.big_lexicon and name.endswith("-news"):
            big = [args.entex, "batch", path, "-o", "-", "--jobs", "1", "--quiet", "--lexicons", args.lexicons,
                   "--lexicon", args.big_lexicon]
            # Untimed runs first: one compiles the lexicon into the cache; one more, once that
            # file is older than entex's trust margin (GazetteerCache.trustAge, 2 s), validates
            # it (a checksum over the whole file) and remembers that it did. The timed run then
            # loads the cache as every later run does, without the checksum.
            warm(big[:3] + ["-o", os.devnull] + big[5:])
            tools.insert(1, ("entex + 1 M-entry lexicon", big, path, docs, nbytes))
        model = models.get(lang)
        if model:
            small = os.path.join(inputs_dir, name + ".model.jsonl")
            mdocs, mbytes = cut(path, small, args.model_mb * 1e6)
            tools.append((f"spaCy {model}", [py, "run_spacy_model.py", model, small], small, mdocs, mbytes))
        for tool, cmd, _p, tdocs, tbytes in tools:
            sys.stderr.write(f"  {name}: {tool} ...\n")
            seconds, rss, _out = timed(cmd, capture=(tool != "entex"))
            rows.append((name, tool, seconds, tbytes / 1e6 / seconds, tdocs / seconds, rss, tdocs, tbytes))

    # Scaling: the whole entex process on the mixed (or largest) set, --jobs 1 against --jobs 2, both cores.
    scale_set = next((s for s in sets if s[0] == "mixed"), max(sets, key=lambda s: s[4]))
    scaling = []
    for jobs in (1, 2):
        seconds, rss, _ = timed([args.entex, "batch", scale_set[2], "-o", "-", "--jobs", str(jobs), "--quiet",
                                 "--lexicons", args.lexicons], pin=False, capture=False)
        scaling.append((jobs, seconds, scale_set[4] / 1e6 / seconds, scale_set[3] / seconds, rss))

    lines = []
    lines.append("| input | tool | docs | text MB | seconds | MB/s | docs/s | peak RSS MiB | entex ÷ tool (docs/s) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, _lang, _p, _d, _b in sets:
        mine = [r for r in rows if r[0] == name]
        entex = next(r for r in mine if r[1] == "entex")
        for r in mine:
            ratio = "1" if r is entex else f"{entex[4] / r[4]:.1f}×"
            lines.append(f"| {name} | {r[1]} | {r[6]} | {r[7] / 1e6:.2f} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.0f} | {r[5]:.0f} | {ratio} |")
    lines.append("")
    lines.append(f"Scaling (whole `entex batch` process on `{scale_set[0]}`, {scale_set[4] / 1e6:.2f} MB, {scale_set[3]} docs, no pinning):")
    lines.append("")
    lines.append("| --jobs | seconds | MB/s | docs/s | peak RSS MiB |")
    lines.append("|---:|---:|---:|---:|---:|")
    for jobs, seconds, mbs, dps, rss in scaling:
        lines.append(f"| {jobs} | {seconds:.2f} | {mbs:.2f} | {dps:.0f} | {rss:.0f} |")
    lines.append("")
    lines.append(f"`--jobs 2` ÷ `--jobs 1`: {scaling[0][1] / scaling[1][1]:.2f}× (whole process, start-up included)")
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()
