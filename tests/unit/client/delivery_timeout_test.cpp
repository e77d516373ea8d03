// delivery.timeout.ms bounds the time from send() to the callback wherever the record is:
// in flight (its records fail at the deadline, the late answer is ignored), and waiting
// for its topic's metadata. Stepped by hand with the mock clock, as SenderTest.
#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kNone = 0;

class DeliveryTimeoutTest : public CoreFixture {
 protected:
  DeliveryTimeoutTest() {
    config.queueBufferingMaxMs = 0;
    config.requestTimeoutMs = 1000;
    config.deliveryTimeoutMs = 1500;  // >= linger + request timeout
    config.messageSendMaxRetries = 10;
  }
};

TEST_F(DeliveryTimeoutTest, InFlightRecordsFailAtTheDeadlineAndTheLateAnswerIsIgnored) {
  const int64_t sentAt = clock.peekMs();
  const std::size_t r = startWithOneRecord();
  runOnce();
  ASSERT_TRUE(pendingProduce(1));
  // The first attempt times out (request.timeout.ms) and is retried after the backoff.
  clock.advance(1000);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 0) << "a timed-out attempt is retried";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto retry = pendingProduce(1);
  ASSERT_TRUE(retry) << "the retry is in flight";
  // The pass before the deadline asks to be woken at the deadline at the latest.
  EXPECT_LE(runOnce(), sentAt + 1500);
  clock.advance(sentAt + 1500 - clock.peekMs());
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 1) << "delivery.timeout.ms fails a record even while its request is out";
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::TimedOut));
  // The broker's answer comes after all: nothing more reaches the record.
  answerProduce(1, retry->first, kNone, 7);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::TimedOut));
  // The batch was recycled once its request completed: the next record goes out normally.
  const std::size_t next = send("t", "v1");
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  answerProduce(1, produce->first, kNone, 8);
  EXPECT_EQ(outcomes[next].calls, 1);
  EXPECT_FALSE(outcomes[next].error);
  EXPECT_EQ(outcomes[next].metadata.offset, 8);
}

TEST_F(DeliveryTimeoutTest, RecordsWaitingForMetadataFailAtTheDeadline) {
  start();
  const int64_t sentAt = clock.peekMs();
  const std::size_t first = send("unknown", "a");
  clock.advance(700);
  const std::size_t second = send("unknown", "b");
  // No broker ever answers: the records wait for metadata.
  EXPECT_LE(runOnce(), sentAt + 1500);
  clock.advance(sentAt + 1500 - clock.peekMs());
  runOnce();
  EXPECT_EQ(outcomes[first].calls, 1);
  EXPECT_EQ(outcomes[first].error, make_error_code(ClientError::TimedOut));
  EXPECT_EQ(outcomes[second].calls, 0) << "sent 700 ms later, its deadline is later";
  clock.advance(700);
  runOnce();
  EXPECT_EQ(outcomes[second].calls, 1);
  EXPECT_EQ(outcomes[second].error, make_error_code(ClientError::TimedOut));
  EXPECT_EQ(core->waitingForMetadata(), 0u);
}

}  // namespace
}  // namespace kafkalite::client::testing
