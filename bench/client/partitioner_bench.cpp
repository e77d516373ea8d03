// Partition choice per record (client/partitioner.hpp), six partitions:
//
//   BM_PartitionerMurmur2Keyed/key_bytes:K   murmur2_random with a key: Java's
//                                            toPositive(murmur2(key)) % 6, keys drawn from a
//                                            pool of 4096 random K-byte keys
//   BM_PartitionerStickyKeyless/batch:B      murmur2_random without a key: the sticky
//                                            partition, moved by onNewBatch() every B
//                                            records, as the accumulator reports a new batch
//
// Both report records_per_s (records per CPU second).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "client/partitioner.hpp"

namespace {

using kafkalite::PartitionerKind;
using kafkalite::client::Partitioner;

constexpr int32_t kPartitions = 6;
constexpr std::size_t kKeyPool = 4096;

void setRate(benchmark::State& state) {
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PartitionerMurmur2Keyed(benchmark::State& state) {
  const auto keyBytes = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(42);
  std::vector<std::vector<uint8_t>> keys(kKeyPool, std::vector<uint8_t>(keyBytes));
  for (auto& key : keys) {
    for (auto& b : key) b = static_cast<uint8_t>(rng());
  }
  Partitioner partitioner(PartitionerKind::Murmur2Random, 7);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::vector<uint8_t>& key = keys[i++ & (kKeyPool - 1)];
    benchmark::DoNotOptimize(partitioner.partition(std::span<const uint8_t>(key), kPartitions));
  }
  setRate(state);
}

void BM_PartitionerStickyKeyless(benchmark::State& state) {
  const auto batch = state.range(0);
  Partitioner partitioner(PartitionerKind::Murmur2Random, 7);
  int64_t inBatch = 0;
  for (auto _ : state) {
    const int32_t p = partitioner.partition(std::nullopt, kPartitions);
    benchmark::DoNotOptimize(p);
    if (++inBatch == batch) {  // the accumulator starts a new batch on the sticky partition
      inBatch = 0;
      partitioner.onNewBatch(p, kPartitions);
    }
  }
  setRate(state);
}

BENCHMARK(BM_PartitionerMurmur2Keyed)->ArgName("key_bytes")->Arg(16)->Arg(100);
BENCHMARK(BM_PartitionerStickyKeyless)->ArgName("batch")->Arg(200)->Arg(10000);

}  // namespace
