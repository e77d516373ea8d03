// Compression with independent compressors and decompressors, none of them ours: kcat 1.7.1
// (librdkafka 2.0.2) produces with `-z gzip|snappy|lz4|zstd` into the in-process mock
// cluster, which validates each batch (decompressing it) and stores it in its codec; then
// kafka-python 2.0.2 (/usr/bin/python3, Debian's python3-kafka with python3-snappy,
// python3-lz4 and python3-zstandard; CRCs checked) and a librdkafka consumer with
// check.crcs=true each read every record back with its key, value and header.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kafkalite/producer.hpp"
#include "support/cluster_helpers.hpp"
#include "support/producer_tally.hpp"
#include "support/kcat.hpp"
#include "support/rdkafka_read.hpp"

namespace kafkalite::testing {
namespace {

using protocol::CompressionType;

struct Expected {
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ReadBack {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

// tests/interop/python/consume_all.py: every record, as kafka-python decoded it.
std::vector<ReadBack> consumeWithKafkaPython(const std::string& bootstrap, const std::string& topic,
                                             const std::string& dir, std::string& error) {
  const auto deadline = scaledTimeout(std::chrono::seconds(60));
  Subprocess python(SubprocessOptions{{KAFKALITE_PYTHON3, KAFKALITE_INTEROP_DIR "/python/consume_all.py",
                                       bootstrap, topic, std::to_string(deadline.count() / 1000)},
                                      std::nullopt,
                                      dir + "/python.out",
                                      dir + "/python.err"});
  const auto status = python.wait(deadline + std::chrono::seconds(10));
  std::vector<ReadBack> out;
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    error = "kafka-python: " + (status ? describeWaitStatus(*status) : std::string("did not exit in time")) + "; " +
            readFile(dir + "/python.err").substr(0, 3000);
    return out;
  }
  for (const auto& line : split(readFile(dir + "/python.out"), '\n')) {
    if (line.empty()) continue;
    const auto f = split(line, '\t');
    if (f.size() != 5) {
      error = "malformed line: " + line.substr(0, 200);
      return out;
    }
    ReadBack r{std::stoi(f[0]), std::stoll(f[1]), fromHex(f[2]), fromHex(f[3]), {}};
    if (!f[4].empty()) {
      for (const auto& h : split(f[4], ',')) {
        const auto eq = h.find('=');
        r.headers.emplace_back(h.substr(0, eq), fromHex(h.substr(eq + 1)));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// A librdkafka consumer with check.crcs=true, assigned every partition from the beginning
// until each reports EOF.
std::vector<ReadBack> consumeWithLibrdkafka(const std::string& bootstrap, const std::string& topic,
                                            int32_t partitions, std::string& error) {
  std::vector<ReadBack> out;
  error = readToEof(bootstrap, topic, partitions,
                    {{"group.id", "kafkalite-compression"}, {"enable.auto.commit", "false"}, {"check.crcs", "true"}},
                    [&](const rd_kafka_message_t& m) {
                      ReadBack r{m.partition, m.offset,
                                 m.key ? std::string(static_cast<const char*>(m.key), m.key_len) : std::string(),
                                 std::string(static_cast<const char*>(m.payload), m.len),
                                 {}};
                      forEachHeader(m, [&](const char* name, const void* value, std::size_t size) {
                        r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
                      });
                      out.push_back(std::move(r));
                    });
  return out;
}

// Every expected record exactly once, and offsets 0, 1, 2, ... in each partition's order.
void expectAllOnce(const std::vector<ReadBack>& read, const std::map<std::string, Expected>& expected,
                   const std::string& who) {
  std::set<std::string> seen;
  std::map<int32_t, int64_t> nextOffset;
  for (const auto& r : read) {
    const auto it = expected.find(r.key);
    ASSERT_NE(it, expected.end()) << who << ": unknown key '" << r.key << "'";
    EXPECT_EQ(r.value, it->second.value) << who << ": key " << r.key;
    EXPECT_EQ(r.headers, it->second.headers) << who << ": key " << r.key;
    EXPECT_TRUE(seen.insert(r.key).second) << who << ": key " << r.key << " read twice";
    EXPECT_EQ(r.offset, nextOffset[r.partition]++) << who << ": partition " << r.partition;
  }
  EXPECT_EQ(seen.size(), expected.size()) << who;
}

// Fetches every record of `partitions` partitions of `topic` from their leaders: how many
// came in batches of `codec`, and how many records all replicas store together.
std::pair<std::size_t, std::size_t> countStored(MockCluster& cluster, const std::string& topic, int32_t partitions,
                                                CompressionType codec) {
  std::size_t inCodec = 0;
  std::size_t stored = 0;
  for (int32_t p = 0; p < partitions; ++p) {
    const auto view = cluster.partition(topic, p);
    auto client = connectTo(cluster, view.leader);
    int64_t offset = 0;
    while (offset < replicaOf(view, view.leader).logEndOffset) {
      const auto reply = client->roundTrip(fetchRequest(topic, p, offset, 0, 1), 11);
      EXPECT_TRUE(reply.ok()) << reply.error;
      if (!reply.ok()) break;
      std::string error;
      const auto records = decodeRecords(findPartition(reply.body, topic, p)->records.bytes, &error);
      EXPECT_TRUE(error.empty()) << error;
      if (records.empty()) break;
      for (const auto& r : records) inCodec += r.compression == codec ? 1 : 0;
      offset = records.back().offset + 1;
    }
    for (int32_t b : view.replicas) stored += cluster.records(topic, p, b).size();
  }
  return {inCodec, stored};
}

// kafka-python and a librdkafka consumer each read every expected record of the topic's two
// partitions exactly once, in order.
void expectReadBackByBoth(const std::string& bootstrap, const std::string& topic,
                          const std::map<std::string, Expected>& expected, const std::string& dir) {
  std::string error;
  const auto python = consumeWithKafkaPython(bootstrap, topic, dir, error);
  ASSERT_TRUE(error.empty()) << error;
  expectAllOnce(python, expected, "kafka-python");
  const auto librdkafka = consumeWithLibrdkafka(bootstrap, topic, 2, error);
  ASSERT_TRUE(error.empty()) << error;
  expectAllOnce(librdkafka, expected, "librdkafka");
}

// Three brokers and `topic` with two partitions on all three.
MockClusterOptions threeBrokersWith(const std::string& topic) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{topic, 2, 3, std::nullopt}};
  return o;
}

// Record i's value: text that compresses, of a length that varies with i.
std::string valueOf(int i, const std::string& codecName) {
  return "value " + std::to_string(i) + " of " + codecName + ": the quick brown fox jumps over the lazy dog, " +
         std::string(static_cast<std::size_t>(i % 50), 'x');
}

class CompressionInterop : public ::testing::TestWithParam<CompressionType> {};

TEST_P(CompressionInterop, KcatProducesKafkaPythonAndLibrdkafkaReadEveryRecord) {
  const CompressionType codec = GetParam();
  const std::string codecName(protocol::compressionTypeName(codec));
  const std::string topic = "z-" + codecName;
  MockCluster cluster(threeBrokersWith(topic));
  const TempDir temp("kafkalite-compression");

  constexpr int kRecords = 3000;
  std::vector<std::pair<std::string, std::string>> input;
  std::map<std::string, Expected> expected;
  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value = valueOf(i, codecName);
    input.emplace_back(key, value);
    expected[key] = Expected{value, {{"trace", "kcat"}}};
  }
  const auto produced = kcatProduce(cluster.bootstrapServers(), topic, input, temp.path(),
                                    {"-z", codecName, "-H", "trace=kcat", "-X", "acks=all", "-X", "linger.ms=20"},
                                    std::chrono::seconds(60));
  ASSERT_TRUE(produced.exitedZero()) << produced.describe();
  ASSERT_TRUE(waitFullyReplicated(cluster, topic, 0) && waitFullyReplicated(cluster, topic, 1));

  // The batches are stored and served in kcat's codec (a batch that did not shrink may
  // have gone uncompressed, as librdkafka does), and every replica sees inside them.
  const auto [inCodec, stored] = countStored(cluster, topic, 2, codec);
  EXPECT_GT(inCodec, kRecords * 9 / 10u) << "records fetched in batches of " << codecName;
  EXPECT_EQ(stored, 3u * kRecords);

  expectReadBackByBoth(cluster.bootstrapServers(), topic, expected, temp.path());
}

// kafkalite's own producer with compression.type: each batch reaches the cluster in the
// codec (it validates them as Kafka's LogValidator does), and kafka-python and librdkafka,
// whose decompressors are not ours, read every record back once, in order.
TEST_P(CompressionInterop, ProducerCompressesKafkaPythonAndLibrdkafkaReadEveryRecord) {
  const CompressionType codec = GetParam();
  const std::string codecName(protocol::compressionTypeName(codec));
  const std::string topic = "p-" + codecName;
  MockCluster cluster(threeBrokersWith(topic));
  const TempDir temp("kafkalite-producer-compression");

  constexpr int kRecords = 3000;
  std::map<std::string, Expected> expected;
  ProducerTally tally(kRecords);
  {
    Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                       {"acks", "all"},
                       {"enable.idempotence", "true"},
                       {"linger.ms", "20"},
                       {"compression.type", codecName}});
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = "key-" + std::to_string(i);
      const std::string value = valueOf(i, codecName);
      expected[key] = Expected{value, {{"trace", "kafkalite"}}};
      ProducerRecord record(topic, key, value);
      record.headers.push_back({"trace", std::string("kafkalite")});
      producer.send(std::move(record), tally.callback(static_cast<std::size_t>(i)));
    }
    ASSERT_TRUE(producer.flush(scaledTimeout(std::chrono::seconds(60))));
  }
  ASSERT_EQ(tally.firstProblem(), "");
  ASSERT_TRUE(waitFullyReplicated(cluster, topic, 0) && waitFullyReplicated(cluster, topic, 1));

