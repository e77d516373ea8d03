#include "protocol/messages/metadata.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;
using RequestTopic = MetadataRequest::MetadataRequestTopic;
using Broker = MetadataResponse::MetadataResponseBroker;
using ResponseTopic = MetadataResponse::MetadataResponseTopic;
using Partition = MetadataResponse::MetadataResponseTopic::MetadataResponsePartition;

constexpr Uuid kTopicId{0x0102030405060708ULL, 0x090a0b0c0d0e0f10ULL};

RequestTopic topicNamed(const char* name) {
  RequestTopic t;
  t.name = name;
  return t;
}

TEST(MetadataRequestTest, V0EncodesTopicsAsPlainInt32Array) {
  MetadataRequest r;
  r.topics = std::vector{topicNamed("foo")};
  expectWire(r, 0,
             {
                 0x00, 0x00, 0x00, 0x01,     // topics: int32 count 1
                 0x00, 0x03, 'f', 'o', 'o',  // name: int16 length + bytes
             });
  // v0: [] means all topics; null cannot be written.
  r.topics = std::vector<RequestTopic>{};
  expectWire(r, 0, {0x00, 0x00, 0x00, 0x00});
  r.topics.reset();
  Bytes8 out;
  const auto err = encode(r, 0, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "topics") << err->message();
  MetadataRequest back;
  const Bytes8 nullTopics = {0xff, 0xff, 0xff, 0xff};
  EXPECT_TRUE(decode(std::span<const uint8_t>(nullTopics), 0, back));
}

TEST(MetadataRequestTest, V1EncodesNullTopicsAsMinusOne) {
  MetadataRequest r;
  r.topics.reset();  // all topics
  expectWire(r, 1, {0xff, 0xff, 0xff, 0xff});
  r.topics = std::vector<RequestTopic>{};  // no topics
  expectWire(r, 1, {0x00, 0x00, 0x00, 0x00});
}

TEST(MetadataRequestTest, V4AddsAllowAutoTopicCreation) {
  MetadataRequest r;
  r.topics = std::vector{topicNamed("foo")};
  r.allowAutoTopicCreation = false;
  expectWire(r, 4,
             {
                 0x00, 0x00, 0x00, 0x01,     // topics: 1
                 0x00, 0x03, 'f', 'o', 'o',  // name
                 0x00,                       // allow_auto_topic_creation
             });
}

TEST(MetadataRequestTest, V8AddsAuthorizedOperationFlags) {
  MetadataRequest r;
  r.topics.reset();
  r.includeClusterAuthorizedOperations = true;
  expectWire(r, 8,
             {
                 0xff, 0xff, 0xff, 0xff,  // topics: null
                 0x01,                    // allow_auto_topic_creation (default true)
                 0x01,                    // include_cluster_authorized_operations
                 0x00,                    // include_topic_authorized_operations
             });
}

TEST(MetadataRequestTest, V9UsesCompactEncodings) {
  MetadataRequest r;
  r.topics = std::vector{topicNamed("foo")};
  r.includeClusterAuthorizedOperations = true;
  expectWire(r, 9,
             {
                 0x02,                 // topics: compact array, 1 entry
                 0x04, 'f', 'o', 'o',  // name: compact string
                 0x00,                 // topic: no tagged fields
                 0x01,                 // allow_auto_topic_creation
                 0x01,                 // include_cluster_authorized_operations
                 0x00,                 // include_topic_authorized_operations
                 0x00,                 // no tagged fields
             });
  r.topics.reset();
  expectWire(r, 9,
             {
                 0x00,              // topics: compact null
                 0x01, 0x01, 0x00,  // the three flags
                 0x00,              // no tagged fields
             });
}

TEST(MetadataRequestTest, V12NamesTopicByIdWithNullName) {
  MetadataRequest r;
  RequestTopic t;
  t.topicId = kTopicId;
  t.name.reset();
  r.topics = std::vector{t};
  r.allowAutoTopicCreation = false;
  r.includeTopicAuthorizedOperations = true;
  expectWire(r, 12,
             {
                 0x02,                                            // topics: compact array, 1 entry
                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // topic_id (high)
                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,  // topic_id (low)
                 0x00,                                            // name: compact null
                 0x00,                                            // topic: no tagged fields
                 0x00,                                            // allow_auto_topic_creation
                 // include_cluster_authorized_operations: only v8-10
                 0x01,  // include_topic_authorized_operations
                 0x00,  // no tagged fields
             });
  // A null name is only allowed from v10; there is no topic_id before v10.
  Bytes8 out;
  const auto err = encode(r, 9, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "name") << err->message();
}

