// The Sender when a request does not succeed, stepped by hand: retriable errors go again
// after retry.backoff.ms and a metadata refresh, at most message.send.max.retries times;
// client-side request timeouts; order with max.in.flight.requests.per.connection = 1.
// Time is a MockClock; connections are MockConnections. Nothing sleeps.

#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::Not;

constexpr int16_t kNone = 0;
constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);
constexpr int16_t kNotEnoughReplicas = static_cast<int16_t>(ErrorCode::NOT_ENOUGH_REPLICAS);
constexpr int16_t kMessageTooLarge = static_cast<int16_t>(ErrorCode::MESSAGE_TOO_LARGE);

class SenderRetryTest : public CoreFixture {
 protected:
  SenderRetryTest() { config.queueBufferingMaxMs = 0; }

  /// Lets `c` carry any number of requests other than Produce (Metadata may use it).
  static void allowOtherRequests(MockConnection& c) {
    EXPECT_CALL(c, send(Not(IsApiKey(protocol::ApiKey::Produce)), _, _)).Times(AnyNumber());
  }
};

TEST_F(SenderRetryTest, RetriableErrorIsRetriedAfterBackoffAndRefreshUpToTheLimit) {
  config.messageSendMaxRetries = 2;
  expectConnection(1, [](MockConnection& c) {
    allowOtherRequests(c);
    EXPECT_CALL(c, send(IsApiKey(protocol::ApiKey::Produce), true, _)).Times(3);  // 1 + 2 retries, never more
  });
  const std::size_t r = startWithOneRecord();
  const std::size_t metadataBefore = metadataCount();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    runOnce();
    ASSERT_EQ(produceCount(1), static_cast<std::size_t>(attempt));
    const auto produce = pendingProduce(1);
    ASSERT_TRUE(produce);
    answerProduce(1, produce->first, kNotLeader);
    if (attempt == 3) break;
    EXPECT_EQ(outcomes[r].calls, 0) << "attempt " << attempt << " is retried";
    // Not before retry.backoff.ms ...
    clock.advance(99);
    runOnce();
    EXPECT_EQ(produceCount(1), static_cast<std::size_t>(attempt));
    EXPECT_EQ(metadataCount(), metadataBefore + static_cast<std::size_t>(attempt) - 1);
    // ... and then only after a metadata refresh (spec 7.2: backoff, refresh, retry).
    clock.advance(1);
    runOnce();
    EXPECT_EQ(produceCount(1), static_cast<std::size_t>(attempt));
    EXPECT_EQ(metadataCount(), metadataBefore + static_cast<std::size_t>(attempt));
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
  }
  // message.send.max.retries = 2: three sends, then the last error.
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::NOT_LEADER_OR_FOLLOWER));
  EXPECT_EQ(outcomes[r].metadata.offset, -1);
  clock.advance(1000);
  runOnce();
}

TEST_F(SenderRetryTest, BackoffCountsFromTheFailuresArrivalOnTheMonotonicClock) {
  // Deadlines are monotonic: the Sender never reads the wall clock (records are stamped
  // before they reach it).
  EXPECT_CALL(clock, wallClockMs()).Times(0);
  const std::size_t r = startWithOneRecord();
  runOnce();  // sent at 1000
  clock.advance(50);
  answerProduce(1, pendingProduce(1)->first, kNotLeader);  // the answer arrives at 1050
  const std::size_t metadataBefore = metadataCount();
  clock.set(1149);
  EXPECT_EQ(runOnce(), 1150) << "retry.backoff.ms from the answer's arrival (read from the clock)";
  EXPECT_EQ(metadataCount(), metadataBefore);
  clock.set(1150);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  EXPECT_EQ(metadataCount(), metadataBefore + 1);
  runOnce();
  ASSERT_EQ(produceCount(1), 2u);
  answerProduce(1, pendingProduce(1)->first, kNone, 5);
  EXPECT_EQ(outcomes[r].metadata.offset, 5);
}

TEST_F(SenderRetryTest, RetryReachesTheNewLeader) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kNotLeader);
  clock.advance(100);
  answerMetadata(metadataResponse(2, {{"t", {2}}}));
  runOnce();
  const auto produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  answerProduce(2, produce->first, kNone, 7);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, 7);
}

TEST_F(SenderRetryTest, NonRetriableErrorFailsAtOnce) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kMessageTooLarge);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::MESSAGE_TOO_LARGE));
  clock.advance(1000);
  runOnce();
  EXPECT_EQ(produceCount(1), 1u);
}

TEST_F(SenderRetryTest, ZeroRetriesFailWithTheFirstError) {
  config.messageSendMaxRetries = 0;
  const std::size_t r = startWithOneRecord();
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kNotEnoughReplicas);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::NOT_ENOUGH_REPLICAS));
}

TEST_F(SenderRetryTest, DisconnectIsRetried) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  broker(1)->fail(pendingProduce(1)->first, ClientError::Disconnected);
  EXPECT_EQ(outcomes[r].calls, 0);
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(pendingProduce(1));
  answerProduce(1, pendingProduce(1)->first, kNone, 3);
  EXPECT_FALSE(outcomes[r].error);
}

TEST_F(SenderRetryTest, RequestTimeoutClosesTheConnectionOnceAndRetries) {
  const std::size_t r = startWithOneRecord();
  const int64_t sentAt = clock.peekMs();
  // The client's deadline is exactly request.timeout.ms after the send.
  EXPECT_EQ(runOnce(), sentAt + 1500) << "the Sender wakes up at the request's deadline";
  MockConnection* c = broker(1);
  ASSERT_NE(c, nullptr);
  ::testing::MockFunction<void(const char*)> check;
  {
    ::testing::InSequence order;
    EXPECT_CALL(check, Call("before the deadline"));
    EXPECT_CALL(*c, close()).Times(1);  // responses are ordered: a timed-out connection is dropped
    EXPECT_CALL(check, Call("retried"));
  }
  clock.set(sentAt + 1499);
  runOnce();
  check.Call("before the deadline");
  clock.set(sentAt + 1500);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 0) << "REQUEST_TIMED_OUT is retriable";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produceCount(1), 2u);
  EXPECT_EQ(broker(1), c) << "the same connection reconnects";
  answerProduce(1, produce->first, kNone, 9);
  check.Call("retried");
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, 9);
}

