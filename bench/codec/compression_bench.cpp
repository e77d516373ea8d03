// Compression and decompression throughput of each codec on the producer's typical batch:
// 1,000 records of kafkalite-perf's payloads: text (JSON event lines, compressible as real
// payloads are) of 100 and 1,024 bytes, or random 100-byte values (incompressible). Compress is
// BatchCompressor on a finished uncompressed batch (what the producer does per batch);
// decompress is Decompressor on the compressed records section, and "walk" adds reading
// every record through RecordBatchView::records(Decompressor&) (what the broker's validator
// does). Bytes/s count the uncompressed records section; the `ratio` counter is
// uncompressed / compressed bytes.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/perf/record_payload.hpp"
#include "protocol/compressed_batch.hpp"
#include "protocol/compression.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::protocol {
namespace {

constexpr int kRecordsPerBatch = 1000;

// The records' values: kafkalite-perf's payloads (bench/perf/record_payload.hpp), so the
// ratios are those of the report's compression runs.
struct Payload {
  const char* kind;  ///< "text" or "random"
  std::size_t valueSize;
};

std::vector<uint8_t> uncompressedBatch(const Payload& payload) {
  perf::RecordPayload values(payload.valueSize, payload.kind);
  RecordBatchBuilder builder;
  const int64_t base = 1'700'000'000'000;
  builder.begin(base, BatchAttributes{}, 1000, 0, 0);
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    const std::string& v = values.fill(static_cast<uint64_t>(i));
    if (!builder.append(base + i / 10, std::nullopt,
                        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size()))) {
      return {};
    }
  }
  const auto batch = builder.finish();
  return {batch.begin(), batch.end()};
}

std::vector<uint8_t> compressedBatch(const std::vector<uint8_t>& batch, CompressionType type) {
  BatchCompressor compressor;
  CodecError error;
  const auto out = compressor.compress(batch, type, {}, error);
  if (!out) return {};
  return {out->begin(), out->end()};
}

void setCounters(benchmark::State& state, std::size_t plainRecordBytes, std::size_t compressedRecordBytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plainRecordBytes));
  state.counters["ratio"] = static_cast<double>(plainRecordBytes) / static_cast<double>(compressedRecordBytes);
}

void compressBenchmark(benchmark::State& state, CompressionType type, Payload payload) {
  const std::vector<uint8_t> batch = uncompressedBatch(payload);
  BatchCompressor compressor;
  CodecError error;
  std::size_t size = 0;
  for (auto _ : state) {
    const auto out = compressor.compress(batch, type, {}, error);
    if (!out) {
      state.SkipWithError(error.message.c_str());
      return;
    }
    benchmark::DoNotOptimize(out->data());
    size = out->size();
  }
  setCounters(state, batch.size() - kRecordBatchHeaderSize, size - kRecordBatchHeaderSize);
}

void decompressBenchmark(benchmark::State& state, CompressionType type, Payload payload, bool walk) {
  const std::vector<uint8_t> plain = uncompressedBatch(payload);
  const std::vector<uint8_t> batch = compressedBatch(plain, type);
  DecodeError decodeError;
  const auto view = RecordBatchView::parse(batch, decodeError);
  if (!view) {
    state.SkipWithError(decodeError.message().c_str());
    return;
  }
  Decompressor decompressor;
  CodecError error;
  for (auto _ : state) {
    if (walk) {
      auto cursor = view->records(decompressor);
      RecordView record;
      int n = 0;
      while (cursor.next(record)) ++n;
      if (n != kRecordsPerBatch) {
        state.SkipWithError(cursor.error().message().c_str());
        return;
      }
    } else {
      const auto out = decompressor.decompress(type, view->recordBytes(), error);
      if (!out) {
        state.SkipWithError(error.message.c_str());
        return;
      }
      benchmark::DoNotOptimize(out->data());
    }
  }
  setCounters(state, plain.size() - kRecordBatchHeaderSize, batch.size() - kRecordBatchHeaderSize);
}

// BM_Compress/<codec>/<payload>/<value bytes>, BM_Decompress/..., BM_DecompressAndWalk/...
const int registered = [] {
  for (const auto type : {CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4, CompressionType::Zstd}) {
    for (const auto payload : {Payload{"text", 100}, Payload{"text", 1024}, Payload{"random", 100}}) {
      const std::string suffix = "/" + std::string(compressionTypeName(type)) + "/" + payload.kind + "/" +
                                 std::to_string(payload.valueSize);
      benchmark::RegisterBenchmark(("BM_Compress" + suffix).c_str(), compressBenchmark, type, payload);
      benchmark::RegisterBenchmark(("BM_Decompress" + suffix).c_str(), decompressBenchmark, type, payload, false);
      benchmark::RegisterBenchmark(("BM_DecompressAndWalk" + suffix).c_str(), decompressBenchmark, type, payload,
                                   true);
    }
  }
  return 0;
}();

}  // namespace
}  // namespace kafkalite::protocol
