#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs kafkalite's main job:
# kafkalite-demo (a 3-broker mock cluster in process; the producer sends records under
# the default settings, then under tuned ones, and prints delivered counts, throughput
# and latency percentiles), then the codec benchmark (CRC32C on both paths, record
# batch encode/decode, Produce request encode/decode) and the purgatory benchmark
# (cost per operation with 1,000,000 operations pending). Extra arguments go to the
# two benchmark programs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
# Hash paths relative to the checkout, so clones in other folders share the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target kafkalite-demo codec_bench broker_bench
./build/release/bench/kafkalite-demo
./build/release/bench/codec_bench --benchmark_min_time=0.5 "$@"
./build/release/bench/broker_bench "$@"
