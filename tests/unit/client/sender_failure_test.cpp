// The Sender when brokers cannot be reached or topics cannot be used: every way a record
// waits (for a connection, for metadata) ends after message.send.max.retries attempts,
// spaced by retry.backoff.ms, with the last error. Stepped by hand; nothing sleeps.

#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

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
  EXPECT_EQ(broker(1)->connectCalls, 3) << "one connect per attempt: the first send and two retries";
}

TEST_F(SenderFailureTest, NoBrokerReachableFailsWaitingRecordsAfterTheRetries) {
  config.messageSendMaxRetries = 2;
  factory.defaultOutcome = ConnectOutcome::Fail;
  start();
  const std::size_t r = send("t", "v0");
  int passes = 0;
  for (; passes < 20 && outcomes[r].calls == 0; ++passes) {
    runOnce();
    clock.advance(100);
  }
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ClientError::ConnectionFailed));
  EXPECT_EQ(bootstrap()->connectCalls, 3);

  // A record arriving after that failure gets its own attempts.
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
  start();
  send("t", "v0");
  EXPECT_EQ(runOnce(), clock.nowMs() + 100) << "the next attempt after retry.backoff.ms";
  EXPECT_EQ(runOnce(), clock.nowMs() + 100);
  EXPECT_EQ(bootstrap()->connectCalls, 1) << "no second attempt within the backoff";
  clock.advance(100);
  runOnce();
  EXPECT_EQ(bootstrap()->connectCalls, 2);
}

TEST_F(SenderFailureTest, ConnectFailingLaterCountsAnAttemptAndSchedulesTheNext) {
  config.messageSendMaxRetries = 1;
  factory.defaultOutcome = ConnectOutcome::Pending;
  start();
  const std::size_t r = send("t", "v0");
  EXPECT_EQ(runOnce(), INT64_MAX) << "waiting for the connection, not polling";
  bootstrap()->finishConnecting(false);
  EXPECT_EQ(runOnce(), clock.nowMs() + 100) << "one failed attempt; the next is scheduled";
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
