#include "protocol/schema.hpp"

#include <gtest/gtest.h>

#include "protocol/headers.hpp"
#include "protocol/messages/api_versions.hpp"

namespace kafkalite::protocol {
namespace {

TEST(SchemaTest, ApiVersionsResponseV3MatchesHandEncodedBytes) {
  ApiVersionsResponse r;
  r.errorCode = 0;
  r.apiKeys = {{0, 0, 9, {}}, {18, 0, 3, {}}};
  r.throttleTimeMs = 7;
  r.finalizedFeaturesEpoch = 5;  // non-default tagged field: written as tag 1
  std::vector<uint8_t> out;
  ASSERT_FALSE(encode(r, 3, out));
  const std::vector<uint8_t> expected = {
      0x00, 0x00,                                      // error_code
      0x03,                                            // compact array: 2 entries
      0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00,        // Produce 0..9, no tags
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,        // ApiVersions 0..3, no tags
      0x00, 0x00, 0x00, 0x07,                          // throttle_time_ms
      0x01,                                            // one tagged field
      0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 5,              // tag 1, 8 bytes, epoch 5
  };
  EXPECT_EQ(out, expected);
  EXPECT_EQ(encodedSize(r, 3), expected.size());
  ApiVersionsResponse back;
  ASSERT_FALSE(decode(std::span<const uint8_t>(out), 3, back));
  EXPECT_EQ(back, r);
}

TEST(SchemaTest, UnknownTaggedFieldsAreKeptAndWrittenBackInOrder) {
  const std::vector<uint8_t> bytes = {
      0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
      0x02,                    // two tags
      0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 9,
      0x07, 0x02, 0xab, 0xcd,  // unknown tag 7
  };
  ApiVersionsResponse r;
  ASSERT_FALSE(decode(std::span<const uint8_t>(bytes), 3, r));
  EXPECT_EQ(r.finalizedFeaturesEpoch, 9);
  ASSERT_EQ(r.unknownTaggedFields.size(), 1u);
  EXPECT_EQ(r.unknownTaggedFields[0].tag, 7u);
  std::vector<uint8_t> out;
  ASSERT_FALSE(encode(r, 3, out));
  EXPECT_EQ(out, bytes);
}

TEST(SchemaTest, HugeArrayLengthFailsWithoutAllocating) {
  const std::vector<uint8_t> bytes = {0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00};
  ApiVersionsResponse r;
  auto err = decode(std::span<const uint8_t>(bytes), 0, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ApiVersionsResponse.api_keys") << err->message();
}

TEST(SchemaTest, TruncatedElementNamesTheField) {
  // v3: one element whose tag section announces 16 bytes where 2 are left.
  const std::vector<uint8_t> bytes = {0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
                                      0x01, 0x05, 0x10, 0x00, 0x00};
  ApiVersionsResponse r;
  auto err = decode(std::span<const uint8_t>(bytes), 3, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ApiVersionsResponse.api_keys[0]._tagged_fields") << err->message();
  // v1: throttle_time_ms cut short.
  const std::vector<uint8_t> v1 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  err = decode(std::span<const uint8_t>(v1), 1, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "ApiVersionsResponse.throttle_time_ms") << err->message();
}

TEST(SchemaTest, RequestHeaderV2KeepsClientIdNonCompact) {
  RequestHeader h{ApiKey::ApiVersions, 3, 42, std::string("rdkafka"), {}};
  std::vector<uint8_t> out;
  VectorSink sink(out);
  encodeRequestHeader(sink, h);
  const std::vector<uint8_t> expected = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x07,
                                         'r',  'd',  'k',  'a',  'f',  'k',  'a',  0x00};
  EXPECT_EQ(out, expected);
  Reader in(out);
  RequestHeader back;
  ASSERT_TRUE(decodeRequestHeader(in, back));
  EXPECT_EQ(back, h);
  EXPECT_TRUE(in.empty());
}

}  // namespace
}  // namespace kafkalite::protocol
