// The admin APIs' messages against bytes written out by hand from Kafka's message
// definitions (clients/src/main/resources/common/message/*.json): the fields that come
// and go between versions, the switch to compact encodings at each API's first flexible
// version, tagged fields, and firstErrorCode() over the schema tables.

#include "protocol/response_error.hpp"

#include <gtest/gtest.h>

#include "protocol/messages/all.hpp"
#include "support/wire_expect.hpp"

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

CreateTopicsRequest oneTopicRequest() {
  CreateTopicsRequest r;
  CreateTopicsRequest::CreatableTopic t;
  t.name = "t";
  t.numPartitions = 3;
  t.replicationFactor = 2;
  t.configs.push_back({"min.insync.replicas", std::string("2"), {}});
  r.topics.push_back(t);
  r.timeoutMs = 5000;
  return r;
}

TEST(CreateTopicsRequestTest, V0HasNoValidateOnly) {
  Bytes8 expected = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1
      0x00, 0x01, 't',         // name
      0x00, 0x00, 0x00, 0x03,  // num_partitions
      0x00, 0x02,              // replication_factor
      0x00, 0x00, 0x00, 0x00,  // assignments: 0
      0x00, 0x00, 0x00, 0x01,  // configs: 1
      0x00, 0x13,              // name (19)
  };
  const std::string key = "min.insync.replicas";
  expected.insert(expected.end(), key.begin(), key.end());
  expected.insert(expected.end(), {0x00, 0x01, '2',             // value
                                   0x00, 0x00, 0x13, 0x88});   // timeout_ms 5000
  expectWire(oneTopicRequest(), 0, expected);
  // v1 adds validate_only at the end.
  CreateTopicsRequest v1 = oneTopicRequest();
  v1.validateOnly = true;
  expected.push_back(0x01);
  expectWire(v1, 1, expected);
}

TEST(CreateTopicsRequestTest, V5IsCompactWithTagSections) {
  CreateTopicsRequest r = oneTopicRequest();
  r.topics[0].configs[0].value.reset();  // a null value (Kafka refuses it, the codec carries it)
  r.topics[0].assignments.push_back({0, {1, 2}, {}});
  Bytes8 expected = {
      0x02,                    // topics: compact 1
      0x02, 't',               // name
      0x00, 0x00, 0x00, 0x03,  // num_partitions
      0x00, 0x02,              // replication_factor
      0x02,                    // assignments: 1
      0x00, 0x00, 0x00, 0x00,  // partition_index
      0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // broker_ids [1, 2]
      0x00,                    // assignment tags
      0x02,                    // configs: 1
      0x14,                    // name: compact 19
  };
  const std::string key = "min.insync.replicas";
  expected.insert(expected.end(), key.begin(), key.end());
  expected.insert(expected.end(), {0x00,                     // value: compact null
                                   0x00,                     // config tags
                                   0x00,                     // topic tags
                                   0x00, 0x00, 0x13, 0x88,   // timeout_ms
                                   0x00,                     // validate_only
                                   0x00});                   // message tags
  expectWire(r, 5, expected);
}

TEST(CreateTopicsResponseTest, V5CarriesTheTopicConfigErrorAsATag) {
  CreateTopicsResponse r;
  CreateTopicsResponse::CreatableTopicResult t;
  t.name = "t";
  t.errorCode = 0;
  t.errorMessage.reset();
  t.topicConfigErrorCode = 29;  // TOPIC_AUTHORIZATION_FAILED
  t.numPartitions = 1;
  t.replicationFactor = 1;
  t.configs.reset();
  r.topics.push_back(t);
  expectWire(r, 5,
             {
                 0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
                 0x02,                    // topics: 1
                 0x02, 't',               // name
                 0x00, 0x00,              // error_code
                 0x00,                    // error_message: null
                 0x00, 0x00, 0x00, 0x01,  // num_partitions
                 0x00, 0x01,              // replication_factor
                 0x00,                    // configs: null
                 0x01, 0x00, 0x02, 0x00, 0x1d,  // one tag: 0, 2 bytes, 29
                 0x00,                    // message tags
             });
  // v1: error_message without throttle_time_ms (v2+), no v5 fields.
  CreateTopicsResponse v1;
  v1.topics.push_back({});
  v1.topics[0].name = "t";
  v1.topics[0].errorCode = 36;  // TOPIC_ALREADY_EXISTS
  v1.topics[0].errorMessage = "x";
  expectWire(v1, 1, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x24, 0x00, 0x01, 'x'});
}

