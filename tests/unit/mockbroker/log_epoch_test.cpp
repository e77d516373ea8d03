// Log: the leader-epoch cache (Kafka's LeaderEpochFileCache) behind OffsetsForLeaderEpoch and
// the fetch's diverging-epoch check.
#include "mockbroker/log.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "batch_fixtures.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::makeBatch;

// Epoch 0 at offsets 0-3 (two batches), epoch 2 at 4-5, epoch 5 at 6-8.
Log logWithEpochs() {
  Log log;
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 0).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 2).error, ErrorCode::NONE);
  EXPECT_EQ(log.appendAsLeader(makeBatch(3), 5).error, ErrorCode::NONE);
  return log;
}

void expectEnd(const Log& log, int32_t requested, int32_t epoch, int64_t endOffset) {
  const auto end = log.endOffsetForEpoch(requested);
  ASSERT_TRUE(end) << "requested epoch " << requested;
  EXPECT_EQ(end->epoch, epoch) << "requested epoch " << requested;
  EXPECT_EQ(end->endOffset, endOffset) << "requested epoch " << requested;
}

// Largest epoch <= requested; it ends where the next known epoch starts, or at the LEO.
TEST(LogEpochTest, EndOffsetForEpochUsesLargestEpochAtOrBelow) {
  const Log log = logWithEpochs();
  expectEnd(log, 0, 0, 4);
  expectEnd(log, 1, 0, 4);
  expectEnd(log, 2, 2, 6);
  expectEnd(log, 4, 2, 6);
  expectEnd(log, 5, 5, 9);
  expectEnd(log, 9, 5, 9);
  EXPECT_EQ(log.endOffsetForEpoch(-1), std::nullopt);
  EXPECT_EQ(log.latestEpoch(), 5);
  EXPECT_EQ(log.earliestEpochEntry(), (std::pair<int32_t, int64_t>{0, 0}));
  EXPECT_EQ(Log().endOffsetForEpoch(3), std::nullopt);
  EXPECT_EQ(Log().latestEpoch(), -1);
}

// Truncation drops the epochs that started at or above the new LEO.
TEST(LogEpochTest, TruncationDropsLaterEpochs) {
  Log log = logWithEpochs();
  log.truncateTo(6);
  EXPECT_EQ(log.latestEpoch(), 2);
  expectEnd(log, 5, 2, 6);
  log.truncateTo(4);
  EXPECT_EQ(log.latestEpoch(), 0);
  expectEnd(log, 2, 0, 4);
  log.truncateFullyAndStartAt(20);
  EXPECT_EQ(log.endOffsetForEpoch(0), std::nullopt);
  EXPECT_EQ(log.earliestEpochEntry(), std::nullopt);
}

// A log start past an epoch's start drops older epochs and moves the first one up; an epoch
// older than every cached one is then unknown (the follower truncates to the log start).
TEST(LogEpochTest, LogStartMovesTheFirstEpoch) {
  Log log = logWithEpochs();
  log.advanceLogStartOffset(5);
  EXPECT_EQ(log.earliestEpochEntry(), (std::pair<int32_t, int64_t>{2, 5}));
  EXPECT_EQ(log.endOffsetForEpoch(0), std::nullopt);
  expectEnd(log, 2, 2, 6);
}

TEST(LogEpochTest, FollowerAppendCachesTheLeadersEpochs) {
  const Log leader = logWithEpochs();
  Log follower;
  for (const auto& b : leader.batches()) ASSERT_EQ(follower.appendAsFollower(b.bytes).error, ErrorCode::NONE);
  for (int32_t e = 0; e <= 6; ++e) EXPECT_EQ(follower.endOffsetForEpoch(e)->endOffset, leader.endOffsetForEpoch(e)->endOffset);
  EXPECT_EQ(follower.latestEpoch(), 5);
}

TEST(LogEpochTest, UnstampedBatchesAreNotCached) {
  Log follower;
  ASSERT_EQ(follower.appendAsFollower(makeBatch(1)).error, ErrorCode::NONE);  // partitionLeaderEpoch -1
  EXPECT_EQ(follower.endOffsetForEpoch(0), std::nullopt);
  EXPECT_EQ(follower.latestEpoch(), -1);
}

}  // namespace
}  // namespace kafkalite::mock
