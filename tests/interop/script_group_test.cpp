// Consumer groups of clients written in other languages against the in-process cluster, each
// through a small script of its own: kafka-python 2.0.2 (Debian's python3-kafka, run with
// /usr/bin/python3; tests/interop/python/group_consumer.py) and kafkajs 2.2.4 (npm,
// tests/interop/js/node_modules installed by scripts/setup.sh; tests/interop/js/group_consumer.js).
// A run reads every record of a 3-partition RF=3 topic, commits and leaves; a second run of the
// same group resumes from the committed offsets and reads only what was produced since.
// The two speak other versions than librdkafka: kafka-python JoinGroup v2, SyncGroup v1,
// OffsetCommit v2, OffsetFetch v1, FindCoordinator v0; kafkajs the broker's highest within its
// own (JoinGroup v5, SyncGroup v3, OffsetCommit v5, OffsetFetch v4, LeaveGroup v3,
// DescribeGroups v2).
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/group_script.hpp"
#include "support/kcat.hpp"

namespace kafkalite::testing {
namespace {

struct ScriptClient {
  std::string name;       ///< test name suffix
  std::string program;    ///< interpreter
  std::string script;     ///< under tests/interop
  std::string topic;
  std::string timeout;    ///< the script's own time limit, in its unit
  bool reportsState;      ///< the script describes the group after leaving
};

std::vector<std::pair<std::string, std::string>> keyed(const std::string& prefix, int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(prefix + std::to_string(i), "v" + std::to_string(i));
  return out;
}

class ScriptGroupInterop : public ::testing::TestWithParam<ScriptClient> {
 protected:
  GroupScriptRun consume(const MockCluster& cluster, const std::string& dir, int expected) const {
    const ScriptClient& c = GetParam();
    return runGroupScript({c.program, std::string(KAFKALITE_INTEROP_DIR) + "/" + c.script, cluster.bootstrapServers(),
                           c.topic, group(), std::to_string(expected), c.timeout},
                          dir, std::chrono::seconds(90));
  }
  std::string group() const { return GetParam().topic + "-group"; }
};

TEST_P(ScriptGroupInterop, ConsumesCommitsAndARestartedConsumerResumes) {
  const std::string topic = GetParam().topic;
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{topic, 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  MockCluster cluster(o);
  const TempDir temp("kafkalite-" + GetParam().name + "-group");
  const auto first = keyed("a", 200);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), topic, first, temp.path(), {"-X", "acks=all"},
                          std::chrono::seconds(60))
                  .exitedZero());

  const auto run1 = consume(cluster, temp.path(), static_cast<int>(first.size()));
  ASSERT_TRUE(run1.ok()) << run1.describe();
  std::set<std::string> keys;
  for (const auto& r : run1.records) EXPECT_TRUE(keys.insert(r.key).second) << r.key << " read twice";
  EXPECT_EQ(keys.size(), first.size());
  if (GetParam().reportsState) {
    EXPECT_EQ(run1.describedState, "Empty") << "the client saw its group empty after leaving";
  }
  const auto view = cluster.group(group());
  EXPECT_EQ(view.state, "Empty") << "the consumer left";
  ASSERT_EQ(view.offsets.size(), 3u);
  for (const auto& off : view.offsets) {
    EXPECT_EQ(off.lag, 0) << off.topic << "-" << off.partition;
    EXPECT_EQ(run1.committed.at(off.partition), off.offset) << "the client read back what it committed";
  }

  const auto second = keyed("b", 60);
  ASSERT_TRUE(kcatProduce(cluster.bootstrapServers(), topic, second, temp.path(), {"-X", "acks=all"},
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
  for (const auto& off : cluster.group(group()).offsets) EXPECT_EQ(off.lag, 0);
}

INSTANTIATE_TEST_SUITE_P(Clients, ScriptGroupInterop,
                         ::testing::Values(ScriptClient{"KafkaPython", KAFKALITE_PYTHON3, "python/group_consumer.py", "kp",
                                                        "60", false},
                                           ScriptClient{"Kafkajs", KAFKALITE_NODE, "js/group_consumer.js", "kj", "60000",
                                                        true}),
                         [](const ::testing::TestParamInfo<ScriptClient>& info) { return info.param.name; });

}  // namespace
}  // namespace kafkalite::testing
