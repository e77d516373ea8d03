// ProducerCore's routing: the routing cache (the previous record's topic, its queues and
// partitioner) with records of two topics interleaved, one of them released from waiting
// for metadata (the fast path also asserts its invariant in Debug builds); a partition the
// cached metadata lacks waits for a fresh answer (the topic may have grown); topics unused
// for metadata.max.idle.ms leave the Metadata requests.
#include <gtest/gtest.h>

#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

class ProducerCoreRoutingTest : public CoreFixture {
 protected:
  ProducerCoreRoutingTest() { config.queueBufferingMaxMs = 60000; }  // nothing leaves the queues

  int32_t queuedRecords(const std::string& topic) {
    int32_t n = 0;
    for (const auto& pq : core->accumulator().topic(topic).partitions)
      for (const ProducerBatch* b : pq.batches) n += b->recordCount();
    return n;
  }
};

TEST_F(ProducerCoreRoutingTest, CachedTopicAfterARecordReleasedFromWaiting) {
  start();
  send("t", "t1");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));  // "t" is routed and cached
  send("t", "t2");
  send("u", "u1");  // unknown: waits for metadata
  answerMetadata(metadataResponse(1, {{"t", {1}}, {"u", {1}}}));  // "u1" is routed now
  send("t", "t3");  // the cache still says "t", but the last queues used were "u"'s
  EXPECT_EQ(queuedRecords("t"), 3);
  EXPECT_EQ(queuedRecords("u"), 1);
}

// Java's waitOnMetadata: a record for a partition at or above the cached count refreshes
// the metadata first; it fails only if the fresh answer still has no such partition.
TEST_F(ProducerCoreRoutingTest, APartitionBeyondTheCachedCountWaitsForAFreshAnswer) {
  start();
  send("t", "first", 0);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));  // one partition, cached
  const std::size_t metadataBefore = metadataCount();
  const std::size_t grown = send("t", "to-2", 2);
  const std::size_t after = send("t", "after", 0);  // queues behind it: order is kept
  EXPECT_EQ(outcomes[grown].calls, 0) << "not failed on the cached count";
  EXPECT_EQ(queuedRecords("t"), 1);
  answerMetadata(metadataResponse(1, {{"t", {1, 1, 1}}}));  // the topic grew to 3
  EXPECT_EQ(metadataCount(), metadataBefore + 1) << "a refresh was asked for at once";
  EXPECT_EQ(outcomes[grown].calls, 0);
  EXPECT_EQ(queuedRecords("t"), 3);
  EXPECT_EQ(core->accumulator().topic("t").partitions.at(2).batches.size(), 1u);
  EXPECT_EQ(outcomes[after].calls, 0);
}

TEST_F(ProducerCoreRoutingTest, APartitionStillMissingAfterTheRefreshFails) {
  start();
  send("t", "first", 0);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  const std::size_t missing = send("t", "to-5", 5);
  const std::size_t after = send("t", "after", 0);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  EXPECT_EQ(outcomes[missing].calls, 1);
  EXPECT_EQ(outcomes[missing].error, make_error_code(ClientError::UnknownPartition));
  EXPECT_EQ(outcomes[after].calls, 0);
  EXPECT_EQ(queuedRecords("t"), 2) << "the next record of the topic goes on";
}

// An answer to a request sent before the record waited does not decide it.
TEST_F(ProducerCoreRoutingTest, AnAnswerRequestedBeforeTheRecordWaitedDoesNotCount) {
  start();
  send("t", "first", 0);
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  core->metadata().requestUpdate(0);
  runOnce();  // a refresh is out
  const std::size_t grown = send("t", "to-1", 1);
  // Answer the refresh that was already out: it predates the record.
  forEachConnection([&](MockConnection& c) {
    if (const auto i = c.pending(protocol::ApiKey::Metadata)) {
      c.respond(*i, encodeBody(metadataResponse(1, {{"t", {1}}}), c.sent()[*i].header.apiVersion));
    }
  });
  EXPECT_EQ(outcomes[grown].calls, 0) << "it waits for an answer asked for after it";
  answerMetadata(metadataResponse(1, {{"t", {1, 1}}}));
  EXPECT_EQ(outcomes[grown].calls, 0);
  EXPECT_EQ(core->accumulator().topic("t").partitions.at(1).batches.size(), 1u);
}

// Java's metadata.max.idle.ms: the set of topics in Metadata requests shrinks again.
TEST_F(ProducerCoreRoutingTest, TopicsUnusedForMetadataMaxIdleLeaveTheMetadataRequests) {
  config.queueBufferingMaxMs = 0;
  config.metadataMaxIdleMs = 5000;
  start();
  const std::size_t a = send("old", "a");
  send("kept", "k");
  answerMetadata(metadataResponse(1, {{"old", {1}}, {"kept", {1}}}));
  runOnce();
  answerProduce(1, pendingProduce(1)->first, 0);
  ASSERT_EQ(outcomes[a].calls, 1);
  clock.advance(4000);
  send("kept", "k2");  // still in use
  runOnce();
  answerProduce(1, pendingProduce(1)->first, 0);
  clock.advance(1000);
  core->housekeeping(clock.peekMs());
  EXPECT_EQ(core->metadata().topics(), (std::set<std::string>{"kept"}));
  EXPECT_EQ(core->metadata().topic("old"), nullptr);
  core->metadata().requestUpdate(0);
  runOnce();
  bool asked = false;
  forEachConnection([&](MockConnection& c) {
    if (const auto i = c.pending(protocol::ApiKey::Metadata)) {
      const auto request = c.sent()[*i].decode<protocol::MetadataRequest>();
      ASSERT_TRUE(request.topics);
      ASSERT_EQ(request.topics->size(), 1u);
      EXPECT_EQ(request.topics->at(0).name, "kept");
      asked = true;
    }
  });
  EXPECT_TRUE(asked);
  // Sending to it again brings it back.
  const std::size_t again = send("old", "b");
  answerMetadata(metadataResponse(1, {{"old", {1}}, {"kept", {1}}}));
  runOnce();
  answerProduce(1, pendingProduce(1)->first, 0, 1);
  EXPECT_FALSE(outcomes[again].error);
}

}  // namespace
}  // namespace kafkalite::client::testing
