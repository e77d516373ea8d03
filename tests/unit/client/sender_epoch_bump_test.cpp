// Idempotence recovery as Java's producer since KIP-360, stepped by hand: the broker losing
// the producer's state (UNKNOWN_PRODUCER_ID) or seeing a gap (OUT_OF_ORDER_SEQUENCE_NUMBER)
// costs an epoch bump and a retry, not the records; a batch whose sequence was assigned and
// then dropped (delivery.timeout.ms) leaves no gap that fails the partition's next batch.
#include <gtest/gtest.h>

#include "unit/client/idempotence_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kUnknownProducerId = static_cast<int16_t>(ErrorCode::UNKNOWN_PRODUCER_ID);
constexpr int16_t kOutOfOrder = static_cast<int16_t>(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);

class SenderEpochBumpTest : public IdempotenceFixture {
 protected:
  /// start(), metadata for "t" (partitions led by broker 1) and producer id 7 epoch 0.
  void startIdempotent(int32_t partitions = 1) {
    start();
    core->addTopic("t");
    answerMetadata(metadataResponse(1, {{"t", std::vector<int32_t>(static_cast<std::size_t>(partitions), 1)}}));
    runOnce();
    ASSERT_TRUE(answerInitProducerId(7, 0));
  }

  /// Runs the pass that follows a failure (backoff, metadata refresh) and returns the next
  /// Produce request to broker 1.
  std::optional<std::pair<std::size_t, protocol::ProduceRequest>> nextProduceAfterBackoff() {
    clock.advance(100);
    runOnce();
    if (pendingInitProducerId()) return std::nullopt;
    answerMetadata(metadataResponse(1, {{"t", {1, 1}}}));
    runOnce();
    return pendingProduce(1);
  }
};

// Spec 8.6 "no state for this pid": a broker that expired the producer's state answers
// UNKNOWN_PRODUCER_ID; Java (TransactionManager.canRetry) bumps the epoch and retries.
TEST_F(SenderEpochBumpTest, UnknownProducerIdBumpsTheEpochAndRetriesTheBatch) {
  startIdempotent();
  const std::size_t r = send("t", "a", 0);
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).producerEpoch, 0);
  answerProduce(1, produce->first, kUnknownProducerId);
  EXPECT_EQ(outcomes[r].calls, 0) << "no spurious failure: the batch is retried";
  runOnce();
  const auto init = pendingInitProducerId();
  ASSERT_TRUE(init) << "the epoch is bumped first";
  EXPECT_EQ(init->producerId, 7) << "InitProducerId v3+ with the current id and epoch (KIP-360)";
  EXPECT_EQ(init->producerEpoch, 0);
  EXPECT_FALSE(init->transactionalId);
  ASSERT_TRUE(answerInitProducerId(7, 1));
  produce = nextProduceAfterBackoff();
  ASSERT_TRUE(produce);
  const auto retry = identityOf(produce->second);
  EXPECT_EQ(retry.producerId, 7);
  EXPECT_EQ(retry.producerEpoch, 1);
  EXPECT_EQ(retry.baseSequence, 0) << "under the new epoch the partition starts again at 0";
  answerProduce(1, produce->first, kNone, 40);
  EXPECT_EQ(outcomes[r].calls, 1);
  EXPECT_FALSE(outcomes[r].error);
  EXPECT_EQ(outcomes[r].metadata.offset, 40);
}

TEST_F(SenderEpochBumpTest, OutOfOrderSequenceBumpsTheEpochAndRetriesFromSequenceZero) {
  startIdempotent();
  const std::size_t first = send("t", "a", 0);
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kNone, 0);
  ASSERT_FALSE(outcomes[first].error);
  const std::size_t second = send("t", "b", 0);
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).baseSequence, 1);
  answerProduce(1, produce->first, kOutOfOrder);  // e.g. the broker lost the first batch
  EXPECT_EQ(outcomes[second].calls, 0);
  runOnce();
  ASSERT_TRUE(pendingInitProducerId());
  ASSERT_TRUE(answerInitProducerId(7, 1));
  produce = nextProduceAfterBackoff();
  ASSERT_TRUE(produce);
  const auto retry = identityOf(produce->second);
  EXPECT_EQ(retry.producerEpoch, 1);
  EXPECT_EQ(retry.baseSequence, 0);
  EXPECT_EQ(retry.records, 1);
  answerProduce(1, produce->first, kNone, 5);
  EXPECT_FALSE(outcomes[second].error);
}

