// The Sender when brokers cannot be reached or topics cannot be used: every way a record
// waits (for a connection, for metadata) ends after message.send.max.retries attempts,
// spaced by retry.backoff.ms, with the last error. Stepped by hand with a MockClock;
// connect() calls are checked on the MockConnections. Nothing sleeps.

#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

using ::testing::InSequence;
using ::testing::MockFunction;

class SenderFailureTest : public CoreFixture {
 protected:
  SenderFailureTest() { config.queueBufferingMaxMs = 0; }

  /// start(), one record for "t"-0 and metadata naming broker 1 its leader.
  std::size_t startWithOneRecord() {
    start();
    const std::size_t r = send("t", "v0");
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
    return r;
  }
};

TEST_F(SenderFailureTest, UnreachableLeaderCostsAttemptsThenFails) {
  config.messageSendMaxRetries = 2;
  factory.outcomes[1] = ConnectOutcome::Fail;
  // One connect per attempt: the first send and two retries; one connection throughout.
  expectConnection(1, [](MockConnection& c) { EXPECT_CALL(c, connect()).Times(3); });
  const std::size_t r = startWithOneRecord();
  for (int i = 0; i < 20 && outcomes[r].calls == 0; ++i) {
    runOnce();
    if (const auto pending = bootstrap()->pending(protocol::ApiKey::Metadata)) {
      bootstrap()->respond(*pending, encodeBody(metadataResponse(1, {{"t", {1}}}), 4));
    }
    clock.advance(100);
  }
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::ConnectionFailed));
}

TEST_F(SenderFailureTest, FailedConnectionIsTriedAgainOnlyAfterTheBackoff) {
  factory.outcomes[1] = ConnectOutcome::Fail;
  MockFunction<void(const char*)> check;
  expectConnection(1, [&](MockConnection& c) {
    InSequence order;
    EXPECT_CALL(c, connect());
    EXPECT_CALL(check, Call("within the backoff"));
    EXPECT_CALL(c, connect());
    EXPECT_CALL(check, Call("tried again"));
  });
  const std::size_t r = startWithOneRecord();
  const int64_t failedAt = clock.peekMs();
  EXPECT_EQ(runOnce(), failedAt + 100) << "the attempt failed; the next one is retry.backoff.ms later";
  for (const int64_t t : {failedAt, failedAt + 1, failedAt + 50, failedAt + 99}) {
    clock.set(t);
    runOnce();
  }
  check.Call("within the backoff");
  clock.set(failedAt + 100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));  // spec 7.2: backoff, refresh, retry
  runOnce();
  check.Call("tried again");
  EXPECT_EQ(outcomes[r].calls, 0) << "two attempts of four";
}

TEST_F(SenderFailureTest, NoBrokerReachableFailsWaitingRecordsAfterTheRetries) {
  config.messageSendMaxRetries = 2;
  factory.defaultOutcome = ConnectOutcome::Fail;
  expectConnection(-1, [](MockConnection& c) { EXPECT_CALL(c, connect()).Times(3); });
  start();
  const std::size_t r = send("t", "v0");
  int passes = 0;
  for (; passes < 20 && outcomes[r].calls == 0; ++passes) {
    runOnce();
    clock.advance(100);
  }
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::ConnectionFailed));
  ASSERT_TRUE(::testing::Mock::VerifyAndClearExpectations(bootstrap()));

  // A record arriving after that failure gets its own attempts.
  EXPECT_CALL(*bootstrap(), connect()).Times(3);
  const std::size_t later = send("t", "v1");
  for (int i = 0; i < 20 && outcomes[later].calls == 0; ++i) {
    runOnce();
    clock.advance(100);
  }
  EXPECT_EQ(outcomes[later].calls, 1);
  EXPECT_EQ(outcomes[later].error, make_error_code(ClientError::ConnectionFailed));
}

TEST_F(SenderFailureTest, MetadataAttemptsAreSpacedByTheBackoff) {
  config.messageSendMaxRetries = 5;
  factory.defaultOutcome = ConnectOutcome::Fail;
  MockFunction<void(const char*)> check;
  expectConnection(-1, [&](MockConnection& c) {
    InSequence order;
    EXPECT_CALL(c, connect());
    EXPECT_CALL(check, Call("within the backoff"));  // no second attempt before this
    EXPECT_CALL(c, connect());
    EXPECT_CALL(check, Call("after the backoff"));
  });
  start();
  send("t", "v0");
  EXPECT_EQ(runOnce(), clock.peekMs() + 100) << "the next attempt after retry.backoff.ms";
  clock.advance(99);
  EXPECT_EQ(runOnce(), clock.peekMs() + 1);
  check.Call("within the backoff");
  clock.advance(1);
  runOnce();
  check.Call("after the backoff");
}

TEST_F(SenderFailureTest, ConnectFailingLaterCountsAnAttemptAndSchedulesTheNext) {
  config.messageSendMaxRetries = 1;
  factory.defaultOutcome = ConnectOutcome::Pending;
  start();
  const std::size_t r = send("t", "v0");
  EXPECT_EQ(runOnce(), INT64_MAX) << "waiting for the connection, not polling";
  bootstrap()->finishConnecting(false);
  EXPECT_EQ(runOnce(), clock.peekMs() + 100) << "one failed attempt; the next is scheduled";
  EXPECT_EQ(outcomes[r].calls, 0);
  clock.advance(100);
  bootstrap()->setOutcome(ConnectOutcome::Fail);
  runOnce();
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::ConnectionFailed));
}

TEST_F(SenderFailureTest, UnknownTopicFailsAfterTheRetries) {
  config.messageSendMaxRetries = 1;
  start();
  const std::size_t r = send("missing", "v");
  const auto unknown = metadataResponse(1, {{"missing", {}, static_cast<int16_t>(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)}});
  answerMetadata(unknown);
  EXPECT_EQ(outcomes[r].calls, 0);
  clock.advance(100);
  answerMetadata(unknown);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
}

TEST_F(SenderFailureTest, NonRetriableTopicErrorFailsAtOnce) {
  start();
  const std::size_t r = send("secret", "v");
  answerMetadata(
      metadataResponse(1, {{"secret", {}, static_cast<int16_t>(ErrorCode::TOPIC_AUTHORIZATION_FAILED)}}));
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::TOPIC_AUTHORIZATION_FAILED));
}

}  // namespace
}  // namespace kafkalite::client::testing
