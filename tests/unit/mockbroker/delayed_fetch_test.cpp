// DelayedFetch through ReplicaManager::fetchMessages (spec 4.4-4.6): when a fetch answers at once,
// what wakes a parked one — HW growth for consumers, LEO growth for followers (2.4, 4.5), enough
// bytes, lost leadership (6.4) — and what expiry returns. Fake clock, no sockets.
#include "mockbroker/purgatory/delayed_fetch.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "replica_manager_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::makeBatch;

std::vector<uint8_t> asVector(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

class DelayedFetchTest : public fixtures::ReplicaManagerFixture {};

// spec 4.4: a consumer fetch with min_bytes 1, max_wait 500 and nothing to read is parked.
TEST_F(DelayedFetchTest, Spec4_4_ConsumerFetchWithNoDataWaits) {
  start();
  const auto reply = fetch(consumerParams(tp0_, 0));
  EXPECT_EQ(reply->calls, 0);
  advance(499);
  EXPECT_EQ(reply->calls, 0);
}

// spec 2.4, 4.5: an append raises only the LEO, which does not wake a consumer (it reads to the
// HW); the HW rising once both followers report the new LEO does, with the records.
TEST_F(DelayedFetchTest, Spec4_5_ConsumerFetchWokenByHwGrowthNotByAppend) {
  start();
  const auto reply = fetch(consumerParams(tp0_, 0));
  produce(1, 30000, {tp0_});
  EXPECT_EQ(partition(tp0_).logEndOffset(), 1);
  EXPECT_EQ(reply->calls, 0);
  bothFollowersFetch(tp0_, 0);
  EXPECT_EQ(reply->calls, 0);
  followerFetch(2, tp0_, 1);
  EXPECT_EQ(reply->calls, 0);
  followerFetch(3, tp0_, 1);  // HW 0 -> 1
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[0].highWatermark, 1);
  EXPECT_EQ(reply->results[0].records(), asVector(partition(tp0_).log().batches().front().bytes));
  advance(500);
  EXPECT_EQ(reply->calls, 1);  // spec 5.1: the timeout no longer answers
}

// spec 2.4, 4.5: a follower fetch reads to the LEO, so the leader's append wakes it at once
// (that is how followers learn of new data without waiting max_wait).
TEST_F(DelayedFetchTest, Spec4_5_FollowerFetchWokenByLogEndGrowth) {
  start();
  const auto reply = fetch(followerParams(2, tp0_, 0, 500));
  EXPECT_EQ(reply->calls, 0);
  produce(1, 30000, {tp0_}, 2);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[0].highWatermark, 0);
  EXPECT_EQ(reply->results[0].records(), asVector(partition(tp0_).log().batches().front().bytes));
}

// spec 4.6: on expiry the fetch answers with what there is — nothing — and no error.
TEST_F(DelayedFetchTest, Spec4_6_ExpiryReturnsEmptyRecordsWithoutError) {
  start();
  std::vector<int64_t> wakeups;
  rm().setWakeup([&wakeups](int64_t atMs) { wakeups.push_back(atMs); });
  const auto reply = fetch(consumerParams(tp0_, 0));
  EXPECT_EQ(wakeups, std::vector<int64_t>{fixtures::kStartMs + 500});  // the event loop ticks then
  produce(1, 30000, {tp0_});  // above the HW: invisible to the consumer
  advance(499);
  EXPECT_EQ(reply->calls, 0);
  advance(1);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].tp, tp0_);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_TRUE(reply->results[0].records().empty());
  EXPECT_EQ(reply->results[0].highWatermark, 0);
  advance(500);
  EXPECT_EQ(reply->calls, 1);
}

