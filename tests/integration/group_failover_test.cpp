// Where groups live: committed offsets and group metadata are records in __consumer_offsets,
// replicated like any topic. When the coordinator (the leader of the group's partition) is
// hard-stopped, FindCoordinator names the new leader, which loaded the group from its replica:
// the same generation and members, the committed offsets; the restarted broker, now a
// follower, answers NOT_COORDINATOR. A one-broker cluster keeps them across a restart. Also
// the control surface (MockCluster views, expireMemberSession, rebalanceGroup) and the admin
// routes /v1/groups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mockbroker/admin/admin_routes.hpp"
#include "mockbroker/admin/json.hpp"
#include "mockbroker/group/group_metadata_manager.hpp"
#include "support/cluster_helpers.hpp"
#include "support/group_requests.hpp"

namespace kafkalite::testing {
namespace {

MockClusterOptions groupOptions(int32_t brokers) {
  MockClusterOptions o;
  o.brokers = brokers;
  o.topics = {TopicSpec{"orders", 3, static_cast<int16_t>(brokers), std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  o.groupCoordinator.offsetsTopicPartitions = 4;
  return o;
}

struct Member {
  std::string id;
  int32_t generation = -1;
};

Member joinAndSync(KafkaTestClient& c, const std::string& group) {
  const auto first = c.roundTrip(joinGroupRequest(group, "", 30000), 5);
  const auto second = c.roundTrip(joinGroupRequest(group, first.body.memberId, 30000), 5);
  EXPECT_EQ(errName(second.body.errorCode), "NONE");
  const Member m{second.body.memberId, second.body.generationId};
  const auto sync =
      c.roundTrip(syncGroupRequest(group, m.generation, m.id, {{m.id, consumerAssignment({{"orders", {0, 1, 2}}})}}), 3);
  EXPECT_EQ(errName(sync.body.errorCode), "NONE");
  return m;
}

int64_t committedOffset(KafkaTestClient& c, const std::string& group, int32_t partition) {
  const auto r = c.roundTrip(offsetFetchRequest(group, "orders", std::vector<int32_t>{partition}), 7);
  if (!r.ok() || r.body.errorCode != 0) return -100 - r.body.errorCode;
  const auto p = fetchedOffset(r.body, "orders", partition);
  return p ? p->committedOffset : -2;
}

TEST(GroupFailover, AHardStoppedCoordinatorsGroupAndOffsetsMoveToTheNewLeader) {
  MockCluster cluster(groupOptions(3));
  const int32_t first = findGroupCoordinator(cluster, "g");
  ASSERT_GE(first, 1);
  auto c = connectTo(cluster, first);
  const Member m = joinAndSync(*c, "g");
  const auto commit = c->roundTrip(offsetCommitRequest("g", m.generation, m.id, "orders", {{0, 10}, {1, 20}, {2, 30}}), 7);
  ASSERT_TRUE(commit.ok());
  for (const auto& p : commit.body.topics.at(0).partitions) ASSERT_EQ(errName(p.errorCode), "NONE");

  cluster.stopBroker(first, StopMode::Hard);
  const int32_t second = findGroupCoordinator(cluster, "g");
  ASSERT_GE(second, 1);
  ASSERT_NE(second, first);
  auto c2 = connectTo(cluster, second);
  EXPECT_EQ(committedOffset(*c2, "g", 0), 10);
  EXPECT_EQ(committedOffset(*c2, "g", 2), 30);
  // The member carries on with its generation: the group was loaded Stable with its members.
  const auto hb = c2->roundTrip(heartbeatRequest("g", m.generation, m.id), 3);
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(errName(hb.body.errorCode), "NONE");
  EXPECT_EQ(cluster.group("g").coordinator, second);
  EXPECT_EQ(cluster.group("g").generationId, m.generation);
  const auto commit2 = c2->roundTrip(offsetCommitRequest("g", m.generation, m.id, "orders", {{0, 15}}), 7);
  EXPECT_EQ(errName(commit2.body.topics.at(0).partitions.at(0).errorCode), "NONE");

  // Back, the old coordinator follows the partition: it coordinates nothing.
  cluster.startBroker(first);
  EXPECT_EQ(cluster.groupCoordinator("g"), second);
  auto old = connectTo(cluster, first);
  EXPECT_EQ(errName(old->roundTrip(heartbeatRequest("g", m.generation, m.id), 3).body.errorCode), "NOT_COORDINATOR");
  EXPECT_EQ(committedOffset(*c2, "g", 0), 15);
}

TEST(GroupFailover, MovingTheOffsetsPartitionsLeaderMovesTheCoordinator) {
  MockCluster cluster(groupOptions(3));
  const int32_t first = findGroupCoordinator(cluster, "g");
  auto c = connectTo(cluster, first);
  const Member m = joinAndSync(*c, "g");
  c->roundTrip(offsetCommitRequest("g", m.generation, m.id, "orders", {{1, 7}}), 7);
  const auto offsets = cluster.partition("__consumer_offsets", mock::groupMetadataPartitionFor("g", 4));
  ASSERT_EQ(offsets.leader, first);
  const int32_t target = followersOf(offsets).at(0);
  cluster.moveLeader("__consumer_offsets", offsets.partition, target);
  ASSERT_EQ(cluster.groupCoordinator("g"), target);
  EXPECT_EQ(errName(c->roundTrip(heartbeatRequest("g", m.generation, m.id), 3).body.errorCode), "NOT_COORDINATOR");
  auto moved = connectTo(cluster, target);
  EXPECT_EQ(committedOffset(*moved, "g", 1), 7);
}

TEST(GroupFailover, ASingleBrokerKeepsCommittedOffsetsAcrossARestart) {
  for (const StopMode mode : {StopMode::Clean, StopMode::Hard}) {
    MockCluster cluster(groupOptions(1));
    ASSERT_EQ(findGroupCoordinator(cluster, "g"), 1);
    auto c = connectTo(cluster, 1);
    const Member m = joinAndSync(*c, "g");
    c->roundTrip(offsetCommitRequest("g", m.generation, m.id, "orders", {{0, 42}}), 7);
    c.reset();
    cluster.stopBroker(1, mode);
    cluster.startBroker(1);
    ASSERT_EQ(findGroupCoordinator(cluster, "g"), 1);
    auto again = connectTo(cluster, 1);
    EXPECT_EQ(committedOffset(*again, "g", 0), 42);
    EXPECT_EQ(cluster.group("g").members.size(), 1u) << "the member is back until its session expires";
  }
}

TEST(GroupFailover, TheControlSurfaceShowsLagExpiresSessionsAndForcesRebalances) {
  MockCluster cluster(groupOptions(3));
  const int32_t coordinator = findGroupCoordinator(cluster, "g");
  auto c = connectTo(cluster, coordinator);
  const Member m = joinAndSync(*c, "g");
  const int32_t leader0 = cluster.partition("orders", 0).leader;
  auto producer = connectTo(cluster, leader0);
  const auto batch = makeValueBatch(numberedValues("v", 10));
  ASSERT_EQ(errName(produce(*producer, "orders", 0, batch, -1).errorCode), "NONE");
  c->roundTrip(offsetCommitRequest("g", m.generation, m.id, "orders", {{0, 4}}), 7);

  auto view = cluster.group("g");
  EXPECT_EQ(view.state, "Stable");
  EXPECT_EQ(view.protocol, "range");
  EXPECT_EQ(view.leaderId, m.id);
  ASSERT_EQ(view.offsets.size(), 1u);
  EXPECT_EQ(view.offsets[0].offset, 4);
  EXPECT_EQ(view.offsets[0].highWatermark, 10);
  EXPECT_EQ(view.offsets[0].lag, 6);
  ASSERT_EQ(cluster.groups().size(), 1u);

  cluster.rebalanceGroup("g");
  EXPECT_EQ(errName(c->roundTrip(heartbeatRequest("g", m.generation, m.id), 3).body.errorCode), "REBALANCE_IN_PROGRESS");
  cluster.expireMemberSession("g", m.id);
  EXPECT_EQ(errName(c->roundTrip(heartbeatRequest("g", m.generation, m.id), 3).body.errorCode), "UNKNOWN_MEMBER_ID");
  EXPECT_EQ(cluster.group("g").state, "Empty");
  EXPECT_THROW(cluster.expireMemberSession("g", m.id), std::out_of_range);
  EXPECT_THROW(cluster.rebalanceGroup("g"), std::invalid_argument) << "no members";
  EXPECT_THROW(cluster.rebalanceGroup("unknown"), std::out_of_range);
  EXPECT_THROW(cluster.group("unknown"), std::out_of_range);

  // The admin endpoint's routes over the same cluster.
  using mock::detail::handleAdminRequest;
  const auto list = handleAdminRequest(cluster, "GET", "/v1/groups", "");
  EXPECT_EQ(list.status, 200u);
  std::string error;
  const auto json = mock::detail::parseJson(list.body, error);
  ASSERT_TRUE(json) << error;
  EXPECT_EQ(*(*json)[0]["groupId"].asString(), "g");
  EXPECT_EQ(*(*json)[0]["offsets"][0]["lag"].asInt(), 6);
  EXPECT_EQ(handleAdminRequest(cluster, "GET", "/v1/groups/g", "").status, 200u);
  EXPECT_EQ(handleAdminRequest(cluster, "GET", "/v1/groups/nope", "").status, 404u);
  EXPECT_EQ(handleAdminRequest(cluster, "POST", "/v1/groups/g/rebalance", "").status, 400u) << "no members";
  EXPECT_EQ(handleAdminRequest(cluster, "POST", "/v1/groups/g", "").status, 405u);
  EXPECT_EQ(handleAdminRequest(cluster, "POST", "/v1/groups/g/members/nobody/expire", "").status, 404u);
  const Member again = joinAndSync(*c, "g");
  const auto expired = handleAdminRequest(cluster, "POST", "/v1/groups/g/members/" + again.id + "/expire", "");
  EXPECT_EQ(expired.status, 200u) << expired.body;
  EXPECT_EQ(cluster.group("g").members.size(), 0u);
}

}  // namespace
}  // namespace kafkalite::testing
