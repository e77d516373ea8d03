#include "client/partitioner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kafkalite::client {
namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

int32_t javaPartition(std::string_view key, int32_t numPartitions) {
  return toPositive(murmur2(bytes(key))) % numPartitions;
}

constexpr uint64_t kSeed = 42;

// Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
TEST(Murmur2Test, MatchesKafkaUtilsTestVectors) {
  EXPECT_EQ(murmur2(bytes("21")), -973932308);
  EXPECT_EQ(murmur2(bytes("foobar")), -790332482);
  EXPECT_EQ(murmur2(bytes("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(murmur2(bytes("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(murmur2(bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(murmur2(bytes("abc")), 479470107);
}

// Every tail length (0-3 bytes after the 4-byte blocks). Values agree with librdkafka's
// rd_kafka_msg_partitioner_murmur2, checked once against librdkafka 2.0.
TEST(Murmur2Test, CoversEveryTailLength) {
  EXPECT_EQ(murmur2({}), 275646681);
  EXPECT_EQ(murmur2(bytes("a")), -1563381124);
  EXPECT_EQ(murmur2(bytes("ab")), 316155434);
  EXPECT_EQ(murmur2(bytes("order-42")), 501153024);
  EXPECT_EQ(murmur2(bytes("user-1002")), 494644997);
}

TEST(Murmur2Test, HighBytesAreUnsigned) {
  // Java masks each byte with 0xff; a sign-extending implementation would differ here.
  const std::vector<uint8_t> high = {0xff, 0x80, 0xfe, 0x81, 0xc3};
  const std::vector<uint8_t> low = {0x7f, 0x00, 0x7e, 0x01, 0x43};
  EXPECT_NE(murmur2(high), murmur2(low));
  EXPECT_EQ(murmur2(high), murmur2(std::vector<uint8_t>(high)));
}

TEST(ToPositiveTest, ClearsTheSignBitLikeJava) {
  EXPECT_EQ(toPositive(std::numeric_limits<int32_t>::min()), 0);
  EXPECT_EQ(toPositive(-1), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(toPositive(-973932308), 1173551340);
  EXPECT_EQ(toPositive(5), 5);
  EXPECT_EQ(toPositive(0), 0);
}

TEST(Crc32Test, KnownAnswers) {
  EXPECT_EQ(crc32({}), 0u);
  EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(bytes("abc")), 891568578u);  // zlib's crc32 of "abc"
}

TEST(PartitionerTest, KeyedRecordsUseJavasFormula) {
  for (const PartitionerKind kind : {PartitionerKind::Murmur2Random, PartitionerKind::Murmur2}) {
    Partitioner partitioner(kind, kSeed);
    for (int i = 0; i < 500; ++i) {
      const std::string key = "order-" + std::to_string(i);
      for (const int32_t n : {1, 2, 3, 6, 7, 12, 100}) {
        ASSERT_EQ(partitioner.partition(bytes(key), n), javaPartition(key, n)) << key << " n=" << n;
      }
    }
  }
}

TEST(PartitionerTest, KeyedRecordsKnownPartitions) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  EXPECT_EQ(partitioner.partition(bytes("21"), 6), 0);  // 1173551340 % 6
  EXPECT_EQ(partitioner.partition(bytes("a"), 6), 4);
  EXPECT_EQ(partitioner.partition(bytes("user-1002"), 6), 5);
  EXPECT_EQ(partitioner.partition(bytes("foobar"), 1), 0);
}

TEST(PartitionerTest, EqualKeysAlwaysLandOnTheSamePartition) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  const int32_t first = partitioner.partition(bytes("customer-7"), 12);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(partitioner.partition(bytes("customer-7"), 12), first);
    partitioner.onNewBatch(first, 12);  // batches never move keyed records
  }
}

TEST(PartitionerTest, EmptyKeyIsAKeyNotAMissingOne) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(partitioner.partition(std::span<const uint8_t>{}, 7), javaPartition("", 7));
    partitioner.onNewBatch(javaPartition("", 7), 7);
  }
}

TEST(PartitionerTest, NoPartitionsGiveNoPartition) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  EXPECT_EQ(partitioner.partition(bytes("k"), 0), Partitioner::kNoPartition);
  EXPECT_EQ(partitioner.partition(std::nullopt, 0), Partitioner::kNoPartition);
  EXPECT_EQ(partitioner.partition(std::nullopt, -3), Partitioner::kNoPartition);
  partitioner.onNewBatch(0, 0);  // no effect, no crash
}

TEST(PartitionerTest, KeylessRecordsStickUntilANewBatch) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  const int32_t sticky = partitioner.partition(std::nullopt, 6);
  ASSERT_GE(sticky, 0);
  ASSERT_LT(sticky, 6);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(partitioner.partition(std::nullopt, 6), sticky);

  partitioner.onNewBatch(sticky, 6);
  const int32_t next = partitioner.partition(std::nullopt, 6);
  EXPECT_NE(next, sticky);
  EXPECT_GE(next, 0);
  EXPECT_LT(next, 6);

  // A stale report (the partition already moved) changes nothing.
  partitioner.onNewBatch(sticky, 6);
  EXPECT_EQ(partitioner.partition(std::nullopt, 6), next);
}

