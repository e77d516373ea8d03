// Answers are read before requests are expired (defect: an I/O thread held up by a slow
// callback expired requests whose answers sat unread in the socket, and the retries wrote
// the batches twice). Java's NetworkClient.poll handles completed receives before timed-out
// requests; the Sender asks each connection with an expired request to deliver what it has
// received first. Stepped by hand: FakeConnection::arrive() leaves an answer unread.
#include "client/sender.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

constexpr int16_t kNone = 0;

class SenderTimeoutOrderTest : public CoreFixture {
 protected:
  SenderTimeoutOrderTest() {
    config.queueBufferingMaxMs = 0;
    config.batchNumMessages = 1;
  }

  /// Leaves the answer to Produce request `i` of broker 1 unread in its connection.
  void arriveProduce(std::size_t i, int64_t base) {
    MockConnection* c = broker(1);
    const auto request = c->sent()[i].decode<protocol::ProduceRequest>();
    std::map<std::pair<std::string, int32_t>, int64_t> offsets;
    for (const auto& t : request.topicData)
      for (const auto& p : t.partitionData) offsets[{t.name, p.index}] = base;
    c->arrive(i, encodeBody(produceResponse(request, kNone, offsets), c->sent()[i].header.apiVersion));
  }
};

TEST_F(SenderTimeoutOrderTest, AnswersThatHaveArrivedAreReadBeforeAnythingExpires) {
  start();
  std::vector<std::size_t> records;
  for (int i = 0; i < 3; ++i) records.push_back(send("t", "v" + std::to_string(i)));
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  MockConnection* c = broker(1);
  ASSERT_NE(c, nullptr);
  const auto produces = c->requests(protocol::ApiKey::Produce);
  ASSERT_EQ(produces.size(), 3u) << "three requests in flight on one connection";
  // Every answer arrives in time, but the I/O thread is busy (a slow callback) until well
  // past request.timeout.ms.
  for (std::size_t i = 0; i < produces.size(); ++i) arriveProduce(produces[i], static_cast<int64_t>(10 * i));
  EXPECT_CALL(*c, close()).Times(0);
  clock.advance(5000);
  runOnce();
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(outcomes[records[i]].calls, 1) << i;
    EXPECT_FALSE(outcomes[records[i]].error) << i << ": " << outcomes[records[i]].error.message();
    EXPECT_EQ(outcomes[records[i]].metadata.offset, static_cast<int64_t>(10 * i));
  }
  clock.advance(1000);
  runOnce();
  EXPECT_EQ(produceCount(1), 3u) << "nothing was retried (a retry here would write the records twice)";
}

TEST_F(SenderTimeoutOrderTest, ARequestWhoseAnswerHasNotArrivedStillTimesOut) {
  start();
  const std::size_t first = send("t", "a");
  const std::size_t second = send("t", "b");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto produces = broker(1)->requests(protocol::ApiKey::Produce);
  ASSERT_EQ(produces.size(), 2u);
  arriveProduce(produces[0], 0);  // only the first answer arrived
  EXPECT_CALL(*broker(1), close()).Times(1);
  clock.advance(1500);
  runOnce();
  EXPECT_FALSE(outcomes[first].error);
  EXPECT_EQ(outcomes[first].calls, 1);
  EXPECT_EQ(outcomes[second].calls, 0) << "REQUEST_TIMED_OUT: retried";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  const auto retry = pendingProduce(1);
  ASSERT_TRUE(retry);
  EXPECT_THAT(valuesOf(retry->second)[std::make_pair(std::string("t"), 0)], ::testing::ElementsAre("b"));
}

}  // namespace
}  // namespace kafkalite::client::testing
