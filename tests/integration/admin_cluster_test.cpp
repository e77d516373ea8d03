// DescribeCluster, ElectLeaders, DescribeLogDirs and DeleteRecords over the wire at every
// advertised version: Kafka's answers (AuthHelper.computeDescribeClusterResponse,
// ReplicationControlManager.electLeaders with spec 6.1's election rules,
// ReplicaManager.describeLogDirs, Partition.deleteRecordsOnLeader) and their errors.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/admin_client.hpp"
#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::DeleteRecordsRequest;
using protocol::DescribeClusterRequest;
using protocol::DescribeLogDirsRequest;
using protocol::ElectLeadersRequest;

MockClusterOptions threeBrokers() {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.clusterId = "admin-cluster";
  return o;
}

TEST(DescribeCluster, EveryVersionListsTheLiveBrokersAndTheController) {
  MockCluster cluster(threeBrokers());
  cluster.stopBroker(3, StopMode::Clean);
  auto client = connectTo(cluster, 2);
  for (const int16_t v : allVersions<DescribeClusterRequest>()) {
    SCOPED_TRACE("DescribeCluster v" + std::to_string(v));
    DescribeClusterRequest request;
    auto reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(errName(reply.body.errorCode), "NONE");
    EXPECT_EQ(reply.body.clusterId, "admin-cluster");
    EXPECT_EQ(reply.body.controllerId, cluster.controllerId());
    ASSERT_EQ(reply.body.brokers.size(), 2u);
    EXPECT_EQ(reply.body.brokers[0].brokerId, 1);
    EXPECT_EQ(reply.body.brokers[1].brokerId, 2);
    EXPECT_EQ(reply.body.brokers[1].port, cluster.brokers()[1].port);
    EXPECT_EQ(reply.body.clusterAuthorizedOperations, INT32_MIN) << "not asked for";

    request.includeClusterAuthorizedOperations = true;
    reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(reply.body.clusterAuthorizedOperations, 8096) << "every CLUSTER operation: no authorizer";
    if (v >= 1) {
      request.endpointType = DescribeClusterRequest::kControllers;
      reply = client->roundTrip(request, v);
      ASSERT_TRUE(reply.ok()) << reply.error;
      EXPECT_EQ(errName(reply.body.errorCode), "MISMATCHED_ENDPOINT_TYPE");
      request.endpointType = 9;
      reply = client->roundTrip(request, v);
      ASSERT_TRUE(reply.ok()) << reply.error;
      EXPECT_EQ(errName(reply.body.errorCode), "UNSUPPORTED_ENDPOINT_TYPE");
    }
  }
}

std::string electOne(KafkaTestClient& client, int16_t version, int8_t type, const std::string& topic, int32_t partition) {
  ElectLeadersRequest r;
  r.electionType = type;
  r.topicPartitions->push_back({topic, {partition}, {}});
  r.timeoutMs = 30000;
  const auto reply = client.roundTrip(r, version);
  if (!reply.ok()) return "no reply: " + reply.error;
  return errName(reply.body.replicaElectionResults.at(0).partitionResult.at(0).errorCode);
}

TEST(ElectLeaders, EveryVersionElectsThePreferredReplicaWhenItIsInSync) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"e", 1, 3});
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<ElectLeadersRequest>()) {
    SCOPED_TRACE("ElectLeaders v" + std::to_string(v));
    const auto view = cluster.partition("e", 0);
    const int32_t preferred = view.replicas.front();
    ASSERT_TRUE(waitFullyReplicated(cluster, "e", 0));
    cluster.moveLeader("e", 0, view.replicas.back());
    const int32_t epoch = cluster.partition("e", 0).leaderEpoch;
    EXPECT_EQ(electOne(*client, v, ElectLeadersRequest::kPreferred, "e", 0), "NONE");
    const auto after = cluster.partition("e", 0);
    EXPECT_EQ(after.leader, preferred);
    EXPECT_EQ(after.leaderEpoch, epoch + 1);  // spec 6.2
    EXPECT_EQ(electOne(*client, v, ElectLeadersRequest::kPreferred, "e", 0), "ELECTION_NOT_NEEDED");
    EXPECT_EQ(electOne(*client, v, ElectLeadersRequest::kPreferred, "e", 7), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(electOne(*client, v, ElectLeadersRequest::kPreferred, "none", 0), "UNKNOWN_TOPIC_OR_PARTITION");
    if (v >= 1) {
      EXPECT_EQ(electOne(*client, v, ElectLeadersRequest::kUnclean, "e", 0), "ELECTION_NOT_NEEDED");
    }
  }
  // The preferred replica down: it cannot lead.
  const auto view = cluster.partition("e", 0);
  cluster.moveLeader("e", 0, view.replicas.back());
  cluster.stopBroker(view.replicas.front(), StopMode::Hard);
  auto survivor = connectTo(cluster, view.replicas.back());
  EXPECT_EQ(electOne(*survivor, 2, ElectLeadersRequest::kPreferred, "e", 0), "PREFERRED_LEADER_NOT_AVAILABLE");
}

