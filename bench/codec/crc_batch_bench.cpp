// CRC32C throughput on both implementations, and record batch v2 encode and
// decode speed for the producer's typical shape (1,000 records of 100 bytes).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "protocol/crc32c.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::protocol {
namespace {

constexpr int kRecordsPerBatch = 1000;
constexpr std::size_t kValueSize = 100;

std::vector<uint8_t> randomBytes(std::size_t n) {
  std::mt19937 rng(1);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

void crcBenchmark(benchmark::State& state, uint32_t (*crc)(uint32_t, const uint8_t*, std::size_t) noexcept) {
  const std::vector<uint8_t> data = randomBytes(static_cast<std::size_t>(state.range(0)));
  uint32_t value = 0;
  for (auto _ : state) {
    value = crc(value, data.data(), data.size());
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Crc32cPortable(benchmark::State& state) { crcBenchmark(state, &detail::crc32cPortable); }
BENCHMARK(BM_Crc32cPortable)->Arg(64 << 10)->Arg(1 << 20);

void BM_Crc32cHardware(benchmark::State& state) {
  if (!detail::crc32cHardwareAvailable()) {
    state.SkipWithError("this CPU lacks SSE4.2");
    return;
  }
  crcBenchmark(state, &detail::crc32cHardware);
}
BENCHMARK(BM_Crc32cHardware)->Arg(64 << 10)->Arg(1 << 20);

// Through the public entry point, i.e. including the dispatch.
void BM_Crc32cDispatched(benchmark::State& state) {
  const std::vector<uint8_t> data = randomBytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cDispatched)->Arg(64 << 10)->Arg(1 << 20);

// Builds the benchmark batch; also the encode benchmark's loop body.
std::span<const uint8_t> encodeBatch(RecordBatchBuilder& builder, const std::vector<uint8_t>& value) {
  const int64_t base = 1'700'000'000'000;
  builder.begin(base, BatchAttributes{}, 1000, 0, 0);
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    if (!builder.append(base + i / 10, std::nullopt, std::span<const uint8_t>(value))) return {};
  }
  return builder.finish();
}

void BM_RecordBatchEncode(benchmark::State& state) {
  const std::vector<uint8_t> value = randomBytes(kValueSize);
  RecordBatchBuilder builder;
  std::size_t batchSize = encodeBatch(builder, value).size();  // warms the buffer
  for (auto _ : state) {
    const auto batch = encodeBatch(builder, value);
    benchmark::DoNotOptimize(batch.data());
    batchSize = batch.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batchSize));
}
BENCHMARK(BM_RecordBatchEncode);

void BM_RecordBatchDecode(benchmark::State& state) {
  const std::vector<uint8_t> value = randomBytes(kValueSize);
  RecordBatchBuilder builder;
  const auto finished = encodeBatch(builder, value);
  const std::vector<uint8_t> batch(finished.begin(), finished.end());
  for (auto _ : state) {
    DecodeError error;
    const auto view = RecordBatchView::parse(batch, error);
    if (!view || !view->crcValid()) {
      state.SkipWithError("benchmark batch does not decode");
      return;
    }
    RecordCursor cursor = view->records();
    RecordView record;
    std::size_t valueBytes = 0;
    while (cursor.next(record)) valueBytes += record.value ? record.value->size() : 0;
    if (cursor.failed() || cursor.recordsRead() != kRecordsPerBatch) {
      state.SkipWithError("benchmark batch records do not decode");
      return;
    }
    benchmark::DoNotOptimize(valueBytes);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_RecordBatchDecode);

}  // namespace
}  // namespace kafkalite::protocol
