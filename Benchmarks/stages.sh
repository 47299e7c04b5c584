#!/usr/bin/env bash
# Per-stage throughput of the whole default pipeline (`entex bench`) on the benchmark inputs:
# English and Spanish news and tweets from ../shared/corpus (skipped with a message when
# absent) and the bundled Corpus/. One thread, documents in memory, median of RUNS runs after
# one warm-up; then the whole pipeline on 1 and 2 threads (`--jobs 2`).
#
#   bash Benchmarks/stages.sh            # builds entex in release mode, prints the tables
#   ENTEX_BIN=path/to/entex RUNS=5 bash Benchmarks/stages.sh
#
# Foundation figure of issue 2 (read + tokenize + JSON): run with STAGES=tokenize.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SHARED=../shared/corpus
if [[ -n ${ENTEX_BIN:-} ]]; then
  ENTEX=$ENTEX_BIN
else
  swift build -c release >/dev/null
  ENTEX=$(swift build -c release --show-bin-path)/entex
fi
STAGE_ARGS=()
[[ -n ${STAGES:-} ]] && STAGE_ARGS=(--stages "$STAGES")

INPUTS=()
if [[ -d $SHARED ]]; then
  INPUTS+=("$SHARED/bbc_news_en/bbc_news.jsonl" "$SHARED/fakenews_es/fakenews_es.jsonl"
           "$SHARED/tweeteval_en/tweeteval_tweets.jsonl" "$SHARED/tweets_news_es/tweets_news_es.jsonl")
else
  echo "stages.sh: $SHARED is absent: measuring Corpus/ only"
fi
INPUTS+=(Corpus)

echo "$(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for input in "${INPUTS[@]}"; do
  echo "== $input"
  "$ENTEX" bench --input "$input" --runs "$RUNS" --jobs 2 "${STAGE_ARGS[@]}" 2>&1
done
