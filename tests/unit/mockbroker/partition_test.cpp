// Partition: produce checks (spec 1.2, 1.7(c)), the high watermark (spec 2.2, 2.3, 2.5), leader
// epochs (spec 2.7, 4.1), reads (spec 4.3, 4.5) and divergence.
#include "mockbroker/partition.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "partition_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::kLag;
using fixtures::kT0;
using fixtures::makeBatch;

class PartitionTest : public fixtures::PartitionFixture {};

// spec 2.2: HW = min(leader LEO, ISR followers' LEOs); it moves as followers report.
TEST_F(PartitionTest, Spec2_2_HighWatermarkIsMinOfIsrLogEndOffsets) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  ASSERT_EQ(append(5), 5);
  EXPECT_EQ(p().highWatermark(), 0);
  EXPECT_FALSE(fetch(2, 5).highWatermarkIncreased);  // follower 3 still unknown (spec 2.6)
  const auto r = fetch(3, 3);
  EXPECT_TRUE(r.highWatermarkIncreased);
  EXPECT_EQ(p().highWatermark(), 3);
  EXPECT_TRUE(fetch(3, 5).highWatermarkIncreased);
  EXPECT_EQ(p().highWatermark(), 5);
}

// spec 2.2: the HW only increases.
TEST_F(PartitionTest, Spec2_2_HighWatermarkNeverDecreases) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(4);
  fetch(2, 4);
  ASSERT_EQ(p().highWatermark(), 4);
  EXPECT_FALSE(fetch(2, 2).highWatermarkIncreased);
  EXPECT_EQ(p().highWatermark(), 4);
}

// spec 2.2: a leader append raises the HW when the ISR is the leader alone.
TEST_F(PartitionTest, Spec2_2_LeaderAppendRaisesHighWatermarkWhenAlone) {
  p().makeLeader(state(1, {1}), kT0);
  ASSERT_EQ(append(3, 1), 3);
  EXPECT_TRUE(lastAppend_.highWatermarkIncreased);
  EXPECT_EQ(p().highWatermark(), 3);
}

// spec 2.2: a caught-up replica not yet in the ISR holds the HW back too.
TEST_F(PartitionTest, Spec2_2_CaughtUpNonIsrReplicaHoldsHighWatermark) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(2);
  fetch(2, 2);
  fetch(3, 2, kT0 + 10);  // caught up at kT0 + 10; would join the ISR
  ASSERT_EQ(p().highWatermark(), 2);
  append(3);
  fetch(2, 5, kT0 + 20);
  EXPECT_EQ(p().highWatermark(), 2) << "replica 3 is caught up (within the lag) at LEO 2";
  fetch(2, 5, kT0 + 10 + kLag + 1);  // no LEO change: no recompute
  EXPECT_EQ(p().highWatermark(), 2);
  EXPECT_TRUE(p().applyIsr({1, 2}, kT0 + 10 + kLag + 1)) << "3 is no longer caught up";
  EXPECT_EQ(p().highWatermark(), 5);
}