TEST(ElectLeaders, NullPartitionsElectEveryPartitionThatNeedsIt) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"all", 3, 3});
  for (int32_t p = 0; p < 3; ++p) ASSERT_TRUE(waitFullyReplicated(cluster, "all", p));
  const auto moved = cluster.partition("all", 1);
  cluster.moveLeader("all", 1, moved.replicas.back());
  auto client = connectTo(cluster, 1);
  ElectLeadersRequest r;
  r.topicPartitions.reset();
  r.timeoutMs = 30000;
  const auto reply = client->roundTrip(r, 2);
  ASSERT_TRUE(reply.ok()) << reply.error;
  ASSERT_EQ(reply.body.replicaElectionResults.size(), 1u);
  const auto& results = reply.body.replicaElectionResults[0].partitionResult;
  ASSERT_EQ(results.size(), 1u) << "partitions led by their preferred replica are left out";
  EXPECT_EQ(results[0].partitionId, 1);
  EXPECT_EQ(errName(results[0].errorCode), "NONE");
  EXPECT_EQ(cluster.partition("all", 1).leader, moved.replicas.front());
}

// spec 6.1: an unclean election takes a live replica outside the ISR when no in-sync one
// is alive; with no live replica at all nothing can be elected.
TEST(ElectLeaders, UncleanElectionLeadsAnOfflinePartitionFromOutsideTheIsr_Spec6_1) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"u", 1, 2});
  const auto view = cluster.partition("u", 0);
  const int32_t follower = followersOf(view).front();
  cluster.stopBroker(follower, StopMode::Hard);
  cluster.stopBroker(view.leader, StopMode::Hard);
  auto client = connectTo(cluster, 6 - follower - view.leader);  // the third broker
  EXPECT_EQ(electOne(*client, 1, ElectLeadersRequest::kUnclean, "u", 0), "ELIGIBLE_LEADERS_NOT_AVAILABLE");
  EXPECT_EQ(electOne(*client, 1, ElectLeadersRequest::kPreferred, "u", 0), "PREFERRED_LEADER_NOT_AVAILABLE");
  cluster.startBroker(follower);
  ASSERT_EQ(cluster.partition("u", 0).leader, -1) << "unclean.leader.election.enable is off";
  EXPECT_EQ(electOne(*client, 2, ElectLeadersRequest::kUnclean, "u", 0), "NONE");
  const auto now = cluster.partition("u", 0);
  EXPECT_EQ(now.leader, follower) << describe(now);
  EXPECT_EQ(now.isr, (std::vector<int32_t>{follower}));
}

