#pragma once
// A ReplicaManager for broker 1 leading "orders" partitions 0 and 1 with replicas and ISR
// {1, 2, 3}, over a Controller whose brokers 1..3 are registered (no listeners) and alive, so
// the AlterPartition of an ISR shrink commits. Time is a variable the tests step by hand, then
// call tick(); follower fetches are FetchParams with replicaId 2 or 3. No sockets, no clock.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "batch_fixtures.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/replica_manager.hpp"
#include "mockbroker/replica_types.hpp"

namespace kafkalite::mock::fixtures {

/// Far from zero, as wall-clock time is: lastCaughtUpTimeMs 0 then means "long ago" (spec 2.6).
inline constexpr int64_t kStartMs = 1'000'000'000;
inline constexpr int32_t kLeaderId = 1;
inline constexpr int32_t kMaxBytes = 1 << 20;

/// What a produce or fetch callback received, and how many times it ran.
template <class Result>
struct Captured {
  int calls = 0;
  std::vector<Result> results;
};
using CapturedProduce = std::shared_ptr<Captured<ProducePartitionResult>>;
using CapturedFetch = std::shared_ptr<Captured<FetchPartitionResult>>;

class ReplicaManagerFixture : public ::testing::Test {
 protected:
  const TopicPartition tp0_{"orders", 0};
  const TopicPartition tp1_{"orders", 1};

  void SetUp() override {
    options_.brokers = 3;
    options_.replicaLagTimeMaxMs = 30000;
  }

  /// Builds the controller and the ReplicaManager and makes broker 1 leader of both partitions.
  /// Each test calls it first, after changing options_ if it needs to.
  void start(int32_t minInsyncReplicas = 1) {
    topicConfig_.minInsyncReplicas = minInsyncReplicas;
    controller_ = std::make_unique<Controller>(options_);
    for (int32_t id = 1; id <= 3; ++id) controller_->registerBroker(id, "127.0.0.1", static_cast<uint16_t>(9090 + id), nullptr);
    for (int32_t id = 1; id <= 3; ++id) controller_->brokerStarted(id);
    controller_->createTopic(TopicSpec{"orders", 2, 3, minInsyncReplicas});
    replicaManager_ = std::make_unique<ReplicaManager>(
        kLeaderId, options_, storage_, *controller_, [this] { return now_; },
        [this](const TopicPartition& tp, int32_t leader) { followerChanges_.emplace_back(tp, leader); });
    for (const auto& tp : {tp0_, tp1_}) {
      // The controller's leader and epoch must match the leader's for AlterPartition (spec 3.3).
      controller_->moveLeader(tp, kLeaderId);
      const int32_t epoch = controller_->partition(tp)->leaderEpoch;
      rm().becomeLeaderOrFollower(tp, LeaderAndIsr{.leader = kLeaderId, .leaderEpoch = epoch, .isr = {1, 2, 3},
                                                   .replicas = {1, 2, 3}, .offlineReplicas = {}},
                                  topicConfig_);
    }
  }

  ReplicaManager& rm() { return *replicaManager_; }
  Partition& partition(const TopicPartition& tp) { return *rm().partition(tp); }

  /// Steps the fake clock and runs the broker's periodic work (purgatory expiry, ISR shrink).
  void advance(int64_t ms) {
    now_ += ms;
    rm().tick();
  }

  /// One produce request with a `records`-record batch for each of `tps`.
  CapturedProduce produce(int16_t acks, int32_t timeoutMs, const std::vector<TopicPartition>& tps, int records = 1) {
    auto captured = std::make_shared<Captured<ProducePartitionResult>>();
    std::vector<std::vector<uint8_t>> batches;
    std::vector<std::pair<TopicPartition, std::span<const uint8_t>>> entries;
    batches.reserve(tps.size());
    for (const auto& tp : tps) {
      batches.push_back(makeBatch(records));
      entries.emplace_back(tp, std::span<const uint8_t>(batches.back()));
    }
    rm().appendRecords(timeoutMs, acks, entries, [captured](std::vector<ProducePartitionResult> results) {
      ++captured->calls;
      captured->results = std::move(results);
    });
    return captured;
  }

  CapturedFetch fetch(FetchParams params) {
    auto captured = std::make_shared<Captured<FetchPartitionResult>>();
    rm().fetchMessages(std::move(params), [captured](std::vector<FetchPartitionResult> results) {
      ++captured->calls;
      captured->results = std::move(results);
    });
    return captured;
  }

  static FetchParams followerParams(int32_t replicaId, const TopicPartition& tp, int64_t fetchOffset,
                                    int32_t maxWaitMs = 0, int32_t minBytes = 1) {
    return FetchParams{.replicaId = replicaId, .maxWaitMs = maxWaitMs, .minBytes = minBytes, .maxBytes = kMaxBytes,
                       .isolation = FetchIsolation::LogEnd,
                       .partitions = {FetchPartitionRequest{.tp = tp, .fetchOffset = fetchOffset,
                                                            .partitionMaxBytes = kMaxBytes}}};
  }

  static FetchParams consumerParams(const TopicPartition& tp, int64_t fetchOffset, int32_t maxWaitMs = 500,
                                    int32_t minBytes = 1) {
    return FetchParams{.replicaId = -1, .maxWaitMs = maxWaitMs, .minBytes = minBytes, .maxBytes = kMaxBytes,
                       .isolation = FetchIsolation::HighWatermark,
                       .partitions = {FetchPartitionRequest{.tp = tp, .fetchOffset = fetchOffset,
                                                            .partitionMaxBytes = kMaxBytes}}};
  }

  /// A follower fetch answered at once (max_wait 0), as the replica fetcher's would be with data.
  FetchPartitionResult followerFetch(int32_t replicaId, const TopicPartition& tp, int64_t fetchOffset) {
    const auto captured = fetch(followerParams(replicaId, tp, fetchOffset));
    EXPECT_EQ(captured->calls, 1);
    return captured->results.empty() ? FetchPartitionResult{} : captured->results.front();
  }

  /// Both followers fetch from `fetchOffset` (= their LEO).
  void bothFollowersFetch(const TopicPartition& tp, int64_t fetchOffset) {
    followerFetch(2, tp, fetchOffset);
    followerFetch(3, tp, fetchOffset);
  }

  /// The controller makes broker 2 leader at the next epoch (spec 6.2, 6.3).
  void loseLeadership(const TopicPartition& tp) {
    rm().becomeLeaderOrFollower(tp, LeaderAndIsr{.leader = 2, .leaderEpoch = partition(tp).leaderEpoch() + 1,
                                                 .isr = {1, 2, 3}, .replicas = {1, 2, 3}, .offlineReplicas = {}},
                                topicConfig_);
  }

  MockClusterOptions options_;
  TopicConfig topicConfig_;
  BrokerStorage storage_;
  int64_t now_ = kStartMs;
  std::unique_ptr<Controller> controller_;
  std::vector<std::pair<TopicPartition, int32_t>> followerChanges_;
  // Last: destroyed first, while the options, storage and controller it refers to still live.
  std::unique_ptr<ReplicaManager> replicaManager_;
};

}  // namespace kafkalite::mock::fixtures
