// OffsetForLeaderEpoch (KIP-320) against the in-process cluster: the leader answers from its
// leader-epoch cache where each epoch ends (Kafka's LeaderEpochFileCache.endOffsetFor, with the
// leader's own epoch starting at its LEO), fences stale and future current_leader_epoch, and
// refuses on followers. After an unclean election the new leader's answer for the epoch a
// consumer read in is below the consumer's position: the truncation a consumer detects.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using EpochEndOffset = protocol::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult::EpochEndOffset;

EpochEndOffset endOffsetFor(KafkaTestClient& c, const std::string& topic, int32_t partition, int32_t leaderEpoch,
                            int32_t currentLeaderEpoch = -1, int16_t version = 4) {
  protocol::OffsetForLeaderEpochRequest req;
  req.replicaId = -1;  // a consumer
  req.topics = {{topic, {{partition, currentLeaderEpoch, leaderEpoch, {}}}, {}}};
  const auto reply = c.roundTrip(req, version);
  EXPECT_TRUE(reply.ok()) << reply.error;
  if (!reply.ok() || reply.body.topics.empty() || reply.body.topics[0].partitions.empty()) return {};
  return reply.body.topics[0].partitions[0];
}

void produceTo(MockCluster& cluster, const std::string& topic, const std::vector<std::string>& values, int16_t acks) {
  const int32_t leader = cluster.partition(topic, 0).leader;
  auto client = connectTo(cluster, leader);
  const auto batch = makeValueBatch(values);
  const auto r = produce(*client, topic, 0, batch, acks);
  ASSERT_TRUE(r.answered() && r.errorCode == 0) << describe(r);
}

TEST(OffsetForLeaderEpoch, EachEpochEndsWhereTheNextStartsAndTheCurrentOneAtTheLogEnd) {
  MockClusterOptions o;
  o.brokers = 3;
  o.topics = {TopicSpec{"e", 1, 3, std::nullopt}};
  MockCluster cluster(o);
  produceTo(cluster, "e", {"a", "b", "c"}, -1);  // offsets 0-2 in epoch 0
  const auto v0 = cluster.partition("e", 0);
  cluster.moveLeader("e", 0, followersOf(v0)[0]);  // epoch 1
  produceTo(cluster, "e", {"d", "e"}, -1);         // offsets 3-4 in epoch 1
  const auto v1 = cluster.partition("e", 0);
  ASSERT_EQ(v1.leaderEpoch, 1);
  auto leader = connectTo(cluster, v1.leader);

  for (int16_t version : {2, 3, 4}) {
    const auto e0 = endOffsetFor(*leader, "e", 0, 0, -1, version);
    EXPECT_EQ(errName(e0.errorCode), "NONE") << "v" << version;
    EXPECT_EQ(e0.leaderEpoch, 0);
    EXPECT_EQ(e0.endOffset, 3) << "epoch 0 ends where epoch 1 starts";
  }
  const auto e1 = endOffsetFor(*leader, "e", 0, 1, 1);
  EXPECT_EQ(e1.leaderEpoch, 1);
  EXPECT_EQ(e1.endOffset, 5) << "the current epoch ends at the LEO";
  const auto future = endOffsetFor(*leader, "e", 0, 7);
  EXPECT_EQ(future.leaderEpoch, -1);
  EXPECT_EQ(future.endOffset, -1);

  // A leader change without writes: epoch 1 now ends at the LEO, where epoch 2 starts.
  cluster.moveLeader("e", 0, v0.leader);
  const auto v2 = cluster.partition("e", 0);
  auto leader2 = connectTo(cluster, v2.leader);
  const auto after = endOffsetFor(*leader2, "e", 0, 1, v2.leaderEpoch);
  EXPECT_EQ(after.leaderEpoch, 1);
  EXPECT_EQ(after.endOffset, 5);
  const auto current = endOffsetFor(*leader2, "e", 0, v2.leaderEpoch, v2.leaderEpoch);
  EXPECT_EQ(current.leaderEpoch, v2.leaderEpoch);
  EXPECT_EQ(current.endOffset, 5);

  // Fencing (spec 2.7) and where it is asked.
  EXPECT_EQ(errName(endOffsetFor(*leader2, "e", 0, 1, v2.leaderEpoch - 1).errorCode), "FENCED_LEADER_EPOCH");
  EXPECT_EQ(errName(endOffsetFor(*leader2, "e", 0, 1, v2.leaderEpoch + 1).errorCode), "UNKNOWN_LEADER_EPOCH");
  auto follower = connectTo(cluster, followersOf(v2)[0]);
  EXPECT_EQ(errName(endOffsetFor(*follower, "e", 0, 1).errorCode), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(errName(endOffsetFor(*leader2, "no-such-topic", 0, 0).errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
}

// KIP-320's reason to exist: an unclean election loses records a consumer may have read. The
// consumer read offsets 0-9 in epoch e; the new leader has only 0-4, so its answer for epoch e
// (end offset 5) is below the consumer's position 10.
TEST(OffsetForLeaderEpoch, AfterAnUncleanElectionTheAnswerRevealsTheTruncation) {
  MockClusterOptions o;
  o.brokers = 2;
  o.autoCreateTopics = false;
  o.replicaLagTimeMaxMs = 300;
  o.uncleanLeaderElection = true;
  o.topics = {TopicSpec{"u", 1, 2, std::nullopt}};
  MockCluster cluster(o);
  produceTo(cluster, "u", numberedValues("in-sync", 5), -1);
  const auto before = cluster.partition("u", 0);
  const int32_t follower = followersOf(before)[0];
  cluster.stallFollower(follower);
  produceTo(cluster, "u", numberedValues("leader-only", 5), 1);  // offsets 5-9: the consumer reads them
  // The stalled follower falls out of the ISR (spec 3.3), and the HW reaches 10.
  ASSERT_TRUE(waitUntil([&] {
    const auto v = cluster.partition("u", 0);
    return v.isr == std::vector<int32_t>{before.leader} && replicaOf(v, before.leader).highWatermark == 10;
  })) << describe(cluster.partition("u", 0));

  cluster.stopBroker(before.leader, StopMode::Hard);
  cluster.stallFollower(follower, false);
  ASSERT_TRUE(waitUntil([&] { return cluster.partition("u", 0).leader == follower; }));
  auto newLeader = connectTo(cluster, follower);
  const auto answer = endOffsetFor(*newLeader, "u", 0, before.leaderEpoch, cluster.partition("u", 0).leaderEpoch);
  EXPECT_EQ(errName(answer.errorCode), "NONE");
  EXPECT_EQ(answer.leaderEpoch, before.leaderEpoch);
  EXPECT_EQ(answer.endOffset, 5) << "below the consumer's position 10: truncation detected";
}

}  // namespace
}  // namespace kafkalite::testing
