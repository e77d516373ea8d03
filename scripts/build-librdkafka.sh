#!/usr/bin/env bash
# Builds librdkafka 2.15.1's C library for the interop tests, from the C source that the npm
# package @confluentinc/kafka-javascript 1.10.1 ships (deps/librdkafka), and installs it under
#   ${KAFKALITE_DEPS_DIR:-$HOME/.cache/kafkalite-deps}/librdkafka-2.15.1
# (include/librdkafka/{rdkafka.h,rdkafka_mock.h}, lib/librdkafka.so.1), where CMake's
# KAFKALITE_RDKAFKA215_PREFIX finds it.
#
# Cached: does nothing when that prefix already holds this build (same package, checksum and
# configure flags). The C compile goes through ccache when it is installed. Only the library
# is built (no Node.js addon, no examples); mklove's dependency installer stays off and
# --no-download keeps configure offline; compression comes from Debian's zlib and zstd.
set -euo pipefail

package="@confluentinc/kafka-javascript@1.10.1"
tarball="confluentinc-kafka-javascript-1.10.1.tgz"
tarball_sha256="ada7d703bb1d3237e2292bfabf438d663b6160c9f1ac2a2406b5dc4257c81b66"
version="2.15.1"
version_hex="0x020f01ff"  # RD_KAFKA_VERSION in src/rdkafka.h
configure_flags=(--no-download --enable-zlib --enable-zstd --disable-lz4-ext
                 --disable-ssl --disable-gssapi --disable-curl --disable-syslog)

deps="${KAFKALITE_DEPS_DIR:-$HOME/.cache/kafkalite-deps}"
prefix="$deps/librdkafka-$version"
src="$deps/src/librdkafka-$version"
stamp="$prefix/.kafkalite-build"
want="$package $tarball_sha256 ${configure_flags[*]}"

if [ -f "$prefix/lib/librdkafka.so.1" ] && [ -f "$prefix/include/librdkafka/rdkafka_mock.h" ] &&
   [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

command -v npm >/dev/null || { echo "build-librdkafka: npm is needed to fetch $package" >&2; exit 1; }
start=$(date +%s)
echo "build-librdkafka: building librdkafka $version into $prefix" >&2
mkdir -p "$deps/src"
work="$(mktemp -d "$deps/src/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack "$package" --silent --no-audit --no-fund >/dev/null) ||
  { echo "build-librdkafka: npm pack $package failed (is the npm registry reachable?)" >&2; exit 1; }
echo "$tarball_sha256  $work/$tarball" | sha256sum -c --quiet - ||
  { echo "build-librdkafka: $tarball does not have the expected SHA-256" >&2; exit 1; }
tar -xzf "$work/$tarball" -C "$work" package/deps/librdkafka
grep -q "#define RD_KAFKA_VERSION $version_hex" "$work/package/deps/librdkafka/src/rdkafka.h" ||
  { echo "build-librdkafka: $package does not hold librdkafka $version" >&2; exit 1; }

# The same source path on every build, so ccache's entries from an earlier build hit.
rm -rf "$src"
mv "$work/package/deps/librdkafka" "$src"
cc=gcc
if command -v ccache >/dev/null; then
  cc="ccache gcc"
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kafkalite-ccache}"
fi
# Installed into a staging copy first, so an interrupted build never leaves a half prefix.
staging="$work/install"
(
  cd "$src"
  CC="$cc" ./configure --prefix="$prefix" "${configure_flags[@]}" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
  make -C src -j"$(nproc)" lib >/dev/null
  make -C src install DESTDIR="$staging" >/dev/null
)
echo "$want" >"$staging$prefix/.kafkalite-build"
rm -rf "$prefix"
mv "$staging$prefix" "$prefix"
echo "build-librdkafka: librdkafka $version built in $(( $(date +%s) - start )) s" >&2
