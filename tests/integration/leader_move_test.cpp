// Leader moves never lose acknowledged records unless asked to (issue 11). Kafka elects only
// a live member of the ISR (PartitionStateMachine, Election.scala; spec 6.1): a preferred-
// replica election to an out-of-sync replica fails with PREFERRED_LEADER_NOT_AVAILABLE, and
// only an unclean election picks an out-of-sync replica, with ISR = [it], after which every
// other replica truncates to its log. MockCluster::moveLeader and
// POST /v1/partitions/{t}/{p}/leader?broker=N do the same; unclean=true asks for the unclean move.

#include <gtest/gtest.h>

#include <system_error>

#include "mockbroker/admin/admin_server.hpp"
#include "support/cluster_helpers.hpp"
#include "support/http_client.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// Two brokers; the follower is stalled, the leader takes two acks=1 records the follower never
// sees, and the follower drops out of the ISR.
class LeaderMoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MockClusterOptions options;
    options.brokers = 2;
    options.replicaLagTimeMaxMs = 300;
    options.topics = {{"t", 1, 2, std::nullopt}};
    cluster_ = std::make_unique<MockCluster>(options);
    const auto view = cluster_->partition("t", 0);
    leader_ = view.leader;
    follower_ = followersOf(view)[0];
    auto client = connectTo(*cluster_, leader_);
    ASSERT_EQ(produce(*client, "t", 0, makeValueBatch({"both"}), -1).error(), ErrorCode::NONE);
    ASSERT_TRUE(waitFullyReplicated(*cluster_, "t", 0));
    cluster_->stallFollower(follower_);
    for (const char* v : {"only-leader-1", "only-leader-2"}) {
      ASSERT_EQ(produce(*client, "t", 0, makeValueBatch({v}), 1).error(), ErrorCode::NONE);
    }
    // Behind the leader's LEO, it leaves the ISR after replica.lag.time.max.ms (spec 3.2, 3.3).
    ASSERT_TRUE(waitUntil([&] { return cluster_->partition("t", 0).isr == std::vector<int32_t>{leader_}; }))
        << describe(cluster_->partition("t", 0));
    before_ = cluster_->partition("t", 0);
  }

  std::unique_ptr<MockCluster> cluster_;
  int32_t leader_ = -1;
  int32_t follower_ = -1;
  PartitionView before_;
};

TEST_F(LeaderMoveTest, Issue11_MoveToAnOutOfSyncReplicaIsRefusedAndChangesNothing) {
  try {
    cluster_->moveLeader("t", 0, follower_);
    FAIL() << "an out-of-sync replica was elected: " << describe(cluster_->partition("t", 0));
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE)) << e.what();
    EXPECT_NE(std::string(e.what()).find("not in the ISR"), std::string::npos) << e.what();
  }
  const auto after = cluster_->partition("t", 0);
  EXPECT_EQ(after.leader, leader_);
  EXPECT_EQ(after.leaderEpoch, before_.leaderEpoch);
  EXPECT_EQ(after.isr, before_.isr);
  cluster_->stallFollower(follower_, false);
  ASSERT_TRUE(waitFullyReplicated(*cluster_, "t", 0));
  EXPECT_EQ(storedValues(cluster_->records("t", 0, follower_)),
            (std::vector<std::string>{"both", "only-leader-1", "only-leader-2"}));
}

TEST_F(LeaderMoveTest, UncleanMoveElectsTheOutOfSyncReplicaAndTheOthersTruncateToIt) {
  cluster_->moveLeader("t", 0, follower_, /*unclean=*/true);
  const auto after = cluster_->partition("t", 0);
  EXPECT_EQ(after.leader, follower_);
  EXPECT_EQ(after.leaderEpoch, before_.leaderEpoch + 1);
  EXPECT_EQ(after.isr, std::vector<int32_t>{follower_}) << "spec 6.1: an unclean leader's ISR is itself";
  cluster_->stallFollower(follower_, false);
  // The old leader follows the new one and loses what only it had, as the caller asked.
  ASSERT_TRUE(waitFullyReplicated(*cluster_, "t", 0, 30s)) << describe(cluster_->partition("t", 0));
  EXPECT_EQ(storedValues(cluster_->records("t", 0, leader_)), std::vector<std::string>{"both"});
}

TEST_F(LeaderMoveTest, MovesToAStoppedReplicaAreRefused) {
  cluster_->stopBroker(follower_, StopMode::Hard);
  try {
    cluster_->moveLeader("t", 0, follower_);
    FAIL() << "a stopped broker was elected";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE)) << e.what();
  }
  try {
    cluster_->moveLeader("t", 0, follower_, true);
    FAIL() << "a stopped broker was elected";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ErrorCode::ELIGIBLE_LEADERS_NOT_AVAILABLE)) << e.what();
  }
  EXPECT_THROW(cluster_->moveLeader("t", 0, 7), std::invalid_argument);
  EXPECT_EQ(cluster_->partition("t", 0).leader, leader_);
}

TEST_F(LeaderMoveTest, AdminEndpointRefusesWith409UnlessUncleanIsAsked) {
  mock::AdminServer server(*cluster_, "127.0.0.1", 0);
  HttpClient http(server.port());
  const std::string target = "/v1/partitions/t/0/leader?broker=" + std::to_string(follower_);
  const HttpReply refused = http.request(Verb::post, target);
  EXPECT_EQ(refused.status, 409u) << refused.body;
  ASSERT_NE(refused.json["errorName"].asString(), nullptr) << refused.body;
  EXPECT_EQ(*refused.json["errorName"].asString(), "PREFERRED_LEADER_NOT_AVAILABLE");
  EXPECT_EQ(cluster_->partition("t", 0).leader, leader_);
  EXPECT_EQ(http.request(Verb::post, target + "&unclean=maybe").status, 400u);
  const HttpReply moved = http.request(Verb::post, target + "&unclean=true");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(cluster_->partition("t", 0).leader, follower_);
}

// A move to an in-sync replica is what it always was: leader and epoch + 1, ISR kept.
TEST(LeaderMove, MoveToAnInSyncReplicaKeepsTheIsr) {
  MockClusterOptions options;
  options.brokers = 3;
  options.topics = {{"t", 1, 3, std::nullopt}};
  MockCluster cluster(options);
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  const auto before = cluster.partition("t", 0);
  const int32_t target = followersOf(before)[1];
  cluster.moveLeader("t", 0, target);
  const auto after = cluster.partition("t", 0);
  EXPECT_EQ(after.leader, target);
  EXPECT_EQ(after.leaderEpoch, before.leaderEpoch + 1);
  EXPECT_EQ(sortedIds(after.isr), sortedIds(before.isr));
}

}  // namespace
}  // namespace kafkalite::testing
