#!/usr/bin/env bash
# Installs, with apt-get, whatever kafkalite needs that this Debian 12 machine lacks.
# Safe to run again: it installs nothing when everything is present.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libboost-dev            # Asio, Lockfree, Beast (header-only in Boost 1.74)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  librdkafka-dev kcat     # interop tests: a real client against our broker
  gnuplot-nox python3     # scripts/perf-report.sh: the report generator and its charts
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
