// DelayedProduce through ReplicaManager::appendRecords (spec 1.4-1.8): when an acks=-1 reply
// goes out and with which error — HW reached by follower fetches (2.2, 2.5), timeout, lost
// leadership (6.4), ISR shrink (3.3, 3.6), min ISR after the append (2.3) — and that it goes out
// exactly once. Fake clock, no sockets: follower fetches are direct fetchMessages calls.
#include "mockbroker/purgatory/delayed_produce.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "replica_manager_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::kStartMs;
using ::testing::UnorderedElementsAre;

class DelayedProduceTest : public fixtures::ReplicaManagerFixture {};

constexpr int32_t kTimeoutMs = 30000;

// spec 1.5, 1.6, 2.5, 1.7(c): the reply waits for the HW, which needs two follower fetch rounds:
// the first pulls the data, the second reports each follower's new LEO.
TEST_F(DelayedProduceTest, Spec1_7c_AcksAllCompletesOnlyAfterBothIsrFollowersFetchPastTheRecords) {
  start();
  const auto reply = produce(-1, kTimeoutMs, {tp0_});
  EXPECT_EQ(reply->calls, 0);  // spec 1.5: parked after the local append
  EXPECT_EQ(partition(tp0_).logEndOffset(), 1);

  bothFollowersFetch(tp0_, 0);  // round 1: the data goes out, LEOs still 0
  EXPECT_EQ(reply->calls, 0);
  EXPECT_EQ(partition(tp0_).highWatermark(), 0);

  followerFetch(2, tp0_, 1);  // round 2: broker 2 reports LEO 1; broker 3 still at 0 holds the HW
  EXPECT_EQ(reply->calls, 0);
  followerFetch(3, tp0_, 1);
  EXPECT_EQ(partition(tp0_).highWatermark(), 1);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].tp, tp0_);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[0].baseOffset, 0);
  EXPECT_EQ(reply->results[0].logStartOffset, 0);
}

// spec 5.1 via DelayedProduce: once answered, later fetches, HW moves, ticks and the original
// timeout do not answer again.
TEST_F(DelayedProduceTest, Spec5_1_AcksAllAnswersExactlyOnce) {
  start();
  const auto reply = produce(-1, kTimeoutMs, {tp0_});
  bothFollowersFetch(tp0_, 0);
  bothFollowersFetch(tp0_, 1);
  ASSERT_EQ(reply->calls, 1);

  bothFollowersFetch(tp0_, 1);
  const auto next = produce(-1, kTimeoutMs, {tp0_});  // moves the HW of the same key again
  bothFollowersFetch(tp0_, 2);
  EXPECT_EQ(next->calls, 1);
  advance(kTimeoutMs);
  advance(kTimeoutMs);
  EXPECT_EQ(reply->calls, 1);
  EXPECT_EQ(next->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
}

// spec 1.6, 1.8: no follower fetches, so the timeout answers REQUEST_TIMED_OUT (not a ms early)
// and the appended data stays in the log.
TEST_F(DelayedProduceTest, Spec1_8_TimeoutAnswersRequestTimedOutAndKeepsTheData) {
  start();
  std::vector<int64_t> wakeups;
  rm().setWakeup([&wakeups](int64_t atMs) { wakeups.push_back(atMs); });
  const auto reply = produce(-1, 1000, {tp0_}, 3);
  EXPECT_EQ(wakeups, std::vector<int64_t>{kStartMs + 1000});  // the event loop ticks then
  advance(999);
  EXPECT_EQ(reply->calls, 0);
  advance(1);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::REQUEST_TIMED_OUT);
  EXPECT_EQ(reply->results[0].baseOffset, 0);
  // Nothing rolled back: the records are still there and the followers can still copy them.
  EXPECT_EQ(partition(tp0_).logEndOffset(), 3);
  EXPECT_EQ(partition(tp0_).log().batches().size(), 1u);
  bothFollowersFetch(tp0_, 0);
  bothFollowersFetch(tp0_, 3);
  EXPECT_EQ(partition(tp0_).highWatermark(), 3);
  EXPECT_EQ(reply->calls, 1);
}

// spec 1.7(b), 6.4: broker 2 becomes leader at epoch + 1; the waiting produce answers
// NOT_LEADER_OR_FOLLOWER at once, and this broker starts following broker 2.
TEST_F(DelayedProduceTest, Spec6_4_LosingLeadershipAnswersNotLeaderOrFollower) {
  start();
  const auto reply = produce(-1, kTimeoutMs, {tp0_});
  bothFollowersFetch(tp0_, 0);
  EXPECT_EQ(reply->calls, 0);
  followerChanges_.clear();

  loseLeadership(tp0_);
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  ASSERT_EQ(followerChanges_.size(), 1u);
  EXPECT_EQ(followerChanges_[0], std::make_pair(tp0_, 2));
  advance(kTimeoutMs);
  EXPECT_EQ(reply->calls, 1);
}

