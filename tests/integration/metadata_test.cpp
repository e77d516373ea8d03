// Metadata, ApiVersions and request pipelining (interop.md sections 5 and 6; broker-spec.md
// 6.3): what every broker reports matches the controller's view, the advertised version
// ranges are the recommended ones, and responses come back in request order even behind
// a request the broker holds.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::MetadataResponse;

MockClusterOptions twoTopics() {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"a", 3, 3, std::nullopt}, TopicSpec{"b", 2, 2, std::nullopt}};
  return o;
}

// Empty when the response agrees with brokers(), controllerId() and partitions();
// otherwise the first disagreement.
std::string compareWithCluster(const MockCluster& cluster, const MetadataResponse& m, int16_t version) {
  for (const auto& b : cluster.brokers()) {
    if (!b.online) continue;
    bool listed = false;
    for (const auto& mb : m.brokers) {
      if (mb.nodeId == b.id) {
        listed = true;
        if (mb.host != b.host || mb.port != b.port) return "broker " + std::to_string(b.id) + " address differs";
      }
    }
    if (!listed) return "broker " + std::to_string(b.id) + " not listed";
  }
  if (version >= 1) {
    if (m.controllerId != cluster.controllerId()) return "controller_id " + std::to_string(m.controllerId);
    bool listed = false;
    for (const auto& mb : m.brokers) listed = listed || mb.nodeId == m.controllerId;
    if (!listed) return "the controller is not a listed broker";
  }
  for (const auto& view : cluster.partitions()) {
    const auto* t = findTopic(m, view.topic);
    if (!t) return "topic " + view.topic + " missing";
    if (t->errorCode != 0) return "topic " + view.topic + " error " + errName(t->errorCode);
    const MetadataResponse::MetadataResponseTopic::MetadataResponsePartition* p = nullptr;
    for (const auto& mp : t->partitions)
      if (mp.partitionIndex == view.partition) p = &mp;
    const std::string where = view.topic + "-" + std::to_string(view.partition) + ": ";
    if (!p) return where + "missing";
    if (p->errorCode != 0) return where + errName(p->errorCode);
    if (p->leaderId != view.leader) return where + "leader " + std::to_string(p->leaderId) + " vs " + describe(view);
    if (p->replicaNodes != view.replicas) return where + "replicas differ: " + describe(view);
    if (sortedIds(p->isrNodes) != sortedIds(view.isr)) return where + "isr differs: " + describe(view);
    if (version >= 7 && p->leaderEpoch != view.leaderEpoch) {
      return where + "leader epoch " + std::to_string(p->leaderEpoch) + " vs " + describe(view);
    }
  }
  return {};
}

// interop.md section 6 (every leader a listed node; controller_id listed) and spec 6.3
// (UpdateMetadata reaches every live broker): every broker's Metadata, at every version
// the clients use, agrees with partition(), also after a leader move.
TEST(Metadata, EveryBrokerAgreesWithTheControllerView_Spec6_3) {
  MockCluster cluster(twoTopics());
  auto check = [&](const char* when) {
    for (const auto& b : cluster.brokers()) {
      auto client = connectTo(cluster, b.id);
      for (int16_t version : {int16_t{1}, int16_t{4}, int16_t{6}, int16_t{7}, int16_t{9}, int16_t{12}}) {
        std::string last;
        const bool agreed = waitUntil([&] {
          const auto reply = client->roundTrip(metadataRequest(std::nullopt), version);
          last = reply.ok() ? compareWithCluster(cluster, reply.body, version) : reply.error;
          return last.empty();
        });
        EXPECT_TRUE(agreed) << when << ", broker " << b.id << ", Metadata v" << version << ": " << last;
      }
    }
  };
  check("at start");
  const auto view = cluster.partition("a", 1);
  cluster.moveLeader("a", 1, followersOf(view)[0]);
  check("after moveLeader");
}

// interop.md section 6: in v0 an empty topic list means every topic; from v1 null means
// every topic and an empty list none.
TEST(Metadata, TopicListMeaningChangesAtV1) {
  MockCluster cluster(twoTopics());
  auto client = connectTo(cluster, cluster.controllerId());
  const auto v0 = client->roundTrip(metadataRequest(std::vector<std::string>{}), 0);
  ASSERT_TRUE(v0.ok()) << v0.error;
  EXPECT_EQ(v0.body.topics.size(), 2u);
  const auto v1all = client->roundTrip(metadataRequest(std::nullopt), 1);
  ASSERT_TRUE(v1all.ok()) << v1all.error;
  EXPECT_EQ(v1all.body.topics.size(), 2u);
  const auto v1none = client->roundTrip(metadataRequest(std::vector<std::string>{}), 1);
  ASSERT_TRUE(v1none.ok()) << v1none.error;
  EXPECT_TRUE(v1none.body.topics.empty());
  const auto one = client->roundTrip(metadataRequest(std::vector<std::string>{"b"}), 4);
  ASSERT_TRUE(one.ok()) << one.error;
  ASSERT_EQ(one.body.topics.size(), 1u);
  ASSERT_NE(findTopic(one.body, "b"), nullptr);
  EXPECT_EQ(findTopic(one.body, "b")->partitions.size(), 2u);
}

