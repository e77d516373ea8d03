// acks=-1 and replication across three in-process brokers (broker-spec.md sections 1.2,
// 1.5-1.8, 2.2-2.5 and 3): when a DelayedProduce completes and with which error, how a
// stalled follower holds it until the ISR shrinks, and what min.insync.replicas does.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

MockClusterOptions threeBrokers(std::optional<int32_t> topicMinIsr = std::nullopt, int64_t lagMs = 30000) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.replicaLagTimeMaxMs = lagMs;
  o.topics = {TopicSpec{"r", 1, 3, topicMinIsr}};
  return o;
}

// spec 1.5, 1.7(c), 2.2: acks=-1 is held while an ISR follower lacks the records (the
// HW cannot pass its LEO) and answered once the HW covers them; by then every ISR
// replica's log holds them. spec 2.5: the followers' HW follows the leader's.
TEST(Replication, AcksAllAnsweredOnlyOnceHwCoversRecords_Spec1_5_1_7c_2_2) {
  MockCluster cluster(threeBrokers());
  const auto view = cluster.partition("r", 0);
  ASSERT_EQ(view.isr.size(), 3u) << describe(view);
  const int32_t leader = view.leader;
  const auto followers = followersOf(view);
  const int32_t fast = followers[0];
  const int32_t slow = followers[1];
  cluster.stallFollower(slow);

  auto client = connectTo(cluster, leader);
  const auto values = numberedValues("all", 5);
  const auto batch = makeValueBatch(values);
  const int32_t id = client->send(produceRequest("r", 0, batch, -1, /*timeoutMs=*/60000), 7);
  ASSERT_GE(id, 0) << client->lastError();

  ASSERT_TRUE(waitUntil([&] { return cluster.records("r", 0, fast).size() == values.size(); }))
      << "the running follower never replicated: " << describe(cluster.partition("r", 0));
  // The stalled follower is still in the ISR and has not fetched the records: the HW
  // cannot cover them, so the produce must still be waiting.
  const auto held = cluster.partition("r", 0);
  EXPECT_TRUE(contains(held.isr, slow)) << describe(held);
  EXPECT_LT(replicaOf(held, leader).highWatermark, 5) << describe(held);
  EXPECT_FALSE(client->responsePending()) << "acks=-1 answered before the HW covered the records";

  cluster.stallFollower(slow, false);
  const auto r = receiveProduce(*client, id, "r", 0);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(r.baseOffset, 0);

  // Read right after the answer, without waiting: the HW covers the records, so every
  // in-sync replica must already hold them.
  const auto after = cluster.partition("r", 0);
  EXPECT_GE(replicaOf(after, leader).highWatermark, 5) << describe(after);
  for (int32_t b : after.isr) {
    EXPECT_EQ(storedValuesAt(cluster, "r", 0, b, 0, 5), values) << "replica on broker " << b;
  }
  EXPECT_EQ(after.isr.size(), 3u) << describe(after);

  // spec 2.5: followers take HW = min(leader HW, local LEO) from their next fetches.
  EXPECT_TRUE(waitFullyReplicated(cluster, "r", 0)) << describe(cluster.partition("r", 0));
  const auto leaderLog = cluster.records("r", 0, leader);
  for (int32_t f : followers) EXPECT_EQ(cluster.records("r", 0, f), leaderLog) << "replica on broker " << f;
  for (const auto& rec : leaderLog) EXPECT_EQ(rec.leaderEpoch, after.leaderEpoch);
}