// spec 4.5, 6.4: when the broker stops leading, a parked fetch answers at once with
// NOT_LEADER_OR_FOLLOWER.
TEST_F(DelayedFetchTest, Spec6_4_LosingLeadershipCompletesFetchWithNotLeaderOrFollower) {
  start();
  const auto consumer = fetch(consumerParams(tp0_, 0));
  const auto follower = fetch(followerParams(3, tp0_, 0, 500));
  EXPECT_EQ(consumer->calls, 0);
  EXPECT_EQ(follower->calls, 0);
  loseLeadership(tp0_);
  ASSERT_EQ(consumer->calls, 1);
  ASSERT_EQ(follower->calls, 1);
  EXPECT_EQ(consumer->results[0].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_EQ(follower->results[0].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  advance(500);
  EXPECT_EQ(consumer->calls, 1);
  EXPECT_EQ(follower->calls, 1);
}

// spec 2.7, 4.5: this broker is re-elected at epoch + 1 (makeLeader, spec 2.6); a parked fetch
// that carried the old epoch is fenced and answers at once with FENCED_LEADER_EPOCH.
TEST_F(DelayedFetchTest, Spec4_5_NewLeaderEpochCompletesFetchOfOldEpochAsFenced) {
  start();
  const int32_t epoch = partition(tp0_).leaderEpoch();
  FetchParams params = consumerParams(tp0_, 0);
  params.partitions[0].currentLeaderEpoch = epoch;
  const auto reply = fetch(params);
  EXPECT_EQ(reply->calls, 0);
  rm().becomeLeaderOrFollower(tp0_, LeaderAndIsr{.leader = fixtures::kLeaderId, .leaderEpoch = epoch + 1,
                                                 .isr = {1, 2, 3}, .replicas = {1, 2, 3}, .offlineReplicas = {}},
                              topicConfig_);
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::FENCED_LEADER_EPOCH);
}

// spec 4.4, 4.5: min_bytes one byte more than a batch: the first batch is not enough, the second
// completes the fetch with both.
TEST_F(DelayedFetchTest, Spec4_5_MinBytesLargerThanOneBatchWaitsForTheSecond) {
  start();
  const auto batchBytes = static_cast<int32_t>(makeBatch(1).size());
  const auto reply = fetch(followerParams(2, tp0_, 0, 500, batchBytes + 1));
  produce(1, 30000, {tp0_});
  ASSERT_EQ(partition(tp0_).log().batches().front().bytes.size(), static_cast<std::size_t>(batchBytes));
  EXPECT_EQ(reply->calls, 0);
  produce(1, 30000, {tp0_});
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[0].records().size(), 2 * static_cast<std::size_t>(batchBytes));
}

// spec 4.4: with the bytes already there the fetch does not wait, even with a long max_wait.
TEST_F(DelayedFetchTest, Spec4_4_EnoughBytesAlreadyThereAnswersAtOnce) {
  start();
  produce(1, 30000, {tp0_});
  const auto reply = fetch(followerParams(2, tp0_, 0, 500));
  ASSERT_EQ(reply->calls, 1);
  EXPECT_FALSE(reply->results[0].records().empty());
}

// spec 4.3, 4.4: a fetch offset past the LEO is OFFSET_OUT_OF_RANGE, a partition error, so the
// fetch answers at once.
TEST_F(DelayedFetchTest, Spec4_4_FetchOffsetPastLogEndAnswersAtOnceWithOffsetOutOfRange) {
  start();
  produce(1, 30000, {tp0_});
  const auto follower = fetch(followerParams(2, tp0_, 5, 500));
  const auto consumer = fetch(consumerParams(tp0_, 5));
  ASSERT_EQ(follower->calls, 1);
  ASSERT_EQ(consumer->calls, 1);
  EXPECT_EQ(follower->results[0].error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(consumer->results[0].error, ErrorCode::OFFSET_OUT_OF_RANGE);
}

// spec 4.3, 4.5: a consumer offset in (HW, LEO] reads empty with no error, and since it is past the
// consumer's end offset (the HW) the fetch completes at once rather than waiting.
TEST_F(DelayedFetchTest, Spec4_5_ConsumerOffsetPastHighWatermarkAnswersAtOnce) {
  start();
  produce(1, 30000, {tp0_});
  const auto reply = fetch(consumerParams(tp0_, 1));
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_TRUE(reply->results[0].records().empty());
  EXPECT_EQ(reply->results[0].highWatermark, 0);
}

// spec 4.4: max_wait 0 answers at once, empty, for consumers and followers alike.
TEST_F(DelayedFetchTest, Spec4_4_MaxWaitZeroAnswersAtOnce) {
  start();
  const auto consumer = fetch(consumerParams(tp0_, 0, 0));
  const auto follower = fetch(followerParams(2, tp0_, 0, 0));
  ASSERT_EQ(consumer->calls, 1);
  ASSERT_EQ(follower->calls, 1);
  EXPECT_EQ(consumer->results[0].error, ErrorCode::NONE);
  EXPECT_TRUE(consumer->results[0].records().empty());
  EXPECT_EQ(follower->results[0].error, ErrorCode::NONE);
  EXPECT_TRUE(follower->results[0].records().empty());
}

// spec 4.4, 4.5: a fetch over two partitions adds their bytes; data on either wakes it, and the
// answer covers both partitions.
TEST_F(DelayedFetchTest, Spec4_5_MultiPartitionFetchWokenByEitherPartition) {
  start();
  FetchParams params = followerParams(2, tp0_, 0, 500);
  params.partitions.push_back(FetchPartitionRequest{.tp = tp1_, .fetchOffset = 0, .partitionMaxBytes = fixtures::kMaxBytes});
  const auto reply = fetch(params);
  EXPECT_EQ(reply->calls, 0);
  produce(1, 30000, {tp1_});
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].tp, tp0_);
  EXPECT_TRUE(reply->results[0].records().empty());
  EXPECT_EQ(reply->results[1].tp, tp1_);
  EXPECT_FALSE(reply->results[1].records().empty());
}

}  // namespace
}  // namespace kafkalite::mock
