#!/usr/bin/env bash
# Installs, with apt-get, whatever kafkalite needs that this Debian 12 machine lacks,
# the Node.js clients of the interop tests (tests/interop/js) with npm, and builds
# librdkafka 2.15.1 for the interop tests (scripts/build-librdkafka.sh, cached).
# Safe to run again: it installs nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libboost-dev            # Asio, Lockfree, Beast (header-only in Boost 1.74)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libxxhash-dev  # record batch codecs
  librdkafka-dev kcat     # interop tests: a real client against our broker
  zlib1g-dev libzstd-dev  # librdkafka 2.15.1 built from source (scripts/build-librdkafka.sh)
  clang libclang-rt-14-dev  # fuzz preset: clang 14 with libFuzzer (scripts/fuzz.sh)
  python3-kafka           # interop tests: kafka-python 2.0.2 (run with /usr/bin/python3)
  python3-snappy python3-lz4 python3-zstandard  # ... and the codecs kafka-python decodes with
  gnuplot-nox python3     # scripts/perf-report.sh: the report generator and its charts
)
# Node.js and npm for kafkajs; a machine that has them from elsewhere keeps its own.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kafkajs at the version package-lock.json pins; reinstalled only when the lock changes.
js=tests/interop/js
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-lock.json" 2>/dev/null; then
  echo "setup: npm ci in $js" >&2
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.installed-lock.json)
fi

# librdkafka 2.15.1 from the npm package's C source; skipped when already built.
scripts/build-librdkafka.sh
