#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs kafkalite's main job.
# Today the main job is the codec benchmark: CRC32C on both paths, record batch
# encode/decode, and Produce request encode/decode.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target codec_bench
./build/release/bench/codec_bench --benchmark_min_time=0.5 "$@"