TEST(MetadataRequestTest, TruncatedBodyNamesTheField) {
  const Bytes8 bytes = {
      0x01,  // topics: compact, empty
      // allow_auto_topic_creation missing
  };
  MetadataRequest r;
  const auto err = decode(std::span<const uint8_t>(bytes), 12, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "MetadataRequest.allow_auto_topic_creation") << err->message();
}

// librdkafka 2.15 (rdkafka_request.c, rd_kafka_MetadataRequest0) reserves the topic count
// of every request as 4 bytes and, for an all-topics request at v9+, leaves them as they
// are: `00 00 00 00` where the compact null is the single byte `00`. Read field by field,
// that is topics = null, allow_auto_topic_creation = false,
// include_topic_authorized_operations = false, no tags, and the fields librdkafka meant
// (`01 00 00`) are left over. Kafka ignores them; so does the codec, and says how many.
TEST(MetadataRequestTest, Librdkafka215AllTopicsV12BodyDecodesAsAllTopicsWithThreeBytesLeft) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00,  // TopicArrayCnt as librdkafka 2.15 leaves it
      0x01,                    // AllowAutoTopicCreation
      0x00,                    // IncludeTopicAuthorizedOperations
      0x00,                    // tags
  };
  MetadataRequest r;
  std::size_t trailing = 0;
  const auto err = decode(std::span<const uint8_t>(bytes), 12, r, &trailing);
  ASSERT_FALSE(err) << err->message();
  EXPECT_FALSE(r.topics.has_value()) << "all topics";
  EXPECT_EQ(trailing, 3u);
}

TEST(MetadataResponseTest, V1MatchesHandEncodedBytes) {
  MetadataResponse r;
  r.brokers = {Broker{1, "b1", 9092, std::nullopt, {}}};
  r.controllerId = 1;
  ResponseTopic t;
  t.name = "foo";
  Partition p;
  p.partitionIndex = 0;
  p.leaderId = 1;
  p.replicaNodes = {1};
  p.isrNodes = {1};
  t.partitions = {p};
  r.topics = {t};
  expectWire(r, 1,
             {
                 // throttle_time_ms: v3+
                 0x00, 0x00, 0x00, 0x01,  // brokers: 1
                 0x00, 0x00, 0x00, 0x01,  // node_id
                 0x00, 0x02, 'b', '1',    // host
                 0x00, 0x00, 0x23, 0x84,  // port 9092
                 0xff, 0xff,              // rack: null
                 // cluster_id: v2+
                 0x00, 0x00, 0x00, 0x01,     // controller_id
                 0x00, 0x00, 0x00, 0x01,     // topics: 1
                 0x00, 0x00,                 // error_code
                 0x00, 0x03, 'f', 'o', 'o',  // name
                 0x00,                       // is_internal
                 0x00, 0x00, 0x00, 0x01,     // partitions: 1
                 0x00, 0x00,                 // error_code
                 0x00, 0x00, 0x00, 0x00,     // partition_index
                 0x00, 0x00, 0x00, 0x01,     // leader_id (leader_epoch: v7+)
                 0x00, 0x00, 0x00, 0x01,     // replica_nodes: 1
                 0x00, 0x00, 0x00, 0x01,     //   1
                 0x00, 0x00, 0x00, 0x01,     // isr_nodes: 1
                 0x00, 0x00, 0x00, 0x01,     //   1
             });
}

