// kcat 1.7.1 (librdkafka 2.0.2) in consumer-group mode (-G) against the in-process cluster:
// it finds the coordinator, joins (JoinGroup v5 with MEMBER_ID_REQUIRED), syncs, fetches
// its committed offsets (OffsetFetch v7, flexible), consumes, commits (OffsetCommit v7) and
// leaves. A first run reads everything of a 3-partition RF=3 topic; a second run of the same
// group reads nothing (the offsets were committed); after more records, a third reads just
// those.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/kcat.hpp"

namespace kafkalite::testing {
namespace {

std::vector<std::pair<std::string, std::string>> keyed(const std::string& prefix, int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(prefix + std::to_string(i), "value-" + prefix + std::to_string(i));
  return out;
}

TEST(KcatGroupInterop, ConsumesEverythingOnceThenResumesFromTheCommittedOffsets) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"kg", 3, 3, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  MockCluster cluster(o);
  const TempDir temp("kafkalite-kcat-group");
  const std::string& dir = temp.path();
  const std::string bootstrap = cluster.bootstrapServers();
  const std::vector<std::string> consumer = {"-X", "auto.offset.reset=earliest"};

  const auto first = keyed("a", 300);
  ASSERT_TRUE(kcatProduce(bootstrap, "kg", first, dir, {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());

  std::vector<KcatRecord> read;
  std::string parseError;
  const auto run1 = kcatGroupConsume(bootstrap, "kg-group", "kg", dir, consumer, std::chrono::seconds(60), read, parseError);
  ASSERT_TRUE(run1.exitedZero()) << run1.describe();
  EXPECT_TRUE(parseError.empty()) << parseError;
  std::map<std::string, std::string> expected(first.begin(), first.end());
  std::set<std::string> seen;
  for (const auto& r : read) {
    EXPECT_EQ(expected[r.key], r.value);
    EXPECT_TRUE(seen.insert(r.key).second) << r.key << " read twice";
  }
  EXPECT_EQ(seen.size(), first.size());

  // kcat committed what it consumed as it left: the group is Empty, with no lag.
  const auto group = cluster.group("kg-group");
  EXPECT_EQ(group.state, "Empty");
  EXPECT_EQ(group.protocolType, "consumer");
  ASSERT_EQ(group.offsets.size(), 3u);
  for (const auto& off : group.offsets) {
    EXPECT_EQ(off.offset, off.highWatermark) << off.topic << "-" << off.partition;
    EXPECT_EQ(off.lag, 0);
  }

  read.clear();
  const auto run2 = kcatGroupConsume(bootstrap, "kg-group", "kg", dir, consumer, std::chrono::seconds(60), read, parseError);
  ASSERT_TRUE(run2.exitedZero()) << run2.describe();
  EXPECT_TRUE(read.empty()) << read.size() << " records read again, first " << read.front().key;

  const auto second = keyed("b", 40);
  ASSERT_TRUE(kcatProduce(bootstrap, "kg", second, dir, {"-X", "acks=all"}, std::chrono::seconds(60)).exitedZero());
  read.clear();
  const auto run3 = kcatGroupConsume(bootstrap, "kg-group", "kg", dir, consumer, std::chrono::seconds(60), read, parseError);
  ASSERT_TRUE(run3.exitedZero()) << run3.describe();
  std::set<std::string> newKeys;
  for (const auto& r : read) {
    EXPECT_EQ(r.key.front(), 'b') << "only the new records: " << r.key;
    newKeys.insert(r.key);
  }
  EXPECT_EQ(newKeys.size(), second.size());
  EXPECT_EQ(read.size(), second.size());
}

}  // namespace
}  // namespace kafkalite::testing
