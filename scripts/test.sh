#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest:
# 1. release: unit, integration, interop (real clients), benchmark smoke runs, fuzz replays;
# 2. asan: the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
# 3. tsan: the unit and integration labels under ThreadSanitizer (benchmarks, interop and
#    examples are not built);
# 4. fuzz: each libFuzzer target for KAFKALITE_FUZZ_SECONDS (default 20) seconds
#    (scripts/fuzz.sh; clang, only the fuzz targets and the libraries they link are built).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
# Hash paths relative to the checkout, so clones in other folders share the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs="$(nproc)"

for preset in release asan tsan; do
  echo "== $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: ctest" >&2
  ctest --preset "$preset" -j "$jobs"
done

scripts/fuzz.sh "${KAFKALITE_FUZZ_SECONDS:-20}"
