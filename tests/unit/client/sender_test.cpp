// The Sender stepped by hand, as Kafka's SenderTest does: append, runOnce, answer with a
// canned response, runOnce. Time is a ManualClock; connections are fakes. Nothing sleeps.

#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);
constexpr int16_t kNotEnoughReplicas = static_cast<int16_t>(ErrorCode::NOT_ENOUGH_REPLICAS);
constexpr int16_t kMessageTooLarge = static_cast<int16_t>(ErrorCode::MESSAGE_TOO_LARGE);

class SenderTest : public CoreFixture {
 protected:
  SenderTest() { config.queueBufferingMaxMs = 0; }

  /// start(), one record for "t"-0 and metadata naming broker 1 its leader.
  std::size_t startWithOneRecord() {
    start();
    const std::size_t r = send("t", "v0");
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
    return r;
  }
};

TEST_F(SenderTest, RecordWaitsForMetadataThenGoesToTheLeader) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produce->second.acks, 1);
  EXPECT_EQ(produce->second.timeoutMs, 1500);  // request.timeout.ms (spec 7.4)
  EXPECT_EQ(broker(1)->sent[produce->first].header.clientId, "console-producer");
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]), std::vector<std::string>{"v0"});
  EXPECT_EQ(outcomes[r].calls, 0);

  answerProduce(1, produce->first, kNone, 42);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.topic, "t");
  EXPECT_EQ(outcomes[r].metadata.partition, 0);
  EXPECT_EQ(outcomes[r].metadata.offset, 42);
  EXPECT_EQ(outcomes[r].metadata.timestamp, ManualClock::kWallOrigin + 1000);
  EXPECT_EQ(handoff->pending(), 0);
}

TEST_F(SenderTest, OffsetsCountUpFromTheBaseOffset) {
  start();
  for (int i = 0; i < 3; ++i) send("t", "v" + std::to_string(i));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  answerProduce(1, produce->first, kNone, 100);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(outcomes[static_cast<std::size_t>(i)].metadata.offset, 100 + i);
}

TEST_F(SenderTest, BatchWaitsForLingerFromItsFirstRecord) {
  config.queueBufferingMaxMs = 1000;
  start();
  send("t", "v0");  // at 1000
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  clock.advance(400);
  send("t", "v1");
  EXPECT_EQ(runOnce(), 2000) << "the next check is the first record's linger end";
  EXPECT_EQ(produceCount(1), 0u);
  clock.set(1999);
  runOnce();
  EXPECT_EQ(produceCount(1), 0u);
  clock.set(2000);
  runOnce();
  ASSERT_EQ(produceCount(1), 1u);
  EXPECT_EQ((valuesOf(pendingProduce(1)->second)[{"t", 0}]), (std::vector<std::string>{"v0", "v1"}));
}

TEST_F(SenderTest, FullBatchGoesWithoutWaitingForLinger) {
  config.queueBufferingMaxMs = 60000;
  config.batchNumMessages = 3;
  start();
  for (int i = 0; i < 4; ++i) send("t", "v" + std::to_string(i));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  // batch.num.messages records in one batch; the fourth starts a batch that lingers.
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]), (std::vector<std::string>{"v0", "v1", "v2"}));
  answerProduce(1, produce->first, kNone);
  runOnce();
  EXPECT_EQ(produceCount(1), 1u);
  EXPECT_EQ(outcomes[3].calls, 0);
}

TEST_F(SenderTest, BatchSizeBytesClosesABatch) {
  config.queueBufferingMaxMs = 60000;
  config.batchSizeBytes = 200;
  start();
  for (int i = 0; i < 3; ++i) send("t", std::string(80, static_cast<char>('a' + i)));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce) << "two records of 80 bytes fill a 200-byte batch (61-byte header)";
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]).size(), 1u);
}

TEST_F(SenderTest, RetriableErrorIsRetriedAfterBackoffAndRefreshUpToTheLimit) {
  config.messageSendMaxRetries = 2;
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
  EXPECT_EQ(produceCount(1), 3u);
}

TEST_F(SenderTest, RetryReachesTheNewLeader) {
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

TEST_F(SenderTest, NonRetriableErrorFailsAtOnce) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kMessageTooLarge);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::MESSAGE_TOO_LARGE));
  clock.advance(1000);
  runOnce();
  EXPECT_EQ(produceCount(1), 1u);
}

TEST_F(SenderTest, ZeroRetriesFailWithTheFirstError) {
  config.messageSendMaxRetries = 0;
  const std::size_t r = startWithOneRecord();
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kNotEnoughReplicas);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::NOT_ENOUGH_REPLICAS));
}

