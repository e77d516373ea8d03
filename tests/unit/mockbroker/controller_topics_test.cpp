// The controller's topic administration without brokers (listeners record what they are
// told): CreateTopics placement and refusals (Kafka's ReplicationControlManager),
// DeleteTopics telling every replica (stopped ones included), CreatePartitions,
// config changes pushed at once, ElectLeaders' rules (spec 6.1, 6.2), and the barrier
// that admin answers wait behind.
#include "mockbroker/controller.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

namespace kafkalite::mock {
namespace {

/// Records the controller's pushes; posts run when the test says so.
class RecordingListener : public ControllerListener {
 public:
  void onLeaderAndIsr(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config) override {
    leaderAndIsr.emplace_back(tp, state, config);
  }
  void onStopReplica(const TopicPartition& tp, bool deletePartition) override { stopped.emplace_back(tp, deletePartition); }
  void post(std::function<void()> fn) override { posted.push_back(std::move(fn)); }
  void runPosted() {
    while (!posted.empty()) {
      auto fn = std::move(posted.front());
      posted.pop_front();
      fn();
    }
  }

  std::vector<std::tuple<TopicPartition, LeaderAndIsr, TopicConfig>> leaderAndIsr;
  std::vector<std::pair<TopicPartition, bool>> stopped;
  std::deque<std::function<void()>> posted;
};

class ControllerTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.brokers = 3;
    options_.defaultPartitions = 2;
    options_.defaultReplicationFactor = 2;
    controller_ = std::make_unique<Controller>(options_);
    for (int32_t id = 1; id <= 3; ++id) {
      controller_->registerBroker(id, "127.0.0.1", static_cast<uint16_t>(9090 + id), &listeners_[id - 1]);
      controller_->brokerStarted(id);
    }
  }
  Controller& c() { return *controller_; }
  RecordingListener& listener(int32_t id) { return listeners_[id - 1]; }

  NewTopic topic(const std::string& name, int32_t partitions, int16_t rf) {
    NewTopic t;
    t.name = name;
    t.numPartitions = partitions;
    t.replicationFactor = rf;
    return t;
  }

  MockClusterOptions options_;
  RecordingListener listeners_[3];
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerTopicsTest, CreatesOnLiveBrokersWithAnIdAndItsConfigs) {
  auto t = topic("t", 3, 2);
  t.configs = {{"retention.ms", " 1000 "}, {"min.insync.replicas", "2"}};
  const auto created = c().createTopic(t, false);
  ASSERT_TRUE(created.error.ok()) << created.error.message;
  EXPECT_FALSE(created.topicId == protocol::Uuid{});
  EXPECT_EQ(c().topicId("t"), created.topicId);
  EXPECT_EQ(c().topicName(created.topicId), "t");
  EXPECT_EQ(created.configs, (TopicConfigOverrides{{"min.insync.replicas", "2"}, {"retention.ms", "1000"}}));
  const auto snapshot = c().snapshot();
  const auto& reg = snapshot.topics.at("t");
  ASSERT_EQ(reg.partitions.size(), 3u);
  EXPECT_EQ(reg.config.minInsyncReplicas, 2);
  EXPECT_EQ(reg.config.retentionMs, 1000);
  for (const auto& p : reg.partitions) {
    EXPECT_EQ(p.replicas.size(), 2u);
    EXPECT_EQ(p.leader, p.replicas.front());
    EXPECT_EQ(p.isr, p.replicas);
  }
  // Each replica's broker was told, with the topic's config.
  std::size_t told = 0;
  for (int32_t id = 1; id <= 3; ++id) {
    for (const auto& [tp, state, config] : listener(id).leaderAndIsr) {
      EXPECT_EQ(config.minInsyncReplicas, 2);
      ++told;
    }
  }
  EXPECT_EQ(told, 6u);

  // A topic created again after deletion gets a new id.
  ASSERT_TRUE(c().deleteTopic("t").ok());
  const auto again = c().createTopic(topic("t", 1, 1), false);
  ASSERT_TRUE(again.error.ok());
  EXPECT_FALSE(again.topicId == created.topicId);
}

TEST_F(ControllerTopicsTest, ValidateOnlyChangesNothingAndDefaultsComeFromTheOptions) {
  const auto validated = c().createTopic(topic("v", -1, -1), true);
  ASSERT_TRUE(validated.error.ok());
  EXPECT_EQ(validated.numPartitions, 2);
  EXPECT_EQ(validated.replicationFactor, 2);
  EXPECT_FALSE(c().topicExists("v"));
  for (int32_t id = 1; id <= 3; ++id) EXPECT_TRUE(listener(id).leaderAndIsr.empty());
}

