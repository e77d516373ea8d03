// Golden bytes of librdkafka's Admin API requests. A plain socket answers ApiVersions (the
// broker's ranges of these APIs) and Metadata (itself as the only broker, the controller
// and the leader of "golden-admin"), and captures the first request of every other API
// without answering it. Each captured request is decoded field by field at the version
// this librdkafka sends to the broker (support/rdkafka_versions.hpp: CreateTopics v4,
// DescribeConfigs v1 from both; AlterConfigs v0 / v2, CreatePartitions v0 / v2,
// DeleteRecords v1 / v2, DeleteTopics v1 / v4 from 2.0.2 / 2.15.1) and re-encoded byte
// for byte.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"
#include "support/rdkafka_versions.hpp"
#include "unit/protocol/golden/golden_capture.hpp"
#include "support/sniff_server.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::protocol {
namespace {

using kafkalite::testing::kRdkafkaSends;
constexpr int kOperationTimeoutMs = 7000;

class AdminCaptureBroker {
 public:
  AdminCaptureBroker()
      : server_([this](const RequestHeader& h, std::span<const uint8_t> frame, std::span<const uint8_t> body) {
          return handle(h, frame, body);
        }) {}

  uint16_t port() const { return server_.port(); }

  bool waitFor(std::initializer_list<ApiKey> keys, std::chrono::milliseconds timeout) {
    return captured_.waitFor(keys, timeout);
  }
  std::vector<uint8_t> frame(ApiKey key) { return captured_.frame(key); }

 private:
  std::optional<std::vector<uint8_t>> handle(const RequestHeader& h, std::span<const uint8_t> frame,
                                             std::span<const uint8_t> body) {
    std::vector<uint8_t> out;
    if (h.apiKey == ApiKey::ApiVersions) {
      ApiVersionsResponse r;
      r.apiKeys = {{3, 0, 12, {}}, {18, 0, 3, {}}, {19, 0, 7, {}}, {20, 0, 6, {}}, {21, 0, 2, {}},
                   {32, 0, 4, {}}, {33, 0, 2, {}}, {37, 0, 3, {}}};
      encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
      return out;
    }
    if (h.apiKey == ApiKey::Metadata) {
      MetadataRequest req;
      if (decode(body, h.apiVersion, req)) return std::nullopt;
      MetadataResponse r;
      r.brokers = {{1, "127.0.0.1", port(), std::nullopt, {}}};
      r.clusterId = "golden-admin-cluster";
      r.controllerId = 1;
      MetadataResponse::MetadataResponseTopic topic;
      topic.name = "golden-admin";
      topic.partitions.push_back({});
      topic.partitions[0].leaderId = 1;
      topic.partitions[0].replicaNodes = {1};
      topic.partitions[0].isrNodes = {1};
      r.topics.push_back(topic);
      encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
      return out;
    }
    captured_.store(h.apiKey, frame);
    return std::nullopt;  // captured only: the client's request times out
  }

  CapturedRequests captured_;
  kafkalite::testing::SniffServer server_;
};

class LibrdkafkaAdminGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = new AdminCaptureBroker();
    sendAdminRequests();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  static void sendAdminRequests() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string bootstrap = "127.0.0.1:" + std::to_string(broker_->port());
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    auto options = [&](rd_kafka_admin_op_t op) {
      rd_kafka_AdminOptions_t* o = rd_kafka_AdminOptions_new(rk, op);
      rd_kafka_AdminOptions_set_request_timeout(o, 30000, err, sizeof err);
      rd_kafka_AdminOptions_set_operation_timeout(o, kOperationTimeoutMs, err, sizeof err);
      return o;
    };