  const auto [inCodec, stored] = countStored(cluster, topic, 2, codec);
  EXPECT_EQ(inCodec, static_cast<std::size_t>(kRecords)) << "every record fetched in a batch of " << codecName;
  EXPECT_EQ(stored, 3u * kRecords);

  expectReadBackByBoth(cluster.bootstrapServers(), topic, expected, temp.path());
}

// kafkalite-broker's compression options: Kafka's values are taken, others refused with
// the usage exit status 2 and a message naming the option.
TEST(CompressionBrokerOptions, KafkasValuesAreTakenOthersRefused) {
  const TempDir temp("kafkalite-broker-compression");
  const std::vector<std::vector<std::string>> refused = {
      {"--compression-type", "none"},
      {"--compression-type", "LZ4"},
      {"--log-message-timestamp-type", "logappendtime"},
      {"--max-decompressed-batch-bytes", "0"},
  };
  for (const auto& args : refused) {
    std::vector<std::string> argv = {KAFKALITE_BROKER_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess broker(SubprocessOptions{argv, std::nullopt, temp.path() + "/out", temp.path() + "/err"});
    const auto status = broker.wait(scaledTimeout(std::chrono::seconds(10)));
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << args[0] << " " << args[1];
    EXPECT_NE(readFile(temp.path() + "/err").find(args[0]), std::string::npos) << readFile(temp.path() + "/err");
  }
  Subprocess broker(SubprocessOptions{{KAFKALITE_BROKER_BIN, "--no-admin", "--compression-type", "zstd",
                                       "--log-message-timestamp-type", "LogAppendTime",
                                       "--max-decompressed-batch-bytes", "1000000"},
                                      std::nullopt,
                                      std::nullopt,
                                      temp.path() + "/err"});
  bool ready = false;
  for (int lines = 0; lines < 5 && !ready; ++lines) {
    const auto line = broker.readLine(scaledTimeout(std::chrono::seconds(20)));
    if (!line) break;
    ready = *line == "ready";
  }
  EXPECT_TRUE(ready) << readFile(temp.path() + "/err");
  broker.signal(SIGTERM);
  const auto status = broker.wait(scaledTimeout(std::chrono::seconds(20)));
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionInterop,
                         ::testing::Values(CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                           CompressionType::Zstd),
                         [](const ::testing::TestParamInfo<CompressionType>& info) {
                           return std::string(protocol::compressionTypeName(info.param));
                         });

}  // namespace
}  // namespace kafkalite::testing