// spec 1.2: not leader, and min ISR with acks = -1, both before the append.
TEST_F(PartitionTest, Spec1_2_NotLeaderOrFollower) {
  EXPECT_EQ(append(1), -1);
  EXPECT_EQ(lastAppend_.info.error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  p().makeFollower(state(1, {2, 1}, {1, 2, 3}, 2));
  EXPECT_EQ(append(1, 1), -1);
  EXPECT_EQ(lastAppend_.info.error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_EQ(log_.logEndOffset(), 0);
}

TEST_F(PartitionTest, Spec1_2_NotEnoughReplicasBeforeAppend) {
  create(PartitionConfig{.minInsyncReplicas = 2});
  p().makeLeader(state(1, {1}), kT0);
  EXPECT_EQ(append(1, -1), -1);
  EXPECT_EQ(lastAppend_.info.error, ErrorCode::NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(log_.logEndOffset(), 0) << "nothing appended";
  EXPECT_EQ(append(1, 1), 1) << "acks = 1 ignores min ISR";
  EXPECT_EQ(append(1, 0), 2) << "acks = 0 ignores min ISR";
}

TEST_F(PartitionTest, Spec1_2_EffectiveMinIsrIsCappedByReplicationFactor) {
  create(PartitionConfig{.minInsyncReplicas = 3});
  p().makeLeader(state(1, {1, 2}, {1, 2}), kT0);
  EXPECT_EQ(p().effectiveMinIsr(), 2);
  EXPECT_EQ(append(1, -1), 1);
}

// spec 1.7(c) with hw_requires_min_isr = false: the HW reaches the offset after a shrink below
// min ISR, and the produce completes with NOT_ENOUGH_REPLICAS_AFTER_APPEND (data kept).
TEST_F(PartitionTest, Spec1_7c_NotEnoughReplicasAfterAppendWithoutHwMinIsr) {
  create(PartitionConfig{.minInsyncReplicas = 2, .hwRequiresMinIsr = false});
  p().makeLeader(state(1, {1, 2}, {1, 2}), kT0);
  const int64_t required = append(2, -1);
  ASSERT_EQ(required, 2);
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(required), (std::pair{false, ErrorCode::NONE}));
  ASSERT_EQ(p().maybeShrinkIsr(kT0 + kLag + 1), (std::vector<int32_t>{1}));
  EXPECT_TRUE(p().applyIsr({1}, kT0 + kLag + 1));
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(required), (std::pair{true, ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND}));
  EXPECT_EQ(log_.logEndOffset(), 2);
}

// spec 2.3: with hw_requires_min_isr (the default) the HW stays below min ISR, so the same
// produce just waits (and times out in the purgatory).
TEST_F(PartitionTest, Spec2_3_HighWatermarkStuckBelowMinIsr) {
  create(PartitionConfig{.minInsyncReplicas = 2});
  p().makeLeader(state(1, {1, 2}, {1, 2}), kT0);
  const int64_t required = append(2, -1);
  EXPECT_FALSE(p().applyIsr({1}, kT0 + kLag + 1));
  EXPECT_EQ(p().highWatermark(), 0);
  EXPECT_EQ(append(1, 1), 3);
  EXPECT_FALSE(lastAppend_.highWatermarkIncreased);
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(required), (std::pair{false, ErrorCode::NONE}));
  fetch(2, 3, kT0 + kLag + 2);
  EXPECT_TRUE(p().applyIsr({1, 2}, kT0 + kLag + 2)) << "back at min ISR, the HW moves";
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(required), (std::pair{true, ErrorCode::NONE}));
}

TEST_F(PartitionTest, Spec1_7_CheckOnFollowerIsNotLeader) {
  p().makeFollower(state(1, {2}, {1, 2}, 2));
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(0), (std::pair{false, ErrorCode::NOT_LEADER_OR_FOLLOWER}));
}

// spec 2.7
TEST_F(PartitionTest, Spec2_7_CurrentLeaderEpochCheck) {
  p().makeLeader(state(4, {1}), kT0);
  EXPECT_EQ(p().checkCurrentLeaderEpoch(-1), ErrorCode::NONE);
  EXPECT_EQ(p().checkCurrentLeaderEpoch(4), ErrorCode::NONE);
  EXPECT_EQ(p().checkCurrentLeaderEpoch(3), ErrorCode::FENCED_LEADER_EPOCH);
  EXPECT_EQ(p().checkCurrentLeaderEpoch(5), ErrorCode::UNKNOWN_LEADER_EPOCH);
}

