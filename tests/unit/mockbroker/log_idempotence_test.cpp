// Log: the idempotent producer state of spec 8.6 (Kafka's ProducerStateEntry / ProducerAppendInfo).
#include "mockbroker/log.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "batch_fixtures.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::idempotentBatch;
using fixtures::makeBatch;

constexpr int64_t kPid = 1000;
constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();

// Appends six 2-record batches with sequences 0-1, 2-3, ..., 10-11 at offsets 0-1, ..., 10-11.
void appendSix(Log& log) {
  for (int i = 0; i < 6; ++i) {
    const auto info = log.appendAsLeader(idempotentBatch(kPid, 0, 2 * i, 2), 0);
    ASSERT_EQ(info.error, ErrorCode::NONE) << "batch " << i;
  }
}

// spec 8.6: an exact repeat of any of the last five batches is answered with its original
// offsets and appends nothing; the sixth-newest has left the cache.
TEST(LogIdempotenceTest, Spec8_6_DuplicateOfEachOfLastFiveReturnsOriginalOffsets) {
  Log log;
  appendSix(log);
  ASSERT_EQ(log.logEndOffset(), 12);
  for (int i = 1; i < 6; ++i) {
    const auto info = log.appendAsLeader(idempotentBatch(kPid, 0, 2 * i, 2), 0);
    EXPECT_EQ(info.error, ErrorCode::NONE) << "batch " << i;
    EXPECT_TRUE(info.duplicate) << "batch " << i;
    EXPECT_EQ(info.firstOffset, 2 * i);
    EXPECT_EQ(info.lastOffset, 2 * i + 1);
    EXPECT_EQ(info.maxTimestamp, log.batches()[static_cast<std::size_t>(i)].maxTimestamp);
  }
  EXPECT_EQ(log.logEndOffset(), 12);
  EXPECT_EQ(log.batches().size(), 6u);
  const auto oldest = log.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 0);
  EXPECT_EQ(oldest.error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER) << "older than the five cached batches";
}

// spec 8.6: a duplicate must match both firstSeq and lastSeq.
TEST(LogIdempotenceTest, Spec8_6_PartialOverlapIsOutOfOrderNotDuplicate) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 0, 3), 0).error, ErrorCode::NONE);
  const auto info = log.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 0);
  EXPECT_EQ(info.error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_FALSE(info.duplicate);
}

// spec 8.6: firstSeq must be lastSeq + 1.
TEST(LogIdempotenceTest, Spec8_6_GapIsOutOfOrderSequence) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 0).error, ErrorCode::NONE);
  const auto gap = log.appendAsLeader(idempotentBatch(kPid, 0, 3), 0);
  EXPECT_EQ(gap.error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_FALSE(gap.errorMessage.empty());
  EXPECT_EQ(log.logEndOffset(), 2);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.logEndOffset(), 3);
}

// spec 8.6: a new epoch must start at sequence 0.
TEST(LogIdempotenceTest, Spec8_6_NewEpochMustStartAtZero) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 1, 2), 0).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 1, 0), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 1, 1), 0).error, ErrorCode::NONE);
}

// spec 8.6: an epoch below the current one is INVALID_PRODUCER_EPOCH, even for a batch the
// old epoch wrote (duplicates are matched within the current epoch only).
TEST(LogIdempotenceTest, Spec8_6_OlderEpochIsFenced) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 3, 0), 0).error, ErrorCode::NONE);
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 4, 0), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 3, 1), 0).error, ErrorCode::INVALID_PRODUCER_EPOCH);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 3, 0), 0).error, ErrorCode::INVALID_PRODUCER_EPOCH);
  EXPECT_EQ(log.logEndOffset(), 2);
}

// spec 8.6: producer id -1 is never checked, so a resend is appended again.
TEST(LogIdempotenceTest, Spec8_6_ProducerIdMinusOneIsNeverChecked) {
  Log log;
  const auto batch = makeBatch(2);
  ASSERT_EQ(log.appendAsLeader(batch, 0).error, ErrorCode::NONE);
  const auto again = log.appendAsLeader(batch, 0);
  EXPECT_EQ(again.error, ErrorCode::NONE);
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(again.firstOffset, 2);
}

