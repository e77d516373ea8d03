#include "protocol/messages/init_producer_id.hpp"

#include <gtest/gtest.h>

#include "support/wire_expect.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

TEST(InitProducerIdRequestTest, V0MatchesHandEncodedBytes) {
  InitProducerIdRequest r;
  r.transactionalId.reset();  // idempotent producer
  r.transactionTimeoutMs = 60000;
  expectWire(r, 0,
             {
                 0xff, 0xff,              // transactional_id: null
                 0x00, 0x00, 0xea, 0x60,  // transaction_timeout_ms
             });
  r.transactionalId = "tx";
  expectWire(r, 1,
             {
                 0x00, 0x02, 't', 'x',    // transactional_id
                 0x00, 0x00, 0xea, 0x60,  // transaction_timeout_ms
             });
}

TEST(InitProducerIdRequestTest, V2IsFlexible) {
  InitProducerIdRequest r;
  r.transactionalId = "tx";
  r.transactionTimeoutMs = 60000;
  expectWire(r, 2,
             {
                 0x03, 't', 'x',          // transactional_id: compact
                 0x00, 0x00, 0xea, 0x60,  // transaction_timeout_ms (producer id/epoch: v3+)
                 0x00,                    // no tagged fields
             });
}

TEST(InitProducerIdRequestTest, V3AddsProducerIdAndEpoch) {
  InitProducerIdRequest r;
  r.transactionalId.reset();
  r.transactionTimeoutMs = 60000;
  r.producerId = 42;
  r.producerEpoch = 3;
  expectWire(r, 3,
             {
                 0x00,                                            // transactional_id: compact null
                 0x00, 0x00, 0xea, 0x60,                          // transaction_timeout_ms
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // producer_id
                 0x00, 0x03,                                      // producer_epoch
                 0x00,                                            // no tagged fields
             });
  // Defaults: no current producer id (-1, -1).
  InitProducerIdRequest fresh;
  fresh.transactionalId.reset();
  expectWire(fresh, 4,
             {
                 0x00,                                            // transactional_id: compact null
                 0x00, 0x00, 0x00, 0x00,                          // transaction_timeout_ms
                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producer_id -1
                 0xff, 0xff,                                      // producer_epoch -1
                 0x00,                                            // no tagged fields
             });
}

TEST(InitProducerIdResponseTest, V0MatchesHandEncodedBytes) {
  InitProducerIdResponse r;
  r.producerId = 1000;
  expectWire(r, 0,
             {
                 0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
                 0x00, 0x00,                                      // error_code
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer_id
                 0x00, 0x00,                                      // producer_epoch
             });
}

TEST(InitProducerIdResponseTest, V2IsFlexible) {
  InitProducerIdResponse r;
  r.throttleTimeMs = 10;
  r.producerId = 1000;
  r.producerEpoch = 5;
  expectWire(r, 2,
             {
                 0x00, 0x00, 0x00, 0x0a,                          // throttle_time_ms
                 0x00, 0x00,                                      // error_code
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer_id
                 0x00, 0x05,                                      // producer_epoch
                 0x00,                                            // no tagged fields
             });
  InitProducerIdResponse fenced;
  fenced.errorCode = 90;  // PRODUCER_FENCED
  fenced.producerEpoch = -1;
  expectWire(fenced, 4,
             {
                 0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
                 0x00, 0x5a,                                      // error_code
                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producer_id: -1 (default)
                 0xff, 0xff,                                      // producer_epoch
                 0x00,                                            // no tagged fields
             });
}

TEST(InitProducerIdResponseTest, TruncatedBodyNamesTheField) {
  const Bytes8 bytes = {
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
      0x00, 0x00,                                      // error_code
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer_id
      0x00,                                            // producer_epoch cut short
  };
  InitProducerIdResponse r;
  const auto err = decode(std::span<const uint8_t>(bytes), 2, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->path, "InitProducerIdResponse.producer_epoch") << err->message();
}

}  // namespace
}  // namespace kafkalite::protocol
