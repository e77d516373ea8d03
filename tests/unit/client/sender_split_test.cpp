// MESSAGE_TOO_LARGE: the broker's limit is below the producer's message.max.bytes. As
// Java's Sender (splitAndReenqueue), a batch of several records is split in two and both
// halves go again at once; only a single record that still does not fit fails. Stepped by
// hand with the mock clock.
#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/idempotence_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kTooLarge = static_cast<int16_t>(ErrorCode::MESSAGE_TOO_LARGE);

class SenderSplitTest : public IdempotenceFixture {
 protected:
  SenderSplitTest() {
    config.enableIdempotence = false;
    config.requestRequiredAcks = 1;
    config.queueBufferingMaxMs = 1000;
    config.batchNumMessages = 4;
  }
};

TEST_F(SenderSplitTest, ABatchRefusedAsTooLargeIsSplitAndEveryRecordDelivered) {
  start();
  std::vector<std::size_t> records;
  for (int i = 0; i < 4; ++i) records.push_back(send("t", std::string(100, static_cast<char>('a' + i))));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  ASSERT_EQ(valuesOf(produce->second)[std::make_pair(std::string("t"), 0)].size(), 4u);
  answerProduce(1, produce->first, kTooLarge);
  for (const std::size_t r : records) EXPECT_EQ(outcomes[r].calls, 0) << "not failed: split and sent again";
  runOnce();  // both halves, at once (no backoff: nothing is wrong with the leader)
  const auto produces = broker(1)->requests(protocol::ApiKey::Produce);
  ASSERT_EQ(produces.size(), 3u);
  const auto firstHalf = broker(1)->sent()[produces[1]].decode<protocol::ProduceRequest>();
  const auto secondHalf = broker(1)->sent()[produces[2]].decode<protocol::ProduceRequest>();
  EXPECT_EQ(valuesOf(firstHalf)[std::make_pair(std::string("t"), 0)],
            (std::vector<std::string>{std::string(100, 'a'), std::string(100, 'b')}));
  EXPECT_EQ(valuesOf(secondHalf)[std::make_pair(std::string("t"), 0)],
            (std::vector<std::string>{std::string(100, 'c'), std::string(100, 'd')}));
  answerProduce(1, produces[1], kNone, 20);
  answerProduce(1, produces[2], kNone, 22);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(outcomes[records[i]].calls, 1);
    EXPECT_FALSE(outcomes[records[i]].error) << i;
    EXPECT_EQ(outcomes[records[i]].metadata.offset, static_cast<int64_t>(20 + i)) << "send order kept";
  }
}

TEST_F(SenderSplitTest, ASingleRecordThatIsStillTooLargeFailsAlone) {
  config.batchNumMessages = 2;
  start();
  const std::size_t small = send("t", "small");
  const std::size_t large = send("t", std::string(500, 'x'));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kTooLarge);
  runOnce();
  const auto produces = broker(1)->requests(protocol::ApiKey::Produce);
  ASSERT_EQ(produces.size(), 3u);
  answerProduce(1, produces[1], kNone, 5);
  answerProduce(1, produces[2], kTooLarge);
  EXPECT_FALSE(outcomes[small].error);
  EXPECT_EQ(outcomes[small].metadata.offset, 5);
  EXPECT_EQ(outcomes[large].calls, 1);
  EXPECT_EQ(outcomes[large].error, make_error_code(ErrorCode::MESSAGE_TOO_LARGE));
}

// Idempotence: the halves take over the refused batch's sequence range, so no gap opens
// and no epoch bump is needed; they go one at a time (one batch per partition in flight).
TEST_F(SenderSplitTest, IdempotentHalvesKeepTheSequenceRange) {
  config.enableIdempotence = true;
  config.requestRequiredAcks = -1;
  start();
  std::vector<std::size_t> records;
  for (int i = 0; i < 4; ++i) records.push_back(send("t", std::to_string(i)));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(3, 0));
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).baseSequence, 0);
  answerProduce(1, produce->first, kTooLarge);
  runOnce();
  EXPECT_FALSE(pendingInitProducerId()) << "no gap, no bump";
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  auto id = identityOf(produce->second);
  EXPECT_EQ(id.baseSequence, 0);
  EXPECT_EQ(id.records, 2);
  answerProduce(1, produce->first, kNone, 0);
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  id = identityOf(produce->second);
  EXPECT_EQ(id.producerId, 3);
  EXPECT_EQ(id.baseSequence, 2);
  EXPECT_EQ(id.records, 2);
  answerProduce(1, produce->first, kNone, 2);
  for (const std::size_t r : records) EXPECT_FALSE(outcomes[r].error);
  send("t", "next");
  clock.advance(1000);  // linger
  runOnce();
  produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  EXPECT_EQ(identityOf(produce->second).baseSequence, 4) << "the partition's sequence goes on after the range";
}

}  // namespace
}  // namespace kafkalite::client::testing