// spec 1.7(a): the partition stops being hosted while the produce waits. The answer comes from
// ReplicaManager::getPartitionOrError, as Kafka's DelayedProduce asks getPartitionOrError:
// UNKNOWN_TOPIC_OR_PARTITION once the topic is gone from the metadata (deleted), with the
// appended offset kept; NOT_LEADER_OR_FOLLOWER while the metadata still has the partition.
TEST_F(DelayedProduceTest, Spec1_7a_PartitionGoneAnswersUnknownTopicOnceTheTopicIsDeleted) {
  start();
  const auto reply = produce(-1, kTimeoutMs, {tp0_, tp1_});
  EXPECT_EQ(reply->calls, 0);
  rm().stopReplica(tp1_, false);  // the metadata still has "orders"
  EXPECT_EQ(reply->calls, 0) << "tp0 is still pending";
  controller_->deleteTopic("orders");
  rm().stopReplica(tp0_, true);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_EQ(reply->results[0].baseOffset, 0);
  EXPECT_EQ(reply->results[1].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_EQ(rm().partition(tp0_), nullptr);
  EXPECT_FALSE(storage_.logs.contains(tp0_)) << "StopReplica with deletion drops the log";
  advance(kTimeoutMs);
  EXPECT_EQ(reply->calls, 1);
}

// spec 3.3, 3.6: broker 3 never fetches; the isr-expiration task drops it 1.0-1.5 x
// replica.lag.time.max.ms after it last caught up (makeLeader), the committed ISR {1, 2}
// raises the HW and the produce completes with NONE.
TEST_F(DelayedProduceTest, Spec3_3_IsrShrinkOfLaggingFollowerCompletesTheProduce) {
  start();
  const int64_t lag = options_.replicaLagTimeMaxMs;
  const auto reply = produce(-1, static_cast<int32_t>(3 * lag), {tp0_});
  followerFetch(2, tp0_, 0);
  followerFetch(2, tp0_, 1);  // broker 2 is at the leader's LEO

  while (now_ + 1000 <= kStartMs + lag) {
    advance(1000);
    followerFetch(2, tp0_, 1);
    ASSERT_EQ(reply->calls, 0) << "at +" << now_ - kStartMs << " ms";
    ASSERT_EQ(partition(tp0_).isr(), (std::vector<int32_t>{1, 2, 3}));
  }
  while (reply->calls == 0 && now_ < kStartMs + lag + lag / 2) {
    advance(1000);
    followerFetch(2, tp0_, 1);
  }
  ASSERT_EQ(reply->calls, 1) << "still waiting at +" << now_ - kStartMs << " ms";
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(partition(tp0_).isr(), (std::vector<int32_t>{1, 2}));
  EXPECT_THAT(controller_->partition(tp0_)->isr, UnorderedElementsAre(1, 2));
  EXPECT_EQ(partition(tp0_).highWatermark(), 1);
}

// spec 1.7(c), 2.3: with hw_requires_min_isr off and min.insync.replicas 3, the append passes the
// pre-append check (|ISR| = 3); after the shrink to {1, 2} the HW still advances, and the produce
// completes with NOT_ENOUGH_REPLICAS_AFTER_APPEND while the data stays.
TEST_F(DelayedProduceTest, Spec1_7c_ShrinkBelowMinIsrAnswersNotEnoughReplicasAfterAppend) {
  options_.hwRequiresMinIsr = false;
  options_.minInsyncReplicas = 3;
  start(3);
  const int64_t lag = options_.replicaLagTimeMaxMs;
  const auto reply = produce(-1, static_cast<int32_t>(3 * lag), {tp0_});
  followerFetch(2, tp0_, 0);
  followerFetch(2, tp0_, 1);
  while (reply->calls == 0 && now_ < kStartMs + 2 * lag) {
    advance(1000);
    followerFetch(2, tp0_, 1);
  }
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  EXPECT_EQ(partition(tp0_).isr(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(partition(tp0_).logEndOffset(), 1);
  EXPECT_EQ(partition(tp0_).highWatermark(), 1);
}

// spec 2.3 (Kafka 3.7+, the default): the same shrink below min ISR leaves the HW where it was, so
// the produce can only time out.
TEST_F(DelayedProduceTest, Spec2_3_ShrinkBelowMinIsrWithHwRequiringMinIsrTimesOut) {
  options_.minInsyncReplicas = 3;
  start(3);
  const int64_t lag = options_.replicaLagTimeMaxMs;
  const auto timeout = static_cast<int32_t>(2 * lag);
  const auto reply = produce(-1, timeout, {tp0_});
  followerFetch(2, tp0_, 0);
  followerFetch(2, tp0_, 1);
  while (now_ + 1000 < kStartMs + timeout) {
    advance(1000);
    followerFetch(2, tp0_, 1);
  }
  EXPECT_EQ(partition(tp0_).isr(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(partition(tp0_).highWatermark(), 0);
  EXPECT_EQ(reply->calls, 0);
  advance(1000);
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::REQUEST_TIMED_OUT);
}

// spec 1.4: acks=1 answers right after the local append, with the offsets, before any follower.
TEST_F(DelayedProduceTest, Spec1_4_AcksOneAnswersAtOnce) {
  start();
  produce(1, kTimeoutMs, {tp0_}, 2);
  const auto reply = produce(1, kTimeoutMs, {tp0_});
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 1u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[0].baseOffset, 2);
  EXPECT_EQ(partition(tp0_).highWatermark(), 0);
  advance(kTimeoutMs);
  EXPECT_EQ(reply->calls, 1);
}

// spec 1.4, 1.9: acks=0 is not parked either (KafkaApis then sends nothing on the wire).
TEST_F(DelayedProduceTest, Spec1_4_AcksZeroAnswersAtOnce) {
  start();
  const auto reply = produce(0, kTimeoutMs, {tp0_});
  ASSERT_EQ(reply->calls, 1);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(partition(tp0_).logEndOffset(), 1);
}

// spec 1.2, 1.4: acks=-1 where every partition failed — one not led here, one with |ISR| below
// min ISR — answers at once with those errors and appends nothing.
TEST_F(DelayedProduceTest, Spec1_4_AcksAllWithEveryPartitionFailedAnswersAtOnce) {
  options_.minInsyncReplicas = 3;
  start(3);
  loseLeadership(tp0_);
  const int32_t epoch = partition(tp1_).leaderEpoch();
  rm().becomeLeaderOrFollower(
      tp1_, LeaderAndIsr{.leader = fixtures::kLeaderId, .leaderEpoch = epoch, .isr = {1, 2}, .replicas = {1, 2, 3},
                         .offlineReplicas = {}},
      topicConfig_);
  const auto reply = produce(-1, kTimeoutMs, {tp0_, tp1_});
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].tp, tp0_);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_EQ(reply->results[1].tp, tp1_);
  EXPECT_EQ(reply->results[1].error, ErrorCode::NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(partition(tp0_).logEndOffset(), 0);
  EXPECT_EQ(partition(tp1_).logEndOffset(), 0);
}

// spec 1.6, 1.7: a partition that failed is not pending and keeps its error; the request waits for
// the one that succeeded.
TEST_F(DelayedProduceTest, Spec1_6_FailedPartitionKeepsItsErrorWhileTheOtherWaits) {
  start();
  loseLeadership(tp1_);
  const auto reply = produce(-1, kTimeoutMs, {tp0_, tp1_});
  EXPECT_EQ(reply->calls, 0);
  bothFollowersFetch(tp0_, 0);
  bothFollowersFetch(tp0_, 1);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[1].error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
}

// spec 1.5, 1.7: one DelayedProduce watched on both partitions completes only when neither is
// pending; results keep the request's order.
TEST_F(DelayedProduceTest, Spec1_7_MultiPartitionCompletesOnlyWhenAllPartitionsAreDone) {
  start();
  const auto reply = produce(-1, kTimeoutMs, {tp0_, tp1_});
  bothFollowersFetch(tp1_, 0);
  bothFollowersFetch(tp1_, 1);
  EXPECT_EQ(partition(tp1_).highWatermark(), 1);
  EXPECT_EQ(reply->calls, 0);
  bothFollowersFetch(tp0_, 0);
  bothFollowersFetch(tp0_, 1);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].tp, tp0_);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[1].tp, tp1_);
  EXPECT_EQ(reply->results[1].error, ErrorCode::NONE);
}

// spec 1.7, 1.8: one partition done, the other never replicated: the timeout answers NONE for the
// first and REQUEST_TIMED_OUT for the second.
TEST_F(DelayedProduceTest, Spec1_8_MultiPartitionTimeoutReportsEachPartitionsStatus) {
  start();
  const auto reply = produce(-1, 1000, {tp0_, tp1_});
  bothFollowersFetch(tp0_, 0);
  bothFollowersFetch(tp0_, 1);
  EXPECT_EQ(reply->calls, 0);
  advance(1000);
  ASSERT_EQ(reply->calls, 1);
  ASSERT_EQ(reply->results.size(), 2u);
  EXPECT_EQ(reply->results[0].error, ErrorCode::NONE);
  EXPECT_EQ(reply->results[1].error, ErrorCode::REQUEST_TIMED_OUT);
}

}  // namespace
}  // namespace kafkalite::mock
