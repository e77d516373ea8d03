#include "protocol/messages/produce.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

const Bytes8 kBatch = {0xaa, 0xbb, 0xcc};  // stands in for a record batch: records are opaque here

TEST(ProduceRequestTest, V3MatchesHandEncodedBytes) {
  ProduceRequest r;
  r.acks = -1;
  r.timeoutMs = 30000;
  r.topicData = {{"t", {{2, Records::of(kBatch), {}}}, {}}};
  const Bytes8 expected = {
      0xff, 0xff,                    // transactional_id: null (int16 -1)
      0xff, 0xff,                    // acks -1
      0x00, 0x00, 0x75, 0x30,        // timeout_ms 30000
      0x00, 0x00, 0x00, 0x01,        // topic_data: 1 topic
      0x00, 0x01, 't',               //   name "t"
      0x00, 0x00, 0x00, 0x01,        //   partition_data: 1 partition
      0x00, 0x00, 0x00, 0x02,        //     index 2
      0x00, 0x00, 0x00, 0x03,        //     records: 3 bytes
      0xaa, 0xbb, 0xcc,
  };
  expectWire(r, 3, expected);
}

TEST(ProduceRequestTest, V9IsCompactWithTagSections) {
  ProduceRequest r;
  r.transactionalId = "tx";
  r.acks = 1;
  r.timeoutMs = 1000;
  r.topicData = {{"t", {{0, Records::of(kBatch), {}}, {1, Records{}, {}}}, {}}};
  const Bytes8 expected = {
      0x03, 't', 'x',                // transactional_id: compact "tx"
      0x00, 0x01,                    // acks 1
      0x00, 0x00, 0x03, 0xe8,        // timeout_ms 1000
      0x02,                          // topic_data: compact, 1 topic
      0x02, 't',                     //   name "t"
      0x03,                          //   partition_data: compact, 2 partitions
      0x00, 0x00, 0x00, 0x00,        //     index 0
      0x04, 0xaa, 0xbb, 0xcc,        //     records: compact, 3 bytes
      0x00,                          //     no tags
      0x00, 0x00, 0x00, 0x01,        //     index 1
      0x00,                          //     records: null (compact 0)
      0x00,                          //     no tags
      0x00,                          //   no tags (topic)
      0x00,                          // no tags (request)
  };
  expectWire(r, 9, expected);
}

TEST(ProduceResponseTest, V3MatchesHandEncodedBytes) {
  ProduceResponse r;
  ProduceResponse::TopicProduceResponse::PartitionProduceResponse p;
  p.index = 0;
  p.baseOffset = 42;  // log_append_time_ms stays -1 (CreateTime topic)
  r.responses = {{"t", {p}, {}}};
  r.throttleTimeMs = 0;
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x01,                          // responses: 1 topic
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partition_responses: 1
      0x00, 0x00, 0x00, 0x00,                          //     index 0
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     base_offset 42
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     log_append_time_ms -1 (v2+)
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms 0, last
  };
  expectWire(r, 3, expected);
}

TEST(ProduceResponseTest, V8CarriesRecordErrorsNonCompact) {
  ProduceResponse r;
  ProduceResponse::TopicProduceResponse::PartitionProduceResponse p;
  p.index = 1;
  p.errorCode = 87;  // INVALID_RECORD
  p.baseOffset = -1;
  p.logStartOffset = 0;
  p.recordErrors = {{3, std::nullopt, {}}};
  p.errorMessage = "x";
  r.responses = {{"t", {p}, {}}};
  r.throttleTimeMs = 5;
  const Bytes8 expected = {
      0x00, 0x00, 0x00, 0x01,                          // responses: 1 topic
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partition_responses: 1
      0x00, 0x00, 0x00, 0x01,                          //     index 1
      0x00, 0x57,                                      //     error_code 87
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     base_offset -1
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     log_append_time_ms -1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //     log_start_offset 0 (v5+)
      0x00, 0x00, 0x00, 0x01,                          //     record_errors: 1 (v8+)
      0x00, 0x00, 0x00, 0x03,                          //       batch_index 3
      0xff, 0xff,                                      //       batch_index_error_message null
      0x00, 0x01, 'x',                                 //     error_message "x" (v8+)
      0x00, 0x00, 0x00, 0x05,                          // throttle_time_ms 5
  };
  expectWire(r, 8, expected);
}

TEST(ProduceResponseTest, V9IsCompactWithTagSections) {
  ProduceResponse r;
  ProduceResponse::TopicProduceResponse::PartitionProduceResponse p;
  p.index = 1;
  p.errorCode = 87;
  p.baseOffset = -1;
  p.logStartOffset = 0;
  p.recordErrors = {{0, "bad", {}}, {3, std::nullopt, {}}};
  p.errorMessage = "x";
  r.responses = {{"t", {p}, {}}};
  r.throttleTimeMs = 5;
  const Bytes8 expected = {
      0x02,                                            // responses: compact, 1 topic
      0x02, 't',                                       //   name "t"
      0x02,                                            //   partition_responses: compact, 1
      0x00, 0x00, 0x00, 0x01,                          //     index 1
      0x00, 0x57,                                      //     error_code 87
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     base_offset -1
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     log_append_time_ms -1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //     log_start_offset 0
      0x03,                                            //     record_errors: compact, 2
      0x00, 0x00, 0x00, 0x00,                          //       batch_index 0
      0x04, 'b', 'a', 'd',                             //       message: compact "bad"
      0x00,                                            //       no tags
      0x00, 0x00, 0x00, 0x03,                          //       batch_index 3
      0x00,                                            //       message: null (compact 0)
      0x00,                                            //       no tags
      0x02, 'x',                                       //     error_message: compact "x"
      0x00,                                            //     no tags (partition)
      0x00,                                            //   no tags (topic)
      0x00, 0x00, 0x00, 0x05,                          // throttle_time_ms 5
      0x00,                                            // no tags (response)
  };
  expectWire(r, 9, expected);
}

TEST(ProduceResponseTest, TruncatedErrorMessageNamesTheField) {
  // v8. A truncated fixed-width field inside a partition is caught by the array's
  // count check (it names partition_responses); a string at the end gets past it.
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x00,                          // index
      0x00, 0x00,                                      // error_code
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // base_offset
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // log_append_time_ms
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // log_start_offset
      0x00, 0x00, 0x00, 0x00,                          // record_errors: empty
      0xff,                                            // error_message: 1 of 2 length bytes
  };
  ProduceResponse r;
  auto err = decode(std::span<const uint8_t>(bytes), 8, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ProduceResponse.responses[0].partition_responses[0].error_message") << err->message();
}

TEST(ProduceRequestTest, TruncatedRecordsNamesTheField) {
  const Bytes8 bytes = {
      0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30,
      0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x02,  // index
      0x00, 0x00, 0x00, 0x03,  // records: 3 bytes announced
      0xaa,                    // ... 1 present
  };
  ProduceRequest r;
  auto err = decode(std::span<const uint8_t>(bytes), 3, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ProduceRequest.topic_data[0].partition_data[0].records") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