    rd_kafka_NewTopic_t* created = rd_kafka_NewTopic_new("created", 3, 1, err, sizeof err);
    rd_kafka_NewTopic_set_config(created, "cleanup.policy", "compact");
    rd_kafka_AdminOptions_t* o = options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(rk, &created, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(created);

    rd_kafka_DeleteTopic_t* deleted = rd_kafka_DeleteTopic_new("golden-admin-old");
    o = options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(rk, &deleted, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteTopic_destroy(deleted);

    rd_kafka_NewPartitions_t* grown = rd_kafka_NewPartitions_new("golden-admin", 4, err, sizeof err);
    o = options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    rd_kafka_CreatePartitions(rk, &grown, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewPartitions_destroy(grown);

    rd_kafka_ConfigResource_t* altered = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "golden-admin");
    rd_kafka_ConfigResource_set_config(altered, "retention.ms", "1000");
    o = options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AlterConfigs(rk, &altered, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(altered);

    rd_kafka_ConfigResource_t* described = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "golden-admin");
    o = options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(rk, &described, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(described);

    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, "golden-admin", 0)->offset = 5;
    rd_kafka_DeleteRecords_t* trimmed = rd_kafka_DeleteRecords_new(offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    o = options(RD_KAFKA_ADMIN_OP_DELETERECORDS);
    rd_kafka_DeleteRecords(rk, &trimmed, 1, o, queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteRecords_destroy(trimmed);

    captured_ = broker_->waitFor({ApiKey::CreateTopics, ApiKey::DeleteTopics, ApiKey::CreatePartitions,
                                  ApiKey::AlterConfigs, ApiKey::DescribeConfigs, ApiKey::DeleteRecords},
                                 kafkalite::testing::scaledTimeout(std::chrono::seconds(20)));
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);  // the unanswered requests end with the handle
  }

  static inline AdminCaptureBroker* broker_ = nullptr;
  static inline bool captured_ = false;
};

TEST_F(LibrdkafkaAdminGoldenTest, EveryAdminRequestArrived) { EXPECT_TRUE(captured_); }

TEST_F(LibrdkafkaAdminGoldenTest, CreateTopics) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::CreateTopics}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<CreateTopicsRequest>(broker_->frame(ApiKey::CreateTopics),
                                                             kRdkafkaSends.createTopics);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "created");
  EXPECT_EQ(r.topics[0].numPartitions, 3);
  EXPECT_EQ(r.topics[0].replicationFactor, 1);
  EXPECT_TRUE(r.topics[0].assignments.empty());
  ASSERT_EQ(r.topics[0].configs.size(), 1u);
  EXPECT_EQ(r.topics[0].configs[0].name, "cleanup.policy");
  EXPECT_EQ(r.topics[0].configs[0].value, "compact");
  EXPECT_EQ(r.timeoutMs, kOperationTimeoutMs);
  EXPECT_FALSE(r.validateOnly);
}

TEST_F(LibrdkafkaAdminGoldenTest, DeleteTopics) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::DeleteTopics}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<DeleteTopicsRequest>(broker_->frame(ApiKey::DeleteTopics),
                                                             kRdkafkaSends.deleteTopics);
  EXPECT_EQ(r.topicNames, std::vector<std::string>{"golden-admin-old"});  // names up to v5
  EXPECT_EQ(r.timeoutMs, kOperationTimeoutMs);
}

TEST_F(LibrdkafkaAdminGoldenTest, CreatePartitions) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::CreatePartitions}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<CreatePartitionsRequest>(broker_->frame(ApiKey::CreatePartitions),
                                                                 kRdkafkaSends.createPartitions);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "golden-admin");
  EXPECT_EQ(r.topics[0].count, 4);
  EXPECT_FALSE(r.topics[0].assignments.has_value());  // the broker places them
  EXPECT_EQ(r.timeoutMs, kOperationTimeoutMs);
  EXPECT_FALSE(r.validateOnly);
}

TEST_F(LibrdkafkaAdminGoldenTest, AlterConfigs) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::AlterConfigs}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<AlterConfigsRequest>(broker_->frame(ApiKey::AlterConfigs),
                                                             kRdkafkaSends.alterConfigs);
  ASSERT_EQ(r.resources.size(), 1u);
  EXPECT_EQ(r.resources[0].resourceType, 2);  // TOPIC
  EXPECT_EQ(r.resources[0].resourceName, "golden-admin");
  ASSERT_EQ(r.resources[0].configs.size(), 1u);
  EXPECT_EQ(r.resources[0].configs[0].name, "retention.ms");
  EXPECT_EQ(r.resources[0].configs[0].value, "1000");
  EXPECT_FALSE(r.validateOnly);
}

TEST_F(LibrdkafkaAdminGoldenTest, DescribeConfigs) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::DescribeConfigs}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<DescribeConfigsRequest>(broker_->frame(ApiKey::DescribeConfigs),
                                                                kRdkafkaSends.describeConfigs);
  ASSERT_EQ(r.resources.size(), 1u);
  EXPECT_EQ(r.resources[0].resourceType, 2);
  EXPECT_EQ(r.resources[0].resourceName, "golden-admin");
  EXPECT_FALSE(r.resources[0].configurationKeys.has_value()) << "every key";
}

TEST_F(LibrdkafkaAdminGoldenTest, DeleteRecords) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::DeleteRecords}, std::chrono::milliseconds(0)));
  const auto r = decodeAndCheckReencode<DeleteRecordsRequest>(broker_->frame(ApiKey::DeleteRecords),
                                                              kRdkafkaSends.deleteRecords);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "golden-admin");
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].partitionIndex, 0);
  EXPECT_EQ(r.topics[0].partitions[0].offset, 5);
  EXPECT_EQ(r.timeoutMs, kOperationTimeoutMs);
}

}  // namespace
}  // namespace kafkalite::protocol
