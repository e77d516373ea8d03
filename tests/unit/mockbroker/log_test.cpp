// Log: leader append, offset assignment and the checks a Produce partition's records pass
// (spec 1.3; interop §6; Kafka's ProduceRequest.validateRecords, UnifiedLog, LogValidator).
#include "mockbroker/log.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "batch_fixtures.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::BatchSpec;
using fixtures::concat;
using fixtures::fixCrc;
using fixtures::makeBatch;
using fixtures::storeBigEndian;
using fixtures::viewOf;

// spec 1.3: offsets [base, last] from the LEO; the stored bytes carry them and the epoch.
TEST(LogTest, Spec1_3_AppendAssignsOffsetsFromLogEndOffset) {
  Log log;
  const auto first = log.appendAsLeader(makeBatch(3), 4);
  ASSERT_EQ(first.error, ErrorCode::NONE);
  EXPECT_EQ(first.firstOffset, 0);
  EXPECT_EQ(first.lastOffset, 2);
  EXPECT_FALSE(first.duplicate);
  const auto second = log.appendAsLeader(makeBatch(2), 4);
  ASSERT_EQ(second.error, ErrorCode::NONE);
  EXPECT_EQ(second.firstOffset, 3);
  EXPECT_EQ(second.lastOffset, 4);
  EXPECT_EQ(log.logEndOffset(), 5);
  EXPECT_EQ(log.logStartOffset(), 0);
  ASSERT_EQ(log.batches().size(), 2u);

  const auto& stored = log.batches()[1];
  EXPECT_EQ(stored.baseOffset, 3);
  EXPECT_EQ(stored.lastOffset, 4);
  EXPECT_EQ(stored.leaderEpoch, 4);
  const auto view = viewOf(stored.bytes);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->baseOffset(), 3);
  EXPECT_EQ(view->partitionLeaderEpoch(), 4);
  EXPECT_TRUE(view->crcValid()) << "offset and epoch are outside the CRC";
  EXPECT_EQ(log.sizeInBytes(), log.batches()[0].bytes.size() + stored.bytes.size());
}

TEST(LogTest, AppendReportsMaxTimestamp) {
  Log log;
  const auto info = log.appendAsLeader(makeBatch(BatchSpec{.records = 3, .baseTimestamp = 5000, .timestampStep = 10}), 0);
  ASSERT_EQ(info.error, ErrorCode::NONE);
  EXPECT_EQ(info.maxTimestamp, 5020);
  EXPECT_EQ(log.batches().front().maxTimestamp, 5020);
}

TEST(LogTest, RejectedAppendLeavesLogUnchanged) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(makeBatch(1), 0).error, ErrorCode::NONE);
  auto bad = makeBatch(2);
  bad.back() ^= 0xff;
  EXPECT_NE(log.appendAsLeader(bad, 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.logEndOffset(), 1);
  EXPECT_EQ(log.batches().size(), 1u);
}

// Interop §6: CRC32C over attributes..end; a flipped bit is CORRUPT_MESSAGE.
TEST(LogTest, BadCrcIsCorruptMessage) {
  Log log;
  auto batch = makeBatch(2);
  batch.back() ^= 0x01;
  const auto info = log.appendAsLeader(batch, 0);
  EXPECT_EQ(info.error, ErrorCode::CORRUPT_MESSAGE);
  EXPECT_FALSE(info.errorMessage.empty());
  EXPECT_EQ(log.logEndOffset(), 0);
}

// Produce v3+ takes magic 2 only: a legacy magic is INVALID_RECORD, an unknown one is corrupt.
TEST(LogTest, MagicOtherThanTwoIsRejected) {
  Log log;
  auto legacy = makeBatch(1);
  legacy[16] = 1;
  EXPECT_EQ(log.appendAsLeader(legacy, 0).error, ErrorCode::INVALID_RECORD);
  auto unknown = makeBatch(1);
  unknown[16] = 5;
  EXPECT_EQ(log.appendAsLeader(unknown, 0).error, ErrorCode::CORRUPT_MESSAGE);
  EXPECT_EQ(log.logEndOffset(), 0);
}

// LogConfig::maxMessageBytes counts the whole batch, header included.
TEST(LogTest, BatchOverMaxMessageBytesIsMessageTooLarge) {
  const auto batch = makeBatch(BatchSpec{.records = 4, .valueSize = 100});
  Log atLimit(LogConfig{.maxMessageBytes = static_cast<int32_t>(batch.size())});
  EXPECT_EQ(atLimit.appendAsLeader(batch, 0).error, ErrorCode::NONE);
  Log overLimit(LogConfig{.maxMessageBytes = static_cast<int32_t>(batch.size()) - 1});
  EXPECT_EQ(overLimit.appendAsLeader(batch, 0).error, ErrorCode::MESSAGE_TOO_LARGE);
  EXPECT_EQ(overLimit.logEndOffset(), 0);
}

// Interop §6 / produce v3+: exactly one batch per partition.
TEST(LogTest, SeveralBatchesAreInvalidRecord) {
  Log log;
  const auto a = makeBatch(1);
  const auto b = makeBatch(2);
  const auto info = log.appendAsLeader(concat({a, b}), 0);
  EXPECT_EQ(info.error, ErrorCode::INVALID_RECORD);
  EXPECT_EQ(log.logEndOffset(), 0);
  EXPECT_TRUE(log.batches().empty());
}

