#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan + UBSan) and runs each for a
# bounded time. scripts/test.sh runs it with the default budget; run it longer by hand:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   # SECONDS per target (default 20), TARGET e.g. kafka_apis
#
# Each target starts from its seed and regression corpora (tests/fuzz/corpus/<target>/) and
# keeps what it learns in build/fuzz/corpus/<target>/, so later runs go on from there. A crash
# or a broken invariant stops that target; the input is saved under build/fuzz/artifacts/<target>/
# and the script fails. Replay it with build/release/tests/fuzz/<target>_replay FILE (or the
# fuzzer itself: build/fuzz/tests/fuzz/<target>_fuzzer FILE); once fixed, add the file to
# tests/fuzz/corpus/<target>/regression/, which ctest replays on every run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
[ $# -gt 0 ] && shift
all=(request_decoders response_decoders record_batch kafka_apis admin_json producer_properties)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

echo "== fuzz: configure and build" >&2
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

failed=()
for t in "${targets[@]}"; do
  fuzzer=build/fuzz/tests/fuzz/${t}_fuzzer
  [ -x "$fuzzer" ] || { echo "fuzz: no target $t (targets: ${all[*]})" >&2; exit 2; }
  work=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t/
  mkdir -p "$work" "$artifacts"
  seeds=()
  for d in tests/fuzz/corpus/$t/seeds tests/fuzz/corpus/$t/regression; do [ -d "$d" ] && seeds+=("$d"); done
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  echo "== fuzz: $t for ${seconds}s" >&2
  log=build/fuzz/$t.log
  # -timeout: one input taking this long is a hang; -rss_limit_mb: more memory is a bug.
  if "$fuzzer" "$work" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
       -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done)' "$log" | tr '\n' ' ' >&2
    echo >&2
  else
    echo "fuzz: $t FAILED; last lines of $log:" >&2
    tail -n 60 "$log" >&2
    ls -l "$artifacts" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no failures" >&2
