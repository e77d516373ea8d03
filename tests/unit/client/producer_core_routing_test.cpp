// ProducerCore's routing cache (the previous record's topic, its queues and partitioner):
// records of two topics interleaved, one of them released from waiting for metadata, each
// land in their own topic's queues. (The fast path also asserts its invariant in Debug
// builds.)
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

}  // namespace
}  // namespace kafkalite::client::testing
