// Broker failure and leader election (broker-spec.md section 6, with 1.7(b), 3.4, 4.8, 4.9):
// a leader stopped cleanly or hard in the middle of an acks=-1 stream, a restarted broker
// truncating its uncommitted tail, a held produce on a deposed leader, and unclean
// election off and on.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::mock {
// Names the parameter in test names and messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(StopMode mode, std::ostream* os) {
  *os << (mode == StopMode::Clean ? "Clean" : "Hard");
}
}  // namespace kafkalite::mock

namespace kafkalite::testing {
namespace {

struct AckedBatch {
  int64_t baseOffset;
  std::vector<std::string> values;
};

// Sends acks=-1 batches to whichever broker the controller names leader, as a client
// that refreshes metadata would: on a retriable error or a lost connection it looks the
// leader up again and resends (so unacknowledged batches may be duplicated, as without
// idempotence). Used by one thread.
class RetryingProducer {
 public:
  RetryingProducer(const MockCluster& cluster, std::string topic) : cluster_(cluster), topic_(std::move(topic)) {}

  // True once the batch is acknowledged with NONE; false with `why` on a non-retriable
  // error or when the deadline passes.
  bool send(const std::vector<std::string>& values, std::chrono::steady_clock::time_point deadline, std::string& why) {
    const auto batch = makeValueBatch(values);
    while (std::chrono::steady_clock::now() < deadline) {
      const int32_t leader = cluster_.partition(topic_, 0).leader;
      if (leader < 0) {
        backoff();
        continue;
      }
      auto& conn = connections_[leader];
      if (!conn || !conn->isOpen()) conn = tryConnectTo(leader);
      if (!conn) {
        backoff();
        continue;
      }
      const auto r = produce(*conn, topic_, 0, batch, -1, /*timeoutMs=*/5000, 7, scaledTimeout(std::chrono::seconds(10)));
      if (!r.answered()) {
        why = r.detail;
        conn.reset();
        backoff();
        continue;
      }
      if (r.error() == ErrorCode::NONE) {
        acked.push_back({r.baseOffset, values});
        return true;
      }
      why = errName(r.errorCode);
      if (!isRetriable(r.error())) return false;
      backoff();
    }
    why = "deadline passed; last: " + why;
    return false;
  }

  std::vector<AckedBatch> acked;

 private:
  std::unique_ptr<KafkaTestClient> tryConnectTo(int32_t id) {
    for (const auto& b : cluster_.brokers())
      if (b.id == id) return KafkaTestClient::tryConnect(b.host, b.port);
    return nullptr;
  }
  // retry.backoff.ms of a client, not a synchronisation: the loop re-reads the leader.
  static void backoff() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

  const MockCluster& cluster_;
  std::string topic_;
  std::map<int32_t, std::unique_ptr<KafkaTestClient>> connections_;
};

MockClusterOptions threeBrokers(int16_t rf = 3, int64_t lagMs = 30000) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.replicaLagTimeMaxMs = lagMs;
  o.topics = {TopicSpec{"f", 1, rf, std::nullopt}};
  return o;
}

/// The first replica in assignment order that is in `isr` and is not `stopped` (spec 6.1).
int32_t expectedNewLeader(const PartitionView& before, int32_t stopped) {
  for (int32_t r : before.replicas)
    if (r != stopped && contains(before.isr, r)) return r;
  return -1;
}

class LeaderStopTest : public ::testing::TestWithParam<StopMode> {};

// spec 6.1, 6.2: the leader stops (cleanly or as a crash) while acks=-1 batches stream
// in; the first live ISR replica in assignment order takes over with a higher leader
// epoch, every acknowledged record is at its acknowledged offset on the new leader, and
// once the old broker is back and caught up (spec 3.4, 6.3) all replicas hold identical logs.
TEST_P(LeaderStopTest, AcknowledgedRecordsSurviveAndLogsConverge_Spec6_1_6_2) {
  MockCluster cluster(threeBrokers());
  constexpr int kBatches = 120;
  std::atomic<int> ackedCount{0};
  std::atomic<bool> failed{false};
  std::string failure;  // written by the streamer before it sets `failed`, read after join
  RetryingProducer producer(cluster, "f");
  std::thread streamer([&] {
    const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(60));
    for (int i = 0; i < kBatches; ++i) {
      std::string why;
      if (!producer.send(numberedValues("b" + std::to_string(i), 5), deadline, why)) {
        failure = "batch " + std::to_string(i) + ": " + why;
        failed = true;
        return;
      }
      ++ackedCount;
    }
  });

