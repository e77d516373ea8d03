#!/usr/bin/env bash
# Regenerates the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/seeds/:
# tests/fuzz/seed_maker.cpp writes every message at every version, record batches, request
# sequences, admin bodies and properties files; the librdkafka golden test adds the first
# request of each API that a real librdkafka producer and consumer send. Builds what it
# needs in the release preset. The regression corpora (corpus/<target>/regression/) are
# never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target fuzz_seed_maker protocol_golden_tests

corpus=tests/fuzz/corpus
rm -rf "$corpus"/*/seeds
build/release/tests/fuzz/fuzz_seed_maker "$corpus"

captures=$(mktemp -d)
trap 'rm -rf "$captures"' EXIT
KAFKALITE_GOLDEN_CAPTURE_DIR=$captures build/release/tests/protocol_golden_tests >/dev/null
for f in "$captures"/*; do
  name=$(basename "$f")
  # request_decoders reads a frame without its size prefix, kafka_apis a stream of frames with one.
  cp "$f" "$corpus/request_decoders/seeds/$name"
  { perl -e 'print pack("N", -s $ARGV[0])' "$f"; cat "$f"; } >"$corpus/kafka_apis/seeds/$name"
done
echo "seeds: $(find "$corpus" -path '*/seeds/*' -type f | wc -l) files, $(du -sh "$corpus" | cut -f1) with the regression corpora" >&2
