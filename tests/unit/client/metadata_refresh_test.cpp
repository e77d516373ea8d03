// topic.metadata.refresh.interval.ms (spec 7.3): positive = periodic, 0 = before every
// send pass, negative = only after failures; plus the MetadataCache bookkeeping. Where
// "no Metadata request" is the point, it is an EXPECT_CALL(send(IsApiKey(Metadata)...))
// with Times(0) on every connection.

#include "client/metadata_cache.hpp"

#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::Mock;

constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);

class MetadataRefreshTest : public CoreFixture {
 protected:
  MetadataRefreshTest() { config.queueBufferingMaxMs = 0; }

  void startWithTopic() {
    start();
    send("t", "first");
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
    runOnce();
    answerProduce(1, pendingProduce(1)->first, 0);
  }

  /// From now on, until cleared, no connection may carry a Metadata request.
  void expectNoMetadataRequest() {
    forEachConnection([](MockConnection& c) {
      EXPECT_CALL(c, send(_, _, _)).Times(AnyNumber());
      EXPECT_CALL(c, send(IsApiKey(protocol::ApiKey::Metadata), _, _)).Times(0);
    });
  }
  /// Verifies and drops the expectations set on the connections.
  void verifyConnections() {
    forEachConnection([](MockConnection& c) { EXPECT_TRUE(Mock::VerifyAndClearExpectations(&c)); });
  }
};

TEST_F(MetadataRefreshTest, PositiveIntervalRefreshesPeriodically) {
  config.topicMetadataRefreshIntervalMs = 5000;
  startWithTopic();
  const std::size_t before = metadataCount();
  const int64_t refreshedAt = clock.peekMs();
  EXPECT_EQ(runOnce(), refreshedAt + 5000) << "the Sender wakes up for the refresh";
  clock.set(refreshedAt + 4999);
  runOnce();
  EXPECT_EQ(metadataCount(), before);
  clock.set(refreshedAt + 5000);
  runOnce();
  EXPECT_EQ(metadataCount(), before + 1);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  clock.advance(5000);
  runOnce();
  EXPECT_EQ(metadataCount(), before + 2) << "and again one interval after that answer";
}

TEST_F(MetadataRefreshTest, ZeroIntervalRefreshesBeforeEverySendPass) {
  config.topicMetadataRefreshIntervalMs = 0;
  startWithTopic();
  for (int pass = 0; pass < 3; ++pass) {
    const std::size_t metadataBefore = metadataCount();
    const std::size_t produceBefore = produceCount(1);
    send("t", "v" + std::to_string(pass));
    runOnce();
    EXPECT_EQ(metadataCount(), metadataBefore + 1) << "pass " << pass << ": metadata first";
    EXPECT_EQ(produceCount(1), produceBefore) << "pass " << pass << ": no produce before the answer";
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
    runOnce();
    ASSERT_EQ(produceCount(1), produceBefore + 1) << "pass " << pass;
    answerProduce(1, pendingProduce(1)->first, 0);
  }
}

TEST_F(MetadataRefreshTest, ZeroIntervalDoesNotRefreshWhileIdle) {
  config.topicMetadataRefreshIntervalMs = 0;
  startWithTopic();
  expectNoMetadataRequest();
  EXPECT_EQ(runOnce(), INT64_MAX) << "nothing to send, nothing to refresh";
  clock.advance(3'600'000);
  runOnce();
}

TEST_F(MetadataRefreshTest, NegativeIntervalRefreshesOnlyAfterFailures) {
  config.topicMetadataRefreshIntervalMs = -1;
  startWithTopic();
  expectNoMetadataRequest();
  EXPECT_EQ(runOnce(), INT64_MAX) << "no periodic refresh to wake up for";
  clock.advance(3'600'000);
  runOnce();
  send("t", "v");
  runOnce();  // a successful send does not refresh either
  answerProduce(1, pendingProduce(1)->first, 0);
  send("t", "v");
  runOnce();
  answerProduce(1, pendingProduce(1)->first, kNotLeader);
  clock.advance(99);
  runOnce();
  verifyConnections();
  // A failure refreshes after retry.backoff.ms (spec 7.2): exactly one request.
  forEachConnection([](MockConnection& c) {
    EXPECT_CALL(c, send(_, _, _)).Times(AnyNumber());
    EXPECT_CALL(c, send(IsApiKey(protocol::ApiKey::Metadata), true, _)).Times(::testing::AtMost(1));
  });
  const std::size_t before = metadataCount();
  clock.advance(1);
  runOnce();
  runOnce();
  EXPECT_EQ(metadataCount(), before + 1);
}

