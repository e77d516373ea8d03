// What the broker accepts and answers as Kafka does, for the cases of issues 11 and 19:
// - bytes after a request's last field are ignored (Kafka's RequestContext.parseRequest reads
//   the fields and never looks at what follows), at every API; a body that ends early still
//   closes the connection. librdkafka 2.15's all-topics Metadata v12 request is one of them.
// - Produce partitions that fail before the append have no offsets (base_offset -1).
// - InitProducerId (TransactionCoordinator.handleInitProducerId): no transactional id → a new
//   producer id with epoch 0, always; an empty one → INVALID_REQUEST; a transactional one →
//   COORDINATOR_NOT_AVAILABLE, since the mock has no transaction coordinator.

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// The request header v2 of librdkafka: api key, version, correlation id, client id, no tags.
std::vector<uint8_t> headerV2(int16_t apiKey, int16_t version, int32_t correlationId, const std::string& clientId) {
  std::vector<uint8_t> out;
  auto put = [&](uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(static_cast<uint16_t>(apiKey), 2);
  put(static_cast<uint16_t>(version), 2);
  put(static_cast<uint32_t>(correlationId), 4);
  put(clientId.size(), 2);
  out.insert(out.end(), clientId.begin(), clientId.end());
  out.push_back(0x00);  // header tags
  return out;
}

std::vector<uint8_t> framed(std::vector<uint8_t> inner) {
  std::vector<uint8_t> out(4);
  protocol::detail::storeBigEndian(out.data(), inner.size(), 4);
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

struct DebugLines {
  std::mutex mutex;
  std::vector<std::string> lines;
};

// Issue 19: librdkafka 2.15 leaves the 4 bytes it reserved for the topic count of an
// all-topics v9+ request (rdkafka_request.c, rd_kafka_MetadataRequest0), so 3 bytes are left
// after the last field. Kafka answers it as an all-topics request; so does the mock, and it
// says so at debug level.
TEST(RequestTolerance, Issue19_Librdkafka215AllTopicsMetadataV12IsAnswered) {
  auto debug = std::make_shared<DebugLines>();
  MockClusterOptions options;
  options.topics = {{"a", 1, 1, std::nullopt}, {"b", 2, 1, std::nullopt}};
  options.logLevel = LogLevel::Debug;
  options.logCallback = [debug](LogLevel level, std::string_view, std::string_view line) {
    std::lock_guard lock(debug->mutex);
    if (level == LogLevel::Debug) debug->lines.emplace_back(line);
  };
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  std::vector<uint8_t> inner = headerV2(3, 12, 77, "rdkafka");
  for (const uint8_t b : {0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}) inner.push_back(b);
  ASSERT_TRUE(client->sendRaw(framed(inner)));
  const auto reply = client->receive<protocol::MetadataResponse>(77, 12);
  ASSERT_TRUE(reply.ok()) << reply.error;
  ASSERT_EQ(reply.body.topics.size(), 2u);
  EXPECT_EQ(reply.body.topics[0].name, "a");
  EXPECT_EQ(reply.body.topics[1].partitions.size(), 2u);
  std::lock_guard lock(debug->mutex);
  ASSERT_EQ(debug->lines.size(), 1u);
  EXPECT_NE(debug->lines[0].find("3 bytes after the last field"), std::string::npos) << debug->lines[0];
}

// Every API the broker serves takes a body with bytes after its last field; the connection
// stays open and later requests are answered. A body that ends early is still refused.
TEST(RequestTolerance, Issue19_EveryApiIgnoresBytesAfterTheLastField) {
  MockClusterOptions options;
  options.topics = {{"t", 1, 1, std::nullopt}};
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch({"with-extra-bytes"});
  auto withExtra = [&](auto request, int16_t version) {
    std::vector<uint8_t> frame;
    const int32_t id = client->nextCorrelationId();
    EXPECT_TRUE(client->encodeFrame(request, version, frame));
    for (int i = 0; i < 5; ++i) frame.push_back(0xee);
    protocol::detail::storeBigEndian(frame.data(), frame.size() - 4, 4);
    EXPECT_TRUE(client->sendRaw(frame));
    return id;
  };
  const auto apiVersions = client->receive<protocol::ApiVersionsResponse>(withExtra(protocol::ApiVersionsRequest{}, 3), 3);
  ASSERT_TRUE(apiVersions.ok()) << apiVersions.error;
  const auto metadata = client->receive<protocol::MetadataResponse>(withExtra(metadataRequest(std::vector<std::string>{"t"}), 1), 1);
  ASSERT_TRUE(metadata.ok()) << metadata.error;
  for (const int16_t version : {3, 7, 9}) {
    const auto out = receiveProduce(*client, withExtra(produceRequest("t", 0, batch, 1), version), "t", 0, version);
    ASSERT_EQ(out.error(), ErrorCode::NONE) << "Produce v" << version << ": " << describe(out);
  }
  const auto fetch = client->receive<protocol::FetchResponse>(withExtra(fetchRequest("t", 0, 0, 0, 1), 12), 12);
  ASSERT_TRUE(fetch.ok()) << fetch.error;
  EXPECT_EQ(valuesOf(decodeRecords(findPartition(fetch.body, "t", 0)->records.bytes)).size(), 3u);
  const auto offsets = client->receive<protocol::ListOffsetsResponse>(withExtra(listOffsetsRequest("t", 0, -1), 7), 7);
  ASSERT_TRUE(offsets.ok()) << offsets.error;
  EXPECT_EQ(findPartition(offsets.body, "t", 0)->offset, 3);
  const auto pid = client->receive<protocol::InitProducerIdResponse>(withExtra(protocol::InitProducerIdRequest{}, 4), 4);
  ASSERT_TRUE(pid.ok()) << pid.error;
  protocol::FindCoordinatorRequest fc;
  fc.key = "group";
  const auto coordinator = client->receive<protocol::FindCoordinatorResponse>(withExtra(fc, 2), 2);
  ASSERT_TRUE(coordinator.ok()) << coordinator.error;

  // Metadata v4 cut inside allow_auto_topic_creation: the connection is closed.
  std::vector<uint8_t> frame;
  ASSERT_TRUE(client->encodeFrame(metadataRequest(std::vector<std::string>{"t"}), 4, frame));
  frame.pop_back();
  protocol::detail::storeBigEndian(frame.data(), frame.size() - 4, 4);
  ASSERT_TRUE(client->sendRaw(frame));
  EXPECT_TRUE(client->waitClosed(scaledTimeout(10s)));
}

// Kafka's PartitionResponse(error): a partition that fails before its append carries no
// offsets; after the append (a DelayedProduce that times out) it keeps its base offset.
TEST(ProduceOffsets, Issue11_PartitionsThatFailBeforeTheAppendHaveBaseOffsetMinusOne) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  options.autoCreateTopics = false;
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  auto leader = connectTo(cluster, view.leader);
  auto follower = connectTo(cluster, followersOf(view)[0]);
  const auto batch = makeValueBatch({"x"});
  ASSERT_EQ(produce(*leader, "t", 0, batch, 1).error(), ErrorCode::NONE);  // offset 0: a real offset exists

  auto corrupt = batch;
  corrupt.back() ^= 0xff;  // CRC mismatch
  struct Case {
    const char* what;
    KafkaTestClient* client;
    std::string topic;
    int32_t partition;
    std::vector<uint8_t> records;
    int16_t acks;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"unknown topic", leader.get(), "nope", 0, batch, 1, "UNKNOWN_TOPIC_OR_PARTITION"},
      {"unknown partition", leader.get(), "t", 5, batch, 1, "UNKNOWN_TOPIC_OR_PARTITION"},
      {"invalid acks", leader.get(), "t", 0, batch, 2, "INVALID_REQUIRED_ACKS"},
      {"not the leader", follower.get(), "t", 0, batch, 1, "NOT_LEADER_OR_FOLLOWER"},
      {"corrupt batch", leader.get(), "t", 0, corrupt, 1, "CORRUPT_MESSAGE"},
  };
  for (const auto& k : cases) {
    for (const int16_t version : {7, 9}) {
      const auto out = produce(*k.client, k.topic, k.partition, k.records, k.acks, 30000, version);
      ASSERT_TRUE(out.answered()) << k.what << ": " << out.detail;
      EXPECT_EQ(errName(out.errorCode), k.error) << k.what;
      EXPECT_EQ(out.baseOffset, -1) << k.what << " v" << version;
      EXPECT_EQ(out.logStartOffset, -1) << k.what << " v" << version;
    }
  }
  cluster.pushRequestErrors(0, {ErrorCode::NOT_ENOUGH_REPLICAS});
  const auto injected = produce(*leader, "t", 0, batch, 1);
  EXPECT_EQ(injected.error(), ErrorCode::NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(injected.baseOffset, -1);

  // Appended, then timed out waiting for the stalled follower: the offset stays (DelayedProduce).
  cluster.stallFollower(followersOf(view)[0]);
  const auto timedOut = produce(*leader, "t", 0, batch, -1, 100);
  EXPECT_EQ(timedOut.error(), ErrorCode::REQUEST_TIMED_OUT) << describe(timedOut);
  EXPECT_EQ(timedOut.baseOffset, 1);
}

TEST(InitProducerId, Issue11_KafkasRulesForTheTransactionalId) {
  MockCluster cluster(MockClusterOptions{});
  auto client = connectTo(cluster, 1);
  const auto first = client->roundTrip(protocol::InitProducerIdRequest{}, 4);
  ASSERT_TRUE(first.ok()) << first.error;
  ASSERT_EQ(first.body.errorCode, 0);
  EXPECT_EQ(first.body.producerEpoch, 0);

  // v3+ may carry the producer's id and epoch (KIP-360); without a transactional id Kafka
  // still hands out a new id with epoch 0.
  protocol::InitProducerIdRequest again;
  again.producerId = first.body.producerId;
  again.producerEpoch = 0;
  const auto second = client->roundTrip(again, 4);
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(second.body.errorCode, 0);
  EXPECT_NE(second.body.producerId, first.body.producerId);
  EXPECT_EQ(second.body.producerEpoch, 0);

  protocol::InitProducerIdRequest empty;
  empty.transactionalId = "";
  const auto invalid = client->roundTrip(empty, 4);
  ASSERT_TRUE(invalid.ok()) << invalid.error;
  EXPECT_EQ(errName(invalid.body.errorCode), "INVALID_REQUEST");
  EXPECT_EQ(invalid.body.producerId, -1);

  protocol::InitProducerIdRequest transactional;
  transactional.transactionalId = "tx-1";
  for (const int16_t version : {1, 4}) {
    const auto reply = client->roundTrip(transactional, version);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(errName(reply.body.errorCode), "COORDINATOR_NOT_AVAILABLE") << "retriable, not fatal: v" << version;
    EXPECT_EQ(reply.body.producerId, -1);
  }
}

}  // namespace
}  // namespace kafkalite::testing
