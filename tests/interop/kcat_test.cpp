// kcat 1.7.1 (librdkafka 2.0.2) against the in-process mock cluster (interop.md section 2):
// 100,000 keyed records produced with acks=all into a 3-partition RF=3 topic come back
// through `kcat -C -e` byte for byte, each once, in order within its partition, at the
// offsets every replica stores them at.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/kcat.hpp"

namespace kafkalite::testing {
namespace {

// Printable bytes plus a two-byte UTF-8 letter; never ':', '\t' or '\n'.
std::string payload(int i) {
  static const std::string alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,;!@#$%^&*()[]{}<>/?|~+=\xc3\xa9";
  std::string s;
  const int len = (i * 7) % 61;
  for (int j = 0; j < len; ++j) s.push_back(alphabet[static_cast<std::size_t>(i + j * 13) % alphabet.size()]);
  return s;
}

std::string keyOf(int i) {
  std::string k = std::to_string(i);
  return "k" + std::string(6 - k.size(), '0') + k;
}

TEST(KcatInterop, HundredThousandRecordsRoundTripByteIdentical) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"kcat", 3, 3, std::nullopt}};
  MockCluster cluster(o);
  const TempDir temp("kafkalite-kcat");
  const std::string& dir = temp.path();

  constexpr int kRecords = 100'000;
  std::vector<std::pair<std::string, std::string>> input;
  input.reserve(kRecords);
  for (int i = 0; i < kRecords; ++i) input.emplace_back(keyOf(i), "v" + std::to_string(i) + "|" + payload(i));

  // kcat exits 1 if any delivery report carries an error.
  const auto produced = kcatProduce(cluster.bootstrapServers(), "kcat", input, dir, {"-X", "acks=all"},
                                    std::chrono::seconds(60));
  ASSERT_TRUE(produced.exitedZero()) << produced.describe();

  std::vector<KcatRecord> read;
  std::string parseError;
  const auto consumed = kcatConsumeAll(cluster.bootstrapServers(), "kcat", dir, std::chrono::seconds(60), read, parseError);
  ASSERT_TRUE(consumed.exitedZero()) << consumed.describe();
  EXPECT_TRUE(parseError.empty()) << parseError;
  ASSERT_EQ(read.size(), static_cast<size_t>(kRecords));

  // Each record exactly once, byte-identical.
  std::map<std::string, std::string> expected(input.begin(), input.end());
  std::set<std::string> seen;
  std::map<int32_t, std::vector<const KcatRecord*>> byPartition;
  for (const auto& r : read) {
    const auto it = expected.find(r.key);
    ASSERT_NE(it, expected.end()) << "unknown key '" << r.key << "'";
    EXPECT_EQ(r.value, it->second) << "key " << r.key;
    EXPECT_TRUE(seen.insert(r.key).second) << "key " << r.key << " read twice";
    byPartition[r.partition].push_back(&r);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(byPartition.size(), 3u) << "the keyed records should spread over all partitions";

  // Within a partition: offsets 0..n-1 in output order, records in input order, and the
  // same records at the same offsets on every replica.
  ASSERT_TRUE(waitFullyReplicated(cluster, "kcat", 0) && waitFullyReplicated(cluster, "kcat", 1) &&
              waitFullyReplicated(cluster, "kcat", 2));
  for (const auto& [p, records] : byPartition) {
    const auto view = cluster.partition("kcat", p);
    const auto stored = cluster.records("kcat", p, view.leader);
    ASSERT_EQ(stored.size(), records.size()) << "partition " << p;
    for (size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(records[i]->offset, static_cast<int64_t>(i)) << "partition " << p;
      if (i > 0) {
        ASSERT_LT(records[i - 1]->key, records[i]->key) << "partition " << p << " reordered";
      }
      ASSERT_EQ(stored[i].key.value_or("<null>"), records[i]->key) << "partition " << p << " offset " << i;
      ASSERT_EQ(stored[i].value.value_or("<null>"), records[i]->value) << "partition " << p << " offset " << i;
    }
    for (int32_t b : view.replicas) {
      EXPECT_EQ(cluster.records("kcat", p, b), stored) << "partition " << p << " replica on broker " << b;
    }
  }
}

}  // namespace
}  // namespace kafkalite::testing
