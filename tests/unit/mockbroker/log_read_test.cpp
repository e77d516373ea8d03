// Log: reads (spec 4.3), retention and the log start, truncation (spec 4.8), follower appends
// (spec 4.7), ListOffsets lookups.
#include "mockbroker/log.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <cstdint>
#include <limits>
#include <vector>

#include "batch_fixtures.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::BatchSpec;
using fixtures::concat;
using fixtures::makeBatch;
using fixtures::viewOf;

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();
constexpr std::size_t kAnyBytes = 1 << 20;

// Batches of 2, 3 and 1 records: offsets [0,1], [2,4], [5,5].
Log threeBatches() {
  Log log;
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(makeBatch(3), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(makeBatch(1), 0).error, ErrorCode::NONE);
  return log;
}

int64_t baseOffsetOf(std::span<const uint8_t> batch) { return viewOf(batch)->baseOffset(); }

// spec 4.3: below the log start or above the LEO is OFFSET_OUT_OF_RANGE; at the LEO, empty.
TEST(LogReadTest, Spec4_3_OffsetsOutsideTheLogAreOutOfRange) {
  Log log = threeBatches();
  EXPECT_EQ(log.read(7, kAnyBytes, kNoLimit).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(log.read(-1, kAnyBytes, kNoLimit).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  const auto atEnd = log.read(6, kAnyBytes, kNoLimit);
  EXPECT_EQ(atEnd.error, ErrorCode::NONE);
  EXPECT_TRUE(atEnd.batches.empty());
  log.advanceLogStartOffset(2);
  EXPECT_EQ(log.read(1, kAnyBytes, kNoLimit).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(log.read(2, kAnyBytes, kNoLimit).batches.size(), 2u);
}

// spec 4.3: a consumer (limit = HW) never sees a batch reaching the HW; a follower reads to the LEO.
TEST(LogReadTest, Spec4_3_ReadStopsAtTheLimit) {
  const Log log = threeBatches();
  const auto consumer = log.read(0, kAnyBytes, 5);
  ASSERT_EQ(consumer.batches.size(), 2u);
  EXPECT_EQ(baseOffsetOf(consumer.batches[1]), 2);
  const auto straddling = log.read(0, kAnyBytes, 3);  // HW inside [2,4]: that batch is withheld
  EXPECT_EQ(straddling.batches.size(), 1u);
  const auto pastHw = log.read(5, kAnyBytes, 5);
  EXPECT_EQ(pastHw.error, ErrorCode::NONE);
  EXPECT_TRUE(pastHw.batches.empty());
  const auto follower = log.read(0, kAnyBytes, log.logEndOffset());
  EXPECT_EQ(follower.batches.size(), 3u);
  EXPECT_EQ(follower.bytes, log.sizeInBytes());
}

TEST(LogReadTest, ReadFromInsideABatchReturnsTheWholeBatch) {
  const Log log = threeBatches();
  const auto info = log.read(3, kAnyBytes, kNoLimit);
  ASSERT_EQ(info.batches.size(), 2u);
  EXPECT_EQ(baseOffsetOf(info.batches[0]), 2);
}

// Kafka's minOneMessage: the first batch always goes out; later ones only within maxBytes.
TEST(LogReadTest, MaxBytesKeepsWholeBatchesButAlwaysOne) {
  const Log log = threeBatches();
  const auto& b = log.batches();
  const auto one = log.read(0, 1, kNoLimit);
  ASSERT_EQ(one.batches.size(), 1u);
  EXPECT_EQ(one.bytes, b[0].bytes.size());
  const auto two = log.read(0, b[0].bytes.size() + b[1].bytes.size(), kNoLimit);
  EXPECT_EQ(two.batches.size(), 2u);
  const auto almostThree = log.read(0, log.sizeInBytes() - 1, kNoLimit);
  EXPECT_EQ(almostThree.batches.size(), 2u);
}

// LogConfig::retentionBytes: oldest batches go while the rest still hold that many bytes.
TEST(LogReadTest, RetentionDropsOldestBatchesAndMovesLogStart) {
  const auto size = makeBatch(1).size();
  Log log(LogConfig{.retentionBytes = static_cast<int64_t>(2 * size)});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(log.appendAsLeader(makeBatch(1), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.batches().size(), 2u);
  EXPECT_EQ(log.logStartOffset(), 3);
  EXPECT_EQ(log.logEndOffset(), 5);
  EXPECT_EQ(log.sizeInBytes(), 2 * size);
  EXPECT_EQ(log.read(2, kAnyBytes, kNoLimit).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(log.read(3, kAnyBytes, kNoLimit).batches.size(), 2u);
}

TEST(LogReadTest, RetentionNeverDeletesTheLastBatch) {
  Log log(LogConfig{.retentionBytes = 0});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(log.appendAsLeader(makeBatch(2), 0).error, ErrorCode::NONE);
  ASSERT_EQ(log.batches().size(), 1u);
  EXPECT_EQ(log.logStartOffset(), 4);
  EXPECT_EQ(log.read(4, kAnyBytes, kNoLimit).batches.size(), 1u);
}

// Kafka's UnifiedLog.deletableSegments: a segment goes only once the high watermark has
// reached its end, so retention never moves the log start above the HW (issue 11: records
// acknowledged later were lost). Batches of offsets [0], [1], [2], [3], [4].
TEST(LogReadTest, RetentionNeverPassesTheHighWatermark) {
  const auto size = makeBatch(1).size();
  Log log(LogConfig{.retentionBytes = static_cast<int64_t>(size)});
  log.updateHighWatermark(0);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(log.appendAsLeader(makeBatch(1), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.logStartOffset(), 0) << "HW 0: no batch is below it";
  log.updateHighWatermark(2);  // batches [0] and [1] end at or below the HW
  EXPECT_EQ(log.logStartOffset(), 2);
  EXPECT_EQ(log.batches().size(), 3u);
  log.updateHighWatermark(5);
  EXPECT_EQ(log.logStartOffset(), 4);
  EXPECT_EQ(log.batches().size(), 1u);
}

TEST(LogReadTest, AdvanceLogStartOffsetOnlyMovesForwardAndStopsAtLogEnd) {
  Log log = threeBatches();
  log.advanceLogStartOffset(3);  // inside [2,4]: that batch stays
  EXPECT_EQ(log.logStartOffset(), 3);
  EXPECT_EQ(log.batches().size(), 2u);
  log.advanceLogStartOffset(1);
  EXPECT_EQ(log.logStartOffset(), 3);
  log.advanceLogStartOffset(100);
  EXPECT_EQ(log.logStartOffset(), 6);
  EXPECT_TRUE(log.batches().empty());
  EXPECT_EQ(log.logEndOffset(), 6);
  EXPECT_EQ(log.sizeInBytes(), 0u);
}

// spec 4.8: truncation to a boundary, inside a batch, past the end and below the log.
TEST(LogReadTest, Spec4_8_TruncateTo) {
  Log log = threeBatches();
  log.truncateTo(6);
  EXPECT_EQ(log.logEndOffset(), 6);
  log.truncateTo(3);  // inside [2,4]: the whole batch goes
  EXPECT_EQ(log.logEndOffset(), 2);
  EXPECT_EQ(log.batches().size(), 1u);
  EXPECT_EQ(log.sizeInBytes(), log.batches()[0].bytes.size());
  ASSERT_EQ(log.appendAsLeader(makeBatch(1), 0).firstOffset, 2);

  log.truncateFullyAndStartAt(10);
  EXPECT_EQ(log.logStartOffset(), 10);
  EXPECT_EQ(log.logEndOffset(), 10);
  log.truncateTo(4);  // below every batch: restart there, as Kafka
  EXPECT_EQ(log.logStartOffset(), 4);
  EXPECT_EQ(log.logEndOffset(), 4);
  EXPECT_EQ(log.appendAsLeader(makeBatch(1), 0).firstOffset, 4);
}

// spec 4.7: follower appends keep the leader's offsets and epochs, starting at the LEO.
TEST(LogReadTest, Spec4_7_FollowerAppendKeepsLeaderOffsets) {
  Log leader = threeBatches();
  const auto& b = leader.batches();
  Log follower;
  const auto first = follower.appendAsFollower(concat({b[0].bytes, b[1].bytes, std::span(b[2].bytes).first(30)}));
  ASSERT_EQ(first.error, ErrorCode::NONE) << "a trailing partial batch is ignored";
  EXPECT_EQ(first.firstOffset, 0);
  EXPECT_EQ(first.lastOffset, 4);
  EXPECT_EQ(follower.logEndOffset(), 5);
  EXPECT_EQ(follower.appendAsFollower({}).error, ErrorCode::NONE);
  EXPECT_EQ(follower.appendAsFollower(b[2].bytes).lastOffset, 5);
  EXPECT_TRUE(std::ranges::equal(follower.batches()[2].bytes, b[2].bytes));
}

TEST(LogReadTest, Spec4_7_FollowerAppendAtWrongOffsetAppendsNothing) {
  Log leader = threeBatches();
  const auto& b = leader.batches();
  Log follower;
  EXPECT_EQ(follower.appendAsFollower(b[1].bytes).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(follower.appendAsFollower(concat({b[0].bytes, b[2].bytes})).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(follower.logEndOffset(), 0);
  EXPECT_TRUE(follower.batches().empty());
}

TEST(LogReadTest, FollowerAppendOfCorruptBatchAppendsNothing) {
  Log leader = threeBatches();
  std::vector<uint8_t> second(leader.batches()[1].bytes.begin(), leader.batches()[1].bytes.end());
  second.back() ^= 0x01;
  Log follower;
  EXPECT_EQ(follower.appendAsFollower(concat({leader.batches()[0].bytes, second})).error, ErrorCode::CORRUPT_MESSAGE);
  EXPECT_EQ(follower.logEndOffset(), 0);
  std::vector<uint8_t> badMagic(leader.batches()[0].bytes.begin(), leader.batches()[0].bytes.end());
  badMagic[16] = 1;
  EXPECT_EQ(follower.appendAsFollower(badMagic).error, ErrorCode::CORRUPT_MESSAGE);
}

// ListOffsets by timestamp: the first record at or after the target.
TEST(LogReadTest, OffsetForTimestampFindsFirstRecordAtOrAfter) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 3, .baseTimestamp = 100, .timestampStep = 10}), 0).error,
            ErrorCode::NONE);  // offsets 0-2 at 100, 110, 120
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 200, .timestampStep = 10}), 0).error,
            ErrorCode::NONE);  // offsets 3-4 at 200, 210
  EXPECT_EQ(log.offsetForTimestamp(0), (TimestampAndOffset{100, 0, 0}));
  EXPECT_EQ(log.offsetForTimestamp(105), (TimestampAndOffset{110, 1, 0}));
  EXPECT_EQ(log.offsetForTimestamp(120), (TimestampAndOffset{120, 2, 0}));
  EXPECT_EQ(log.offsetForTimestamp(121), (TimestampAndOffset{200, 3, 0}));
  EXPECT_EQ(log.offsetForTimestamp(211), std::nullopt);
  log.advanceLogStartOffset(1);  // records below the log start are skipped
  EXPECT_EQ(log.offsetForTimestamp(0), (TimestampAndOffset{110, 1, 0}));
}