// spec 4.1: a fetch from a replica that is not assigned, and any follower fetch on a non-leader.
TEST_F(PartitionTest, Spec4_1_FetchFromUnassignedReplica) {
  p().makeLeader(state(1, {1, 2}), kT0);
  EXPECT_EQ(fetch(9, 0).error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_EQ(p().updateFollowerFetchState(9, 0, kT0, 1).error, ErrorCode::UNKNOWN_LEADER_EPOCH);
  EXPECT_EQ(fetch(2, 0).error, ErrorCode::NONE);
  p().makeFollower(state(2, {2}, {1, 2, 3}, 2));
  EXPECT_EQ(fetch(3, 0).error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
}

// spec 4.3: consumers read to the HW, followers to the LEO; (HW, LEO] is empty without error.
TEST_F(PartitionTest, Spec4_3_ConsumerReadsToHighWatermarkFollowerToLogEnd) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(2);
  fetch(2, 2);
  append(3);
  ASSERT_EQ(p().highWatermark(), 2);
  EXPECT_EQ(p().read(0, 1 << 20, FetchIsolation::HighWatermark).batches.size(), 1u);
  EXPECT_EQ(p().read(0, 1 << 20, FetchIsolation::TxnCommitted).batches.size(), 1u);
  EXPECT_EQ(p().read(0, 1 << 20, FetchIsolation::LogEnd).batches.size(), 2u);
  const auto beyondHw = p().read(3, 1 << 20, FetchIsolation::HighWatermark);
  EXPECT_EQ(beyondHw.error, ErrorCode::NONE);
  EXPECT_TRUE(beyondHw.batches.empty());
  EXPECT_EQ(p().read(6, 1 << 20, FetchIsolation::HighWatermark).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(p().lastStableOffset(), p().highWatermark());
}

// spec 4.5: bytes a DelayedFetch may count, per isolation, capped at maxBytes.
TEST_F(PartitionTest, Spec4_5_BytesAvailable) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(2);
  fetch(2, 2);
  append(3);
  const std::size_t first = log_.batches()[0].bytes.size();
  EXPECT_EQ(p().bytesAvailable(0, 1 << 20, FetchIsolation::HighWatermark), first);
  EXPECT_EQ(p().bytesAvailable(0, 1 << 20, FetchIsolation::LogEnd), log_.sizeInBytes());
  EXPECT_EQ(p().bytesAvailable(0, 10, FetchIsolation::LogEnd), 10u);
  EXPECT_EQ(p().bytesAvailable(2, 1 << 20, FetchIsolation::HighWatermark), 0u);
  EXPECT_EQ(p().bytesAvailable(7, 1 << 20, FetchIsolation::LogEnd), 0u);
}

// spec 2.5: follower HW = min(leader HW, local LEO), at least the log start; it may fall.
TEST_F(PartitionTest, Spec2_5_FollowerHighWatermark) {
  Log leaderLog;
  ASSERT_EQ(leaderLog.appendAsLeader(makeBatch(3), 1).error, ErrorCode::NONE);
  ASSERT_EQ(leaderLog.appendAsLeader(makeBatch(2), 1).error, ErrorCode::NONE);
  p().makeFollower(state(1, {2, 1}, {1, 2}, 2));
  ASSERT_EQ(p().appendRecordsAsFollower(leaderLog.batches()[0].bytes).error, ErrorCode::NONE);
  p().updateFollowerHighWatermark(5);
  EXPECT_EQ(p().highWatermark(), 3);
  p().updateFollowerHighWatermark(2);
  EXPECT_EQ(p().highWatermark(), 2);
  log_.advanceLogStartOffset(3);
  p().updateFollowerHighWatermark(1);
  EXPECT_EQ(p().highWatermark(), 3);
}

// spec 4.8: truncation keeps HW <= LEO.
TEST_F(PartitionTest, Spec4_8_TruncationClampsHighWatermark) {
  p().makeLeader(state(1, {1}), kT0);
  append(2);
  append(2);
  ASSERT_EQ(p().highWatermark(), 4);
  p().makeFollower(state(2, {2, 1}, {1, 2}, 2));
  p().truncateTo(2);
  EXPECT_EQ(p().logEndOffset(), 2);
  EXPECT_EQ(p().highWatermark(), 2);
  p().truncateFullyAndStartAt(10);
  EXPECT_EQ(p().logStartOffset(), 10);
  EXPECT_EQ(p().highWatermark(), 10);
}

// KIP-595 fetch validation: leader log has epoch 1 at [0,3) and epoch 3 at [3,5).
TEST_F(PartitionTest, DivergingEpochFromLastFetchedEpoch) {
  p().makeLeader(state(1, {1}), kT0);
  append(3);
  p().makeLeader(state(3, {1}), kT0);
  append(2);
  EXPECT_EQ(p().divergingEpoch(-1, 4), std::nullopt);
  EXPECT_EQ(p().divergingEpoch(1, 3), std::nullopt);
  EXPECT_EQ(p().divergingEpoch(3, 5), std::nullopt);
  auto d = p().divergingEpoch(2, 4);  // epoch 2 unknown here: ours ends at epoch 1, offset 3
  ASSERT_TRUE(d);
  EXPECT_EQ(d->epoch, 1);
  EXPECT_EQ(d->endOffset, 3);
  d = p().divergingEpoch(1, 5);  // follower has epoch-1 records past where our epoch 1 ends
  ASSERT_TRUE(d);
  EXPECT_EQ(d->endOffset, 3);
  log_.advanceLogStartOffset(4);
  EXPECT_EQ(p().divergingEpoch(1, 4), std::nullopt);
  d = p().divergingEpoch(1, 5);  // older than every cached epoch: ends where the oldest starts
  ASSERT_TRUE(d);
  EXPECT_EQ(d->epoch, 1);
  EXPECT_EQ(d->endOffset, 4);
  EXPECT_EQ(p().divergingEpoch(1, 2), std::nullopt) << "below the log start: the read says OFFSET_OUT_OF_RANGE";
}

}  // namespace
}  // namespace kafkalite::mock