TEST(MetadataResponseTest, V9UsesCompactEncodings) {
  MetadataResponse r;
  r.throttleTimeMs = 5;
  r.brokers = {Broker{1, "b1", 9092, std::string("r1"), {}}};
  r.clusterId = "c";
  r.controllerId = 1;
  ResponseTopic t;
  t.name = "foo";
  t.isInternal = true;
  t.partitions = {Partition{0, 2, 1, 7, {1, 2}, {1}, {2}, {}}};
  r.topics = {t};
  r.clusterAuthorizedOperations = 8;
  expectWire(r, 9,
             {
                 0x00, 0x00, 0x00, 0x05,  // throttle_time_ms
                 0x02,                    // brokers: compact, 1 entry
                 0x00, 0x00, 0x00, 0x01,  // node_id
                 0x03, 'b', '1',          // host: compact
                 0x00, 0x00, 0x23, 0x84,  // port
                 0x03, 'r', '1',          // rack: compact nullable
                 0x00,                    // broker: no tagged fields
                 0x02, 'c',               // cluster_id
                 0x00, 0x00, 0x00, 0x01,  // controller_id
                 0x02,                    // topics: compact, 1 entry
                 0x00, 0x00,              // error_code
                 0x04, 'f', 'o', 'o',     // name (topic_id: v10+)
                 0x01,                    // is_internal
                 0x02,                    // partitions: compact, 1 entry
                 0x00, 0x00,              // error_code
                 0x00, 0x00, 0x00, 0x02,  // partition_index
                 0x00, 0x00, 0x00, 0x01,  // leader_id
                 0x00, 0x00, 0x00, 0x07,  // leader_epoch
                 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // replica_nodes [1, 2]
                 0x02, 0x00, 0x00, 0x00, 0x01,                          // isr_nodes [1]
                 0x02, 0x00, 0x00, 0x00, 0x02,                          // offline_replicas [2]
                 0x00,                    // partition: no tagged fields
                 0x80, 0x00, 0x00, 0x00,  // topic_authorized_operations (default INT32_MIN)
                 0x00,                    // topic: no tagged fields
                 0x00, 0x00, 0x00, 0x08,  // cluster_authorized_operations
                 0x00,                    // no tagged fields
             });
}

TEST(MetadataResponseTest, V12HasNullableNameAndNoClusterOperations) {
  MetadataResponse r;
  ResponseTopic t;
  t.errorCode = 100;  // UNKNOWN_TOPIC_ID
  t.name.reset();
  t.topicId = kTopicId;
  r.topics = {t};
  expectWire(r, 12,
             {
                 0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
                 0x01,                                            // brokers: compact, empty
                 0x00,                                            // cluster_id: null (default)
                 0xff, 0xff, 0xff, 0xff,                          // controller_id: -1 (default)
                 0x02,                                            // topics: compact, 1 entry
                 0x00, 0x64,                                      // error_code
                 0x00,                                            // name: compact null
                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // topic_id (high)
                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,  // topic_id (low)
                 0x00,                                            // is_internal
                 0x01,                                            // partitions: compact, empty
                 0x80, 0x00, 0x00, 0x00,                          // topic_authorized_operations
                 0x00,                                            // topic: no tagged fields
                 // cluster_authorized_operations: only v8-10
                 0x00,  // no tagged fields
             });
  // Before v12 a topic name cannot be null.
  Bytes8 out;
  const auto err = encode(r, 11, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "name") << err->message();
}

TEST(MetadataResponseTest, TruncatedBodyNamesTheField) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00,     // brokers: 0
      0x00, 0x00, 0x00, 0x01,     // controller_id
      0x00, 0x00, 0x00, 0x01,     // topics: 1
      0x00, 0x00,                 // error_code
      0x00, 0x03, 'f', 'o', 'o',  // name
      0x00,                       // is_internal
      0x00, 0x00, 0x00, 0x01,     // partitions: 1
      0x00, 0x00,                 // error_code
      0x00, 0x00, 0x00, 0x00,     // partition_index
      0x00, 0x00, 0x00, 0x01,     // leader_id
      0x00, 0x00, 0x00, 0x01,     // replica_nodes: 1
      0x00, 0x00, 0x00, 0x01,     //   1
      0x00, 0x00, 0x00, 0x01,     // isr_nodes: 1
      0x00, 0x00,                 //   cut short
  };
  MetadataResponse r;
  const auto err = decode(std::span<const uint8_t>(bytes), 1, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "MetadataResponse.topics[0].partitions[0].isr_nodes") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