TEST(LogTest, NoCompleteBatchIsInvalidRecord) {
  Log log;
  EXPECT_EQ(log.appendAsLeader({}, 0).error, ErrorCode::INVALID_RECORD);
  const auto batch = makeBatch(2);
  EXPECT_EQ(log.appendAsLeader(std::span(batch).first(batch.size() - 1), 0).error, ErrorCode::INVALID_RECORD);
  EXPECT_EQ(log.appendAsLeader(std::span(batch).first(8), 0).error, ErrorCode::INVALID_RECORD);
}

TEST(LogTest, TrailingPartialBatchIsInvalidRecord) {
  Log log;
  const auto a = makeBatch(1);
  const auto b = makeBatch(1);
  const auto records = concat({a, std::span(b).first(20)});
  EXPECT_EQ(log.appendAsLeader(records, 0).error, ErrorCode::INVALID_RECORD);
  EXPECT_EQ(log.logEndOffset(), 0);
}

TEST(LogTest, BatchLengthBelowMinimumIsCorrupt) {
  Log log;
  auto tiny = makeBatch(1);
  storeBigEndian(tiny, 8, 10, 4);  // below Kafka's 14-byte framing minimum
  EXPECT_EQ(log.appendAsLeader(tiny, 0).error, ErrorCode::CORRUPT_MESSAGE);
  auto shortHeader = makeBatch(1);
  storeBigEndian(shortHeader, 8, 40, 4);  // frames, but shorter than a v2 header
  shortHeader.resize(52);
  EXPECT_EQ(log.appendAsLeader(shortHeader, 0).error, ErrorCode::CORRUPT_MESSAGE);
}

TEST(LogTest, ClientBaseOffsetMustBeZero) {
  Log log;
  auto batch = makeBatch(1);
  storeBigEndian(batch, 0, 42, 8);  // outside the CRC
  EXPECT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::INVALID_RECORD);
}

// LogValidator.validateBatch: lastOffsetDelta must be recordsCount - 1.
TEST(LogTest, InconsistentCountIsInvalidRecord) {
  Log log;
  auto batch = makeBatch(3);
  storeBigEndian(batch, 23, 1, 4);  // lastOffsetDelta 1 with 3 records
  fixCrc(batch);
  EXPECT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::INVALID_RECORD);

  auto compressed = makeBatch(BatchSpec{.records = 3, .attributes = {.compression = protocol::CompressionType::Gzip}});
  storeBigEndian(compressed, 23, 5, 4);
  fixCrc(compressed);
  EXPECT_EQ(log.appendAsLeader(compressed, 0).error, ErrorCode::INVALID_RECORD) << "checked for every codec";
  EXPECT_EQ(log.logEndOffset(), 0);
}

TEST(LogTest, EmptyBatchIsInvalidRecord) {
  Log log;
  auto batch = makeBatch(1);
  storeBigEndian(batch, 23, 0, 4);
  storeBigEndian(batch, 57, 0, 4);  // recordsCount 0
  batch.resize(protocol::kRecordBatchHeaderSize);
  storeBigEndian(batch, 8, protocol::kRecordBatchHeaderSize - 12, 4);
  fixCrc(batch);
  EXPECT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::INVALID_RECORD);
}

TEST(LogTest, MalformedRecordIsInvalidRecord) {
  Log log;
  auto batch = makeBatch(2);
  batch[protocol::kRecordBatchHeaderSize] = 0x02;  // first record claims a length of 1 byte
  fixCrc(batch);
  const auto info = log.appendAsLeader(batch, 0);
  EXPECT_EQ(info.error, ErrorCode::INVALID_RECORD);
  EXPECT_FALSE(info.errorMessage.empty());
}

TEST(LogTest, ControlBatchFromClientIsInvalidRecord) {
  Log log;
  const auto batch = makeBatch(BatchSpec{.records = 1, .attributes = {.control = true}});
  EXPECT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::INVALID_RECORD);
}

TEST(LogTest, ProducerIdWithoutSequenceIsInvalidRecord) {
  Log log;
  const auto batch = makeBatch(BatchSpec{.records = 1, .producerId = 7, .producerEpoch = 0, .baseSequence = -1});
  EXPECT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::INVALID_RECORD);
}

// Compressed batches are stored as they are: no decompression, offsets from lastOffsetDelta.
TEST(LogTest, CompressedBatchIsStoredAsIs) {
  Log log;
  const auto batch = makeBatch(BatchSpec{.records = 4, .attributes = {.compression = protocol::CompressionType::Gzip}});
  const auto info = log.appendAsLeader(batch, 2);
  ASSERT_EQ(info.error, ErrorCode::NONE);
  EXPECT_EQ(info.lastOffset, 3);
  ASSERT_EQ(log.batches().size(), 1u);
  EXPECT_EQ(log.batches()[0].bytes.size(), batch.size());
  EXPECT_TRUE(std::equal(batch.begin() + 21, batch.end(), log.batches()[0].bytes.begin() + 21));
}

}  // namespace
}  // namespace kafkalite::mock
