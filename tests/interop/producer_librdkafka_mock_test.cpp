// kafkalite::Producer against an independent broker: librdkafka's built-in mock cluster
// (rd_kafka_mock_cluster_new) of Debian's 2.0.2 and of 2.15.1, one test binary each. Every
// record is read back by a librdkafka consumer (check.crcs=true) byte for byte: key (incl.
// null), value (incl. null and binary), headers, timestamp, exactly once, in order, and at
// the offset our callback reported; also with each compression.type.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kafkalite/producer.hpp"
#include "support/producer_tally.hpp"
#include "support/rdkafka_read.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// librdkafka's mock cluster needs an rd_kafka_t to live in.
class RdkafkaMockCluster {
 public:
  RdkafkaMockCluster(int brokers, const std::string& topic, int partitions) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quietRdkafkaLog);
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      error = err;
      return;
    }
    mcluster_ = rd_kafka_mock_cluster_new(rk_, brokers);
    if (mcluster_ == nullptr) {
      error = "rd_kafka_mock_cluster_new failed";
      return;
    }
    if (const auto e = rd_kafka_mock_topic_create(mcluster_, topic.c_str(), partitions, 1)) error = rd_kafka_err2str(e);
  }
  ~RdkafkaMockCluster() {
    if (mcluster_ != nullptr) rd_kafka_mock_cluster_destroy(mcluster_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  RdkafkaMockCluster(const RdkafkaMockCluster&) = delete;
  RdkafkaMockCluster& operator=(const RdkafkaMockCluster&) = delete;

  [[nodiscard]] std::string bootstrapServers() const { return rd_kafka_mock_cluster_bootstraps(mcluster_); }
  /// The next Produce requests (any broker) fail with these errors, in order.
  void pushProduceErrors(const std::vector<rd_kafka_resp_err_t>& errors) {
    rd_kafka_mock_push_request_errors_array(mcluster_, 0 /* Produce */, errors.size(), errors.data());
  }

  std::string error;

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mcluster_ = nullptr;
};

struct ReadRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
  int64_t timestamp = -1;
};

std::optional<std::string> bytesOrNull(const void* p, size_t n) {
  if (p == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(p), n);
}

// Assigns every partition from the beginning and reads until each reported EOF.
std::vector<ReadRecord> consumeAll(const std::string& bootstrap, const std::string& topic, int partitions,
                                   std::string& error) {
  std::vector<ReadRecord> out;
  error = readToEof(bootstrap, topic, partitions,
                    {{"group.id", "kafkalite-producer-interop"}, {"enable.auto.commit", "false"}, {"check.crcs", "true"}},
                    [&](const rd_kafka_message_t& m) {
                      ReadRecord r;
                      r.partition = m.partition;
                      r.offset = m.offset;
                      r.key = bytesOrNull(m.key, m.key_len);
                      r.value = bytesOrNull(m.payload, m.len);
                      rd_kafka_timestamp_type_t type;
                      r.timestamp = rd_kafka_message_timestamp(&m, &type);
                      forEachHeader(m, [&](const char* name, const void* value, std::size_t size) {
                        r.headers.push_back({name, bytesOrNull(value, size)});
                      });
                      out.push_back(std::move(r));
                    });
  return out;
}

// Record i: binary key and value (every byte value occurs), some nulls, some headers.
ProducerRecord recordFor(std::size_t i) {
  ProducerRecord r;
  r.topic = "interop";
  if (i % 10 != 3) {
    r.key = "key-" + std::to_string(i % 37);
    r.key->push_back(static_cast<char>(i % 256));
  }
  if (i % 50 != 7) {
    std::string v = "value-" + std::to_string(i) + "|";
    for (std::size_t j = 0; j < i % 300; ++j) v.push_back(static_cast<char>((i + j * 31) % 256));
    r.value = std::move(v);
  }
  if (i % 4 == 0) r.headers.push_back({"trace", "t-" + std::to_string(i)});
  if (i % 8 == 0) r.headers.push_back({"empty", std::nullopt});
  r.timestamp = 1'700'000'000'000 + static_cast<int64_t>(i);
  return r;
}