// Kafka's TimestampAndOffset carries the leader epoch of the batch it was found in.
TEST(LogReadTest, TimestampLookupsAnswerTheFoundBatchsLeaderEpoch) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 100}), 3).error, ErrorCode::NONE);
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 200}), 7).error, ErrorCode::NONE);
  EXPECT_EQ(log.offsetForTimestamp(101), (TimestampAndOffset{101, 1, 3}));
  EXPECT_EQ(log.offsetForTimestamp(150), (TimestampAndOffset{200, 2, 7}));
  EXPECT_EQ(log.offsetOfMaxTimestamp(), (TimestampAndOffset{201, 3, 7}));
}

// Kafka's LogSegment.findOffsetByTimestamp iterates the records of compressed batches too.
TEST(LogReadTest, OffsetForTimestampLooksInsideCompressedBatches) {
  for (const auto codec : {protocol::CompressionType::Gzip, protocol::CompressionType::Snappy,
                           protocol::CompressionType::Lz4, protocol::CompressionType::Zstd}) {
    Log log;
    ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 100}), 0).error, ErrorCode::NONE);
    const auto batch = makeBatch(BatchSpec{.records = 3, .baseTimestamp = 500, .attributes = {.compression = codec}});
    ASSERT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::NONE);  // offsets 2-4 at 500, 501, 502
    EXPECT_EQ(log.offsetForTimestamp(501), (TimestampAndOffset{501, 3, 0}));
    EXPECT_EQ(log.offsetForTimestamp(502), (TimestampAndOffset{502, 4, 0}));
    EXPECT_EQ(log.offsetForTimestamp(503), std::nullopt);
  }
}

