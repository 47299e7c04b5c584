#!/usr/bin/env bash
# Runs the tokenizer, gazetteer, regex, hostile-input and JSON-escape tests under AddressSanitizer.
#   Tests/asan.sh [extra `swift test` arguments…]
# A separate job from the normal test run (it needs its own instrumented build, several
# minutes on 2 cores): run it before resolving anything that touches the byte-level code
# (Text/, Tagging/, Input/, Output/). Any ASan report fails the run.
# Builds in .build-asan (git-ignored); override with ENTEX_ASAN_SCRATCH.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch="${ENTEX_ASAN_SCRATCH:-$root/.build-asan}"
# detect_leaks=0: the Swift runtime keeps metadata caches alive to exit, which LeakSanitizer
# would report; use-after-free, overflows and double frees are what this job is for.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export ENTEX_LEXICONS="$root/Lexicons"
start=$(date +%s)
swift build --scratch-path "$scratch" --sanitize=address --build-tests
swift test --disable-swift-testing --scratch-path "$scratch" --sanitize=address --skip-build \
  --filter 'Tokenizer|Gazetteer|RegexPattern|Hostile|FuzzRegression|JSONEscape|JSONBuffer' "$@"
echo "asan.sh: passed in $(( $(date +%s) - start )) s"
