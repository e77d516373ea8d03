// The group APIs over real sockets against the in-process cluster: FindCoordinator creates
// __consumer_offsets and names the leader of the group's partition; a consumer's whole life
// (JoinGroup with MEMBER_ID_REQUIRED, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch at the
// versions librdkafka, kafka-python and kafkajs use, DescribeGroups, ListGroups, LeaveGroup,
// DeleteGroups); and bad input: the wrong coordinator, unknown topics, produce to the internal
// topic, oversized member metadata. Behaviour as Kafka's KafkaApis and GroupCoordinator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/group_requests.hpp"

namespace kafkalite::testing {
namespace {

MockClusterOptions groupOptions() {
  MockClusterOptions o;
  o.brokers = 3;
  o.topics = {TopicSpec{"orders", 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  o.groupCoordinator.offsetsTopicPartitions = 5;
  return o;
}

struct Joined {
  std::string memberId;
  int32_t generation = -1;
};

/// JoinGroup v5 twice (MEMBER_ID_REQUIRED first, KIP-394), then SyncGroup v3 as the leader
/// assigning `partitions` of "orders" to itself.
Joined joinAndSync(KafkaTestClient& c, const std::string& group, const std::vector<int32_t>& partitions = {0, 1, 2}) {
  const auto first = c.roundTrip(joinGroupRequest(group, ""), 5);
  EXPECT_TRUE(first.ok()) << first.error;
  EXPECT_EQ(errName(first.body.errorCode), "MEMBER_ID_REQUIRED");
  const auto second = c.roundTrip(joinGroupRequest(group, first.body.memberId), 5);
  EXPECT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(errName(second.body.errorCode), "NONE");
  const Joined j{second.body.memberId, second.body.generationId};
  const auto sync = c.roundTrip(
      syncGroupRequest(group, j.generation, j.memberId, {{j.memberId, consumerAssignment({{"orders", partitions}})}}), 3);
  EXPECT_TRUE(sync.ok()) << sync.error;
  EXPECT_EQ(errName(sync.body.errorCode), "NONE");
  EXPECT_EQ(sync.body.assignment, consumerAssignment({{"orders", partitions}}));
  return j;
}

TEST(GroupApis, FindCoordinatorCreatesTheOffsetsTopicAndNamesTheLeaderOfTheGroupsPartition) {
  MockCluster cluster(groupOptions());
  EXPECT_EQ(cluster.groupCoordinator("g"), -1) << "no __consumer_offsets yet";
  auto client = connectTo(cluster, 1);
  protocol::FindCoordinatorRequest find;
  find.key = "g";
  const auto reply = client->roundTrip(find, 2);
  ASSERT_TRUE(reply.ok()) << reply.error;
  ASSERT_EQ(errName(reply.body.errorCode), "NONE");
  EXPECT_EQ(reply.body.nodeId, cluster.groupCoordinator("g"));
  const auto v0 = client->roundTrip(find, 0);
  ASSERT_TRUE(v0.ok());
  EXPECT_EQ(v0.body.nodeId, reply.body.nodeId);

  // __consumer_offsets: internal, offsets.topic.num.partitions partitions, RF 3.
  const auto meta = client->roundTrip(metadataRequest(std::nullopt), 1);
  ASSERT_TRUE(meta.ok());
  const auto* offsets = findTopic(meta.body, "__consumer_offsets");
  ASSERT_NE(offsets, nullptr);
  EXPECT_TRUE(offsets->isInternal);
  EXPECT_EQ(offsets->partitions.size(), 5u);
  EXPECT_EQ(offsets->partitions[0].replicaNodes.size(), 3u);
  EXPECT_FALSE(findTopic(meta.body, "orders")->isInternal);

  find.keyType = 2;  // not a group (0) or a transaction (1)
  const auto bad = client->roundTrip(find, 2);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(errName(bad.body.errorCode), "INVALID_REQUEST");
  EXPECT_EQ(bad.body.nodeId, -1);
}

TEST(GroupApis, AConsumersLifeOverTheWire) {
  MockCluster cluster(groupOptions());
  const int32_t coordinator = findGroupCoordinator(cluster, "life");
  ASSERT_GE(coordinator, 1);
  auto c = connectTo(cluster, coordinator);
  const Joined j = joinAndSync(*c, "life");
  EXPECT_EQ(j.generation, 1);
  const auto hb = c->roundTrip(heartbeatRequest("life", j.generation, j.memberId), 3);
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(errName(hb.body.errorCode), "NONE");

  // OffsetCommit v7 (librdkafka) and v2 (kafka-python); OffsetFetch v7 (flexible, with
  // require_stable), v4 (kafkajs), v1 (kafka-python) and v2 for every partition.
  const auto commit = c->roundTrip(offsetCommitRequest("life", j.generation, j.memberId, "orders", {{0, 11}, {1, 22}},
                                                       std::string("md"), /*leaderEpoch=*/0),
                                   7);
  ASSERT_TRUE(commit.ok()) << commit.error;
  for (const auto& p : commit.body.topics.at(0).partitions) EXPECT_EQ(errName(p.errorCode), "NONE");
  const auto commit2 = c->roundTrip(offsetCommitRequest("life", j.generation, j.memberId, "orders", {{2, 33}}), 2);
  ASSERT_TRUE(commit2.ok());
  EXPECT_EQ(errName(commit2.body.topics.at(0).partitions.at(0).errorCode), "NONE");

  const auto f7 = c->roundTrip(offsetFetchRequest("life", "orders", std::vector<int32_t>{0, 1, 2}, true), 7);
  ASSERT_TRUE(f7.ok()) << f7.error;
  EXPECT_EQ(f7.body.errorCode, 0);
  EXPECT_EQ(fetchedOffset(f7.body, "orders", 0)->committedOffset, 11);
  EXPECT_EQ(fetchedOffset(f7.body, "orders", 0)->committedLeaderEpoch, 0);
  EXPECT_EQ(fetchedOffset(f7.body, "orders", 0)->metadata, "md");
  EXPECT_EQ(fetchedOffset(f7.body, "orders", 2)->committedOffset, 33);
  const auto f1 = c->roundTrip(offsetFetchRequest("life", "orders", std::vector<int32_t>{1, 5}), 1);
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ(fetchedOffset(f1.body, "orders", 1)->committedOffset, 22);
  EXPECT_EQ(fetchedOffset(f1.body, "orders", 5)->committedOffset, -1) << "never committed: -1, no error";
  const auto all = c->roundTrip(offsetFetchRequest("life", "", std::nullopt), 4);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all.body.topics.size(), 1u);
  EXPECT_EQ(all.body.topics[0].partitions.size(), 3u);

  // DescribeGroups v4 and ListGroups v4 (state filter), as the admin clients ask.
  protocol::DescribeGroupsRequest describe;
  describe.groups = {"life"};
  describe.includeAuthorizedOperations = true;
  const auto d = c->roundTrip(describe, 4);
  ASSERT_TRUE(d.ok()) << d.error;
  ASSERT_EQ(d.body.groups.size(), 1u);
  const auto& life = d.body.groups[0];
  EXPECT_EQ(life.groupState, "Stable");
  EXPECT_EQ(life.protocolType, "consumer");
  EXPECT_EQ(life.protocolData, "range");
  ASSERT_EQ(life.members.size(), 1u);
  EXPECT_EQ(life.members[0].memberId, j.memberId);
  EXPECT_EQ(life.members[0].clientHost, "/127.0.0.1");
  EXPECT_EQ(life.members[0].memberAssignment, consumerAssignment({{"orders", {0, 1, 2}}}));
  EXPECT_EQ(life.authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8));
  // An unknown group, asked of its coordinator, is described as Dead without an error.
  auto nobodyCoordinator = connectTo(cluster, findGroupCoordinator(cluster, "nobody"));
  describe.groups = {"nobody"};
  const auto nobody = nobodyCoordinator->roundTrip(describe, 0);
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(errName(nobody.body.groups.at(0).errorCode), "NONE");
  EXPECT_EQ(nobody.body.groups.at(0).groupState, "Dead");
  protocol::ListGroupsRequest list;
  list.statesFilter = {"stable"};
  const auto l = c->roundTrip(list, 4);
  ASSERT_TRUE(l.ok()) << l.error;
  ASSERT_EQ(l.body.groups.size(), 1u);
  EXPECT_EQ(l.body.groups[0].groupId, "life");
  EXPECT_EQ(l.body.groups[0].groupState, "Stable");
  const auto view = cluster.group("life");
  EXPECT_EQ(view.coordinator, coordinator);
  EXPECT_EQ(view.members.at(0).assignedPartitions.at(0).second, (std::vector<int32_t>{0, 1, 2}));

  // A group with members cannot be deleted; after LeaveGroup (v3) it can.
  protocol::DeleteGroupsRequest del;
  del.groupsNames = {"life"};
  EXPECT_EQ(errName(c->roundTrip(del, 1).body.results.at(0).errorCode), "NON_EMPTY_GROUP");
  protocol::LeaveGroupRequest leave;
  leave.groupId = "life";
  leave.members = {{j.memberId, std::nullopt, {}}};
  const auto left = c->roundTrip(leave, 3);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(errName(left.body.members.at(0).errorCode), "NONE");
  EXPECT_EQ(cluster.group("life").state, "Empty");
  EXPECT_EQ(errName(c->roundTrip(del, 1).body.results.at(0).errorCode), "NONE");
  EXPECT_THROW(cluster.group("life"), std::out_of_range);
  const auto gone = c->roundTrip(offsetFetchRequest("life", "orders", std::vector<int32_t>{0}), 7);
  EXPECT_EQ(fetchedOffset(gone.body, "orders", 0)->committedOffset, -1);
}

TEST(GroupApis, TheWrongBrokerAnswersNotCoordinator) {
  MockCluster cluster(groupOptions());
  const int32_t coordinator = findGroupCoordinator(cluster, "g");
  ASSERT_GE(coordinator, 1);
  const int32_t other = coordinator % 3 + 1;
  auto c = connectTo(cluster, other);
  EXPECT_EQ(errName(c->roundTrip(joinGroupRequest("g", ""), 5).body.errorCode), "NOT_COORDINATOR");
  EXPECT_EQ(errName(c->roundTrip(heartbeatRequest("g", 1, "m"), 3).body.errorCode), "NOT_COORDINATOR");
  // OffsetFetch: a top-level error from v2; before, every partition carries it.
  EXPECT_EQ(errName(c->roundTrip(offsetFetchRequest("g", "orders", std::vector<int32_t>{0}), 2).body.errorCode),
            "NOT_COORDINATOR");
  const auto v1 = c->roundTrip(offsetFetchRequest("g", "orders", std::vector<int32_t>{0}), 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(errName(fetchedOffset(v1.body, "orders", 0)->errorCode), "NOT_COORDINATOR");
  const auto commit = c->roundTrip(offsetCommitRequest("g", -1, "", "orders", {{0, 1}}), 7);
  EXPECT_EQ(errName(commit.body.topics.at(0).partitions.at(0).errorCode), "NOT_COORDINATOR");
}

TEST(GroupApis, BadInputGetsKafkasErrorsAndLeavesOtherGroupsAlone) {
  MockClusterOptions o = groupOptions();
  o.messageMaxBytes = 64 * 1024;  // the coordinator's records are bound by it too
  MockCluster cluster(o);
  const int32_t coordinator = findGroupCoordinator(cluster, "good");
  auto good = connectTo(cluster, coordinator);
  const Joined g = joinAndSync(*good, "good");

  // Commits to a topic or partition that does not exist; valid ones in the same request pass.
  auto commit = offsetCommitRequest("good", g.generation, g.memberId, "orders", {{0, 5}, {99, 5}});
  commit.topics.push_back({"no-such-topic", {{0, 1, -1, -1, std::string(), {}}}, {}});
  const auto committed = good->roundTrip(commit, 7);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(errName(committed.body.topics[0].partitions[0].errorCode), "NONE");
  EXPECT_EQ(errName(committed.body.topics[0].partitions[1].errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_EQ(errName(committed.body.topics[1].partitions[0].errorCode), "UNKNOWN_TOPIC_OR_PARTITION");

  // Clients cannot write __consumer_offsets (Kafka's "Cannot append to internal topic").
  const auto batch = makeValueBatch({"forged"});
  const auto produced = produce(*good, "__consumer_offsets", 0, batch, 1);
  ASSERT_TRUE(produced.answered()) << describe(produced);
  EXPECT_EQ(errName(produced.errorCode), "INVALID_TOPIC_EXCEPTION");

  // Member metadata too large for __consumer_offsets: the join succeeds, storing the new
  // generation fails (SyncGroup: UNKNOWN_SERVER_ERROR) and the group rebalances.
  const int32_t bigCoordinator = findGroupCoordinator(cluster, "big");
  auto big = connectTo(cluster, bigCoordinator);
  auto join = joinGroupRequest("big", "");
  join.protocols[0].metadata.resize(100 * 1024, 0x42);
  const auto j1 = big->roundTrip(join, 5);
  join.memberId = j1.body.memberId;
  const auto j2 = big->roundTrip(join, 5);
  ASSERT_EQ(errName(j2.body.errorCode), "NONE");
  const auto sync = big->roundTrip(syncGroupRequest("big", j2.body.generationId, j2.body.memberId), 3);
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(errName(sync.body.errorCode), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(errName(big->roundTrip(heartbeatRequest("big", j2.body.generationId, j2.body.memberId), 3).body.errorCode),
            "REBALANCE_IN_PROGRESS");

  // Session timeouts outside group.{min,max}.session.timeout.ms; an empty group id.
  EXPECT_EQ(errName(good->roundTrip(joinGroupRequest("good", "", 50), 5).body.errorCode), "INVALID_SESSION_TIMEOUT");
  EXPECT_EQ(errName(good->roundTrip(joinGroupRequest("", ""), 5).body.errorCode), "INVALID_GROUP_ID");
  // A protocol type the group does not use.
  auto other = joinGroupRequest("good", "");
  other.protocolType = "connect";
  EXPECT_EQ(errName(good->roundTrip(other, 2).body.errorCode), "INCONSISTENT_GROUP_PROTOCOL");

  // A JoinGroup body that does not parse closes that connection only (Kafka does the same).
  auto broken = connectTo(cluster, coordinator);
  std::vector<uint8_t> frame;
  protocol::RequestHeader header{protocol::ApiKey::JoinGroup, 5, 77, std::string("bad"), {}};
  ASSERT_FALSE(protocol::encodeRequestFrame(header, joinGroupRequest("good", ""), frame));
  frame.erase(frame.end() - 3, frame.end());  // cut the body short
  frame[0] = 0;
  frame[1] = 0;
  frame[2] = static_cast<uint8_t>((frame.size() - 4) >> 8);
  frame[3] = static_cast<uint8_t>(frame.size() - 4);
  ASSERT_TRUE(broken->sendRaw(frame));
  EXPECT_TRUE(broken->waitClosed(scaledTimeout(std::chrono::seconds(5))));

  // The good group never noticed.
  const auto hb = good->roundTrip(heartbeatRequest("good", g.generation, g.memberId), 3);
  EXPECT_EQ(errName(hb.body.errorCode), "NONE");
  EXPECT_EQ(cluster.group("good").state, "Stable");
  EXPECT_EQ(cluster.group("good").generationId, g.generation);
}

}  // namespace
}  // namespace kafkalite::testing
