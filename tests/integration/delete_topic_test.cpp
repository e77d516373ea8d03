// Deleting a topic (MockCluster::deleteTopic, DELETE /v1/topics/{name}), as Kafka's
// DeleteTopics and StopReplica(delete) do: the topic leaves the metadata, every replica drops
// its partitions and logs (also a broker that is down), and requests waiting on it complete:
// an acks=-1 produce with UNKNOWN_TOPIC_OR_PARTITION (spec 1.7(a): DelayedProduce asks
// ReplicaManager.getPartitionOrError, which finds neither the partition nor the topic), a
// waiting fetch at once (spec 4.5).

#include <gtest/gtest.h>

#include "mockbroker/admin/admin_server.hpp"
#include "support/cluster_helpers.hpp"
#include "support/http_client.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

TEST(DeleteTopic, Spec1_7a_WaitingProduceAndFetchCompleteWithUnknownTopicOrPartition) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}, {"kept", 1, 2, std::nullopt}};
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  cluster.stallFollower(followersOf(view)[0]);  // acks=-1 waits for it

  auto producer = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch({"held"});
  const int32_t produceId = producer->send(produceRequest("t", 0, batch, -1, 60000), 7);
  auto consumer = connectTo(cluster, view.leader);
  const int32_t fetchId = consumer->send(fetchRequest("t", 0, 0, 60000, 1), 11);  // waits for the HW
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("t", 0), view.leader).logEndOffset == 1; }));
  ASSERT_FALSE(producer->responsePending());

  cluster.deleteTopic("t");
  const auto produced = receiveProduce(*producer, produceId, "t", 0, 7, scaledTimeout(10s));
  ASSERT_TRUE(produced.answered()) << produced.detail;
  EXPECT_EQ(produced.error(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  const auto fetched = consumer->receive<protocol::FetchResponse>(fetchId, 11, scaledTimeout(10s));
  ASSERT_TRUE(fetched.ok()) << fetched.error;
  EXPECT_EQ(errName(findPartition(fetched.body, "t", 0)->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");

  for (const auto& p : cluster.partitions()) EXPECT_NE(p.topic, "t");
  EXPECT_THROW((void)cluster.records("t", 0, view.leader), std::out_of_range);
  EXPECT_EQ(cluster.partition("kept", 0).replicas.size(), 2u);
  EXPECT_THROW(cluster.deleteTopic("t"), std::out_of_range);
}

// A topic deleted while one of its replicas is down, then auto-created again: the new topic
// starts empty everywhere, also on the broker that comes back.
TEST(DeleteTopic, ARecreatedTopicStartsEmptyOnEveryReplica) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  options.defaultReplicationFactor = 2;
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  auto client = connectTo(cluster, view.leader);
  ASSERT_EQ(produce(*client, "t", 0, makeValueBatch({"old-1", "old-2"}), -1).error(), ErrorCode::NONE);
  const int32_t down = followersOf(view)[0];
  cluster.stopBroker(down, StopMode::Hard);
  cluster.deleteTopic("t");
  cluster.startBroker(down);

  auto any = connectTo(cluster, view.leader);
  ASSERT_TRUE(waitUntil([&] {
    const auto reply = any->roundTrip(metadataRequest(std::vector<std::string>{"t"}, true), 4);
    return reply.ok() && findTopic(reply.body, "t") && findTopic(reply.body, "t")->errorCode == 0;
  }));
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  const auto now = cluster.partition("t", 0);
  for (const int32_t r : now.replicas) EXPECT_TRUE(cluster.records("t", 0, r).empty()) << "broker " << r;
  EXPECT_EQ(replicaOf(now, now.leader).logEndOffset, 0);
}

TEST(DeleteTopic, AdminEndpointDeletesTopics) {
  MockClusterOptions options;
  options.topics = {{"t", 2, 1, std::nullopt}};
  MockCluster cluster(options);
  mock::AdminServer server(cluster, "127.0.0.1", 0);
  HttpClient http(server.port());
  EXPECT_EQ(http.request(Verb::post, "/v1/topics/t").status, 405u);
  const HttpReply deleted = http.request(Verb::delete_, "/v1/topics/t");
  EXPECT_EQ(deleted.status, 200u) << deleted.body;
  EXPECT_TRUE(cluster.partitions().empty());
  EXPECT_EQ(http.request(Verb::delete_, "/v1/topics/t").status, 400u);
}

}  // namespace
}  // namespace kafkalite::testing
