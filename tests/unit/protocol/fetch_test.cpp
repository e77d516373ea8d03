#include "protocol/messages/fetch.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

const Bytes8 kBatch = {0x01, 0x02};  // stands in for a record batch: records are opaque here

TEST(FetchRequestTest, V4MatchesHandEncodedBytes) {
  FetchRequest r;
  r.replicaId = -1;
  r.maxWaitMs = 500;
  r.minBytes = 1;
  r.isolationLevel = 1;
  FetchRequest::FetchTopic::FetchPartition p;
  p.partition = 0;
  p.fetchOffset = 10;
  p.partitionMaxBytes = 1 << 20;
  r.topics = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1 (a consumer)
      0x00, 0x00, 0x01, 0xf4,                          // max_wait_ms 500
      0x00, 0x00, 0x00, 0x01,                          // min_bytes 1
      0x7f, 0xff, 0xff, 0xff,                          // max_bytes (v3+), default INT32_MAX
      0x01,                                            // isolation_level read_committed (v4+)
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   topic "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x00,                          //     partition 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,  //     fetch_offset 10
      0x00, 0x10, 0x00, 0x00,                          //     partition_max_bytes 1 MiB
  };
  expectWire(r, 4, expected);
}

TEST(FetchRequestTest, V12IsCompactWithClusterIdTagged) {
  FetchRequest r;
  r.replicaId = 1;
  r.maxWaitMs = 500;
  r.minBytes = 1;
  r.sessionId = 7;
  r.sessionEpoch = 2;
  FetchRequest::FetchTopic::FetchPartition p;
  p.partition = 3;
  p.currentLeaderEpoch = 5;
  p.fetchOffset = 100;
  p.lastFetchedEpoch = 4;
  p.logStartOffset = 0;
  p.partitionMaxBytes = 1 << 20;
  r.topics = {{"t", {p}, {}}};
  r.forgottenTopicsData = {{"u", {1, 2}, {}}};
  r.rackId = "r1";
  r.clusterId = "c";
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x01,                          // replica_id 1 (a follower)
      0x00, 0x00, 0x01, 0xf4,                          // max_wait_ms 500
      0x00, 0x00, 0x00, 0x01,                          // min_bytes 1
      0x7f, 0xff, 0xff, 0xff,                          // max_bytes INT32_MAX
      0x00,                                            // isolation_level read_uncommitted
      0x00, 0x00, 0x00, 0x07,                          // session_id 7 (v7+)
      0x00, 0x00, 0x00, 0x02,                          // session_epoch 2 (v7+)
      0x02,                                            // topics: compact, 1
      0x02, 't',                                       //   topic "t"
      0x02,                                            //   partitions: compact, 1
      0x00, 0x00, 0x00, 0x03,                          //     partition 3
      0x00, 0x00, 0x00, 0x05,                          //     current_leader_epoch 5 (v9+)
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,  //     fetch_offset 100
      0x00, 0x00, 0x00, 0x04,                          //     last_fetched_epoch 4 (v12+)
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //     log_start_offset 0 (v5+)
      0x00, 0x10, 0x00, 0x00,                          //     partition_max_bytes 1 MiB
      0x00,                                            //     no tags (partition)
      0x00,                                            //   no tags (topic)
      0x02,                                            // forgotten_topics_data: compact, 1 (v7+)
      0x02, 'u',                                       //   topic "u"
      0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // partitions: compact [1, 2]
      0x00,                                            //   no tags
      0x03, 'r', '1',                                  // rack_id "r1" (v11+)
      0x01,                                            // one tagged field
      0x00, 0x02, 0x02, 'c',                           //   tag 0 cluster_id, 2 bytes: compact "c"
  };
  expectWire(r, 12, expected);
}