// spec 8.6: no state for the pid, any sequence is accepted; state is per pid.
TEST(LogIdempotenceTest, Spec8_6_UnknownProducerAcceptsAnySequence) {
  Log log;
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 5, 42), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid + 1, 0, 7), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 5, 43), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid + 1, 0, 9), 0).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
}

// spec 8.6: 0 follows INT32_MAX, both between batches and inside one.
TEST(LogIdempotenceTest, Spec8_6_SequenceWrapsAtInt32Max) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, kMaxSeq - 1, 2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 0).error, ErrorCode::NONE);

  Log inside;
  ASSERT_EQ(inside.appendAsLeader(idempotentBatch(kPid, 0, kMaxSeq, 2), 0).error, ErrorCode::NONE);  // seq MAX, 0
  EXPECT_EQ(inside.batches().back().lastSequence, 0);
  EXPECT_EQ(inside.appendAsLeader(idempotentBatch(kPid, 0, 0), 0).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_EQ(inside.appendAsLeader(idempotentBatch(kPid, 0, 1), 0).error, ErrorCode::NONE);
  const auto dup = inside.appendAsLeader(idempotentBatch(kPid, 0, kMaxSeq, 2), 0);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.firstOffset, 0);
}

// A follower keeps producer state from the batches it replicates, so it dedups once it leads.
TEST(LogIdempotenceTest, Spec8_6_FollowerAppendKeepsProducerState) {
  Log leader;
  ASSERT_EQ(leader.appendAsLeader(idempotentBatch(kPid, 0, 0, 2), 1).error, ErrorCode::NONE);
  ASSERT_EQ(leader.appendAsLeader(idempotentBatch(kPid, 0, 2, 2), 1).error, ErrorCode::NONE);
  Log follower;
  for (const auto& b : leader.batches()) ASSERT_EQ(follower.appendAsFollower(b.bytes).error, ErrorCode::NONE);

  const auto dup = follower.appendAsLeader(idempotentBatch(kPid, 0, 2, 2), 2);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.firstOffset, 2);
  EXPECT_EQ(follower.appendAsLeader(idempotentBatch(kPid, 0, 9), 2).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_EQ(follower.appendAsLeader(idempotentBatch(kPid, 0, 4), 2).error, ErrorCode::NONE);
}

// Truncation rebuilds the state: a truncated batch is no longer a duplicate, an earlier one is.
TEST(LogIdempotenceTest, Spec8_6_TruncationRebuildsProducerState) {
  Log log;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, i), 0).error, ErrorCode::NONE);
  log.truncateTo(2);
  ASSERT_EQ(log.logEndOffset(), 2);
  const auto resent = log.appendAsLeader(idempotentBatch(kPid, 0, 2), 0);
  EXPECT_EQ(resent.error, ErrorCode::NONE);
  EXPECT_FALSE(resent.duplicate);
  EXPECT_EQ(resent.firstOffset, 2);
  EXPECT_TRUE(log.appendAsLeader(idempotentBatch(kPid, 0, 1), 0).duplicate);

  // An epoch bump that is truncated away restores the older epoch.
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 1, 0), 0).error, ErrorCode::NONE);
  log.truncateTo(3);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 3), 0).error, ErrorCode::NONE);
}

// Retention deletes batches but not their producer state, even across a later truncation.
TEST(LogIdempotenceTest, Spec8_6_RetentionKeepsProducerState) {
  const auto size = idempotentBatch(kPid, 0, 0).size();
  Log log(LogConfig{.retentionBytes = static_cast<int64_t>(size)});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, i), 0).error, ErrorCode::NONE);
  log.deleteOldSegments(log.logEndOffset());
  ASSERT_EQ(log.logStartOffset(), 2);
  EXPECT_TRUE(log.appendAsLeader(idempotentBatch(kPid, 0, 0), 0).duplicate);
  log.truncateTo(2);  // leaves an empty log starting at 2
  EXPECT_TRUE(log.appendAsLeader(idempotentBatch(kPid, 0, 1), 0).duplicate);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 5), 0).error, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
}

TEST(LogIdempotenceTest, Spec8_6_TruncateFullyForgetsProducers) {
  Log log;
  ASSERT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 0), 0).error, ErrorCode::NONE);
  log.truncateFullyAndStartAt(50);
  EXPECT_EQ(log.appendAsLeader(idempotentBatch(kPid, 0, 17), 0).error, ErrorCode::NONE);
}

}  // namespace
}  // namespace kafkalite::mock
