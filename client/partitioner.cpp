#include "client/partitioner.hpp"

#include <array>
#include <random>

namespace kafkalite::client {
namespace {

constexpr uint32_t kCrc32Reflected = 0xEDB88320u;

constexpr std::array<uint32_t, 256> makeCrc32Table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? kCrc32Reflected : 0u);
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32Table = makeCrc32Table();

constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// splitmix64's output function: a well-mixed 64-bit value from a counter.
constexpr uint64_t mix64(uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t seedFromRandomDevice() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace

int32_t murmur2(std::span<const uint8_t> data) noexcept {
  // Java ints wrap around in two's complement and `>>>` is a logical shift: unsigned
  // 32-bit arithmetic gives the same bits, converted to Java's signed int at the end.
  constexpr uint32_t kSeed = 0x9747b28cu;
  constexpr uint32_t kM = 0x5bd1e995u;
  constexpr int kR = 24;
  const std::size_t length = data.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);  // Java: seed ^ data.length (an int)
  const std::size_t blocks = length / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    const uint8_t* p = data.data() + i * 4;
    uint32_t k = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const uint8_t* tail = data.data() + blocks * 4;
  switch (length % 4) {  // the fall-throughs are the algorithm's, as in Java
    case 3:
      h ^= uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t{tail[0]};
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);  // C++20: modular conversion, Java's bits
}

uint32_t crc32(std::span<const uint8_t> data) noexcept {
  uint32_t crc = 0xFFFFFFFFu;
  for (const uint8_t byte : data) crc = (crc >> 8) ^ kCrc32Table[(crc ^ byte) & 0xFFu];
  return crc ^ 0xFFFFFFFFu;
}

Partitioner::Partitioner(PartitionerKind kind) : Partitioner(kind, seedFromRandomDevice()) {}

Partitioner::Partitioner(PartitionerKind kind, uint64_t seed) noexcept : kind_(kind), randomState_(seed) {}

int32_t Partitioner::randomBelow(int32_t bound) noexcept {
  // Each call takes its own counter value, so concurrent callers never share a draw.
  const uint64_t draw = mix64(randomState_.fetch_add(kGoldenGamma, std::memory_order_relaxed) + kGoldenGamma);
  // Lemire's multiply-shift maps the high 32 bits onto [0, bound) without a division.
  return static_cast<int32_t>(((draw >> 32) * static_cast<uint64_t>(bound)) >> 32);
}

int32_t Partitioner::stickyPartition(int32_t numPartitions) noexcept {
  int32_t current = sticky_.load(std::memory_order_relaxed);
  if (current >= 0 && current < numPartitions) return current;
  // No sticky partition yet, or the topic shrank below it: pick one; if another thread
  // picked one at the same time, everyone follows the winner.
  const int32_t chosen = randomBelow(numPartitions);
  if (sticky_.compare_exchange_strong(current, chosen, std::memory_order_relaxed)) return chosen;
  return (current >= 0 && current < numPartitions) ? current : chosen;
}

int32_t Partitioner::partition(std::optional<std::span<const uint8_t>> key, int32_t numPartitions) noexcept {
  if (numPartitions < 1) return kNoPartition;
  switch (kind_) {
    case PartitionerKind::Murmur2Random:
      if (!key) return stickyPartition(numPartitions);
      return toPositive(murmur2(*key)) % numPartitions;
    case PartitionerKind::Murmur2:  // librdkafka: a missing key hashes like the empty key
      return toPositive(murmur2(key.value_or(std::span<const uint8_t>{}))) % numPartitions;
    case PartitionerKind::ConsistentRandom:  // librdkafka: missing and empty keys are spread
      if (!key || key->empty()) return stickyPartition(numPartitions);
      return static_cast<int32_t>(crc32(*key) % static_cast<uint32_t>(numPartitions));
    case PartitionerKind::Random:
      return randomBelow(numPartitions);
    case PartitionerKind::RoundRobin:
      return static_cast<int32_t>(roundRobin_.fetch_add(1, std::memory_order_relaxed) %
                                  static_cast<uint32_t>(numPartitions));
  }
  return toPositive(murmur2(key.value_or(std::span<const uint8_t>{}))) % numPartitions;
}

void Partitioner::onNewBatch(int32_t previousPartition, int32_t numPartitions) noexcept {
  if (kind_ != PartitionerKind::Murmur2Random && kind_ != PartitionerKind::ConsistentRandom) return;
  if (numPartitions < 1) return;
  int32_t current = sticky_.load(std::memory_order_relaxed);
  if (current != previousPartition) return;  // already moved on, possibly by another thread
  int32_t next = 0;
  if (previousPartition < 0 || previousPartition >= numPartitions) {
    next = randomBelow(numPartitions);
  } else if (numPartitions > 1) {
    // Uniform over the other numPartitions - 1 partitions.
    next = (previousPartition + 1 + randomBelow(numPartitions - 1)) % numPartitions;
  }
  // Fails only if another thread moved it first; its choice stands.
  sticky_.compare_exchange_strong(current, next, std::memory_order_relaxed);
}

}  // namespace kafkalite::client