TEST(FetchResponseTest, V4MatchesHandEncodedBytes) {
  FetchResponse r;
  FetchResponse::FetchableTopicResponse::PartitionData p;
  p.partitionIndex = 0;
  p.highWatermark = 5;
  p.lastStableOffset = 5;
  p.abortedTransactions = std::nullopt;
  p.records = Records::of(kBatch);
  r.responses = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms 0, first
      0x00, 0x00, 0x00, 0x01,                          // responses: 1
      0x00, 0x01, 't',                                 //   topic "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  //     high_watermark 5
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  //     last_stable_offset 5 (v4+)
      0xff, 0xff, 0xff, 0xff,                          //     aborted_transactions null (v4+)
      0x00, 0x00, 0x00, 0x02, 0x01, 0x02,              //     records: 2 bytes
  };
  expectWire(r, 4, expected);
}

TEST(FetchResponseTest, V12WritesOnlyNonDefaultTaggedFields) {
  FetchResponse r;
  r.sessionId = 9;
  FetchResponse::FetchableTopicResponse::PartitionData p;
  p.partitionIndex = 1;
  p.highWatermark = 10;
  p.lastStableOffset = 10;
  p.logStartOffset = 0;
  p.divergingEpoch = {2, 8, {}};
  p.currentLeader = {1, 3, {}};
  // snapshot_id stays at its default and is not written.
  p.abortedTransactions = std::vector<FetchResponse::FetchableTopicResponse::PartitionData::AbortedTransaction>{
      {7, 3, {}}};
  p.records = Records::of(kBatch);
  r.responses = {{"t", {p}, {}}};
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms 0
      0x00, 0x00,                                      // error_code 0 (v7+)
      0x00, 0x00, 0x00, 0x09,                          // session_id 9 (v7+)
      0x02,                                            // responses: compact, 1
      0x02, 't',                                       //   topic "t"
      0x02,                                            //   partitions: compact, 1
      0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,  //     high_watermark 10
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,  //     last_stable_offset 10
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //     log_start_offset 0 (v5+)
      0x02,                                            //     aborted_transactions: compact, 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  //       producer_id 7
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,  //       first_offset 3
      0x00,                                            //       no tags
      0xff, 0xff, 0xff, 0xff,                          //     preferred_read_replica -1 (v11+)
      0x03, 0x01, 0x02,                                //     records: compact, 2 bytes
      0x02,                                            //     two tagged fields
      0x00, 0x0d,                                      //       tag 0 diverging_epoch, 13 bytes
      0x00, 0x00, 0x00, 0x02,                          //         epoch 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,  //         end_offset 8
      0x00,                                            //         no tags
      0x01, 0x09,                                      //       tag 1 current_leader, 9 bytes
      0x00, 0x00, 0x00, 0x01,                          //         leader_id 1
      0x00, 0x00, 0x00, 0x03,                          //         leader_epoch 3
      0x00,                                            //         no tags
      0x00,                                            //   no tags (topic)
      0x00,                                            // no tags (response)
  };
  expectWire(r, 12, expected);
}

TEST(FetchResponseTest, TruncatedRecordsNamesTheField) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
      0xff, 0xff, 0xff, 0xff,
      0x00, 0x00, 0x00, 0x02,  // records: 2 bytes announced
      0x01,                    // ... 1 present
  };
  FetchResponse r;
  auto err = decode(std::span<const uint8_t>(bytes), 4, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "FetchResponse.responses[0].partitions[0].records") << err->message();
}

TEST(FetchRequestTest, TruncatedClusterIdNamesTheTaggedField) {
  // v12 with no topics; the cluster_id tag claims 3 bytes but its compact string wants 4.
  const Bytes8 bytes = {
      0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0xf4, 0x00, 0x00, 0x00, 0x01, 0x7f, 0xff, 0xff, 0xff,
      0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
      0x01,        // topics: empty
      0x01,        // forgotten_topics_data: empty
      0x01,        // rack_id ""
      0x01,        // one tagged field
      0x00, 0x03,  //   tag 0, 3 bytes
      0x04, 'a', 'b',
  };
  FetchRequest r;
  auto err = decode(std::span<const uint8_t>(bytes), 12, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "FetchRequest.cluster_id") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