TEST(DeleteTopicsRequestTest, NamesUpToV5AndTopicStatesFromV6) {
  DeleteTopicsRequest r;
  r.topicNames = {"a"};
  r.timeoutMs = 1;
  expectWire(r, 1, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a', 0x00, 0x00, 0x00, 0x01});
  expectWire(r, 4, {0x02, 0x02, 'a', 0x00, 0x00, 0x00, 0x01, 0x00});
  DeleteTopicsRequest v6;
  v6.topics.push_back({std::nullopt, Uuid{1, 2}, {}});
  v6.timeoutMs = 1;
  expectWire(v6, 6,
             {
                 0x02,                                            // topics: 1
                 0x00,                                            // name: null
                 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,  // topic_id
                 0x00,                                            // tags
                 0x00, 0x00, 0x00, 0x01,                          // timeout_ms
                 0x00,
             });
}

TEST(DescribeConfigsResponseTest, V0SaysIsDefaultAndV1NamesTheSource) {
  DescribeConfigsResponse r;
  DescribeConfigsResponse::DescribeConfigsResult result;
  result.errorMessage.reset();
  result.resourceType = static_cast<int8_t>(ConfigResourceType::Topic);
  result.resourceName = "t";
  DescribeConfigsResponse::DescribeConfigsResult::DescribeConfigsResourceResult entry;
  entry.name = "a";
  entry.value = "1";
  entry.isDefault = true;
  entry.configSource = static_cast<int8_t>(ConfigSource::DefaultConfig);
  result.configs.push_back(entry);
  r.results.push_back(result);
  const Bytes8 head = {
      0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
      0x00, 0x00, 0x00, 0x01,  // results: 1
      0x00, 0x00,              // error_code
      0xff, 0xff,              // error_message: null
      0x02,                    // resource_type: topic
      0x00, 0x01, 't',         // resource_name
      0x00, 0x00, 0x00, 0x01,  // configs: 1
      0x00, 0x01, 'a',         // name
      0x00, 0x01, '1',         // value
      0x00,                    // read_only
  };
  Bytes8 v0 = head;
  v0.insert(v0.end(), {0x01,    // is_default (v0 only)
                       0x00});  // is_sensitive
  // is_default is not on the wire from v1, so v0's decode gives back a message whose
  // config_source is the default; compare field by field instead of with expectWire.
  Bytes8 out;
  ASSERT_FALSE(encode(r, 0, out));
  EXPECT_EQ(out, v0);
  r.results[0].configs[0].isDefault = false;
  Bytes8 v1 = head;
  v1.insert(v1.end(), {0x05,                     // config_source: DEFAULT_CONFIG
                       0x00,                     // is_sensitive
                       0x00, 0x00, 0x00, 0x00}); // synonyms: 0
  expectWire(r, 1, v1);
}

TEST(IncrementalAlterConfigsRequestTest, V1IsFlexible) {
  IncrementalAlterConfigsRequest r;
  IncrementalAlterConfigsRequest::AlterConfigsResource res;
  res.resourceType = static_cast<int8_t>(ConfigResourceType::Topic);
  res.resourceName = "t";
  res.configs.push_back({"k", static_cast<int8_t>(AlterConfigOp::Delete), std::nullopt, {}});
  r.resources.push_back(res);
  expectWire(r, 0,
             {0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'k', 0x01, 0xff,
              0xff, 0x00});
  expectWire(r, 1, {0x02, 0x02, 0x02, 't', 0x02, 0x02, 'k', 0x01, 0x00, 0x00, 0x00, 0x00, 0x00});
}

TEST(DescribeClusterTest, FlexibleFromV0AndEndpointTypeFromV1) {
  DescribeClusterRequest r;
  r.includeClusterAuthorizedOperations = true;
  expectWire(r, 0, {0x01, 0x00});
  expectWire(r, 1, {0x01, 0x01, 0x00});
  DescribeClusterResponse resp;
  resp.clusterId = "c";
  resp.controllerId = 1;
  resp.brokers.push_back({1, "h", 9092, std::nullopt, {}});
  expectWire(resp, 0,
             {
                 0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
                 0x00, 0x00,              // error_code
                 0x00,                    // error_message: null
                 0x02, 'c',               // cluster_id
                 0x00, 0x00, 0x00, 0x01,  // controller_id
                 0x02,                    // brokers: 1
                 0x00, 0x00, 0x00, 0x01, 0x02, 'h', 0x00, 0x00, 0x23, 0x84, 0x00, 0x00,  // id, host, port, rack null, tags
                 0x80, 0x00, 0x00, 0x00,  // cluster_authorized_operations: INT32_MIN
                 0x00,
             });
}

TEST(ElectLeadersRequestTest, ElectionTypeFromV1AndNullMeansEveryPartition) {
  ElectLeadersRequest r;
  r.topicPartitions->push_back({"t", {0, 1}, {}});
  r.timeoutMs = 100;
  expectWire(r, 0,
             {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x00,
              0x00, 0x64});
  ElectLeadersRequest all;
  all.electionType = ElectLeadersRequest::kUnclean;
  all.topicPartitions.reset();
  all.timeoutMs = 100;
  expectWire(all, 1, {0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x64});
  expectWire(all, 2, {0x01, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00});
}

TEST(DescribeLogDirsResponseTest, V4AddsVolumeBytesAndV3TheTopLevelError) {
  DescribeLogDirsResponse r;
  DescribeLogDirsResponse::DescribeLogDirsResult dir;
  dir.logDir = "/d";
  dir.topics.push_back({"t", {{0, 10, 0, false, {}}}, {}});
  r.results.push_back(dir);
  const Bytes8 partition = {0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
  Bytes8 v1 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, '/', 'd',
               0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01};
  v1.insert(v1.end(), partition.begin(), partition.end());
  expectWire(r, 1, v1);
  Bytes8 v4 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, '/', 'd', 0x02, 0x02, 't', 0x02};
  v4.insert(v4.end(), partition.begin(), partition.end());
  v4.insert(v4.end(), {0x00,                                            // partition tags
                       0x00,                                            // topic tags
                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // total_bytes -1
                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // usable_bytes -1
                       0x00, 0x00});                                    // result tags, message tags
  expectWire(r, 4, v4);
}

TEST(FirstErrorCodeTest, TopLevelFirstThenNestedInWireOrder) {
  DescribeLogDirsResponse r;
  r.results.resize(2);
  r.results[1].errorCode = 56;  // KAFKA_STORAGE_ERROR
  EXPECT_EQ(firstErrorCode(r, 4), 56);
  r.errorCode = 42;
  EXPECT_EQ(firstErrorCode(r, 4), 42);
  EXPECT_EQ(firstErrorCode(r, 2), 56) << "the top-level error_code exists from v3 only";

  ElectLeadersResponse e;
  e.replicaElectionResults.push_back({"t", {{0, 0, std::nullopt, {}}, {1, 84, std::nullopt, {}}}, {}});
  EXPECT_EQ(firstErrorCode(e, 0), 84);
  CreateTopicsResponse none;
  none.topics.resize(3);
  EXPECT_EQ(firstErrorCode(none, 7), 0);
}

}  // namespace
}  // namespace kafkalite::protocol
