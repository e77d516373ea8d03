// enable.idempotence, stepped by hand: no Produce before InitProducerId has answered;
// batches carry the producer id, epoch and per-partition sequences; a retry carries the
// same sequence; a sent batch failing for good bumps the epoch, under which the partition
// starts again at 0; InitProducerId is retried, on another broker when its connection
// went away. (Sequence errors and gaps: sender_epoch_bump_test.cpp.)
#include <gtest/gtest.h>

#include "unit/client/idempotence_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);
constexpr int16_t kInvalidRecord = static_cast<int16_t>(ErrorCode::INVALID_RECORD);

class SenderIdempotenceTest : public IdempotenceFixture {};

TEST_F(SenderIdempotenceTest, NoProduceBeforeTheProducerIdThenSequencesPerPartition) {
  start();
  const std::size_t first = send("t", "a");
  send("t", "b");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  EXPECT_FALSE(pendingProduce(1)) << "nothing is sent before InitProducerId answers";
  ASSERT_TRUE(answerInitProducerId(4000, 2));
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produce->second.acks, -1);
  auto id = identityOf(produce->second);
  EXPECT_EQ(id.producerId, 4000);
  EXPECT_EQ(id.producerEpoch, 2);
  EXPECT_EQ(id.baseSequence, 0);
  EXPECT_EQ(id.records, 2);
  answerProduce(1, produce->first, kNone, 10);
  EXPECT_FALSE(outcomes[first].error);

  send("t", "c");
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).baseSequence, 2) << "the partition's next sequence";
}

TEST_F(SenderIdempotenceTest, RetryCarriesTheSameSequenceAndAFinalFailureBumpsTheEpoch) {
  start();
  const std::size_t r = send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(7, 0));
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto firstAttempt = identityOf(produce->second);
  EXPECT_EQ(firstAttempt.baseSequence, 0);
  EXPECT_EQ(produceCount(1), 1u) << "one batch per partition in flight";

  answerProduce(1, produce->first, kNotLeader);  // retriable
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto retry = identityOf(produce->second);
  EXPECT_EQ(retry.producerId, 7);
  EXPECT_EQ(retry.baseSequence, firstAttempt.baseSequence) << "a retry is the same batch, same sequence";
  EXPECT_EQ(retry.records, firstAttempt.records);

  // A final failure: the sequence may have a gap now, so the epoch is bumped (KIP-360:
  // InitProducerId with the current id and epoch) and the partition starts again at 0.
  answerProduce(1, produce->first, kInvalidRecord);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::INVALID_RECORD));
  send("t", "c");
  runOnce();
  EXPECT_FALSE(pendingProduce(1)) << "no Produce while the bump is pending";
  const auto init = pendingInitProducerId();
  ASSERT_TRUE(init);
  EXPECT_EQ(init->producerId, 7);
  EXPECT_EQ(init->producerEpoch, 0);
  ASSERT_TRUE(answerInitProducerId(7, 1));
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto next = identityOf(produce->second);
  EXPECT_EQ(next.producerId, 7);
  EXPECT_EQ(next.producerEpoch, 1);
  EXPECT_EQ(next.baseSequence, 0) << "a new epoch starts at sequence 0";
}

TEST_F(SenderIdempotenceTest, InitProducerIdErrorsAreRetriedAfterTheBackoff) {
  start();
  send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(-1, -1, static_cast<int16_t>(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS)));
  runOnce();
  EXPECT_FALSE(answerInitProducerId(1, 0)) << "not asked again before retry.backoff.ms";
  clock.advance(100);
  runOnce();
  ASSERT_TRUE(answerInitProducerId(1, 0));
  runOnce();
  EXPECT_TRUE(pendingProduce(1));
}

// An InitProducerId that times out closes its connection; with the topic's metadata known
// nothing else would reconnect. The Sender asks again after the backoff on any broker,
// connecting to one itself (as Java's leastLoadedNode), instead of stalling until the next
// periodic metadata refresh.
TEST_F(SenderIdempotenceTest, InitProducerIdTimingOutIsAskedAgainOnAnotherConnection) {
  config.requestTimeoutMs = 1000;
  start();
  const std::size_t r = send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(pendingInitProducerId()) << "asked on the connection the metadata came from";
  MockConnection* first = bootstrap();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->pending(protocol::ApiKey::InitProducerId));
  clock.advance(1000);
  runOnce();  // timed out: its connection is closed
  EXPECT_EQ(first->state(), ConnectionState::Disconnected);
  EXPECT_FALSE(pendingInitProducerId());
  clock.advance(100);  // retry.backoff.ms
  runOnce();
  ASSERT_TRUE(pendingInitProducerId()) << "asked again, on a connection the Sender opened for it";
  ASSERT_TRUE(answerInitProducerId(11, 0));
  runOnce();
  const auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  answerProduce(1, produce->first, kNone, 3);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
}

// Classic settings bound a record's life by retries: with no producer id to be had, queued
// records fail after message.send.max.retries + 1 attempts (as with every broker down).
TEST_F(SenderIdempotenceTest, RecordsFailOnceInitProducerIdAttemptsExceedTheRetries) {
  config.messageSendMaxRetries = 2;
  start();
  const std::size_t r = send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    runOnce();
    ASSERT_TRUE(answerInitProducerId(-1, -1, static_cast<int16_t>(ErrorCode::COORDINATOR_NOT_AVAILABLE)));
    EXPECT_EQ(outcomes[r].calls, attempt < 3 ? 0 : 1) << "attempt " << attempt;
    clock.advance(100);
  }
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::COORDINATOR_NOT_AVAILABLE));
}

}  // namespace
}  // namespace kafkalite::client::testing
