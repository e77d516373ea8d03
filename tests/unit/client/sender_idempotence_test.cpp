// enable.idempotence, stepped by hand: no Produce before InitProducerId has answered;
// batches carry the producer id, epoch and per-partition sequences; a retry carries the
// same sequence; a sent batch failing for good makes the Sender ask for a new id, under
// which sequences start again at 0.
#include <gtest/gtest.h>

#include "protocol/messages/init_producer_id.hpp"
#include "protocol/record_batch.hpp"
#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);
constexpr int16_t kOutOfOrder = static_cast<int16_t>(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);

struct BatchIdentity {
  int64_t producerId = -2;
  int16_t producerEpoch = -2;
  int32_t baseSequence = -2;
  int32_t records = 0;
};

class SenderIdempotenceTest : public CoreFixture {
 protected:
  SenderIdempotenceTest() {
    config.queueBufferingMaxMs = 0;
    config.enableIdempotence = true;
    config.requestRequiredAcks = -1;
    config.messageSendMaxRetries = 3;
  }

  /// Answers the pending InitProducerId request (on any connection) with `id`/`epoch`.
  bool answerInitProducerId(int64_t id, int16_t epoch, int16_t error = kNone) {
    bool answered = false;
    forEachConnection([&](MockConnection& c) {
      if (answered) return;
      if (const auto i = c.pending(protocol::ApiKey::InitProducerId)) {
        protocol::InitProducerIdResponse r;
        r.errorCode = error;
        r.producerId = id;
        r.producerEpoch = epoch;
        c.respond(*i, encodeBody(r, c.sent()[*i].header.apiVersion));
        answered = true;
      }
    });
    return answered;
  }

  /// The identity of the batch for partition 0 in `request`.
  static BatchIdentity identityOf(const protocol::ProduceRequest& request) {
    BatchIdentity id;
    protocol::DecodeError error;
    const auto view = protocol::RecordBatchView::parse(request.topicData.at(0).partitionData.at(0).records.bytes, error);
    if (!view) return id;
    id.producerId = view->producerId();
    id.producerEpoch = view->producerEpoch();
    id.baseSequence = view->baseSequence();
    id.records = view->recordsCount();
    return id;
  }
};

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

TEST_F(SenderIdempotenceTest, RetryCarriesTheSameSequenceAndAFinalFailureAsksForANewId) {
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

  // A final failure: the sequence may have a gap now, so later batches go under a new id.
  answerProduce(1, produce->first, kOutOfOrder);
  EXPECT_EQ(outcomes[r].error, make_error_code(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
  runOnce();
  EXPECT_FALSE(pendingProduce(1)) << "no Produce while the new id is pending";
  ASSERT_TRUE(answerInitProducerId(8, 0));
  send("t", "c");
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  const auto next = identityOf(produce->second);
  EXPECT_EQ(next.producerId, 8);
  EXPECT_EQ(next.baseSequence, 0) << "a new id starts at sequence 0";
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

}  // namespace
}  // namespace kafkalite::client::testing