// interop.md section 5: the advertised ranges clients negotiate against.
TEST(ApiVersions, AdvertisesTheRecommendedRanges_InteropMd5) {
  MockCluster cluster(twoTopics());
  auto client = connectTo(cluster, 1);
  for (int16_t version : {int16_t{0}, int16_t{1}, int16_t{2}, int16_t{3}}) {
    protocol::ApiVersionsRequest req;
    req.clientSoftwareName = "kafkalite-test";
    req.clientSoftwareVersion = "1.0";
    const auto reply = client->roundTrip(req, version);
    ASSERT_TRUE(reply.ok()) << "v" << version << ": " << reply.error;
    EXPECT_EQ(errName(reply.body.errorCode), "NONE");
    auto range = [&](int16_t key) -> std::pair<int, int> {
      for (const auto& k : reply.body.apiKeys)
        if (k.apiKey == key) return {k.minVersion, k.maxVersion};
      return {-1, -1};
    };
    EXPECT_EQ(range(0), std::make_pair(0, 9)) << "Produce, v" << version;
    EXPECT_EQ(range(1), std::make_pair(4, 12)) << "Fetch, v" << version;
    EXPECT_EQ(range(2), std::make_pair(1, 7)) << "ListOffsets, v" << version;
    EXPECT_EQ(range(3), std::make_pair(0, 12)) << "Metadata, v" << version;
    EXPECT_EQ(range(18), std::make_pair(0, 3)) << "ApiVersions, v" << version;
    EXPECT_EQ(range(22), std::make_pair(0, 4)) << "InitProducerId, v" << version;
  }
}

// interop.md section 6: responses go in request order per connection, because clients
// pipeline. Six requests of five APIs in one write; the fetch, sent after the produce,
// sees its records.
TEST(Pipelining, RequestsInOneWriteAreAnsweredInOrder) {
  MockClusterOptions o;
  o.brokers = 1;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"p", 1, 1, std::nullopt}};
  MockCluster cluster(o);
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch(numberedValues("pipe", 2));
  std::vector<uint8_t> wire;
  protocol::ApiVersionsRequest apiVersions;
  apiVersions.clientSoftwareName = "kafkalite-test";
  apiVersions.clientSoftwareVersion = "1.0";
  const int32_t first = client->nextCorrelationId();
  ASSERT_TRUE(client->encodeFrame(apiVersions, 3, wire));
  ASSERT_TRUE(client->encodeFrame(metadataRequest(std::vector<std::string>{}), 0, wire));
  ASSERT_TRUE(client->encodeFrame(produceRequest("p", 0, batch, 1), 7, wire));
  ASSERT_TRUE(client->encodeFrame(fetchRequest("p", 0, 0, 0, 1), 11, wire));
  ASSERT_TRUE(client->encodeFrame(listOffsetsRequest("p", 0, -1), 2, wire));
  ASSERT_TRUE(client->encodeFrame(metadataRequest(std::nullopt), 9, wire));
  ASSERT_TRUE(client->sendRaw(wire));

  const auto av = client->receive<protocol::ApiVersionsResponse>(first, 3);
  ASSERT_TRUE(av.ok()) << av.error;
  const auto m0 = client->receive<MetadataResponse>(first + 1, 0);
  ASSERT_TRUE(m0.ok()) << m0.error;
  EXPECT_NE(findTopic(m0.body, "p"), nullptr);
  const auto pr = receiveProduce(*client, first + 2, "p", 0);
  ASSERT_TRUE(pr.answered()) << pr.detail;
  EXPECT_EQ(errName(pr.errorCode), "NONE");
  EXPECT_EQ(pr.baseOffset, 0);
  const auto fr = client->receive<protocol::FetchResponse>(first + 3, 11);
  ASSERT_TRUE(fr.ok()) << fr.error;
  const auto* fp = findPartition(fr.body, "p", 0);
  ASSERT_NE(fp, nullptr);
  EXPECT_EQ(valuesOf(decodeRecords(fp->records.bytes)), numberedValues("pipe", 2));
  const auto lo = client->receive<protocol::ListOffsetsResponse>(first + 4, 2);
  ASSERT_TRUE(lo.ok()) << lo.error;
  ASSERT_NE(findPartition(lo.body, "p", 0), nullptr);
  EXPECT_EQ(findPartition(lo.body, "p", 0)->offset, 2);
  const auto m9 = client->receive<MetadataResponse>(first + 5, 9);
  ASSERT_TRUE(m9.ok()) << m9.error;
  EXPECT_FALSE(client->responsePending());
}

// interop.md section 6, spec 1.5: a Metadata request pipelined behind an acks=-1 produce
// that the broker holds is not answered before it.
TEST(Pipelining, RequestBehindAHeldProduceWaitsForIt_Spec1_5) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"p", 1, 3, std::nullopt}};
  MockCluster cluster(o);
  const auto view = cluster.partition("p", 0);
  const auto followers = followersOf(view);
  cluster.stallFollower(followers[1]);
  auto client = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch(numberedValues("held", 3));
  std::vector<uint8_t> wire;
  const int32_t first = client->nextCorrelationId();
  ASSERT_TRUE(client->encodeFrame(produceRequest("p", 0, batch, -1, 60000), 7, wire));
  ASSERT_TRUE(client->encodeFrame(metadataRequest(std::vector<std::string>{"p"}), 4, wire));
  ASSERT_TRUE(client->sendRaw(wire));

  ASSERT_TRUE(waitUntil([&] { return cluster.records("p", 0, followers[0]).size() == 3; }))
      << describe(cluster.partition("p", 0));
  EXPECT_FALSE(client->responsePending()) << "answered while the produce is held";
  cluster.stallFollower(followers[1], false);
  const auto pr = receiveProduce(*client, first, "p", 0);
  ASSERT_TRUE(pr.answered()) << pr.detail;
  EXPECT_EQ(errName(pr.errorCode), "NONE");
  const auto meta = client->receive<MetadataResponse>(first + 1, 4);
  ASSERT_TRUE(meta.ok()) << meta.error;
}

}  // namespace
}  // namespace kafkalite::testing