// spec 3.3, 3.6: a stalled ISR follower holds every acks=-1 produce until the
// isr-expiration task removes it (after replica.lag.time.max.ms); the shrink recomputes
// the HW and completes the produce. spec 3.4: once the follower fetches again and
// reaches the HW it rejoins the ISR.
TEST(Replication, StalledFollowerHoldsAcksAllUntilIsrShrinks_Spec3_3_3_6) {
  MockCluster cluster(threeBrokers(std::nullopt, /*lagMs=*/300));
  const auto view = cluster.partition("r", 0);
  const int32_t leader = view.leader;
  const int32_t slow = followersOf(view)[1];
  cluster.stallFollower(slow);

  auto client = connectTo(cluster, leader);
  const auto values = numberedValues("shrink", 4);
  const auto batch = makeValueBatch(values);
  const auto r = produce(*client, "r", 0, batch, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(r.baseOffset, 0);

  const auto shrunk = cluster.partition("r", 0);
  EXPECT_FALSE(contains(shrunk.isr, slow)) << "answered although the stalled follower is in the ISR: "
                                           << describe(shrunk);
  EXPECT_EQ(shrunk.isr.size(), 2u) << describe(shrunk);
  EXPECT_GE(replicaOf(shrunk, leader).highWatermark, 4) << describe(shrunk);
  for (int32_t b : shrunk.isr) EXPECT_EQ(storedValuesAt(cluster, "r", 0, b, 0, 4), values) << "broker " << b;

  cluster.stallFollower(slow, false);
  EXPECT_TRUE(waitFullyReplicated(cluster, "r", 0)) << "the follower never rejoined: "
                                                    << describe(cluster.partition("r", 0));
  EXPECT_EQ(cluster.records("r", 0, slow), cluster.records("r", 0, leader));
}

// spec 1.2: with acks=-1 and |ISR| < min.insync.replicas the broker answers
// NOT_ENOUGH_REPLICAS before appending; acks=1 is not affected.
TEST(Replication, NotEnoughReplicasBeforeAppend_Spec1_2) {
  MockCluster cluster(threeBrokers(/*topicMinIsr=*/2, /*lagMs=*/300));
  const auto view = cluster.partition("r", 0);
  const int32_t leader = view.leader;
  for (int32_t f : followersOf(view)) cluster.stallFollower(f);
  auto client = connectTo(cluster, leader);

  // Followers fall behind only once the leader has something they lack.
  const auto pre = makeValueBatch({"pre"});
  const auto rPre = produce(*client, "r", 0, pre, 1);
  ASSERT_TRUE(rPre.answered()) << rPre.detail;
  ASSERT_EQ(errName(rPre.errorCode), "NONE");
  ASSERT_TRUE(waitUntil([&] { return cluster.partition("r", 0).isr == std::vector<int32_t>{leader}; }))
      << "the ISR never shrank to the leader: " << describe(cluster.partition("r", 0));

  const auto batch = makeValueBatch({"refused"});
  const auto r = produce(*client, "r", 0, batch, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NOT_ENOUGH_REPLICAS");
  EXPECT_EQ(storedValues(cluster.records("r", 0, leader)), std::vector<std::string>{"pre"})
      << "NOT_ENOUGH_REPLICAS must be raised before the append";

  const auto one = makeValueBatch({"acks1"});
  const auto r1 = produce(*client, "r", 0, one, 1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  EXPECT_EQ(errName(r1.errorCode), "NONE");
  EXPECT_EQ(r1.baseOffset, 1);

  for (int32_t f : followersOf(view)) cluster.stallFollower(f, false);
  ASSERT_TRUE(waitFullyReplicated(cluster, "r", 0)) << describe(cluster.partition("r", 0));
  const auto again = makeValueBatch({"accepted"});
  const auto r2 = produce(*client, "r", 0, again, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r2.answered()) << r2.detail;
  EXPECT_EQ(errName(r2.errorCode), "NONE");
  EXPECT_EQ(r2.baseOffset, 2);
}

// spec 1.2 and 6.2: with both followers stopped, the controller takes the dead brokers
// out of the ISR (well before replica.lag.time.max.ms, 30 s here), leaving one live
// in-sync replica; min.insync.replicas = 2 then refuses acks=-1 before the append.
TEST(Replication, NotEnoughReplicasWhenFollowersAreDown_Spec1_2_6_2) {
  MockCluster cluster(threeBrokers(/*topicMinIsr=*/2));
  const auto view = cluster.partition("r", 0);
  for (int32_t f : followersOf(view)) cluster.stopBroker(f, StopMode::Hard);
  ASSERT_TRUE(waitUntil([&] { return cluster.partition("r", 0).isr == std::vector<int32_t>{view.leader}; }))
      << "dead followers stay in the ISR: " << describe(cluster.partition("r", 0));
  EXPECT_EQ(cluster.partition("r", 0).leader, view.leader);

  auto client = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch({"refused"});
  const auto r = produce(*client, "r", 0, batch, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NOT_ENOUGH_REPLICAS");
  EXPECT_TRUE(cluster.records("r", 0, view.leader).empty());
}

// spec 1.8: when timeout_ms passes before the HW covers the records the answer is
// REQUEST_TIMED_OUT, and nothing is rolled back: the records stay and are committed
// once replication resumes.
TEST(Replication, RequestTimedOutWhenReplicationOutlastsTimeout_Spec1_8) {
  MockCluster cluster(threeBrokers());  // lag 30 s: no shrink during the test
  const auto view = cluster.partition("r", 0);
  const int32_t leader = view.leader;
  const int32_t slow = followersOf(view)[0];
  cluster.stallFollower(slow);
  auto client = connectTo(cluster, leader);

  const auto values = numberedValues("late", 3);
  const auto batch = makeValueBatch(values);
  const auto r = produce(*client, "r", 0, batch, -1, /*timeoutMs=*/200);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "REQUEST_TIMED_OUT");
  EXPECT_EQ(storedValues(cluster.records("r", 0, leader)), values) << "a timed-out produce is not rolled back";
  EXPECT_TRUE(contains(cluster.partition("r", 0).isr, slow));

  cluster.stallFollower(slow, false);
  ASSERT_TRUE(waitFullyReplicated(cluster, "r", 0)) << describe(cluster.partition("r", 0));
  EXPECT_EQ(leaderHighWatermark(cluster, "r", 0), 3);
  for (int32_t b : view.replicas) EXPECT_EQ(storedValues(cluster.records("r", 0, b)), values) << "broker " << b;
}

// spec 1.7(c), 2.3 with hw_requires_min_isr = false (the pre-3.7 rule): the HW advances
// after the ISR shrinks below min.insync.replicas, and the waiting produce completes
// with NOT_ENOUGH_REPLICAS_AFTER_APPEND; the records stay in the log.
TEST(Replication, NotEnoughReplicasAfterAppendWithPre37HwRule_Spec1_7c_2_3) {
  MockClusterOptions o = threeBrokers(/*topicMinIsr=*/3, /*lagMs=*/300);
  o.hwRequiresMinIsr = false;
  MockCluster cluster(o);
  const auto view = cluster.partition("r", 0);
  const int32_t leader = view.leader;
  const int32_t slow = followersOf(view)[1];
  cluster.stallFollower(slow);
  auto client = connectTo(cluster, leader);

  const auto values = numberedValues("after", 2);
  const auto batch = makeValueBatch(values);
  // |ISR| = 3 >= min ISR at append time, so the append happens (spec 1.2).
  const auto r = produce(*client, "r", 0, batch, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
  const auto after = cluster.partition("r", 0);
  EXPECT_FALSE(contains(after.isr, slow)) << describe(after);
  EXPECT_GE(replicaOf(after, leader).highWatermark, 2) << describe(after);
  EXPECT_EQ(storedValues(cluster.records("r", 0, leader)), values) << "the data stays in the log";
}

// spec 2.3 with hw_requires_min_isr = true (Kafka 3.7+, the default): after the same
// shrink the HW stays below the records, so the produce can only time out.
TEST(Replication, HwHeldBelowMinIsrWithKafka37Rule_Spec2_3) {
  MockCluster cluster(threeBrokers(/*topicMinIsr=*/3, /*lagMs=*/300));
  ASSERT_TRUE(cluster.options().hwRequiresMinIsr);
  const auto view = cluster.partition("r", 0);
  const int32_t leader = view.leader;
  const int32_t slow = followersOf(view)[1];
  cluster.stallFollower(slow);
  auto client = connectTo(cluster, leader);

  const auto batch = makeValueBatch(numberedValues("held", 2));
  const int32_t timeoutMs = static_cast<int32_t>(scaledTimeout(std::chrono::milliseconds(2500)).count());
  const int32_t id = client->send(produceRequest("r", 0, batch, -1, timeoutMs), 7);
  ASSERT_GE(id, 0);
  ASSERT_TRUE(waitUntil([&] { return !contains(cluster.partition("r", 0).isr, slow); }))
      << "the stalled follower was never removed: " << describe(cluster.partition("r", 0));
  // The shrink is committed (the controller's view shows it), yet the HW must not move.
  EXPECT_TRUE(waitUntil([&] { return cluster.records("r", 0, followersOf(view)[0]).size() == 2; }));
  EXPECT_EQ(leaderHighWatermark(cluster, "r", 0), 0) << describe(cluster.partition("r", 0));

  const auto r = receiveProduce(*client, id, "r", 0);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "REQUEST_TIMED_OUT");
  EXPECT_EQ(leaderHighWatermark(cluster, "r", 0), 0) << describe(cluster.partition("r", 0));
  EXPECT_EQ(cluster.records("r", 0, leader).size(), 2u);
}

}  // namespace
}  // namespace kafkalite::testing