TEST(DescribeLogDirs, EveryVersionGivesEachHostedPartitionsSize) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"sized", 2, 3});
  cluster.createTopic(TopicSpec{"other", 1, 3});
  const auto view = cluster.partition("sized", 0);
  auto producer = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch(numberedValues("v", 10));
  ASSERT_EQ(errName(produce(*producer, "sized", 0, batch, -1).errorCode), "NONE");
  ASSERT_TRUE(waitFullyReplicated(cluster, "sized", 0));
  auto client = connectTo(cluster, 2);
  for (const int16_t v : allVersions<DescribeLogDirsRequest>()) {
    SCOPED_TRACE("DescribeLogDirs v" + std::to_string(v));
    DescribeLogDirsRequest request;
    request.topics->push_back({"sized", {0, 1}, {}});
    auto reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(errName(reply.body.errorCode), "NONE");
    ASSERT_EQ(reply.body.results.size(), 1u);
    const auto& dir = reply.body.results[0];
    EXPECT_EQ(dir.logDir, "/kafkalite/broker-2");
    if (v >= 4) {
      EXPECT_EQ(dir.totalBytes, -1);
      EXPECT_EQ(dir.usableBytes, -1);
    }
    ASSERT_EQ(dir.topics.size(), 1u);
    ASSERT_EQ(dir.topics[0].partitions.size(), 2u);
    EXPECT_EQ(dir.topics[0].partitions[0].partitionSize, static_cast<int64_t>(batch.size()));
    EXPECT_EQ(dir.topics[0].partitions[0].offsetLag, 0);
    EXPECT_EQ(dir.topics[0].partitions[1].partitionSize, 0);

    request.topics.reset();  // every partition this broker holds
    reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    ASSERT_EQ(reply.body.results.at(0).topics.size(), 2u);
  }
}

TEST(DeleteRecords, EveryVersionMovesTheLogStartButNeverAboveTheHighWatermark) {
  MockCluster cluster(threeBrokers());
  auto admin = connectTo(cluster, 1);
  for (const int16_t v : allVersions<DeleteRecordsRequest>()) {
    SCOPED_TRACE("DeleteRecords v" + std::to_string(v));
    const std::string topic = "trimmed-v" + std::to_string(v);
    cluster.createTopic(TopicSpec{topic, 1, 2});
    const auto view = cluster.partition(topic, 0);
    auto leader = connectTo(cluster, view.leader);
    const auto first = makeValueBatch(numberedValues("a", 5));
    ASSERT_EQ(errName(produce(*leader, topic, 0, first, -1).errorCode), "NONE");
    cluster.stallFollower(followersOf(view).front());
    const auto second = makeValueBatch(numberedValues("b", 5));
    ASSERT_EQ(errName(produce(*leader, topic, 0, second, 1).errorCode), "NONE");  // LEO 10, HW 5
    const auto remove = [&](KafkaTestClient& client, int32_t partition, int64_t offset, int64_t* lowWatermark = nullptr) {
      DeleteRecordsRequest r;
      r.topics.push_back({topic, {{partition, offset, {}}}, {}});
      r.timeoutMs = 30000;
      const auto reply = client.roundTrip(r, v);
      if (!reply.ok()) return "no reply: " + reply.error;
      const auto& p = reply.body.topics.at(0).partitions.at(0);
      if (lowWatermark) *lowWatermark = p.lowWatermark;
      return errName(p.errorCode);
    };
    int64_t low = 0;
    EXPECT_EQ(remove(*leader, 0, 7), "OFFSET_OUT_OF_RANGE") << "above the high watermark";
    EXPECT_EQ(remove(*leader, 0, -5), "OFFSET_OUT_OF_RANGE");
    EXPECT_EQ(remove(*leader, 3, 1), "UNKNOWN_TOPIC_OR_PARTITION");
    auto follower = connectTo(cluster, followersOf(view).front());
    EXPECT_EQ(remove(*follower, 0, 1), "NOT_LEADER_OR_FOLLOWER");
    EXPECT_EQ(remove(*leader, 0, 2, &low), "NONE");
    EXPECT_EQ(low, 2);
    EXPECT_EQ(remove(*leader, 0, -1, &low), "NONE") << "-1: up to the high watermark";
    EXPECT_EQ(low, 5);
    EXPECT_EQ(replicaOf(cluster.partition(topic, 0), view.leader).logStartOffset, 5);
    const auto earliest = leader->roundTrip(listOffsetsRequest(topic, 0, -2), 2);
    ASSERT_TRUE(earliest.ok()) << earliest.error;
    EXPECT_EQ(findPartition(earliest.body, topic, 0)->offset, 5);
    const auto below = leader->roundTrip(fetchRequest(topic, 0, 1, 0, 1), 11);
    ASSERT_TRUE(below.ok()) << below.error;
    EXPECT_EQ(errName(findPartition(below.body, topic, 0)->errorCode), "OFFSET_OUT_OF_RANGE");
    cluster.stallFollower(followersOf(view).front(), false);
  }
}

}  // namespace
}  // namespace kafkalite::testing