  const bool midStream = waitUntil([&] { return ackedCount.load() >= 30 || failed.load(); });
  const auto before = cluster.partition("f", 0);
  if (midStream && !failed.load()) cluster.stopBroker(before.leader, GetParam());
  streamer.join();
  ASSERT_TRUE(midStream) << "the stream never got going";
  ASSERT_TRUE(failure.empty()) << failure;
  ASSERT_EQ(producer.acked.size(), static_cast<size_t>(kBatches));

  const auto after = cluster.partition("f", 0);
  EXPECT_FALSE(cluster.isBrokerRunning(before.leader));
  EXPECT_EQ(after.leader, expectedNewLeader(before, before.leader)) << describe(before) << " -> " << describe(after);
  EXPECT_GT(after.leaderEpoch, before.leaderEpoch) << describe(after);
  EXPECT_FALSE(contains(after.isr, before.leader)) << "a dead broker stays in the ISR: " << describe(after);

  const auto log = cluster.records("f", 0, after.leader);
  std::map<int64_t, const StoredRecord*> byOffset;
  for (const auto& r : log) byOffset[r.offset] = &r;
  for (const auto& b : producer.acked) {
    for (size_t i = 0; i < b.values.size(); ++i) {
      const auto it = byOffset.find(b.baseOffset + static_cast<int64_t>(i));
      ASSERT_NE(it, byOffset.end()) << "acknowledged offset " << b.baseOffset + static_cast<int64_t>(i) << " lost";
      EXPECT_EQ(it->second->value, b.values[i]) << "at acknowledged offset " << it->first;
    }
  }
  // The last batches were appended by the new leader, under its epoch.
  const auto& last = producer.acked.back();
  EXPECT_GT(byOffset.at(last.baseOffset)->leaderEpoch, before.leaderEpoch);

  cluster.startBroker(before.leader);
  ASSERT_TRUE(waitFullyReplicated(cluster, "f", 0, std::chrono::seconds(20)))
      << "the restarted broker never caught up: " << describe(cluster.partition("f", 0));
  const auto final = cluster.partition("f", 0);
  const auto reference = cluster.records("f", 0, final.leader);
  for (int32_t b : final.replicas) EXPECT_EQ(cluster.records("f", 0, b), reference) << "replica on broker " << b;
}

// spec 6.1, 2.2, 2.6: the new ISR is the old one minus the stopped broker, so once the
// remaining follower has fetched from the new leader an acks=-1 produce commits; it must
// not wait for the stopped broker (replica.lag.time.max.ms is 30 s, timeout_ms 60 s here).
TEST_P(LeaderStopTest, NewLeaderCommitsWithoutTheStoppedBroker_Spec6_1_2_2) {
  MockCluster cluster(threeBrokers());
  const auto before = cluster.partition("f", 0);
  cluster.stopBroker(before.leader, GetParam());
  const auto after = cluster.partition("f", 0);
  ASSERT_EQ(after.leader, expectedNewLeader(before, before.leader)) << describe(after);
  ASSERT_FALSE(contains(after.isr, before.leader)) << describe(after);

  auto client = connectTo(cluster, after.leader);
  const auto values = numberedValues("after-stop", 3);
  const auto batch = makeValueBatch(values);
  ProduceOutcome r;
  // The new leader may answer NOT_LEADER_OR_FOLLOWER until it has applied the election.
  ASSERT_TRUE(waitUntil([&] {
    r = produce(*client, "f", 0, batch, -1, /*timeoutMs=*/60000, 7, scaledTimeout(std::chrono::seconds(10)));
    return !r.answered() || r.error() != ErrorCode::NOT_LEADER_OR_FOLLOWER;
  }));
  ASSERT_TRUE(r.answered()) << r.detail << "; " << describe(cluster.partition("f", 0));
  EXPECT_EQ(errName(r.errorCode), "NONE");
  for (int32_t b : after.isr) EXPECT_EQ(storedValuesAt(cluster, "f", 0, b, r.baseOffset, 3), values) << "broker " << b;
}

