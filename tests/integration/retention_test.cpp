// Retention never deletes what the high watermark has not passed (issue 11): Kafka deletes
// a segment only once the HW is at or past its end (UnifiedLog.deletableSegments), so the log
// start never moves above the HW, and records acknowledged later are still there for the
// followers and consumers that have not read them yet.

#include <gtest/gtest.h>

#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// Issue 11's reproduction: --retention-bytes 300, 2 brokers, the follower stalled, 8
// acks=all sends. The leader used to delete the oldest batches at once, moving its log
// start past its HW of 0: the follower then restarted at that log start and consumers from
// offset 0 got OFFSET_OUT_OF_RANGE for records acknowledged afterwards.
TEST(Retention, Issue11_LogStartNeverPassesTheHighWatermark) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  options.retentionBytes = 300;
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  const int32_t leader = view.leader;
  const int32_t follower = followersOf(view)[0];
  cluster.stallFollower(follower);

  // Eight acks=all produces, each on its own connection (one request per connection at a
  // time), all held: the stalled follower is still in the ISR.
  std::vector<std::unique_ptr<KafkaTestClient>> clients;
  std::vector<int32_t> ids;
  std::vector<std::vector<uint8_t>> batches;
  for (int i = 0; i < 8; ++i) batches.push_back(makeValueBatch({"record-" + std::to_string(i)}));
  for (int i = 0; i < 8; ++i) {
    clients.push_back(connectTo(cluster, leader));
    ids.push_back(clients.back()->send(produceRequest("t", 0, batches[static_cast<std::size_t>(i)], -1, 60000), 7));
    ASSERT_GE(ids.back(), 0);
  }
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("t", 0), leader).logEndOffset == 8; }));
  const auto held = replicaOf(cluster.partition("t", 0), leader);
  EXPECT_EQ(held.highWatermark, 0);
  EXPECT_LE(held.logStartOffset, held.highWatermark) << describe(cluster.partition("t", 0));

  // A consumer that starts at 0 is in range.
  auto consumer = connectTo(cluster, leader);
  const auto early = consumer->roundTrip(fetchRequest("t", 0, 0, 0, 1), 11);
  ASSERT_TRUE(early.ok()) << early.error;
  EXPECT_EQ(errName(findPartition(early.body, "t", 0)->errorCode), "NONE");

  // The follower resumes from offset 0 and gets every record; all eight are acknowledged.
  cluster.stallFollower(follower, false);
  for (int i = 0; i < 8; ++i) {
    const auto out = receiveProduce(*clients[static_cast<std::size_t>(i)], ids[static_cast<std::size_t>(i)], "t", 0, 7,
                                    scaledTimeout(30s));
    EXPECT_EQ(out.error(), ErrorCode::NONE) << i << ": " << describe(out);
    EXPECT_EQ(out.baseOffset, i);
  }
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  // Now that the HW has passed them, retention may delete the oldest, on both replicas alike.
  const auto after = cluster.partition("t", 0);
  EXPECT_GT(replicaOf(after, leader).logStartOffset, 0) << describe(after);
  EXPECT_EQ(replicaOf(after, follower).logStartOffset, replicaOf(after, leader).logStartOffset) << describe(after);
  for (const auto& r : after.replicaStates) EXPECT_LE(r.logStartOffset, r.highWatermark) << describe(after);
}

}  // namespace
}  // namespace kafkalite::testing