// Only the partition that saw the error starts again at 0; another partition's retry keeps
// its old epoch and sequence (the broker dedupes it under those), and the partition moves to
// the new epoch — at 0 — with its next batch.
TEST_F(SenderEpochBumpTest, OtherPartitionsMoveToTheNewEpochWhenTheirRetriesAreDone) {
  startIdempotent(2);
  send("t", "p0-a", 0);
  send("t", "p1-a", 1);
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  ASSERT_EQ(produce->second.topicData.at(0).partitionData.size(), 2u);
  // Partition 0: the broker lost the state; partition 1: a retriable leader error.
  MockConnection* c = broker(1);
  protocol::ProduceResponse response = produceResponse(produce->second, 0);
  for (auto& p : response.responses.at(0).partitionResponses) {
    p.errorCode = p.index == 0 ? kUnknownProducerId : kNotLeader;
    p.baseOffset = -1;
  }
  c->respond(produce->first, encodeBody(response, c->sent()[produce->first].header.apiVersion));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(7, 1));
  produce = nextProduceAfterBackoff();
  ASSERT_TRUE(produce);
  const auto p0 = identityOf(produce->second, 0);
  const auto p1 = identityOf(produce->second, 1);
  EXPECT_EQ(p0.producerEpoch, 1);
  EXPECT_EQ(p0.baseSequence, 0);
  EXPECT_EQ(p1.producerEpoch, 0) << "a retry keeps its epoch and sequence";
  EXPECT_EQ(p1.baseSequence, 0);
  answerProduce(1, produce->first, kNone, 10);
  send("t", "p1-b", 1);
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto next = identityOf(produce->second, 1);
  EXPECT_EQ(next.producerEpoch, 1) << "then the partition moves to the new epoch";
  EXPECT_EQ(next.baseSequence, 0);
}

// A batch taken for a request only to be left queued (the request was full) must not use
// up sequence numbers: when it then expires by delivery.timeout.ms the partition's next
// batch would carry a sequence the broker never saw the predecessor of
// (OUT_OF_ORDER_SEQUENCE_NUMBER).
TEST_F(SenderEpochBumpTest, ABatchExpiringBeforeItWasSentLeavesNoGap) {
  config.maxInFlightRequestsPerConnection = 1;
  config.messageMaxBytes = 1000;  // one of the two batches per request
  config.requestTimeoutMs = 1000;
  config.deliveryTimeoutMs = 1000;
  startIdempotent(2);
  const std::size_t left = send("t", std::string(600, 'b'), 1);
  clock.advance(500);
  send("t", std::string(600, 'a'), 0);
  runOnce();  // partition 0 is drained first; partition 1's batch does not fit the request
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  ASSERT_EQ(produce->second.topicData.at(0).partitionData.size(), 1u);
  ASSERT_EQ(produce->second.topicData.at(0).partitionData.at(0).index, 0);
  clock.advance(500);
  runOnce();  // partition 1's batch, never sent, expires (max.in.flight keeps it queued)
  ASSERT_EQ(outcomes[left].error, make_error_code(ClientError::TimedOut));
  answerProduce(1, produce->first, kNone, 0);
  send("t", "c", 1);
  runOnce();
  EXPECT_FALSE(pendingInitProducerId()) << "nothing was sent under its sequence: no bump needed";
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto next = identityOf(produce->second, 1);
  EXPECT_EQ(next.producerEpoch, 0);
  EXPECT_EQ(next.baseSequence, 0) << "the broker has seen nothing of this partition";
}

// A batch whose records expired in flight: if its answer then fails, its sequence is a gap
// and the epoch is bumped before the partition sends again; if the answer succeeds there is
// no gap and the next batch simply follows it.
TEST_F(SenderEpochBumpTest, ABatchExpiredInFlightBumpsTheEpochOnlyIfItFailed) {
  config.requestTimeoutMs = 2000;  // the answer may come after delivery.timeout.ms
  config.deliveryTimeoutMs = 1000;
  startIdempotent();
  const std::size_t a = send("t", "a", 0);
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  clock.advance(1000);
  runOnce();
  EXPECT_EQ(outcomes[a].error, make_error_code(ClientError::TimedOut)) << "expired in flight";
  // The answer arrives after all: success, so the sequence was used and there is no gap.
  answerProduce(1, produce->first, kNone, 0);
  EXPECT_EQ(outcomes[a].calls, 1);
  send("t", "b", 0);
  runOnce();
  EXPECT_FALSE(pendingInitProducerId());
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).baseSequence, 1) << "the expired batch's sequence was used";

  // Now the records expire in flight and the answer is an error: their sequence is a gap.
  clock.advance(1000);
  runOnce();
  answerProduce(1, produce->first, kNotLeader);
  send("t", "c", 0);
  runOnce();
  const auto init = pendingInitProducerId();
  ASSERT_TRUE(init) << "the gap is closed by an epoch bump";
  EXPECT_EQ(init->producerEpoch, 0);
  ASSERT_TRUE(answerInitProducerId(7, 1));
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto next = identityOf(produce->second);
  EXPECT_EQ(next.producerEpoch, 1);
  EXPECT_EQ(next.baseSequence, 0);
}

// Brokers without InitProducerId v3 cannot bump: the producer takes a new id instead.
TEST_F(SenderEpochBumpTest, OlderBrokersGiveANewIdInsteadOfABump) {
  startIdempotent();
  send("t", "a", 0);
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kUnknownProducerId);
  // The fakes speak InitProducerId at their Metadata version: v2, before KIP-360.
  forEachConnection([](MockConnection& c) { c.fake().metadataVersion = 2; });
  runOnce();
  const auto init = pendingInitProducerId();
  ASSERT_TRUE(init);
  EXPECT_EQ(init->producerId, -1) << "v2 has no producer id field";
  ASSERT_TRUE(answerInitProducerId(8, 0));
  const auto produce = nextProduceAfterBackoff();
  ASSERT_TRUE(produce);
  const auto retry = identityOf(produce->second);
  EXPECT_EQ(retry.producerId, 8);
  EXPECT_EQ(retry.baseSequence, 0);
}

}  // namespace
}  // namespace kafkalite::client::testing