INSTANTIATE_TEST_SUITE_P(Failover, LeaderStopTest, ::testing::Values(StopMode::Clean, StopMode::Hard),
                         [](const ::testing::TestParamInfo<StopMode>& info) {
                           return info.param == StopMode::Clean ? std::string("Clean") : std::string("Hard");
                         });

// spec 4.8, 4.9, 6.3: a leader that crashes with appended-but-uncommitted records (acks=1,
// nobody replicated) comes back as a follower, drops that tail, and ends with the new
// leader's log; committed acks=-1 records are on every replica.
TEST(Failover, RestartedLeaderTruncatesItsUncommittedTail_Spec4_8_4_9_6_3) {
  MockCluster cluster(threeBrokers());
  const auto before = cluster.partition("f", 0);
  const int32_t oldLeader = before.leader;
  const auto followers = followersOf(before);
  auto client = connectTo(cluster, oldLeader);
  const auto committed = makeValueBatch(numberedValues("committed", 3));
  const auto r0 = produce(*client, "f", 0, committed, -1);
  ASSERT_TRUE(r0.answered()) << r0.detail;
  ASSERT_EQ(errName(r0.errorCode), "NONE");

  for (int32_t f : followers) cluster.stallFollower(f);
  const auto tail = makeValueBatch(numberedValues("uncommitted", 4));
  const auto r1 = produce(*client, "f", 0, tail, 1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  ASSERT_EQ(errName(r1.errorCode), "NONE");
  ASSERT_EQ(cluster.records("f", 0, oldLeader).size(), 7u);
  client.reset();

  cluster.stopBroker(oldLeader, StopMode::Hard);
  for (int32_t f : followers) cluster.stallFollower(f, false);
  const auto during = cluster.partition("f", 0);
  EXPECT_EQ(during.leader, expectedNewLeader(before, oldLeader)) << describe(during);

  RetryingProducer producer(cluster, "f");
  std::string why;
  ASSERT_TRUE(producer.send(numberedValues("new", 3), std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(20)), why))
      << why;
  const int64_t newBase = producer.acked.front().baseOffset;

  cluster.startBroker(oldLeader);
  ASSERT_TRUE(waitFullyReplicated(cluster, "f", 0, std::chrono::seconds(20)))
      << "the old leader never rejoined: " << describe(cluster.partition("f", 0));
  const auto now = cluster.partition("f", 0);
  const auto reference = cluster.records("f", 0, now.leader);
  for (int32_t b : now.replicas) {
    EXPECT_EQ(cluster.records("f", 0, b), reference) << "replica on broker " << b;
    EXPECT_EQ(storedValuesAt(cluster, "f", 0, b, 0, 3), numberedValues("committed", 3)) << "broker " << b;
    EXPECT_EQ(storedValuesAt(cluster, "f", 0, b, newBase, 3), numberedValues("new", 3)) << "broker " << b;
  }
}

