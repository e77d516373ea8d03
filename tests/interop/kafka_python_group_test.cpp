// kafka-python 2.0.2 (Debian's python3-kafka, run with /usr/bin/python3) in a consumer group
// against the in-process cluster, through tests/interop/python/group_consumer.py: a consumer
// reads every record of a 3-partition RF=3 topic, commits and leaves; a restarted consumer of
// the same group resumes from the committed offsets and reads only what was produced since.
// kafka-python speaks other versions than librdkafka (JoinGroup v2, SyncGroup v1, OffsetCommit
// v2, OffsetFetch v1, FindCoordinator v0).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/group_script.hpp"
#include "support/kcat.hpp"

namespace kafkalite::testing {
namespace {

std::vector<std::pair<std::string, std::string>> keyed(const std::string& prefix, int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(prefix + std::to_string(i), "v" + std::to_string(i));
  return out;
}

GroupScriptRun consume(const MockCluster& cluster, const std::string& dir, int expected) {
  return runGroupScript({KAFKALITE_PYTHON3, std::string(KAFKALITE_INTEROP_DIR) + "/python/group_consumer.py",
                         cluster.bootstrapServers(), "kp", "kp-group", std::to_string(expected), "60"},
                        dir, std::chrono::seconds(90));
}

TEST(KafkaPythonGroupInterop, ConsumesCommitsAndARestartedConsumerResumes) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"kp", 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  MockCluster cluster(o);
  const TempDir temp("kafkalite-python-group");
  const auto first = keyed("a", 200);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), "kp", first, temp.path(), {"-X", "acks=all"},
                          std::chrono::seconds(60))
                  .exitedZero());

  const auto run1 = consume(cluster, temp.path(), static_cast<int>(first.size()));
  ASSERT_TRUE(run1.ok()) << run1.describe();
  std::set<std::string> keys;
  for (const auto& r : run1.records) EXPECT_TRUE(keys.insert(r.key).second) << r.key << " read twice";
  EXPECT_EQ(keys.size(), first.size());
  const auto group = cluster.group("kp-group");
  EXPECT_EQ(group.state, "Empty") << "the consumer left";
  ASSERT_EQ(group.offsets.size(), 3u);
  for (const auto& off : group.offsets) {
    EXPECT_EQ(off.lag, 0) << off.topic << "-" << off.partition;
    EXPECT_EQ(run1.committed.at(off.partition), off.offset) << "kafka-python read back what it committed";
  }

  const auto second = keyed("b", 60);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), "kp", second, temp.path(), {"-X", "acks=all"},
                          std::chrono::seconds(60))
                  .exitedZero());
  const auto run2 = consume(cluster, temp.path(), static_cast<int>(second.size()));
  ASSERT_TRUE(run2.ok()) << run2.describe();
  std::set<std::string> newKeys;
  for (const auto& r : run2.records) {
    EXPECT_EQ(r.key.front(), 'b') << "an old record read again: " << r.key;
    newKeys.insert(r.key);
  }
  EXPECT_EQ(newKeys.size(), second.size());
  EXPECT_EQ(run2.records.size(), second.size());
  for (const auto& off : cluster.group("kp-group").offsets) EXPECT_EQ(off.lag, 0);
}

}  // namespace
}  // namespace kafkalite::testing
