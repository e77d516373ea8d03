// kafkajs 2.2.4 (npm, tests/interop/js/node_modules installed by scripts/setup.sh) in a consumer
// group against the in-process cluster, through tests/interop/js/group_consumer.js: a run reads
// every record of a 3-partition RF=3 topic, commits after each batch and leaves; a second run
// of the group reads only the records produced since. kafkajs uses the broker's highest
// versions within its own (JoinGroup v5, SyncGroup v3, OffsetCommit v5, OffsetFetch v4,
// LeaveGroup v3, DescribeGroups v2).
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
  return runGroupScript({KAFKALITE_NODE, std::string(KAFKALITE_INTEROP_DIR) + "/js/group_consumer.js",
                         cluster.bootstrapServers(), "kj", "kj-group", std::to_string(expected), "60000"},
                        dir, std::chrono::seconds(90));
}

TEST(KafkajsGroupInterop, RunsAConsumerGroupToCompletionAndResumes) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"kj", 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  MockCluster cluster(o);
  const TempDir temp("kafkalite-kafkajs-group");
  const auto first = keyed("a", 200);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), "kj", first, temp.path(), {"-X", "acks=all"},
                          std::chrono::seconds(60))
                  .exitedZero());

  const auto run1 = consume(cluster, temp.path(), static_cast<int>(first.size()));
  ASSERT_TRUE(run1.ok()) << run1.describe();
  std::set<std::string> keys;
  for (const auto& r : run1.records) EXPECT_TRUE(keys.insert(r.key).second) << r.key << " read twice";
  EXPECT_EQ(keys.size(), first.size());
  EXPECT_EQ(run1.describedState, "Empty") << "kafkajs left the group";
  const auto group = cluster.group("kj-group");
  ASSERT_EQ(group.offsets.size(), 3u);
  for (const auto& off : group.offsets) {
    EXPECT_EQ(off.lag, 0) << off.topic << "-" << off.partition;
    EXPECT_EQ(run1.committed.at(off.partition), off.offset) << "kafkajs' admin read back the commits";
  }

  const auto second = keyed("b", 60);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), "kj", second, temp.path(), {"-X", "acks=all"},
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
}

}  // namespace
}  // namespace kafkalite::testing