TEST_F(SenderRetryTest, RequestTimeoutFailsWithRequestTimedOutOnceRetriesAreExhausted) {
  config.messageSendMaxRetries = 1;
  const std::size_t r = startWithOneRecord();
  runOnce();
  MockConnection* c = broker(1);
  ASSERT_NE(c, nullptr);
  EXPECT_CALL(*c, close()).Times(2);  // once per timed-out attempt
  clock.advance(1500);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 0) << "one retry left";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  const int64_t resentAt = clock.peekMs();
  runOnce();
  ASSERT_EQ(produceCount(1), 2u);
  clock.set(resentAt + 1499);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 0);
  clock.set(resentAt + 1500);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::REQUEST_TIMED_OUT));
  EXPECT_EQ(outcomes[r].metadata.offset, -1);
}

TEST_F(SenderRetryTest, MaxInFlightOneKeepsOrderAcrossARetry) {
  config.maxInFlightRequestsPerConnection = 1;
  config.batchNumMessages = 1;
  ::testing::MockFunction<void(const char*)> check;
  expectConnection(1, [](MockConnection& c) {
    allowOtherRequests(c);
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v0"}), true, _)).Times(1);
  });
  expectConnection(2, [&](MockConnection& c) {
    allowOtherRequests(c);
    // At most one Produce before its answer: v1 leaves only after v0 is answered.
    ::testing::InSequence order;
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v0"}), true, _));
    EXPECT_CALL(check, Call("v0 answered"));
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v1"}), true, _));
  });
  start();
  const std::size_t r0 = send("t", "v0");
  const std::size_t r1 = send("t", "v1");
  answerMetadata(metadataResponse(2, {{"t", {1}}}));
  runOnce();
  ASSERT_EQ(produceCount(1), 1u);
  answerProduce(1, pendingProduce(1)->first, kNotLeader);
  // The leader moved; v0 is retried there and v1 must not overtake it.
  clock.advance(100);
  answerMetadata(metadataResponse(2, {{"t", {2}}}));
  runOnce();
  auto produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  runOnce();
  EXPECT_EQ(produceCount(2), 1u) << "muted partition: v1 waits for v0's answer";
  answerProduce(2, produce->first, kNone, 0);
  check.Call("v0 answered");
  runOnce();
  produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  answerProduce(2, produce->first, kNone, 1);
  EXPECT_EQ(outcomes[r0].metadata.offset, 0);
  EXPECT_EQ(outcomes[r1].metadata.offset, 1);
}

TEST_F(SenderRetryTest, MaxInFlightOneHoldsThePartitionWhileItsBatchIsOutAtTheOldLeader) {
  // The leader moves while v0 is unanswered at the old one. v1 must not go to the new
  // leader: if v0 then fails and is retried, it would land after v1.
  config.maxInFlightRequestsPerConnection = 1;
  config.batchNumMessages = 1;
  config.topicMetadataRefreshIntervalMs = 5000;
  config.requestTimeoutMs = 30000;
  ::testing::MockFunction<void(const char*)> check;
  ::testing::Sequence order;
  expectConnection(1, [](MockConnection& c) {
    allowOtherRequests(c);
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v0"}), true, _)).Times(1);
  });
  EXPECT_CALL(check, Call("v0 failed at the old leader")).InSequence(order);
  expectConnection(2, [&](MockConnection& c) {
    allowOtherRequests(c);
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v0"}), true, _)).InSequence(order);
    EXPECT_CALL(check, Call("v0 answered")).InSequence(order);
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v1"}), true, _)).InSequence(order);
  });
  start();
  const std::size_t r0 = send("t", "v0");
  const std::size_t r1 = send("t", "v1");
  answerMetadata(metadataResponse(2, {{"t", {1}}}));
  runOnce();
  const auto first = pendingProduce(1);
  ASSERT_TRUE(first);
  clock.advance(5000);  // the periodic refresh, while v0 is out
  answerMetadata(metadataResponse(2, {{"t", {2}}}));
  runOnce();
  runOnce();
  EXPECT_EQ(produceCount(2), 0u) << "v1 waits for v0's outcome";
  check.Call("v0 failed at the old leader");
  answerProduce(1, first->first, kNotLeader);
  clock.advance(100);
  answerMetadata(metadataResponse(2, {{"t", {2}}}));
  runOnce();
  auto produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  runOnce();
  check.Call("v0 answered");
  answerProduce(2, produce->first, kNone, 0);
  runOnce();
  produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  answerProduce(2, produce->first, kNone, 1);
  EXPECT_EQ(outcomes[r0].metadata.offset, 0);
  EXPECT_EQ(outcomes[r1].metadata.offset, 1);
}

TEST_F(SenderRetryTest, MoreInFlightLetsALaterBatchOvertakeARetry) {
  // The contrast (spec 8.5): with 5 in flight and no idempotence, v1 leaves while v0 is
  // unanswered, so a retry of v0 lands after v1.
  config.batchNumMessages = 1;
  start();
  send("t", "v0");
  send("t", "v1");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  runOnce();
  EXPECT_EQ(produceCount(1), 2u);
}

}  // namespace
}  // namespace kafkalite::client::testing
