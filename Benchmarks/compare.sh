#!/usr/bin/env bash
# Times entex against the tools people use today, on the same inputs and the same lexicon.
#
#   bash Benchmarks/compare.sh            # print the figures
#   bash Benchmarks/compare.sh --record   # also append them to Benchmarks/RESULTS.md
#
# Sets up Benchmarks/.venv (spaCy, FlashText, pyahocorasick from PyPI; es_core_news_sm when pip
# can install it), builds entex in release mode, exports the bundled gazetteer (Lexicons/gazetteers)
# to the peers' formats, and times each tool as a whole process pinned to one core (taskset -c 0,
# /usr/bin/time -v for peak RSS) on English news, Spanish news, English tweets and Spanish tweets
# from ../shared/corpus (skipped with a message when absent), their mix, and Corpus/.
# On the news sets entex also runs with the 1 M-entry synthetic lexicon of make_synthetic_lexicon.py
# loaded (its cache filled, then trusted, by two untimed runs first). Then entex --jobs 1 against --jobs 2 on the mix,
# and `entex bench --jobs 2` on Corpus/.
#
# Environment: SIZE_MB (text MB per input set, default 2.5: a 10 MB mix, as in issue 5), MODEL_MB (for the statistical models,
# default 0.3), ENTEX_SCRATCH (SwiftPM scratch folder, default .build), ENTEX_BIN (an entex
# release binary to time instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RECORD=0
[[ "${1:-}" == "--record" ]] && RECORD=1
SIZE_MB=${SIZE_MB:-2.5}
MODEL_MB=${MODEL_MB:-0.3}
SCRATCH=${ENTEX_SCRATCH:-.build}
OUT=Benchmarks/out
VENV=Benchmarks/.venv
SHARED=$ROOT/../shared/corpus

for tool in taskset /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (apt-get install util-linux time python3-venv)"; exit 2; }
done

if [[ ! -x $VENV/bin/python ]]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q spacy flashtext pyahocorasick
MODELS=()
if "$VENV/bin/python" -c "import es_core_news_sm" 2>/dev/null || "$VENV/bin/pip" install -q --no-deps es-core-news-sm 2>/dev/null; then
  # The PyPI release (3.1.0) predates the installed spaCy; it loads with a compatibility warning.
  MODELS+=(--model es:es_core_news_sm)
else
  echo "compare.sh: es_core_news_sm cannot be installed from PyPI here: skipping spaCy's Spanish statistical pipeline"
fi
if "$VENV/bin/python" -c "import en_core_web_sm" 2>/dev/null; then
  MODELS+=(--model en:en_core_web_sm)
else
  echo "compare.sh: en_core_web_sm is not published on PyPI under its own name: skipping spaCy's English statistical pipeline"
fi

if [[ -n ${ENTEX_BIN:-} ]]; then
  ENTEX=$(cd "$(dirname "$ENTEX_BIN")" && pwd)/$(basename "$ENTEX_BIN")
else
  if ! swift build -c release --scratch-path "$SCRATCH" >"$VENV/build.log" 2>&1; then
    grep -E "error" "$VENV/build.log" | sort -u | head -20
    echo "compare.sh: the release build failed (full log: $VENV/build.log)"
    exit 2
  fi
  ENTEX=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/entex
fi

mkdir -p "$OUT"
"$VENV/bin/python" Benchmarks/peers/export_gazetteer.py Lexicons "$OUT"

SETS=()
if [[ -d $SHARED ]]; then
  SETS+=(--set "en-news:en:$SHARED/bbc_news_en/bbc_news.jsonl")
  SETS+=(--set "es-news:es:$SHARED/fakenews_es/fakenews_es.jsonl")
  SETS+=(--set "en-tweets:en:$SHARED/tweeteval_en/tweeteval_tweets.jsonl")
  SETS+=(--set "es-tweets:es:$SHARED/tweets_news_es/tweets_news_es.jsonl")
else
  echo "compare.sh: $SHARED is absent: timing on Corpus/ only (put the project's shared/ folder beside the repository for the news and tweet sets)"
fi

# The 1 M-entry synthetic lexicon of the gazetteer-scale benchmark, for the "with a 1 M-entry
# lexicon loaded" figure of issue 5 (made once; deterministic).
BIG=$OUT/synthetic-1000000.tsv
[[ -f $BIG ]] || python3 Benchmarks/make_synthetic_lexicon.py --out "$OUT" --sizes 1000000 >/dev/null

STAGES=$("$ENTEX" bench --input Corpus --runs 1 --warmup 0 --json --lexicons Lexicons | "$VENV/bin/python" -c 'import json,sys; print(", ".join(s["stage"] for s in json.load(sys.stdin)["stages"] if s["stage"] not in ("read","json","pipeline")))')
REPORT=$("$VENV/bin/python" Benchmarks/peers/compare.py --entex "$ENTEX" --lexicons "$ROOT/Lexicons" --out "$ROOT/$OUT" \
  --size-mb "$SIZE_MB" --model-mb "$MODEL_MB" --corpus "$ROOT/Corpus" --big-lexicon "$ROOT/$BIG" "${SETS[@]}" "${MODELS[@]}")
BENCH=$("$ENTEX" bench --input Corpus --jobs 2 --lexicons Lexicons)

echo
echo "entex stages: $STAGES"
echo "$REPORT"
echo
echo "$BENCH"

if [[ $RECORD == 1 ]]; then
  RESULTS=Benchmarks/RESULTS.md
  [[ -f $RESULTS ]] || printf '# Benchmark results\n\nFigures with the command and date that produced them; newest last.\n' > "$RESULTS"
  DATE=$(date -u +%Y-%m-%dT%H:%MZ)
  LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  {
    echo
    echo "## Compared with other tools"
    echo
    echo "$DATE, \`SIZE_MB=$SIZE_MB MODEL_MB=$MODEL_MB bash Benchmarks/compare.sh --record\`, release build, $(nproc) cores ($CPU), load average before: $LOAD."
    echo "entex stages: $STAGES (bundled lexicons). Each tool is one whole process on one core (\`taskset -c 0\`), start-up and lexicon loading included."
    echo
    echo "$REPORT" | sed '/^Scaling/,$d'
    echo
    echo "## Scaling"
    echo
    echo "$DATE, same command."
    echo
    echo "$REPORT" | sed -n '/^Scaling/,$p'
    echo
    echo "\`entex bench --input Corpus --jobs 2\` (in-process, documents in memory, after warm-up):"
    echo
    echo '```'
    echo "$BENCH"
    echo '```'
  } >> "$RESULTS"
  echo "appended to $RESULTS"
fi