TEST_F(MetadataRefreshTest, NewTopicIsAskedForAtOnce) {
  config.topicMetadataRefreshIntervalMs = -1;
  startWithTopic();
  const std::size_t before = metadataCount();
  send("u", "v");
  runOnce();
  ASSERT_EQ(metadataCount(), before + 1);
  MockConnection* c = broker(1);
  const auto request = c->sent()[*c->pending(protocol::ApiKey::Metadata)].decode<protocol::MetadataRequest>();
  ASSERT_TRUE(request.topics);
  std::vector<std::string> names;
  for (const auto& t : *request.topics) names.push_back(*t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"t", "u"}));
}

TEST_F(MetadataRefreshTest, UnansweredMetadataRequestTimesOut) {
  start();
  const std::size_t r = send("t", "v");
  runOnce();
  ASSERT_EQ(metadataCount(), 1u);
  EXPECT_CALL(*bootstrap(), close()).Times(1);
  clock.advance(1499);
  runOnce();
  EXPECT_EQ(metadataCount(), 1u);
  clock.advance(1);
  runOnce();
  ASSERT_TRUE(Mock::VerifyAndClearExpectations(bootstrap()));
  EXPECT_EQ(outcomes[r].calls, 0) << "one failed attempt of 4";
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  EXPECT_TRUE(pendingProduce(1));
}

TEST(MetadataCacheTest, StoresLeadersAndBrokers) {
  MetadataCache cache(300000);
  cache.addTopic("t");
  EXPECT_EQ(cache.nextUpdateMs(50), 0) << "a new topic is due at once";
  cache.update(metadataResponse(2, {{"t", {2, -1}}}), 100);
  EXPECT_EQ(cache.leaderFor("t", 0), 2);
  EXPECT_EQ(cache.leaderFor("t", 1), -1);
  EXPECT_EQ(cache.leaderFor("t", 2), -1);
  EXPECT_EQ(cache.leaderFor("u", 0), -1);
  ASSERT_NE(cache.broker(2), nullptr);
  EXPECT_EQ(cache.broker(2)->port, 9092);
  EXPECT_EQ(cache.version(), 1u);
  EXPECT_EQ(cache.nextUpdateMs(200), 300100);
  cache.requestUpdate(250);
  EXPECT_EQ(cache.nextUpdateMs(200), 250);
  cache.updateFailed(300, 100);
  EXPECT_EQ(cache.nextUpdateMs(300), 400);
  EXPECT_EQ(cache.refreshAttempts(), 2u);
}

// Found by the response_decoders fuzz target: a topic listed with two partitions, one of them
// numbered 6400 (or INT32_MAX), made the cache hold 6401 partitions (or overflow). Kafka
// numbers a topic's partitions 0..n-1 and lists them all, so the cache keeps what was listed.
TEST(MetadataCacheTest, PartitionIndexBeyondThoseListedIsIgnored) {
  MetadataCache cache(300000);
  auto response = metadataResponse(1, {{"t", {1, 1}}});
  auto& partitions = response.topics.front().partitions;
  partitions[1].partitionIndex = 6400;
  cache.update(response, 100);
  ASSERT_NE(cache.topic("t"), nullptr);
  EXPECT_EQ(cache.topic("t")->partitions.size(), 1u);
  EXPECT_EQ(cache.leaderFor("t", 0), 1);
  EXPECT_EQ(cache.leaderFor("t", 6400), -1);

  partitions[1].partitionIndex = INT32_MAX;
  partitions[0].partitionIndex = 1;
  cache.update(response, 200);
  EXPECT_EQ(cache.topic("t")->partitions.size(), 2u);
  EXPECT_EQ(cache.leaderFor("t", 0), -1) << "not described: no leader";
  EXPECT_EQ(cache.leaderFor("t", 1), 1);
}

}  // namespace
}  // namespace kafkalite::client::testing
