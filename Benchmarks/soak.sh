#!/usr/bin/env bash
# Soak run: about 1 GB of mixed real text through `entex batch --jobs 2`, checking that
# every input document is accounted for (one output record each) and the peak memory.
#   Benchmarks/soak.sh [GIGABYTES]        (default 1; needs ../shared/corpus and a release build)
# Env: ENTEX (binary; default .build/release/entex), SOAK_DIR (work folder; default
# Benchmarks/out/soak, git-ignored), SOAK_MAX_RSS_MB (peak-memory bound to check; default 1024),
# SOAK_CORPUS (folder of .jsonl files; default ../shared/corpus), SOAK_MB (size instead of GIGABYTES).
# The input is built by hard-linking (or copying) the ../shared/corpus JSON Lines files
# over and over; the output is checked and then deleted. Exit status 0 only if the record
# count equals the input document count and peak RSS is under the bound.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${SOAK_CORPUS:-$root/../shared/corpus}"
gigabytes="${1:-1}"
entex="${ENTEX:-$root/.build/release/entex}"
work="${SOAK_DIR:-$root/Benchmarks/out/soak}"
max_rss_mb="${SOAK_MAX_RSS_MB:-1024}"
[ -d "$corpus" ] || { echo "soak.sh: $corpus is absent" >&2; exit 2; }
[ -x "$entex" ] || { echo "soak.sh: no $entex; build with swift build -c release (or set ENTEX)" >&2; exit 2; }

rm -rf "$work"; mkdir -p "$work/in"
target=$(( ${SOAK_MB:-$(( gigabytes * 1024 ))} * 1024 * 1024 ))
total=0; copy=0
mapfile -t files < <(find "$corpus" -name '*.jsonl' -type f | sort)
while [ "$total" -lt "$target" ]; do
  copy=$((copy + 1))
  for f in "${files[@]}"; do
    name="$(basename "$(dirname "$f")")-$(basename "$f" .jsonl)-$copy.jsonl"
    ln "$f" "$work/in/$name" 2>/dev/null || cp "$f" "$work/in/$name"
    total=$(( total + $(stat -c %s "$f") ))
  done
done
# Input documents: non-blank lines (DocumentReader skips blank ones).
documents=$(cat "$work"/in/*.jsonl | grep -c '[^[:space:]]' || true)
echo "soak: $copy copies of ${#files[@]} files, $((total / 1024 / 1024)) MB, $documents documents"

start=$(date +%s)
set +e
/usr/bin/time -v -o "$work/time.txt" "$entex" batch --jobs 2 --quiet "$work/in" -o "$work/out.jsonl"
status=$?
set -e
seconds=$(( $(date +%s) - start ))
records=$(wc -l < "$work/out.jsonl")
errors=$(grep -c '"error":' "$work/out.jsonl" || true)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
echo "soak: exit $status, $records records ($errors errors) in ${seconds} s, $((total / 1024 / 1024 / (seconds > 0 ? seconds : 1))) MB/s, peak RSS $((rss_kb / 1024)) MB"
rm -rf "$work/in" "$work/out.jsonl"
ok=1
[ "$records" -eq "$documents" ] || { echo "soak: FAIL: $records records for $documents input documents" >&2; ok=0; }
[ $((rss_kb / 1024)) -le "$max_rss_mb" ] || { echo "soak: FAIL: peak RSS above $max_rss_mb MB" >&2; ok=0; }
[ "$status" -le 1 ] || { echo "soak: FAIL: entex batch exited $status" >&2; ok=0; }
[ "$ok" -eq 1 ] && echo "soak: passed"
[ "$ok" -eq 1 ]