TEST_F(ControllerTopicsTest, RefusesAsKafkasController) {
  ASSERT_TRUE(c().createTopic(topic("taken", 1, 1), false).error.ok());
  const auto error = [&](NewTopic t) { return c().createTopic(t, false).error.error; };
  EXPECT_EQ(error(topic("taken", 1, 1)), ErrorCode::TOPIC_ALREADY_EXISTS);
  EXPECT_EQ(error(topic("..", 1, 1)), ErrorCode::INVALID_TOPIC_EXCEPTION);
  EXPECT_EQ(error(topic(std::string(250, 'x'), 1, 1)), ErrorCode::INVALID_TOPIC_EXCEPTION);
  EXPECT_EQ(error(topic("zero", 0, 1)), ErrorCode::INVALID_PARTITIONS);
  EXPECT_EQ(error(topic("negative", -2, 1)), ErrorCode::INVALID_PARTITIONS);
  EXPECT_EQ(error(topic("rf", 1, -3)), ErrorCode::INVALID_REPLICATION_FACTOR);
  EXPECT_EQ(error(topic("rf4", 1, 4)), ErrorCode::INVALID_REPLICATION_FACTOR);
  auto nullConfig = topic("null", 1, 1);
  nullConfig.configs = {{"retention.ms", std::nullopt}, {"retention.bytes", std::nullopt}};
  const auto refused = c().createTopic(nullConfig, false);
  EXPECT_EQ(refused.error.error, ErrorCode::INVALID_CONFIG);
  EXPECT_EQ(refused.error.message, "Null value not supported for topic configs: retention.ms,retention.bytes");
  auto assigned = topic("assigned", -1, -1);
  assigned.assignments = {{0, {1, 2}}, {1, {2}}};
  EXPECT_EQ(error(assigned), ErrorCode::INVALID_REPLICA_ASSIGNMENT) << "replication factors differ";
  assigned.assignments = {{0, {1, 2}}, {0, {2, 3}}};
  EXPECT_EQ(error(assigned), ErrorCode::INVALID_REPLICA_ASSIGNMENT) << "partition 0 twice";
  assigned.assignments = {{0, {}}};
  EXPECT_EQ(error(assigned), ErrorCode::INVALID_REPLICA_ASSIGNMENT) << "empty";

  // Only live brokers count for automatic placement; an explicit assignment needs one.
  c().brokerStopped(3);
  const auto two = c().createTopic(topic("two", 1, 3), false);
  EXPECT_EQ(two.error.error, ErrorCode::INVALID_REPLICATION_FACTOR);
  EXPECT_EQ(two.error.message, "Replication factor: 3 larger than available brokers: 2.");
  assigned.assignments = {{0, {3}}};
  const auto fenced = c().createTopic(assigned, false);
  EXPECT_EQ(fenced.error.error, ErrorCode::INVALID_REPLICA_ASSIGNMENT);
  EXPECT_EQ(fenced.error.message,
            "All brokers specified in the manual partition assignment for partition 0 are fenced or in controlled "
            "shutdown.");
  assigned.assignments = {{0, {3, 1}}};
  ASSERT_TRUE(c().createTopic(assigned, false).error.ok());
  const auto p = *c().partition({"assigned", 0});
  EXPECT_EQ(p.leader, 1) << "the first live replica";
  EXPECT_EQ(p.isr, (std::vector<int32_t>{1}));
}

