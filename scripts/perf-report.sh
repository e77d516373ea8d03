#!/usr/bin/env bash
# Regenerates docs/performance.md and its charts (docs/performance/*.png) from fresh
# measurements, in one command:
#
#   scripts/perf-report.sh
#
# 1. scripts/setup.sh installs what is missing (gnuplot-nox and python3 included).
# 2. Builds the release preset (ccache set up as in scripts/test.sh).
# 3. Measures, holding the build lock (below) from the build to the last run so that no
#    other build on this machine disturbs the figures. Raw outputs go to build/perf-report/
#    (not committed), each command's output to NAME.log next to them:
#      codec_bench.json broker_bench.json client_bench.json   Google Benchmark JSON
#      sweep_bench.json       the producer against the in-process cluster: the Produce
#                             grid (batch × linger × acks × RF), Replication (RF 1-3 ×
#                             acks 1/-1) and DelayedProduceTimeout (request.timeout.ms ×
#                             replication fault); see bench/sweep/*.cpp
#      compare-T1..T5.jsonl, compare-Z1..Z4.jsonl
#                             kafkalite-perf compare --output, one per target (below)
#      meta.json              machine, git commit, date, settings of this report
#      commands.tsv           per step: name, start (UTC), seconds, exit status, command
# 4. bench/report/make_report.py turns them into docs/performance.md (tables, the five
#    targets with PASS/FAIL, and the answers computed from the numbers) and the PNGs.
#
# The targets (100-byte values, 6 partitions, batch.num.messages=10000,
# queue.buffering.max.ms=5, queue.buffering.max.messages=1000000, median of --runs per side):
#   T1  2,000,000 records, RF 1, acks 1, 1 broker: kafkalite msgs/s >= 1.5x librdkafka and
#       CPU s/msg <= 0.6x
#   T2  2,000,000 records, RF 3, acks -1, 3 brokers: msgs/s >= 1.5x librdkafka and >= 0.7x
#       kafkalite's T1
#   T3  100,000 records at 10,000/s, RF 3, acks -1, queue.buffering.max.ms=0: kafkalite
#       p99 <= librdkafka's and <= 1000 us
#   T4  as T1, librdkafka on kafkalite-broker vs on librdkafka's mock cluster: >= 0.9x
#   T5  10,000,000 records, queue.buffering.max.messages=100000, RF 1, acks 1: kafkalite's
#       peak RSS < 200 MB
#   Z1-Z4  compression: lz4 and zstd on --payload text values of 100 bytes (1,000,000
#       records) and 1,024 bytes (300,000), RF 1, acks 1: kafkalite msgs/s >= 1.5x
#       librdkafka and CPU s/msg <= 0.7x, same codec on both
#
# Environment (for a quick look; the committed report uses the defaults):
#   PERF_REPORT_RUNS=5            runs per side of every compare
#   PERF_REPORT_SCALE=1           divides every record count (compare -n and the sweep's)
#   PERF_REPORT_SKIP_SWEEP=1      skip sweep_bench (its sections then say so)
#   PERF_REPORT_SWEEP_FILTER=RE   sweep_bench --benchmark_filter (default: every suite)
#   KAFKALITE_SWEEP_RECORDS=N     records per sweep run (default 200000 / PERF_REPORT_SCALE)
#   PERF_REPORT_MIN_TIME=SECONDS  --benchmark_min_time of codec/broker/client_bench
#   PERF_REPORT_LOCK=FILE         lock held while building and measuring
#                                 (default /tmp/kafkalite-build.lock; empty: no lock)
# With the defaults the measurements take about 7 minutes on a 2-core machine (T3 alone,
# paced at 10,000 records/s, takes close to 2), plus the build.
# Quick check (under a minute plus the build; figures not comparable with the full report):
#   PERF_REPORT_RUNS=1 PERF_REPORT_SCALE=20 PERF_REPORT_MIN_TIME=0.05 \
#   PERF_REPORT_SWEEP_FILTER='(/batch:(1|200|10000)/linger:(0|5)/)|(^Replication/)|(/request_timeout_ms:(50|1000)/)' \
#     scripts/perf-report.sh
#
# Exit status: 0 when every step succeeded (targets may still FAIL: the report says so);
# 1 when a step failed (the report is still written and names it); 2 bad settings.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${PERF_REPORT_RUNS:-5}"
scale="${PERF_REPORT_SCALE:-1}"
skip_sweep="${PERF_REPORT_SKIP_SWEEP:-0}"
sweep_filter="${PERF_REPORT_SWEEP_FILTER:-}"
min_time="${PERF_REPORT_MIN_TIME:-}"
lock="${PERF_REPORT_LOCK-/tmp/kafkalite-build.lock}"
for v in runs scale; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "perf-report: PERF_REPORT_${v^^} must be a positive integer" >&2; exit 2; }
done
sweep_records="${KAFKALITE_SWEEP_RECORDS:-$((200000 / scale > 0 ? 200000 / scale : 1))}"
[[ "$sweep_records" =~ ^[1-9][0-9]*$ ]] || { echo "perf-report: KAFKALITE_SWEEP_RECORDS must be a positive integer" >&2; exit 2; }
records() { echo $(($1 / scale > 0 ? $1 / scale : 1)); }
# shell_words ARG...: one command line, quoted only where the shell needs it.
shell_words() {
  local out="" arg q="'\\''"
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+="$arg "; else out+="'${arg//\'/$q}' "; fi
  done
  printf '%s' "${out% }"
}

# The command that reproduces this report, for the report's header.
command="scripts/perf-report.sh"
for v in PERF_REPORT_SWEEP_FILTER PERF_REPORT_SKIP_SWEEP KAFKALITE_SWEEP_RECORDS PERF_REPORT_MIN_TIME \
         PERF_REPORT_SCALE PERF_REPORT_RUNS; do
  if [ -n "${!v:-}" ]; then command="$v=$(shell_words "${!v}") $command"; fi
