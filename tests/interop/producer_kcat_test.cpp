// Records kafkalite::Producer sends to the in-process MockCluster, read back by kcat 1.7.1
// (`kcat -C -e`, librdkafka 2.0.2): each once, byte for byte, at the partition and offset
// our callbacks reported.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"
#include "support/kcat.hpp"
#include "support/producer_tally.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {
namespace {

using mock::MockCluster;
using mock::MockClusterOptions;
using mock::TopicSpec;
using namespace std::chrono_literals;

// kcat's output format separates fields with tabs and lines with newlines, and the key
// with ':'; printable bytes and a two-byte UTF-8 letter avoid all three.
std::string valueFor(std::size_t i) {
  static const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 _-.,;!@#$%^&*()[]{}<>/?|~+=\xc3\xa9";
  std::string s = "v" + std::to_string(i) + "|";
  for (std::size_t j = 0; j < (i * 7) % 53; ++j) s += alphabet[(i + j * 13) % alphabet.size()];
  return s;
}
std::string keyFor(std::size_t i) { return "k" + std::to_string(i); }

TEST(ProducerKcat, KcatReadsBackWhatTheProducerSent) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"kcat-producer", 3, 3, std::nullopt}};
  MockCluster cluster(o);
  constexpr std::size_t kRecords = 20'000;
  ProducerTally tally(kRecords);
  {
    Producer producer({{"bootstrap.servers", cluster.bootstrapServers()}, {"acks", "all"}, {"linger.ms", "5"}});
    for (std::size_t i = 0; i < kRecords; ++i) producer.send({"kcat-producer", keyFor(i), valueFor(i)}, tally.callback(i));
    ASSERT_TRUE(producer.flush(scaledTimeout(60s)));
  }
  ASSERT_EQ(tally.firstProblem(), "");

  const TempDir temp("kafkalite-producer-kcat");
  std::vector<KcatRecord> read;
  std::string parseError;
  const auto run = kcatConsumeAll(cluster.bootstrapServers(), "kcat-producer", temp.path(), 60s, read, parseError);
  ASSERT_TRUE(run.exitedZero()) << run.describe();
  ASSERT_TRUE(parseError.empty()) << parseError;
  ASSERT_EQ(read.size(), kRecords);
  std::map<std::string, std::size_t> indexOfKey;
  for (std::size_t i = 0; i < kRecords; ++i) indexOfKey[keyFor(i)] = i;
  std::vector<int> seen(kRecords, 0);
  for (const auto& r : read) {
    const auto it = indexOfKey.find(r.key);
    ASSERT_NE(it, indexOfKey.end()) << "unknown key " << r.key;
    const std::size_t i = it->second;
    EXPECT_EQ(++seen[i], 1) << "record " << i << " read twice";
    EXPECT_EQ(r.value, valueFor(i));
    const auto outcome = tally.at(i);
    EXPECT_EQ(r.partition, outcome.partition) << "record " << i;
    EXPECT_EQ(r.offset, outcome.offset) << "record " << i;
  }
}

}  // namespace
}  // namespace kafkalite::testing