TEST_F(ControllerTopicsTest, DeleteTellsEveryReplicaStoppedOnesIncluded) {
  ASSERT_TRUE(c().createTopic(topic("d", 1, 3), false).error.ok());
  c().brokerStopped(2);
  std::set<int32_t> told;
  ASSERT_TRUE(c().deleteTopic("d", &told).ok());
  EXPECT_EQ(told, (std::set<int32_t>{1, 3})) << "the live ones to wait for";
  for (int32_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(listener(id).stopped.size(), 1u) << "broker " << id;
    EXPECT_EQ(listener(id).stopped[0], std::make_pair(TopicPartition{"d", 0}, true));
  }
  EXPECT_FALSE(c().topicExists("d"));
  EXPECT_EQ(c().deleteTopic("d").error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

TEST_F(ControllerTopicsTest, CreatePartitionsKeepsTheReplicationFactor) {
  ASSERT_TRUE(c().createTopic(topic("g", 1, 2), false).error.ok());
  EXPECT_EQ(c().createPartitions("g", 1, std::nullopt, false).error, ErrorCode::INVALID_PARTITIONS);
  EXPECT_EQ(c().createPartitions("g", 0, std::nullopt, false).error, ErrorCode::INVALID_PARTITIONS);
  EXPECT_EQ(c().createPartitions("none", 2, std::nullopt, false).error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_EQ(c().createPartitions("g", 3, std::vector<std::vector<int32_t>>{{1, 2}}, false).error,
            ErrorCode::INVALID_REPLICA_ASSIGNMENT);
  EXPECT_EQ(c().createPartitions("g", 2, std::vector<std::vector<int32_t>>{{1}}, false).error,
            ErrorCode::INVALID_REPLICA_ASSIGNMENT);
  ASSERT_TRUE(c().createPartitions("g", 3, std::nullopt, true).ok());
  EXPECT_EQ(c().snapshot().topics.at("g").partitions.size(), 1u);
  std::set<int32_t> told;
  ASSERT_TRUE(c().createPartitions("g", 3, std::nullopt, false, &told).ok());
  const auto parts = c().snapshot().topics.at("g").partitions;
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p.replicas.size(), 2u);
  EXPECT_FALSE(told.empty());
}

TEST_F(ControllerTopicsTest, ConfigChangesArePushedAtOnceAndUncleanElectsOfflinePartitions) {
  ASSERT_TRUE(c().createTopic(topic("c", 1, 2), false).error.ok());
  const auto before = *c().partition({"c", 0});
  const ApiError refused = c().alterTopicConfigs(
      "c",
      [](TopicConfigOverrides& configs) {
        configs["min.compaction.lag.ms"] = "9";
        configs["max.compaction.lag.ms"] = "3";
        return ApiError{};
      },
      false);
  EXPECT_EQ(refused.error, ErrorCode::INVALID_CONFIG);
  EXPECT_TRUE(c().topicConfigs("c")->empty()) << "refused as a whole";

  for (int32_t id = 1; id <= 3; ++id) listener(id).leaderAndIsr.clear();
  ASSERT_TRUE(c().alterTopicConfigs("c", [](TopicConfigOverrides& configs) {
                   configs["min.insync.replicas"] = "2";
                   return ApiError{};
                 }, false).ok());
  for (int32_t r : before.replicas) {
    ASSERT_EQ(listener(r).leaderAndIsr.size(), 1u);
    const auto& [tp, state, config] = listener(r).leaderAndIsr[0];
    EXPECT_EQ(state.leaderEpoch, before.leaderEpoch) << "only the config changed";
    EXPECT_EQ(config.minInsyncReplicas, 2);
  }

  // Both replicas down, the follower back: offline until unclean election is allowed.
  const int32_t follower = before.replicas[1];
  c().brokerStopped(follower);
  c().brokerStopped(before.leader);
  c().brokerStarted(follower);
  ASSERT_EQ(c().partition({"c", 0})->leader, -1);
  ASSERT_TRUE(c().alterTopicConfigs("c", [](TopicConfigOverrides& configs) {
                   configs["unclean.leader.election.enable"] = "true";
                   return ApiError{};
                 }, false).ok());
  const auto after = *c().partition({"c", 0});
  EXPECT_EQ(after.leader, follower);
  EXPECT_EQ(after.isr, (std::vector<int32_t>{follower}));
}

// spec 6.1, 6.2: preferred elections need the preferred replica alive and in sync;
// unclean ones only lead partitions without a leader; each election bumps the epoch.
TEST_F(ControllerTopicsTest, ElectLeaderFollowsTheElectionRules_Spec6_1_6_2) {
  ASSERT_TRUE(c().createTopic(topic("e", 1, 3), false).error.ok());
  const auto p = *c().partition({"e", 0});
  const int32_t preferred = p.replicas.front();
  EXPECT_EQ(c().electLeader({"e", 0}, ElectionType::Preferred).error, ErrorCode::ELECTION_NOT_NEEDED);
  c().moveLeader({"e", 0}, p.replicas[1]);
  const int32_t epoch = c().partition({"e", 0})->leaderEpoch;
  ASSERT_TRUE(c().electLeader({"e", 0}, ElectionType::Preferred).ok());
  EXPECT_EQ(c().partition({"e", 0})->leader, preferred);
  EXPECT_EQ(c().partition({"e", 0})->leaderEpoch, epoch + 1);
  EXPECT_EQ(c().electLeader({"e", 0}, ElectionType::Unclean).error, ErrorCode::ELECTION_NOT_NEEDED);
  EXPECT_EQ(c().electLeader({"e", 3}, ElectionType::Preferred).error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_EQ(c().electLeader({"x", 0}, ElectionType::Preferred).message, "No such topic as x");

  c().moveLeader({"e", 0}, p.replicas[1]);
  c().brokerStopped(preferred);
  EXPECT_EQ(c().electLeader({"e", 0}, ElectionType::Preferred).error, ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE);
  c().brokerStarted(preferred);  // alive again, but not back in the ISR yet
  EXPECT_EQ(c().electLeader({"e", 0}, ElectionType::Preferred).error, ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE);
}

TEST_F(ControllerTopicsTest, WhenPropagatedWaitsForEveryLiveBrokersEarlierPushes) {
  int done = 0;
  c().whenPropagated({2, 3}, 1, [&] { ++done; });
  EXPECT_EQ(done, 0);
  listener(2).runPosted();
  listener(1).runPosted();
  EXPECT_EQ(done, 0) << "broker 3 has not caught up";
  listener(3).runPosted();
  EXPECT_EQ(done, 0) << "done runs on the replying broker";
  listener(1).runPosted();
  EXPECT_EQ(done, 1);

  // A stopped broker is not waited for; nothing to wait for answers on the replier at once.
  c().brokerStopped(3);
  c().whenPropagated({3}, 1, [&] { ++done; });
  listener(1).runPosted();
  EXPECT_EQ(done, 2);
}

}  // namespace
}  // namespace kafkalite::mock
