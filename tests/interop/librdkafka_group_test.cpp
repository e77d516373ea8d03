// librdkafka's consumer-group consumer (C API; 2.0.2 and 2.15.1) against the in-process cluster:
// - two consumers of one group split a 3-partition topic between them; when one leaves
//   (LeaveGroup on close), the other gets every partition, and no record whose offset was
//   committed is read again;
// - a hard stop of the broker that coordinates the group and leads one of the topic's
//   partitions: the group finds its new coordinator (which loaded the group and offsets from
//   its replica of __consumer_offsets), consumption continues from the new leaders, the
//   commits land, and the new leader answers OffsetForLeaderEpoch for the old epoch.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/kcat.hpp"
#include "support/rdkafka_group_consumer.hpp"

namespace kafkalite::testing {
namespace {

std::vector<std::pair<std::string, std::string>> keyed(const std::string& prefix, int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(prefix + std::to_string(i), "v" + std::to_string(i));
  return out;
}

MockClusterOptions groupCluster(const std::string& topic) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{topic, 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  o.groupCoordinator.offsetsTopicPartitions = 10;
  return o;
}

RdKafkaGroupConsumer::Config consumerConfig(const MockCluster& cluster, const std::string& group,
                                            const std::string& clientId, bool autoCommit) {
  return {{"bootstrap.servers", cluster.bootstrapServers()},
          {"group.id", group},
          {"client.id", clientId},
          {"auto.offset.reset", "earliest"},
          {"enable.auto.commit", autoCommit ? "true" : "false"},
          {"auto.commit.interval.ms", "100"},
          {"session.timeout.ms", "6000"},
          {"heartbeat.interval.ms", "200"},
          {"topic.metadata.refresh.interval.ms", "1000"}};
}

/// Reads by partition and offset, checking that nothing below a committed offset is read.
struct ReadLog {
  std::set<std::string> keys;
  std::map<int32_t, int64_t> committed;  ///< partition → offset committed so far (next to read)
  std::vector<std::string> violations;
  int reads = 0;

