#!/usr/bin/env bash
# Fuzz the reader + pipeline + JSON writer with libFuzzer and AddressSanitizer.
#   Tests/Fuzz/run.sh [SECONDS] [extra libFuzzer flags…]
# Seeds come from Corpus/ (and Tests/Fuzz/regressions/); new interesting inputs go to
# Tests/Fuzz/.corpus/ (git-ignored); crashes to Tests/Fuzz/crashes/. Copy each crash into
# Tests/Fuzz/regressions/ once fixed: FuzzRegressionTests replays every file there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"; shift || true
cd "$here"
swift build -c release --scratch-path "$here/.build-fuzz" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address
bin="$(swift build -c release --scratch-path "$here/.build-fuzz" --show-bin-path)/EntexFuzz"
mkdir -p "$here/.corpus" "$here/crashes" "$here/seeds"
# Seeds: every Corpus file cut into pieces of at most 4 KB, and the regression inputs.
find "$root/Corpus" -type f \( -name '*.txt' -o -name '*.json' -o -name '*.jsonl' \) -print0 |
  while IFS= read -r -d '' f; do split -b 4096 -a 4 "$f" "$here/seeds/$(basename "$f")." ; done
[ -d "$here/regressions" ] && cp "$here/regressions/"* "$here/seeds/" 2>/dev/null || true
export ENTEX_LEXICONS="$root/Lexicons"
# Shorter allocation stacks: collecting 30 frames per malloc costs ~15% of the run.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=8}"
exec "$bin" "$here/.corpus" "$here/seeds" -max_total_time="$seconds" -max_len=65536 \
  -artifact_prefix="$here/crashes/" -print_final_stats=1 "$@"
