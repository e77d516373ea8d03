#include "protocol/messages/find_coordinator.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

TEST(FindCoordinatorRequestTest, V0HasOnlyTheKey) {
  FindCoordinatorRequest r;
  r.key = "g1";
  expectWire(r, 0, {0x00, 0x02, 'g', '1'});  // key (key_type: v1+)
}

TEST(FindCoordinatorRequestTest, V1AddsKeyType) {
  FindCoordinatorRequest r;
  r.key = "tx";
  r.keyType = 1;  // transaction
  const Bytes8 expected = {
      0x00, 0x02, 't', 'x',  // key
      0x01,                  // key_type
  };
  expectWire(r, 1, expected);
  expectWire(r, 2, expected);  // v2 is the same as v1
}

TEST(FindCoordinatorRequestTest, FlexibleV3IsOutsideTheSupportedRange) {
  FindCoordinatorRequest r;
  Bytes8 out;
  EXPECT_TRUE(encode(r, 3, out));
  const Bytes8 bytes = {0x01, 0x00, 0x00};
  EXPECT_TRUE(decode(std::span<const uint8_t>(bytes), 3, r));
}

TEST(FindCoordinatorResponseTest, V0MatchesHandEncodedBytes) {
  FindCoordinatorResponse r;
  r.nodeId = 2;
  r.host = "h";
  r.port = 9092;
  expectWire(r, 0,
             {
                 0x00, 0x00,              // error_code (throttle_time_ms: v1+)
                 0x00, 0x00, 0x00, 0x02,  // node_id (error_message: v1+)
                 0x00, 0x01, 'h',         // host
                 0x00, 0x00, 0x23, 0x84,  // port
             });
}

TEST(FindCoordinatorResponseTest, V1AddsThrottleAndNullableErrorMessage) {
  FindCoordinatorResponse r;
  r.errorCode = 15;  // COORDINATOR_NOT_AVAILABLE
  r.errorMessage.reset();
  r.nodeId = -1;
  r.host = "";
  r.port = -1;
  expectWire(r, 1,
             {
                 0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
                 0x00, 0x0f,              // error_code
                 0xff, 0xff,              // error_message: null
                 0xff, 0xff, 0xff, 0xff,  // node_id
                 0x00, 0x00,              // host: ""
                 0xff, 0xff, 0xff, 0xff,  // port
             });
  r = FindCoordinatorResponse{};
  r.throttleTimeMs = 3;
  r.errorMessage = "NONE";
  r.nodeId = 2;
  r.host = "h";
  r.port = 9092;
  expectWire(r, 2,
             {
                 0x00, 0x00, 0x00, 0x03,         // throttle_time_ms
                 0x00, 0x00,                     // error_code
                 0x00, 0x04, 'N', 'O', 'N', 'E',  // error_message
                 0x00, 0x00, 0x00, 0x02,         // node_id
                 0x00, 0x01, 'h',                // host
                 0x00, 0x00, 0x23, 0x84,         // port
             });
}

TEST(FindCoordinatorResponseTest, TruncatedBodyNamesTheField) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
      0x00, 0x00,              // error_code
      0xff, 0xff,              // error_message: null
      0x00, 0x00, 0x00, 0x02,  // node_id
      0x00, 0x05, 'h',         // host: 5 bytes announced, 1 present
  };
  FindCoordinatorResponse r;
  const auto err = decode(std::span<const uint8_t>(bytes), 1, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "FindCoordinatorResponse.host") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