// Sends kRecords through the producer (with `extra` settings) into librdkafka's mock
// cluster, then reads them back with a librdkafka consumer and compares byte for byte.
void sendAndReadBack(RdkafkaMockCluster& mock, const std::map<std::string, std::string>& extra) {
  constexpr std::size_t kRecords = 5000;
  ProducerTally tally(kRecords);
  {
    std::map<std::string, std::string> settings{{"bootstrap.servers", mock.bootstrapServers()},
                                                {"acks", "all"},
                                                {"linger.ms", "5"},
                                                {"request.timeout.ms", "10000"}};
    for (const auto& [k, v] : extra) settings[k] = v;
    Producer producer(settings);
    for (std::size_t i = 0; i < kRecords; ++i) producer.send(recordFor(i), tally.callback(i));
    const bool flushed = producer.flush(scaledTimeout(60s));
    ASSERT_TRUE(flushed) << tally.completed() << " of " << kRecords;
    EXPECT_TRUE(producer.close(scaledTimeout(10s)));
  }
  ASSERT_EQ(tally.firstProblem(), "");

  std::string error;
  const auto read = consumeAll(mock.bootstrapServers(), "interop", 4, error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(read.size(), kRecords);
  std::map<std::pair<int32_t, int64_t>, std::size_t> byOffset;
  for (std::size_t i = 0; i < kRecords; ++i) {
    const auto o = tally.at(i);
    ASSERT_TRUE(byOffset.emplace(std::make_pair(o.partition, o.offset), i).second) << "offset reported twice";
  }
  // Exactly once, and per partition in send order at consecutive offsets (no retry reorders:
  // the first run has none, the idempotent one keeps order across them).
  std::vector<int> seen(kRecords, 0);
  std::map<int32_t, std::pair<int64_t, std::size_t>> last;  // partition -> (offset, record) read last
  for (const auto& r : read) {
    const auto it = byOffset.find({r.partition, r.offset});
    ASSERT_NE(it, byOffset.end()) << "partition " << r.partition << " offset " << r.offset << " was not reported";
    EXPECT_EQ(++seen[it->second], 1) << "record " << it->second << " read twice";
    const auto [previous, first] = last.try_emplace(r.partition, r.offset, it->second);
    if (!first) {
      EXPECT_EQ(r.offset, previous->second.first + 1) << "partition " << r.partition;
      EXPECT_GT(it->second, previous->second.second) << "partition " << r.partition << " out of send order";
      previous->second = {r.offset, it->second};
    }
    const ProducerRecord expected = recordFor(it->second);
    EXPECT_EQ(r.key, expected.key) << "record " << it->second;
    EXPECT_EQ(r.value, expected.value) << "record " << it->second;
    EXPECT_EQ(r.headers, expected.headers) << "record " << it->second;
    EXPECT_EQ(r.timestamp, *expected.timestamp) << "record " << it->second;
  }
}

TEST(ProducerLibrdkafkaMock, EveryRecordReadBackByteIdentical) {
  RdkafkaMockCluster mock(3, "interop", 4);
  ASSERT_TRUE(mock.error.empty()) << mock.error;
  sendAndReadBack(mock, {});
}

TEST(ProducerLibrdkafkaMock, IdempotentProducerWithRetriesReadBackExactlyOnce) {
  // librdkafka's mock checks producer ids and sequences as a broker does; the injected
  // errors make the producer retry batches with their sequences.
  RdkafkaMockCluster mock(3, "interop", 4);
  ASSERT_TRUE(mock.error.empty()) << mock.error;
  mock.pushProduceErrors({RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                          RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS});
  sendAndReadBack(mock, {{"enable.idempotence", "true"}, {"retry.backoff.ms", "20"}});
}

// compression.type: an independent broker stores the producer's compressed batches and an
// independent decompressor (librdkafka's consumer, CRCs checked) reads every record back.
class ProducerLibrdkafkaMockCompression : public ::testing::TestWithParam<std::string> {};

TEST_P(ProducerLibrdkafkaMockCompression, EveryRecordReadBackThroughTheCodec) {
  RdkafkaMockCluster mock(3, "interop", 4);
  ASSERT_TRUE(mock.error.empty()) << mock.error;
  sendAndReadBack(mock, {{"compression.type", GetParam()}, {"enable.idempotence", "true"}});
}

INSTANTIATE_TEST_SUITE_P(Codecs, ProducerLibrdkafkaMockCompression, ::testing::Values("gzip", "snappy", "lz4", "zstd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kafkalite::testing