TEST_F(SenderTest, DisconnectIsRetried) {
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

TEST_F(SenderTest, RequestTimeoutClosesTheConnectionAndRetries) {
  const std::size_t r = startWithOneRecord();
  const int64_t sentAt = clock.nowMs();
  runOnce();
  ASSERT_TRUE(pendingProduce(1));
  // The client's deadline is request.timeout.ms, the same value the broker gets as timeout_ms.
  const int64_t deadline = sentAt + 1500;
  clock.set(deadline - 1);
  EXPECT_LE(runOnce(), deadline);
  EXPECT_EQ(broker(1)->closeCalls, 0);
  clock.set(deadline);
  runOnce();
  EXPECT_EQ(broker(1)->closeCalls, 1) << "responses are ordered: a timed-out connection is closed";
  EXPECT_EQ(outcomes[r].calls, 0) << "a timed-out request counts as failed and is retried";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produceCount(1), 2u);
  answerProduce(1, produce->first, kNone, 9);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, 9);
}

TEST_F(SenderTest, RequestTimeoutWithoutRetriesFailsTimedOut) {
  config.messageSendMaxRetries = 0;
  const std::size_t r = startWithOneRecord();
  runOnce();
  clock.advance(1500);
  runOnce();
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::REQUEST_TIMED_OUT));
}

TEST_F(SenderTest, AcksZeroAwaitsNothing) {
  config.requestRequiredAcks = 0;
  const std::size_t r = startWithOneRecord();
  runOnce();
  FakeConnection* c = broker(1);
  const auto i = c->pending(protocol::ApiKey::Produce);
  ASSERT_TRUE(i);
  EXPECT_FALSE(c->sent[*i].expectResponse);
  EXPECT_EQ(c->sent[*i].decode<protocol::ProduceRequest>().acks, 0);
  c->respond(*i, {});  // the connection reports the write done; no response will come
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, -1);
  EXPECT_EQ(core->sender().inFlightRequests(), 0u);
}

TEST_F(SenderTest, MaxInFlightOneKeepsOrderAcrossARetry) {
  config.maxInFlightRequestsPerConnection = 1;
  config.batchNumMessages = 1;
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
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]), std::vector<std::string>{"v0"});
  runOnce();
  EXPECT_EQ(produceCount(2), 1u) << "muted partition: v1 waits for v0's answer";
  answerProduce(2, produce->first, kNone, 0);
  runOnce();
  produce = pendingProduce(2);
  ASSERT_TRUE(produce);
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]), std::vector<std::string>{"v1"});
  answerProduce(2, produce->first, kNone, 1);
  EXPECT_EQ(outcomes[r0].metadata.offset, 0);
  EXPECT_EQ(outcomes[r1].metadata.offset, 1);
}

TEST_F(SenderTest, MoreInFlightLetsALaterBatchOvertakeARetry) {
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

TEST_F(SenderTest, PartitionOutOfRangeAndTooLargeRecordFailOnTheIoThread) {
  config.messageMaxBytes = 1000;
  start();
  const std::size_t bad = send("t", "v", 5);
  const std::size_t big = send("t", std::string(2000, 'x'));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  EXPECT_EQ(outcomes[bad].error, make_error_code(ClientError::UnknownPartition));
  EXPECT_EQ(outcomes[big].error, make_error_code(ClientError::RecordTooLarge));
}

TEST_F(SenderTest, OneRequestPerBrokerCarriesEveryReadyPartition) {
  start();
  send("t", "a", 0);
  send("t", "b", 1);
  send("t", "c", 2);
  answerMetadata(metadataResponse(2, {{"t", {1, 2, 1}}}));
  runOnce();
  ASSERT_EQ(produceCount(1), 1u);
  ASSERT_EQ(produceCount(2), 1u);
  const auto values = valuesOf(pendingProduce(1)->second);
  EXPECT_EQ(values.size(), 2u);
  EXPECT_EQ((values.at({"t", 0})), std::vector<std::string>{"a"});
  EXPECT_EQ((values.at({"t", 2})), std::vector<std::string>{"c"});
  // Scatter-gather: header bytes and each batch as its own piece.
  FakeConnection* c = broker(1);
  EXPECT_GE(c->sent[*c->pending(protocol::ApiKey::Produce)].pieces, 4u);
}

TEST_F(SenderTest, CloseFailsQueuedAsClosedAndInFlightAsTimedOut) {
  config.batchNumMessages = 1;
  config.maxInFlightRequestsPerConnection = 1;
  start();
  const std::size_t inFlight = send("t", "v0");
  const std::size_t queued = send("t", "v1");
  const std::size_t waiting = send("other", "v2");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  core->abortAll();
  EXPECT_EQ(outcomes[inFlight].error, make_error_code(ClientError::TimedOut));
  EXPECT_EQ(outcomes[queued].error, make_error_code(ClientError::ProducerClosed));
  EXPECT_EQ(outcomes[waiting].error, make_error_code(ClientError::ProducerClosed));
  for (const auto& o : outcomes) EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(handoff->pending(), 0);
}

}  // namespace
}  // namespace kafkalite::client::testing
