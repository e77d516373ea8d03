// One request per connection at a time, as Kafka's SocketServer handles them: once a
// request is read the channel is muted, and the next request is read only after the
// response was sent (Processor.processCompletedReceives / processCompletedSends). A client
// that pipelines is answered in order and slowed down, never disconnected (issue 11:
// pipelined requests ran concurrently; issue 19: a deep pipeline reset the connection).

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// Issue 11: with a stalled follower, 8 pipelined acks=all produces put 9 entries in the
// leader's log where Kafka appends only the first: the others are not read while it waits.
TEST(RequestOrder, Issue11_PipelinedAcksAllProducesAreReadOneAtATime) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  cluster.stallFollower(followersOf(view)[0]);

  auto pipelined = connectTo(cluster, view.leader);
  std::vector<uint8_t> frames;
  std::vector<std::vector<uint8_t>> batches;
  for (int i = 0; i < 8; ++i) batches.push_back(makeValueBatch({"pipelined-" + std::to_string(i)}));
  for (const auto& b : batches) ASSERT_TRUE(pipelined->encodeFrame(produceRequest("t", 0, b, -1, 60000), 7, frames));
  ASSERT_TRUE(pipelined->sendRaw(frames));

  // Another client's acks=1 produce goes through; by its answer the pipelining connection
  // has had every chance to be read, and at most its first request may have been.
  auto other = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch({"other"});
  const auto out = produce(*other, "t", 0, batch, 1);
  ASSERT_EQ(out.error(), ErrorCode::NONE) << describe(out);
  const int64_t leo = replicaOf(cluster.partition("t", 0), view.leader).logEndOffset;
  EXPECT_LE(leo, 2) << "the pipelined requests after the first must wait until it is answered";
  EXPECT_FALSE(pipelined->responsePending()) << "the first is still waiting for the stalled follower";
}

// Issue 11 / spec 1.9: an acks=0 produce with an error closes the connection; the acks=0
// produce pipelined behind it on that connection is never read, so never appended. A
// Metadata request answered after an injected delay goes first, so that a broker reading
// ahead would have handled both produces long before the connection closed.
TEST(RequestOrder, Issue11_NothingPipelinedBehindAClosingErrorIsAppended) {
  MockClusterOptions options;
  options.autoCreateTopics = false;
  options.topics = {{"t", 1, 1, std::nullopt}};
  MockCluster cluster(options);
  cluster.pushRequestErrors(3, {ErrorCode::NONE}, -1, 300ms);  // the next Metadata waits 300 ms
  auto client = connectTo(cluster, 1);
  const auto toUnknown = makeValueBatch({"lost"});
  const auto behind = makeValueBatch({"behind"});
  std::vector<uint8_t> frames;
  const int32_t metadataId = client->nextCorrelationId();
  ASSERT_TRUE(client->encodeFrame(metadataRequest(std::vector<std::string>{"t"}), 1, frames));
  ASSERT_TRUE(client->encodeFrame(produceRequest("unknown", 0, toUnknown, 0), 7, frames));
  ASSERT_TRUE(client->encodeFrame(produceRequest("t", 0, behind, 0), 7, frames));
  ASSERT_TRUE(client->sendRaw(frames));
  const auto metadata = client->receive<protocol::MetadataResponse>(metadataId, 1);
  ASSERT_TRUE(metadata.ok()) << metadata.error;
  ASSERT_TRUE(client->waitClosed(scaledTimeout(10s)));

  // Whatever the broker still had to do with that connection is done by the time another
  // client's request on the same broker is answered.
  auto other = connectTo(cluster, 1);
  const auto out = produce(*other, "t", 0, makeValueBatch({"after"}), 1);
  ASSERT_EQ(out.error(), ErrorCode::NONE) << describe(out);
  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), (std::vector<std::string>{"after"}));
}

// Pipelined requests of every kind are still all answered, in order.
TEST(RequestOrder, PipelinedRequestsAreAnsweredInOrder) {
  MockClusterOptions options;
  options.topics = {{"t", 1, 1, std::nullopt}};
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  std::vector<uint8_t> frames;
  std::vector<std::vector<uint8_t>> batches;
  for (int i = 0; i < 50; ++i) batches.push_back(makeValueBatch({"v" + std::to_string(i)}));
  std::vector<int32_t> ids;
  for (int i = 0; i < 50; ++i) {
    ids.push_back(client->nextCorrelationId());
    if (i % 5 == 4) {
      ASSERT_TRUE(client->encodeFrame(metadataRequest(std::vector<std::string>{"t"}), 9, frames));
    } else {
      ASSERT_TRUE(client->encodeFrame(produceRequest("t", 0, batches[static_cast<std::size_t>(i)], 1), 7, frames));
    }
  }
  ASSERT_TRUE(client->sendRaw(frames));
  int64_t expectedOffset = 0;
  for (int i = 0; i < 50; ++i) {
    if (i % 5 == 4) {
      const auto reply = client->receive<protocol::MetadataResponse>(ids[static_cast<std::size_t>(i)], 9);
      ASSERT_TRUE(reply.ok()) << i << ": " << reply.error;
    } else {
      const auto out = receiveProduce(*client, ids[static_cast<std::size_t>(i)], "t", 0);
      ASSERT_EQ(out.error(), ErrorCode::NONE) << i << ": " << describe(out);
      EXPECT_EQ(out.baseOffset, expectedOffset++);
    }
  }
}

}  // namespace
}  // namespace kafkalite::testing
