#pragma once
/// \file
/// Partition choice for produced records: Kafka's murmur2 hash, exactly as the Java
/// client computes it, and the Partitioner that applies a PartitionerKind.
///
/// Threading: the free functions are pure. A Partitioner may be used by any number of
/// threads at once: its state is a few atomics; partition() and onNewBatch() never
/// allocate, lock or throw.

#include "kafkalite/producer_config.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

namespace kafkalite::client {

/// Kafka's murmur2 (Java `org.apache.kafka.common.utils.Utils.murmur2`): MurmurHash2,
/// seed 0x9747b28c, little-endian 4-byte blocks, with Java's 32-bit two's-complement
/// wrap-around, returned as Java's signed int. murmur2("21") == -973932308.
[[nodiscard]] int32_t murmur2(std::span<const uint8_t> data) noexcept;

/// Java `Utils.toPositive`: clears the sign bit (not abs: toPositive(INT32_MIN) == 0).
[[nodiscard]] constexpr int32_t toPositive(int32_t number) noexcept { return number & 0x7fffffff; }

/// CRC-32 (IEEE 802.3, as zlib and librdkafka's `consistent` partitioners compute it).
/// crc32("123456789") == 0xCBF43926.
[[nodiscard]] uint32_t crc32(std::span<const uint8_t> data) noexcept;

/// Chooses the partition of each record of one topic, following a PartitionerKind (its
/// documentation in kafkalite/producer_config.hpp gives each kind's rule).
///
/// Keyed records (murmur2_random, murmur2): `toPositive(murmur2(key)) % numPartitions`,
/// the formula of Java's DefaultPartitioner / BuiltInPartitioner, so equal keys land on
/// the same partition as with a Java producer (and with librdkafka's murmur2
/// partitioners). A key is "present" when the optional holds a span, even an empty one;
/// std::nullopt is a record without key (Java's null key).
///
/// Sticky keyless records (murmur2_random, consistent_random): all go to the topic's
/// current sticky partition until the accumulator reports, through onNewBatch(), that a
/// new batch is being started on it; the sticky partition then moves to a different,
/// random one. Batches fill up instead of many small batches spread over all partitions
/// (Java's KIP-480), and over successive batches every partition is used.
///
/// One Partitioner serves one topic (the sticky partition and the round-robin counter
/// are per topic); the producer keeps one per topic it sends to.
class Partitioner {
 public:
  /// No partition could be chosen (numPartitions < 1).
  static constexpr int32_t kNoPartition = -1;

  /// A partitioner of `kind` whose random choices are seeded from std::random_device, so
  /// that producers started together do not all stick to the same partitions.
  /// Throws only what std::random_device throws when no entropy source exists.
  explicit Partitioner(PartitionerKind kind = PartitionerKind::Murmur2Random);

  /// A partitioner of `kind` with a fixed seed for its random choices (reproducible
  /// tests). Never throws.
  Partitioner(PartitionerKind kind, uint64_t seed) noexcept;

  Partitioner(const Partitioner&) = delete;
  Partitioner& operator=(const Partitioner&) = delete;

  /// The partition, in [0, numPartitions), for a record with `key` (std::nullopt = no
  /// key) of a topic that currently has `numPartitions` partitions. Returns kNoPartition
  /// when numPartitions < 1. A record's explicit partition bypasses the partitioner.
  /// Safe to call from any number of threads at once; never allocates, locks or throws.
  [[nodiscard]] int32_t partition(std::optional<std::span<const uint8_t>> key, int32_t numPartitions) noexcept;

  /// The accumulator is starting a new batch on `previousPartition` for a keyless
  /// record (the sticky partition's batch was full or already sent). If that is still
  /// the sticky partition, the sticky partition moves to another one chosen at random
  /// (it stays when numPartitions is 1); if another thread already moved it, nothing
  /// happens. The caller then asks partition() again for the record, as Java's
  /// `abortOnNewBatch` does. No effect for the non-sticky kinds.
  /// Safe to call from any number of threads at once; never allocates, locks or throws.
  void onNewBatch(int32_t previousPartition, int32_t numPartitions) noexcept;

  /// The kind given at construction. Never throws.
  [[nodiscard]] PartitionerKind kind() const noexcept { return kind_; }

 private:
  // The current sticky partition, or kNoPartition before the first keyless record.
  [[nodiscard]] int32_t stickyPartition(int32_t numPartitions) noexcept;
  // A uniformly distributed value in [0, bound); bound >= 1.
  [[nodiscard]] int32_t randomBelow(int32_t bound) noexcept;

  const PartitionerKind kind_;
  std::atomic<uint64_t> randomState_;  // splitmix64 state, advanced with fetch_add
  std::atomic<uint32_t> roundRobin_{0};
  std::atomic<int32_t> sticky_{kNoPartition};
};

}  // namespace kafkalite::client