done

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
# Hash paths relative to the checkout, so clones in other folders share the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

if [ -n "$lock" ]; then
  exec {lock_fd}>"$lock"
  if ! flock -n "$lock_fd"; then
    echo "perf-report: waiting for $lock (a build or measurement is running)" >&2
    flock "$lock_fd"
  fi
fi

echo "== perf-report: configure and build (release)" >&2
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

bin=build/release/bench
for program in codec_bench broker_bench client_bench sweep_bench kafkalite-perf; do
  [ -x "$bin/$program" ] || { echo "perf-report: $bin/$program was not built" >&2; exit 1; }
done

raw=build/perf-report
rm -rf "$raw"
mkdir -p "$raw"
python3 bench/report/make_report.py meta --out "$raw/meta.json" --command "$command" \
  --setting "runs=$runs" --setting "scale=$scale" --setting "sweep_records=$sweep_records" \
  --setting "skip_sweep=$skip_sweep" --setting "sweep_filter=$sweep_filter" --setting "min_time=$min_time"

failed=()
# run_step NAME COMMAND...: runs COMMAND with its output in $raw/NAME.log (and on stderr),
# and records it in commands.tsv. A failing step is noted; the others still run.
run_step() {
  local name="$1"
  shift
  local quoted start t0 t1 status
  quoted="$(shell_words "$@")"
  start="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "== perf-report: $name: $quoted" >&2
  t0="$(date +%s%N)"
  set +e
  "$@" 2>&1 | tee "$raw/$name.log" >&2
  status="${PIPESTATUS[0]}"
  set -e
  t1="$(date +%s%N)"
  printf '%s\t%s\t%d.%d\t%s\t%s\n' "$name" "$start" $(((t1 - t0) / 1000000000)) $(((t1 - t0) / 100000000 % 10)) \
    "$status" "$quoted" \
    >>"$raw/commands.tsv"
  if [ "$status" -ne 0 ]; then failed+=("$name (exit status $status)"); fi
}

gb_args=()
if [ -n "$min_time" ]; then gb_args+=("--benchmark_min_time=$min_time"); fi
for suite in codec_bench broker_bench client_bench; do
  run_step "$suite" "$bin/$suite" "--benchmark_out=$raw/$suite.json" --benchmark_out_format=json "${gb_args[@]}"
done

if [ "$skip_sweep" != 1 ]; then
  sweep_args=("--benchmark_out=$raw/sweep_bench.json" --benchmark_out_format=json)
  if [ -n "$sweep_filter" ]; then sweep_args+=("--benchmark_filter=$sweep_filter"); fi
  run_step sweep_bench env "KAFKALITE_SWEEP_RECORDS=$sweep_records" "$bin/sweep_bench" "${sweep_args[@]}"
fi

perf=("$bin/kafkalite-perf" compare --runs "$runs" -s 100 --partitions 6)
workload=(-X batch.num.messages=10000 -X queue.buffering.max.ms=5 -X queue.buffering.max.messages=1000000)
run_step T1 "${perf[@]}" --brokers 1 --rf 1 -t perf-t1 -n "$(records 2000000)" "${workload[@]}" \
  -X request.required.acks=1 --output "$raw/compare-T1.jsonl"
run_step T2 "${perf[@]}" --brokers 3 --rf 3 -t perf-t2 -n "$(records 2000000)" "${workload[@]}" \
  -X request.required.acks=-1 --output "$raw/compare-T2.jsonl"
run_step T3 "${perf[@]}" --brokers 3 --rf 3 -t perf-t3 -n "$(records 100000)" --rate 10000 \
  -X batch.num.messages=10000 -X queue.buffering.max.ms=0 -X queue.buffering.max.messages=1000000 \
  -X request.required.acks=-1 --output "$raw/compare-T3.jsonl"
run_step T4 "${perf[@]}" --baseline-broker rdkafka-mock --brokers 1 --rf 1 -t perf-t4 -n "$(records 2000000)" \
  "${workload[@]}" -X request.required.acks=1 --output "$raw/compare-T4.jsonl"
run_step T5 "${perf[@]}" --brokers 1 --rf 1 -t perf-t5 -n "$(records 10000000)" \
  -X batch.num.messages=10000 -X queue.buffering.max.ms=5 -X queue.buffering.max.messages=100000 \
  -X request.required.acks=1 --output "$raw/compare-T5.jsonl"

# Compression (Z1-Z4): both clients with the same codec on text payloads.
for z in "Z1 lz4 100 1000000" "Z2 zstd 100 1000000" "Z3 lz4 1024 300000" "Z4 zstd 1024 300000"; do
  read -r name codec size count <<<"$z"
  run_step "$name" "${perf[@]}" --brokers 1 --rf 1 -t "perf-${name,,}" -n "$(records "$count")" -s "$size" \
    --payload text "${workload[@]}" -X request.required.acks=1 -X "compression.type=$codec" \
    --output "$raw/compare-$name.jsonl"
done

if [ -n "$lock" ]; then exec {lock_fd}>&-; fi

echo "== perf-report: writing docs/performance.md and docs/performance/*.png" >&2
python3 bench/report/make_report.py report --raw "$raw" --out docs/performance.md --charts docs/performance \
  --profile docs/performance-profile.md

if [ ${#failed[@]} -gt 0 ]; then
  echo "perf-report: these steps failed (see $raw/NAME.log; the report names them): ${failed[*]}" >&2
  exit 1
fi
echo "perf-report: docs/performance.md written (${SECONDS} s)" >&2