// ListOffsets -3 finds the record inside a compressed batch (Kafka's offsetOfMaxTimestamp).
TEST(LogReadTest, OffsetOfMaxTimestampLooksInsideCompressedBatches) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 100}), 0).error, ErrorCode::NONE);
  const auto batch = makeBatch(BatchSpec{.records = 4, .baseTimestamp = 900, .timestampStep = -100,
                                         .attributes = {.compression = protocol::CompressionType::Lz4}});
  ASSERT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::NONE);  // offsets 2-5 at 900, 800, 700, 600
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 3, .baseTimestamp = 850, .timestampStep = 10,
                                                   .attributes = {.compression = protocol::CompressionType::Zstd}}),
                               0)
                .error,
            ErrorCode::NONE);  // offsets 6-8 at 850, 860, 870
  EXPECT_EQ(log.offsetOfMaxTimestamp(), (TimestampAndOffset{900, 2, 0}));
  Log second;
  ASSERT_EQ(second.appendAsLeader(makeBatch(BatchSpec{.records = 3, .baseTimestamp = 850, .timestampStep = 10,
                                                      .attributes = {.compression = protocol::CompressionType::Zstd}}),
                                  0)
                .error,
            ErrorCode::NONE);
  EXPECT_EQ(second.offsetOfMaxTimestamp(), (TimestampAndOffset{870, 2, 0}));
}

// ListOffsets -3: the record with the largest timestamp, the earliest one on a tie.
TEST(LogReadTest, OffsetOfMaxTimestamp) {
  Log log;
  EXPECT_EQ(log.offsetOfMaxTimestamp(), std::nullopt);
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 100}), 0).error, ErrorCode::NONE);
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 3, .baseTimestamp = 900, .timestampStep = -100}), 0).error,
            ErrorCode::NONE);  // offsets 2-4 at 900, 800, 700
  ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 1, .baseTimestamp = 900}), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.offsetOfMaxTimestamp(), (TimestampAndOffset{900, 2, 0}));
}

}  // namespace
}  // namespace kafkalite::mock
