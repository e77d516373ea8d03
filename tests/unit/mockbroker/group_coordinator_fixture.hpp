#pragma once
// A GroupCoordinator on broker 1 over a real ReplicaManager, with a fake clock the tests step
// by hand (advance() ticks both). Broker 1 leads every partition of a small __consumer_offsets
// (3 partitions); with `offsetsReplicas` = 1 it is the only replica, so the coordinator's writes
// (acks=-1) complete at once, and with 3 they wait for follower fetches the test makes, as in
// the DelayedProduce tests. Requests go straight to the coordinator's handle* methods and
// each answer is captured. No sockets.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mockbroker/controller.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/replica_manager.hpp"
#include "mockbroker/replica_types.hpp"
#include "protocol/primitives.hpp"
#include "support/consumer_protocol.hpp"

namespace kafkalite::mock::fixtures {

inline constexpr int64_t kGroupStartMs = 1'000'000'000;
inline constexpr int32_t kSessionMs = 10'000;
inline constexpr int32_t kRebalanceMs = 30'000;

/// What a callback received and how often it ran.
template <class Result>
struct Answer {
  int calls = 0;
  Result result;
};
using JoinAnswer = std::shared_ptr<Answer<JoinGroupResult>>;
using SyncAnswer = std::shared_ptr<Answer<SyncGroupResult>>;
using CommitAnswer = std::shared_ptr<Answer<std::map<TopicPartition, ErrorCode>>>;

/// Kafka's ConsumerProtocol payloads (support/consumer_protocol.hpp), by the names these
/// tests use.
inline protocol::Bytes subscription(const std::vector<std::string>& topics) {
  return kafkalite::testing::consumerSubscription(topics);
}
inline protocol::Bytes assignment(const std::vector<std::pair<std::string, std::vector<int32_t>>>& topics) {
  return kafkalite::testing::consumerAssignment(topics);
}

class GroupCoordinatorFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.brokers = 3;
    options_.groupCoordinator.initialRebalanceDelayMs = 0;
    options_.groupCoordinator.minSessionTimeoutMs = 1000;
    options_.groupCoordinator.offsetsTopicPartitions = 3;
  }

  /// Builds everything; broker 1 leads the offsets topic (with `offsetsReplicas` replicas)
  /// and "orders" (2 partitions). Each test calls it first, after changing options_.
  void start(int16_t offsetsReplicas = 1) {
    options_.groupCoordinator.offsetsTopicReplicationFactor = offsetsReplicas;
    controller_ = std::make_unique<Controller>(options_);
    for (int32_t id = 1; id <= 3; ++id) controller_->registerBroker(id, "127.0.0.1", static_cast<uint16_t>(9090 + id), nullptr);
    for (int32_t id = 1; id <= 3; ++id) controller_->brokerStarted(id);
    controller_->createTopic(TopicSpec{"orders", 2, 1});
    ASSERT_TRUE(controller_->createGroupMetadataTopicIfAbsent());
    replicaManager_ = std::make_unique<ReplicaManager>(1, options_, storage_, *controller_, [this] { return now_; },
                                                       [](const TopicPartition&, int32_t) {});
    coordinator_ = std::make_unique<GroupCoordinator>(options_, *replicaManager_, [this] { return now_; },
                                                      [this] { return now_; });
    replicaManager_->setGroupMetadataListener([this](int32_t p, bool isLeader, int32_t epoch) {
      if (isLeader) {
        coordinator_->onElection(p, epoch);
      } else {
        coordinator_->onResignation(p, epoch);
      }
    });
    for (int32_t p = 0; p < options_.groupCoordinator.offsetsTopicPartitions; ++p) lead(p, 1);
  }

  /// The controller's next leader epoch for offsets partition `p`, led by `leader`.
  void lead(int32_t p, int32_t leader) {
    const TopicPartition tp{"__consumer_offsets", p};
    epochs_[p] = epochs_.contains(p) ? epochs_[p] + 1 : 0;
    std::vector<int32_t> replicas = {1};
    if (options_.groupCoordinator.offsetsTopicReplicationFactor == 3) replicas = {1, 2, 3};
    rm().becomeLeaderOrFollower(
        tp, LeaderAndIsr{.leader = leader, .leaderEpoch = epochs_[p], .isr = replicas, .replicas = replicas, .offlineReplicas = {}},
        TopicConfig{});
  }

  ReplicaManager& rm() { return *replicaManager_; }
  GroupCoordinator& gc() { return *coordinator_; }

  void advance(int64_t ms) {
    now_ += ms;
    rm().tick();
    gc().tick();
  }

  JoinAnswer join(const std::string& group, const std::string& memberId, GroupProtocols protocols = {},
                  std::optional<std::string> instanceId = std::nullopt, bool requireKnownMemberId = false,
                  int32_t sessionMs = kSessionMs, int32_t rebalanceMs = kRebalanceMs) {
    if (protocols.empty()) protocols = {{"range", subscription({"orders"})}};
    JoinGroupParams p;
    p.groupId = group;
    p.memberId = memberId;
    p.groupInstanceId = std::move(instanceId);
    p.requireKnownMemberId = requireKnownMemberId;
    p.clientId = "client";
    p.clientHost = "/127.0.0.1";
    p.rebalanceTimeoutMs = rebalanceMs;
    p.sessionTimeoutMs = sessionMs;
    p.protocolType = "consumer";
    p.protocols = std::move(protocols);
    auto answer = std::make_shared<Answer<JoinGroupResult>>();
    gc().handleJoinGroup(std::move(p), [answer](const JoinGroupResult& r) {
      ++answer->calls;
      answer->result = r;
    });
    return answer;
  }

  SyncAnswer sync(const std::string& group, int32_t generation, const std::string& memberId,
                  std::map<std::string, protocol::Bytes> assignments = {},
                  std::optional<std::string> instanceId = std::nullopt) {
    auto answer = std::make_shared<Answer<SyncGroupResult>>();
    gc().handleSyncGroup(group, generation, memberId, instanceId, std::move(assignments),
                         [answer](const SyncGroupResult& r) {
                           ++answer->calls;
                           answer->result = r;
                         });
    return answer;
  }

  ErrorCode heartbeat(const std::string& group, const std::string& memberId, int32_t generation,
                      std::optional<std::string> instanceId = std::nullopt) {
    return gc().handleHeartbeat(group, memberId, instanceId, generation);
  }

  CommitAnswer commit(const std::string& group, const std::string& memberId, int32_t generation,
                      std::vector<std::pair<TopicPartition, int64_t>> offsets, std::string metadata = "") {
    std::vector<std::pair<TopicPartition, OffsetAndMetadata>> entries;
    for (const auto& [tp, o] : offsets) entries.push_back({tp, OffsetAndMetadata{o, -1, metadata, -1}});
    auto answer = std::make_shared<Answer<std::map<TopicPartition, ErrorCode>>>();
    gc().handleCommitOffsets(group, memberId, std::nullopt, generation, std::move(entries),
                             [answer](std::map<TopicPartition, ErrorCode> r) {
                               ++answer->calls;
                               answer->result = std::move(r);
                             });
    return answer;
  }

  /// The committed offset of `tp` (-1 when none), failing the test on any error.
  int64_t committed(const std::string& group, const TopicPartition& tp) {
    const auto [error, results] = gc().handleFetchOffsets(group, false, std::vector<TopicPartition>{tp});
    EXPECT_EQ(error, ErrorCode::NONE);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? -2 : results.front().second.offset;
  }

  /// A member joins alone, syncs and is Stable; returns its member id and generation.
  std::pair<std::string, int32_t> stableSingleMember(const std::string& group) {
    const auto j = join(group, "");
    EXPECT_EQ(j->calls, 0) << "the join completes on the next tick (initial delay 0)";
    advance(0);
    EXPECT_EQ(j->calls, 1);
    EXPECT_EQ(j->result.error, ErrorCode::NONE);
    const auto s = sync(group, j->result.generationId, j->result.memberId,
                        {{j->result.memberId, assignment({{"orders", {0, 1}}})}});
    EXPECT_EQ(s->calls, 1);
    EXPECT_EQ(s->result.error, ErrorCode::NONE);
    return {j->result.memberId, j->result.generationId};
  }

  GroupState state(const std::string& group) {
    for (const auto& v : gc().groupViews()) {
      if (v.groupId == group) {
        for (auto s : {GroupState::Empty, GroupState::PreparingRebalance, GroupState::CompletingRebalance,
                       GroupState::Stable}) {
          if (v.state == groupStateName(s)) return s;
        }
      }
    }
    return GroupState::Dead;
  }

  std::optional<GroupView> view(const std::string& group) {
    for (auto& v : gc().groupViews()) {
      if (v.groupId == group) return v;
    }
    return std::nullopt;
  }

  MockClusterOptions options_;
  BrokerStorage storage_;
  int64_t now_ = kGroupStartMs;
  std::map<int32_t, int32_t> epochs_;
  std::unique_ptr<Controller> controller_;
  // Destroyed in reverse: the coordinator before the ReplicaManager it writes through.
  std::unique_ptr<ReplicaManager> replicaManager_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

}  // namespace kafkalite::mock::fixtures
