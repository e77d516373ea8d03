#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest:
# first the release build (unit, integration, interop, benchmark smoke runs),
# then the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
# Hash paths relative to the checkout, so clones in other folders share the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs="$(nproc)"

for preset in release asan; do
  echo "== $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: ctest" >&2
  ctest --preset "$preset" -j "$jobs"
done
