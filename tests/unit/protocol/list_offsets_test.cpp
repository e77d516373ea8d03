#include "protocol/messages/list_offsets.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

TEST(ListOffsetsRequestTest, V1MatchesHandEncodedBytes) {
  ListOffsetsRequest r;
  r.replicaId = -1;
  ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
  p.partitionIndex = 0;
  p.timestamp = -2;  // earliest
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,  //     timestamp -2
  };
  expectWire(r, 1, expected);
}

TEST(ListOffsetsRequestTest, V4AddsIsolationLevelAndLeaderEpoch) {
  ListOffsetsRequest r;
  r.replicaId = -1;
  r.isolationLevel = 1;
  ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
  p.partitionIndex = 2;
  p.currentLeaderEpoch = 4;
  p.timestamp = -1;  // latest
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1
      0x01,                                            // isolation_level 1 (v2+)
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x02,                          //     partition_index 2
      0x00, 0x00, 0x00, 0x04,                          //     current_leader_epoch 4 (v4+)
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     timestamp -1
  };
  expectWire(r, 4, expected);
}

TEST(ListOffsetsRequestTest, V6IsCompactWithTagSections) {
  ListOffsetsRequest r;
  r.replicaId = -1;
  r.isolationLevel = 1;
  ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
  p.partitionIndex = 2;
  p.currentLeaderEpoch = 4;
  p.timestamp = -1;
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1
      0x01,                                            // isolation_level 1
      0x02,                                            // topics: compact, 1
      0x02, 't',                                       //   name "t"
      0x02,                                            //   partitions: compact, 1
      0x00, 0x00, 0x00, 0x02,                          //     partition_index 2
      0x00, 0x00, 0x00, 0x04,                          //     current_leader_epoch 4
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     timestamp -1
      0x00,                                            //     no tags (partition)
      0x00,                                            //   no tags (topic)
      0x00,                                            // no tags (request)
  };
  expectWire(r, 6, expected);
}

TEST(ListOffsetsResponseTest, V1MatchesHandEncodedBytes) {
  ListOffsetsResponse r;
  ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse p;
  p.partitionIndex = 0;
  p.timestamp = -1;
  p.offset = 42;
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x01,                          // topics: 1 (no throttle_time_ms before v2)
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
      0x00, 0x00,                                      //     error_code 0
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     timestamp -1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     offset 42
  };
  expectWire(r, 1, expected);
}

TEST(ListOffsetsResponseTest, V7IsCompactWithLeaderEpoch) {
  ListOffsetsResponse r;
  r.throttleTimeMs = 3;
  ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse p;
  p.partitionIndex = 1;
  p.errorCode = 0;
  p.timestamp = 0x0102030405;
  p.offset = 42;
  p.leaderEpoch = 3;
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x03,                          // throttle_time_ms 3 (v2+)
      0x02,                                            // topics: compact, 1
      0x02, 't',                                       //   name "t"
      0x02,                                            //   partitions: compact, 1
      0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,  //     timestamp
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     offset 42
      0x00, 0x00, 0x00, 0x03,                          //     leader_epoch 3 (v4+)
      0x00,                                            //     no tags (partition)
      0x00,                                            //   no tags (topic)
      0x00,                                            // no tags (response)
  };
  expectWire(r, 7, expected);
}

TEST(ListOffsetsResponseTest, TruncatedTopicNameNamesTheField) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
      0x00, 0x00, 0x00, 0x01,  // topics: 1
      0x00, 0x05, 't', 'o',    //   name: 5 bytes announced, 2 present
  };
  ListOffsetsResponse r;
  auto err = decode(std::span<const uint8_t>(bytes), 2, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ListOffsetsResponse.topics[0].name") << err->message();
}

TEST(ListOffsetsRequestTest, TruncatedIsolationLevelNamesTheField) {
  const Bytes8 bytes = {0xff, 0xff, 0xff, 0xff};  // v2: replica_id, then nothing
  ListOffsetsRequest r;
  auto err = decode(std::span<const uint8_t>(bytes), 2, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ListOffsetsRequest.isolation_level") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