  void read(const ConsumedMessage& m, const std::string& who) {
    ++reads;
    keys.insert(m.key);
    if (m.offset < committed[m.partition]) {
      violations.push_back(who + " read " + std::to_string(m.partition) + "@" + std::to_string(m.offset) +
                           " below the committed " + std::to_string(committed[m.partition]));
    }
  }
  void committedAt(const ConsumedMessage& m) {
    committed[m.partition] = std::max(committed[m.partition], m.offset + 1);
  }
};

std::string describe(const std::set<int32_t>& s) {
  std::string out = "{";
  for (int32_t p : s) out += std::to_string(p) + " ";
  return out + "}";
}

TEST(LibrdkafkaGroupInterop, TwoConsumersSplitThePartitionsAndTheSurvivorTakesOverWhenOneLeaves) {
  MockCluster cluster(groupCluster("rg"));
  const TempDir temp("kafkalite-rdkafka-group");
  const std::string bootstrap = cluster.bootstrapServers();
  const auto first = keyed("a", 300);
  ASSERT_TRUE(kcatProduce(bootstrap, "rg", first, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());

  RdKafkaGroupConsumer a(consumerConfig(cluster, "rg-group", "consumer-a", false), {"rg"});
  RdKafkaGroupConsumer b(consumerConfig(cluster, "rg-group", "consumer-b", false), {"rg"});
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(b.ok()) << b.error();
  ReadLog log;
  auto step = [&](RdKafkaGroupConsumer& c, const std::string& who) {
    if (auto m = c.poll(20)) {
      log.read(*m, who);
      if (c.commit("rg", *m)) log.committedAt(*m);  // synchronous: committed before the next read
    }
  };
  auto split = [&] {
    const auto sa = a.assignment();
    const auto sb = b.assignment();
    std::set<int32_t> all(sa.begin(), sa.end());
    all.insert(sb.begin(), sb.end());
    return !sa.empty() && !sb.empty() && all.size() == 3 && sa.size() + sb.size() == 3;
  };
  ASSERT_TRUE(waitUntil(
      [&] {
        step(a, "a");
        step(b, "b");
        return split() && log.keys.size() == first.size();
      },
      std::chrono::seconds(60)))
      << "a " << describe(a.assignment()) << " b " << describe(b.assignment()) << ", read " << log.keys.size()
      << "; errors a: " << describeCounts(a.errors) << " b: " << describeCounts(b.errors);
  const auto group = cluster.group("rg-group");
  EXPECT_EQ(group.state, "Stable");
  ASSERT_EQ(group.members.size(), 2u);
  for (const auto& m : group.members) EXPECT_EQ(m.clientHost, "/127.0.0.1");

  // b leaves; a takes every partition and reads what is produced next, and nothing committed.
  b.close();
  const auto second = keyed("b", 150);
  ASSERT_TRUE(kcatProduce(bootstrap, "rg", second, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());
  ASSERT_TRUE(waitUntil(
      [&] {
        step(a, "a");
        return a.assignment().size() == 3 && log.keys.size() == first.size() + second.size();
      },
      std::chrono::seconds(60)))
      << "a " << describe(a.assignment()) << ", read " << log.keys.size() << "; errors " << describeCounts(a.errors);
  EXPECT_TRUE(log.violations.empty()) << log.violations.size() << " committed records read again, first: "
                                      << log.violations.front();
  const auto after = cluster.group("rg-group");
  ASSERT_EQ(after.members.size(), 1u);
  EXPECT_EQ(after.members[0].clientId, "consumer-a");
  std::set<int32_t> assigned;
  for (const auto& [topic, partitions] : after.members[0].assignedPartitions) assigned.insert(partitions.begin(), partitions.end());
  EXPECT_EQ(assigned, (std::set<int32_t>{0, 1, 2}));
  for (const auto& o : after.offsets) EXPECT_EQ(o.lag, 0) << o.topic << "-" << o.partition;
}

TEST(LibrdkafkaGroupInterop, ConsumptionContinuesThroughAHardStopOfTheCoordinator) {
  MockCluster cluster(groupCluster("lc"));
  const TempDir temp("kafkalite-rdkafka-failover");
  const std::string bootstrap = cluster.bootstrapServers();
  const auto first = keyed("a", 200);
  ASSERT_TRUE(kcatProduce(bootstrap, "lc", first, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());

  RdKafkaGroupConsumer c(consumerConfig(cluster, "lc-group", "consumer", /*autoCommit=*/true), {"lc"});
  ASSERT_TRUE(c.ok()) << c.error();
  std::set<std::string> keys;
  auto drain = [&] {
    if (auto m = c.poll(20)) keys.insert(m->key);
  };
  auto lagZero = [&] {
    const auto g = cluster.groups();
    if (g.size() != 1 || g[0].offsets.size() != 3) return false;
    for (const auto& o : g[0].offsets) {
      if (o.lag != 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(waitUntil([&] { drain(); return keys.size() == first.size() && lagZero(); }, std::chrono::seconds(60)))
      << "read " << keys.size() << "; errors " << describeCounts(c.errors);

  const int32_t coordinator = cluster.groupCoordinator("lc-group");
  int32_t ledPartition = -1;
  for (int32_t p = 0; p < 3; ++p) {
    if (cluster.partition("lc", p).leader == coordinator) ledPartition = p;
  }
  ASSERT_GE(ledPartition, 0) << "with 3 partitions on 3 brokers every broker leads one";
  const int64_t endOfEpoch0 = leaderHighWatermark(cluster, "lc", ledPartition);
  const int32_t epochBefore = cluster.partition("lc", ledPartition).leaderEpoch;

  cluster.stopBroker(coordinator, StopMode::Hard);
  const auto second = keyed("b", 200);
  ASSERT_TRUE(kcatProduce(bootstrap, "lc", second, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());
  ASSERT_TRUE(waitUntil(
      [&] {
        drain();
        return keys.size() == first.size() + second.size() && cluster.groupCoordinator("lc-group") != coordinator &&
               lagZero();
      },
      std::chrono::seconds(60)))
      << "read " << keys.size() << " of " << first.size() + second.size() << "; errors " << describeCounts(c.errors);
  EXPECT_NE(cluster.group("lc-group").coordinator, coordinator);

  // The moved partition's new leader answers OffsetForLeaderEpoch (KIP-320) for the old epoch:
  // it ends where the new leader's epoch began.
  const auto moved = cluster.partition("lc", ledPartition);
  ASSERT_GT(moved.leaderEpoch, epochBefore);
  auto client = connectTo(cluster, moved.leader);
  protocol::OffsetForLeaderEpochRequest req;
  req.replicaId = -1;
  req.topics = {{"lc", {{ledPartition, moved.leaderEpoch, epochBefore, {}}}, {}}};
  const auto reply = client->roundTrip(req, 4);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto& answer = reply.body.topics.at(0).partitions.at(0);
  EXPECT_EQ(errName(answer.errorCode), "NONE");
  EXPECT_EQ(answer.leaderEpoch, epochBefore);
  EXPECT_EQ(answer.endOffset, endOfEpoch0);
}

}  // namespace
}  // namespace kafkalite::testing
