// The Sender stepped by hand, as Kafka's SenderTest does: append, runOnce, answer with a
// canned response, runOnce. Time is a MockClock; connections are MockConnections that
// behave as fakes unless a test expects calls. Nothing sleeps. This file: what a
// request carries and when it leaves (linger, full batches, acks = 0, close); retries,
// timeouts and ordering are in sender_retry_test.cpp.

#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::Not;

constexpr int16_t kNone = 0;

class SenderTest : public CoreFixture {
 protected:
  SenderTest() { config.queueBufferingMaxMs = 0; }
};

TEST_F(SenderTest, RecordWaitsForMetadataThenGoesToTheLeader) {
  const std::size_t r = startWithOneRecord();
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produce->second.acks, 1);
  EXPECT_EQ(produce->second.timeoutMs, 1500);  // request.timeout.ms (spec 7.4)
  EXPECT_EQ(broker(1)->sent()[produce->first].header.clientId, "console-producer");
  EXPECT_EQ((valuesOf(produce->second)[{"t", 0}]), std::vector<std::string>{"v0"});
  EXPECT_EQ(outcomes[r].calls, 0);

  answerProduce(1, produce->first, kNone, 42);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.topic, "t");
  EXPECT_EQ(outcomes[r].metadata.partition, 0);
  EXPECT_EQ(outcomes[r].metadata.offset, 42);
  EXPECT_EQ(outcomes[r].metadata.timestamp, MockClock::kWallOrigin + 1000);
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
  // One Produce, with both records, and only after the checkpoint at 1999.
  ::testing::MockFunction<void(const char*)> check;
  ::testing::Sequence order;
  EXPECT_CALL(check, Call("linger not over")).InSequence(order);
  expectConnection(1, [&](MockConnection& c) {
    EXPECT_CALL(c, send(Not(IsApiKey(protocol::ApiKey::Produce)), _, _)).Times(AnyNumber());
    EXPECT_CALL(c, send(ProducesValues("t", 0, std::vector<std::string>{"v0", "v1"}), true, _)).InSequence(order);
  });
  start();
  send("t", "v0");  // at 1000
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  clock.advance(400);
  send("t", "v1");
  EXPECT_EQ(runOnce(), 2000) << "the next check is the first record's linger end";
  clock.set(1999);
  runOnce();
  EXPECT_EQ(produceCount(1), 0u);
  check.Call("linger not over");
  clock.set(2000);
  runOnce();
  EXPECT_EQ(produceCount(1), 1u);
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

TEST_F(SenderTest, AcksZeroAwaitsNothing) {
  config.requestRequiredAcks = 0;
  expectConnection(1, [](MockConnection& c) {
    EXPECT_CALL(c, send(Not(IsApiKey(protocol::ApiKey::Produce)), _, _)).Times(AnyNumber());
    // expectResponse = false: the connection reports the write and reads nothing back.
    EXPECT_CALL(c, send(HasAcks(int16_t{0}), false, _)).Times(1);
    EXPECT_CALL(c, close()).Times(0);
  });
  const std::size_t r = startWithOneRecord();
  runOnce();
  MockConnection* c = broker(1);
  const auto i = c->pending(protocol::ApiKey::Produce);
  ASSERT_TRUE(i);
  c->respond(*i, {});  // the frame is written; no response will come
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, -1);
  EXPECT_EQ(core->sender().inFlightRequests(), 0u);
  // Nothing is awaited: no deadline, so long silence neither closes the connection nor
  // sends the record again.
  EXPECT_GT(runOnce(), clock.peekMs() + 1500);
  clock.advance(10 * 1500);
  runOnce();
  EXPECT_EQ(outcomes[r].calls, 1);
}

TEST_F(SenderTest, PartitionOutOfRangeAndTooLargeRecordFailOnTheIoThread) {
  config.messageMaxBytes = 1000;
  start();
  const std::size_t bad = send("t", "v", 5);
  const std::size_t big = send("t", std::string(2000, 'x'));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));  // the first answer is fresh: no partition 5
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
  MockConnection* c = broker(1);
  EXPECT_GE(c->sent()[*c->pending(protocol::ApiKey::Produce)].pieces, 4u);
}

TEST_F(SenderTest, MaxInFlightCapsTheRequestsOnAConnection) {
  config.maxInFlightRequestsPerConnection = 2;  // > 1: partitions are not muted
  config.batchNumMessages = 1;
  ::testing::MockFunction<void(const char*)> check;
  expectConnection(1, [&](MockConnection& c) {
    EXPECT_CALL(c, send(Not(IsApiKey(protocol::ApiKey::Produce)), _, _)).Times(AnyNumber());
    ::testing::InSequence order;
    EXPECT_CALL(c, send(IsApiKey(protocol::ApiKey::Produce), true, _)).Times(2);
    EXPECT_CALL(check, Call("first answered"));
    EXPECT_CALL(c, send(IsApiKey(protocol::ApiKey::Produce), true, _)).Times(1);
  });
  start();
  for (int i = 0; i < 5; ++i) send("t", "v" + std::to_string(i));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  runOnce();
  check.Call("first answered");
  answerProduce(1, broker(1)->requests(protocol::ApiKey::Produce).front(), kNone);
  runOnce();
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
  forEachConnection([](MockConnection& c) { EXPECT_CALL(c, close()).Times(1); });
  core->abortAll();
  EXPECT_EQ(outcomes[inFlight].error, make_error_code(ClientError::TimedOut));
  EXPECT_EQ(outcomes[queued].error, make_error_code(ClientError::ProducerClosed));
  EXPECT_EQ(outcomes[waiting].error, make_error_code(ClientError::ProducerClosed));
  for (const auto& o : outcomes) EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(handoff->pending(), 0);
}

}  // namespace
}  // namespace kafkalite::client::testing