// spec 6.4 and 1.7(b): a produce held on a leader that loses leadership completes with
// NOT_LEADER_OR_FOLLOWER, and a consumer fetch waiting there returns at once.
TEST(Failover, HeldRequestsOnADeposedLeaderComplete_Spec6_4_1_7b) {
  MockCluster cluster(threeBrokers());
  const auto before = cluster.partition("f", 0);
  const auto followers = followersOf(before);
  cluster.stallFollower(followers[1]);  // holds the HW, so acks=-1 waits

  auto consumer = connectTo(cluster, before.leader);
  // Fetch v10: without client metadata a consumer may only read from the leader.
  const int32_t fetchId = consumer->send(fetchRequest("f", 0, 0, /*maxWaitMs=*/60000, /*minBytes=*/1 << 20), 10);
  ASSERT_GE(fetchId, 0);
  auto producer = connectTo(cluster, before.leader);
  const auto batch = makeValueBatch(numberedValues("deposed", 2));
  const int32_t produceId = producer->send(produceRequest("f", 0, batch, -1, /*timeoutMs=*/60000), 7);
  ASSERT_GE(produceId, 0);
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("f", 0), before.leader).logEndOffset == 2; }));
  EXPECT_FALSE(producer->responsePending()) << "the produce should be held by the stalled follower";

  cluster.moveLeader("f", 0, followers[0]);
  const auto moved = cluster.partition("f", 0);
  EXPECT_EQ(moved.leader, followers[0]);
  EXPECT_EQ(moved.leaderEpoch, before.leaderEpoch + 1);

  const auto r = receiveProduce(*producer, produceId, "f", 0);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NOT_LEADER_OR_FOLLOWER");

  const auto fetched = consumer->receive<protocol::FetchResponse>(fetchId, 10);
  ASSERT_TRUE(fetched.ok()) << fetched.error;
  const auto* p = findPartition(fetched.body, "f", 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(errName(p->errorCode), "NOT_LEADER_OR_FOLLOWER");
}

// spec 6.2 with 2.2 and 2.4: when a follower broker dies, the controller takes it out of
// the ISR; the leader recomputes the HW on that ISR change and completes the acks=-1
// produce the dead follower was holding, long before replica.lag.time.max.ms (30 s) or
// the produce's timeout (60 s).
TEST(Failover, DeadFollowerRemovalCompletesHeldProduce_Spec6_2_2_2_2_4) {
  MockCluster cluster(threeBrokers());
  const auto before = cluster.partition("f", 0);
  const auto followers = followersOf(before);
  cluster.stallFollower(followers[1]);
  auto client = connectTo(cluster, before.leader);
  const auto values = numberedValues("held", 3);
  const auto batch = makeValueBatch(values);
  const int32_t id = client->send(produceRequest("f", 0, batch, -1, /*timeoutMs=*/60000), 7);
  ASSERT_GE(id, 0);
  ASSERT_TRUE(waitUntil([&] { return cluster.records("f", 0, followers[0]).size() == values.size(); }));
  ASSERT_FALSE(client->responsePending()) << "not held by the stalled follower";

  cluster.stopBroker(followers[1], StopMode::Hard);
  EXPECT_TRUE(waitUntil([&] { return !contains(cluster.partition("f", 0).isr, followers[1]); }))
      << describe(cluster.partition("f", 0));
  const auto r = receiveProduce(*client, id, "f", 0, 7, scaledTimeout(std::chrono::seconds(10)));
  ASSERT_TRUE(r.answered()) << r.detail << "; " << describe(cluster.partition("f", 0));
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(r.baseOffset, 0);
  EXPECT_EQ(cluster.partition("f", 0).leader, before.leader);
}

// Builds a partition whose ISR is only its leader: RF 2, the follower stalled and shrunk
// out after lagging behind one record.
PartitionView shrinkToLeaderOnly(MockCluster& cluster) {
  const auto view = cluster.partition("f", 0);
  const int32_t follower = followersOf(view)[0];
  cluster.stallFollower(follower);
  auto client = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch({"only-on-leader"});
  const auto r = produce(*client, "f", 0, batch, 1);
  EXPECT_TRUE(r.answered() && r.errorCode == 0) << describe(r);
  EXPECT_TRUE(waitUntil([&] { return cluster.partition("f", 0).isr == std::vector<int32_t>{view.leader}; }))
      << describe(cluster.partition("f", 0));
  return cluster.partition("f", 0);
}