TEST(PartitionerTest, KeylessSpreadCoversAllPartitions) {
  for (const PartitionerKind kind : {PartitionerKind::Murmur2Random, PartitionerKind::ConsistentRandom}) {
    Partitioner partitioner(kind, kSeed);
    std::vector<int> batchesPerPartition(6, 0);
    for (int batch = 0; batch < 600; ++batch) {
      const int32_t p = partitioner.partition(std::nullopt, 6);
      ASSERT_GE(p, 0);
      ASSERT_LT(p, 6);
      ++batchesPerPartition[static_cast<std::size_t>(p)];
      partitioner.onNewBatch(p, 6);
    }
    for (const int count : batchesPerPartition) EXPECT_GT(count, 50);  // about 100 each
  }
}

TEST(PartitionerTest, SinglePartitionStaysPut) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(partitioner.partition(std::nullopt, 1), 0);
    partitioner.onNewBatch(0, 1);
  }
}

TEST(PartitionerTest, StickyPartitionBeyondAShrunkTopicIsRepicked) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  int32_t sticky = partitioner.partition(std::nullopt, 100);
  while (sticky < 10) {  // move until the sticky partition is outside [0, 10)
    partitioner.onNewBatch(sticky, 100);
    sticky = partitioner.partition(std::nullopt, 100);
  }
  const int32_t repicked = partitioner.partition(std::nullopt, 10);
  EXPECT_GE(repicked, 0);
  EXPECT_LT(repicked, 10);
  EXPECT_EQ(partitioner.partition(std::nullopt, 10), repicked);
}

TEST(PartitionerTest, SameSeedSameChoices) {
  Partitioner a(PartitionerKind::Murmur2Random, 7);
  Partitioner b(PartitionerKind::Murmur2Random, 7);
  for (int i = 0; i < 50; ++i) {
    const int32_t p = a.partition(std::nullopt, 9);
    ASSERT_EQ(b.partition(std::nullopt, 9), p);
    a.onNewBatch(p, 9);
    b.onNewBatch(p, 9);
  }
}

TEST(PartitionerTest, Murmur2KindHashesMissingKeysLikeTheEmptyKey) {
  Partitioner partitioner(PartitionerKind::Murmur2, kSeed);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(partitioner.partition(std::nullopt, 7), javaPartition("", 7));
    partitioner.onNewBatch(javaPartition("", 7), 7);
  }
}

TEST(PartitionerTest, ConsistentRandomHashesKeysWithCrc32) {
  Partitioner partitioner(PartitionerKind::ConsistentRandom, kSeed);
  for (const std::string_view key : {"abc", "order-42", "21", "x"}) {
    for (const int32_t n : {1, 5, 6, 64}) {
      EXPECT_EQ(partitioner.partition(bytes(key), n), static_cast<int32_t>(crc32(bytes(key)) % uint32_t(n)));
    }
  }
  // An empty key is spread like a missing one: it follows the sticky partition.
  const int32_t sticky = partitioner.partition(std::nullopt, 6);
  EXPECT_EQ(partitioner.partition(std::span<const uint8_t>{}, 6), sticky);
}

TEST(PartitionerTest, RandomIgnoresKeysAndCoversAllPartitions) {
  Partitioner partitioner(PartitionerKind::Random, kSeed);
  std::set<int32_t> seen;
  for (int i = 0; i < 500; ++i) {
    const int32_t p = partitioner.partition(bytes("same-key"), 8);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 8);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(PartitionerTest, RoundRobinTakesTurnsKeyedOrNot) {
  Partitioner partitioner(PartitionerKind::RoundRobin, kSeed);
  std::vector<int32_t> order;
  for (int i = 0; i < 8; ++i) {
    const auto key = i % 2 == 0 ? std::optional(bytes("k")) : std::nullopt;
    order.push_back(partitioner.partition(key, 4));
  }
  EXPECT_EQ(order, (std::vector<int32_t>{0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(PartitionerTest, DefaultConstructorUsesTheDefaultKindAndARandomSeed) {
  Partitioner partitioner;
  EXPECT_EQ(partitioner.kind(), PartitionerKind::Murmur2Random);
  const int32_t p = partitioner.partition(std::nullopt, 5);
  EXPECT_GE(p, 0);
  EXPECT_LT(p, 5);
}

TEST(PartitionerTest, ConcurrentCallersStayInRangeAndAgreeOnKeys) {
  Partitioner partitioner(PartitionerKind::Murmur2Random, kSeed);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&partitioner, &failures, t] {
      for (int i = 0; i < 20000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 97);
        if (partitioner.partition(bytes(key), 6) != javaPartition(key, 6)) failures.fetch_add(1);
        const int32_t p = partitioner.partition(std::nullopt, 6);
        if (p < 0 || p >= 6) failures.fetch_add(1);
        if (i % 10 == 0) partitioner.onNewBatch(p, 6);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kafkalite::client