// spec 6.1 (unclean.leader.election.enable = false): with no live ISR member the
// partition goes offline (leader -1) rather than electing the out-of-sync follower; it
// comes back with its data when the ISR member returns.
TEST(Failover, UncleanElectionOffLeavesPartitionOffline_Spec6_1) {
  MockCluster cluster(threeBrokers(/*rf=*/2, /*lagMs=*/300));
  const auto before = shrinkToLeaderOnly(cluster);
  const int32_t follower = followersOf(before)[0];
  cluster.stopBroker(before.leader, StopMode::Hard);
  cluster.stallFollower(follower, false);

  const auto offline = cluster.partition("f", 0);
  EXPECT_EQ(offline.leader, -1) << describe(offline);
  EXPECT_FALSE(contains(offline.isr, follower)) << describe(offline);

  auto client = connectTo(cluster, follower);
  std::string last;
  EXPECT_TRUE(waitUntil([&] {
    const auto m = client->roundTrip(metadataRequest(std::vector<std::string>{"f"}), 4);
    const auto* t = m.ok() ? findTopic(m.body, "f") : nullptr;
    if (!t || t->partitions.empty()) return false;
    last = errName(t->partitions[0].errorCode) + " leader " + std::to_string(t->partitions[0].leaderId);
    return t->partitions[0].leaderId == -1 && t->partitions[0].errorCode == 5;  // LEADER_NOT_AVAILABLE
  })) << last;
  const auto batch = makeValueBatch({"nowhere"});
  const auto r = produce(*client, "f", 0, batch, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NOT_LEADER_OR_FOLLOWER");

  cluster.startBroker(before.leader);
  ASSERT_TRUE(waitUntil([&] { return cluster.partition("f", 0).leader == before.leader; }))
      << describe(cluster.partition("f", 0));
  EXPECT_GT(cluster.partition("f", 0).leaderEpoch, before.leaderEpoch);
  EXPECT_EQ(storedValues(cluster.records("f", 0, before.leader)), std::vector<std::string>{"only-on-leader"});
  EXPECT_TRUE(waitFullyReplicated(cluster, "f", 0)) << describe(cluster.partition("f", 0));
}

// spec 6.1 (unclean.leader.election.enable = true): the first live assigned replica
// becomes leader with ISR = [itself]; the old leader later rejoins as its follower and
// adopts its log.
TEST(Failover, UncleanElectionOnElectsTheLiveReplica_Spec6_1) {
  MockClusterOptions o = threeBrokers(/*rf=*/2, /*lagMs=*/300);
  o.uncleanLeaderElection = true;
  MockCluster cluster(o);
  const auto before = shrinkToLeaderOnly(cluster);
  const int32_t follower = followersOf(before)[0];
  cluster.stopBroker(before.leader, StopMode::Hard);
  cluster.stallFollower(follower, false);

  ASSERT_TRUE(waitUntil([&] { return cluster.partition("f", 0).leader == follower; }))
      << describe(cluster.partition("f", 0));
  const auto elected = cluster.partition("f", 0);
  EXPECT_EQ(elected.isr, std::vector<int32_t>{follower});
  EXPECT_GT(elected.leaderEpoch, before.leaderEpoch);

  auto client = connectTo(cluster, follower);
  const auto batch = makeValueBatch({"after-unclean"});
  ASSERT_TRUE(waitUntil([&] { return produce(*client, "f", 0, batch, 1).errorCode == 0; }));

  cluster.startBroker(before.leader);
  ASSERT_TRUE(waitFullyReplicated(cluster, "f", 0)) << describe(cluster.partition("f", 0));
  EXPECT_EQ(cluster.records("f", 0, before.leader), cluster.records("f", 0, follower));
}

}  // namespace
}  // namespace kafkalite::testing
