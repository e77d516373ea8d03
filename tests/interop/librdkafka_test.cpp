// librdkafka (C API; Debian's 2.0.2 and 2.15.1, one test binary each) against the
// in-process mock cluster (interop.md section 2, broker-spec.md 8.6 and 6.1): an
// idempotent acks=all producer and an assign()-based consumer agree on every record, and a
// hard stop of a partition leader in the middle of an acks=all run loses no acknowledged
// record.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/rdkafka_read.hpp"

namespace kafkalite::testing {
namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

rd_kafka_conf_t* makeConf(const Config& settings, std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      error = k + ": " + err;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_conf_set_log_cb(conf, quietRdkafkaLog);
  return conf;
}

struct Delivery {
  bool reported = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  int32_t partition = -1;
  int64_t offset = -1;
};

// A producer whose delivery reports land in deliveries[i] for the i-th produced record.
// Reports run inside poll()/flush() on the calling thread.
class Producer {
 public:
  Producer(const Config& settings, size_t records) : deliveries(records) {
    rd_kafka_conf_t* conf = makeConf(settings, error);
    if (!conf) return;
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, &Producer::onDelivery);
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk_) error = err;
  }
  ~Producer() {
    if (rk_) rd_kafka_destroy(rk_);
  }
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  [[nodiscard]] bool ok() const { return rk_ != nullptr; }

  bool produce(const std::string& topic, size_t index, const std::string& key, const std::string& value) {
    for (int attempt = 0; attempt < 10'000; ++attempt) {  // bounded: QUEUE_FULL clears as reports arrive
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(index))), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        error = rd_kafka_err2str(err);
        return false;
      }
      rd_kafka_poll(rk_, 10);
    }
    error = "queue stayed full";
    return false;
  }

  void poll(int ms) { rd_kafka_poll(rk_, ms); }
  [[nodiscard]] std::string describeFailures() const {
    std::string s;
    for (const auto& [name, count] : failures) s += name + " x" + std::to_string(count) + " ";
    return s.empty() ? "none" : s;
  }
  bool flush(std::chrono::milliseconds timeout) {
    return rd_kafka_flush(rk_, static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  std::vector<Delivery> deliveries;
  int reported = 0;
  int succeeded = 0;
  std::map<std::string, int> failures;  ///< error name -> count
  std::string error;

 private:
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    const auto index = static_cast<size_t>(reinterpret_cast<intptr_t>(m->_private));
    if (index >= self->deliveries.size()) return;
    Delivery& d = self->deliveries[index];
    d.reported = true;
    d.err = m->err;
    d.partition = m->partition;
    d.offset = m->offset;
    ++self->reported;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++self->succeeded;
    } else {
      ++self->failures[rd_kafka_err2name(m->err)];
    }
  }

  rd_kafka_t* rk_ = nullptr;
};

struct Consumed {
  int32_t partition;
  int64_t offset;
  std::string key;
  std::string value;
};

// Assigns every partition from the beginning and reads until each has reported EOF.
std::vector<Consumed> consumeToEof(const std::string& bootstrap, const std::string& topic, int32_t partitions,
                                   std::string& error) {
  std::vector<Consumed> out;
  error = readToEof(bootstrap, topic, partitions,
                    {{"group.id", "kafkalite-interop"}, {"enable.auto.commit", "false"}, {"auto.offset.reset", "error"}},
                    [&](const rd_kafka_message_t& m) {
                      out.push_back({m.partition, m.offset,
                                     m.key ? std::string(static_cast<const char*>(m.key), m.key_len) : std::string(),
                                     std::string(static_cast<const char*>(m.payload), m.len)});
                    });
  return out;
}

MockClusterOptions threeByThree(const std::string& topic) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{topic, 3, 3, std::nullopt}};
  return o;
}

std::string valueOf(size_t i) { return "value-" + std::to_string(i); }
std::string keyFor(size_t i) { return "key-" + std::to_string(i % 101); }

// spec 8.6, interop.md section 2: the idempotent producer (InitProducerId, sequences from
// 0) gets every record acknowledged once, and the consumer reads each exactly once, in
// production order within each partition, at the acknowledged offsets.
TEST(LibrdkafkaInterop, IdempotentProducerThenConsumerReadEachRecordOnceInOrder) {
  MockCluster cluster(threeByThree("rk"));
  constexpr size_t kRecords = 20'000;
  Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                     {"acks", "all"},
                     {"enable.idempotence", "true"},
                     {"linger.ms", "5"},
                     {"message.timeout.ms", std::to_string(scaledTimeout(std::chrono::seconds(60)).count())}},
                    kRecords);
  ASSERT_TRUE(producer.ok()) << producer.error;
  for (size_t i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(producer.produce("rk", i, keyFor(i), valueOf(i))) << producer.error;
    if (i % 1000 == 0) producer.poll(0);
  }
  ASSERT_TRUE(producer.flush(scaledTimeout(std::chrono::seconds(60)))) << producer.reported << " reports";
  ASSERT_EQ(producer.succeeded, static_cast<int>(kRecords)) << "failed deliveries: " << producer.describeFailures();

  std::map<int32_t, int64_t> lastOffset;
  for (size_t i = 0; i < kRecords; ++i) {  // acknowledged offsets grow in production order per partition
    const auto& d = producer.deliveries[i];
    auto [it, fresh] = lastOffset.emplace(d.partition, d.offset);
    if (!fresh) {
      ASSERT_GT(d.offset, it->second) << "record " << i << " on partition " << d.partition;
      it->second = d.offset;
    }
  }

  std::string error;
  const auto read = consumeToEof(cluster.bootstrapServers(), "rk", 3, error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(read.size(), kRecords);
  std::vector<int> seen(kRecords, 0);
  std::map<int32_t, int64_t> previous;
  for (const auto& r : read) {
    ASSERT_EQ(r.value.rfind("value-", 0), 0u) << r.value;
    const size_t i = std::stoul(r.value.substr(6));
    ASSERT_LT(i, kRecords);
    EXPECT_EQ(++seen[i], 1) << "record " << i << " read twice";
    EXPECT_EQ(r.key, keyFor(i));
    EXPECT_EQ(r.partition, producer.deliveries[i].partition) << "record " << i;
    EXPECT_EQ(r.offset, producer.deliveries[i].offset) << "record " << i;
    auto [it, fresh] = previous.emplace(r.partition, r.offset);
    if (!fresh) {
      EXPECT_EQ(r.offset, it->second + 1) << "partition " << r.partition << " not read in order";
      it->second = r.offset;
    }
  }
}

// spec 6.1: acks=all records acknowledged to librdkafka survive a hard stop of a
// partition leader in the middle of the run; each is read back at its offset.
TEST(LibrdkafkaInterop, HardStopOfALeaderLosesNoAcknowledgedRecord_Spec6_1) {
  MockCluster cluster(threeByThree("hs"));
  constexpr size_t kRecords = 20'000;
  Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                     {"acks", "all"},
                     {"linger.ms", "5"},
                     {"retry.backoff.ms", "50"},
                     {"message.timeout.ms", std::to_string(scaledTimeout(std::chrono::seconds(60)).count())}},
                    kRecords);
  ASSERT_TRUE(producer.ok()) << producer.error;
  for (size_t i = 0; i < kRecords / 2; ++i) ASSERT_TRUE(producer.produce("hs", i, keyFor(i), valueOf(i))) << producer.error;
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(30));
  while (producer.succeeded < static_cast<int>(kRecords / 4) && std::chrono::steady_clock::now() < deadline) {
    producer.poll(10);
  }
  ASSERT_GE(producer.succeeded, static_cast<int>(kRecords / 4)) << "the run never got going";

  const auto before = cluster.partition("hs", 0);
  cluster.stopBroker(before.leader, StopMode::Hard);
  for (size_t i = kRecords / 2; i < kRecords; ++i) {
    ASSERT_TRUE(producer.produce("hs", i, keyFor(i), valueOf(i))) << producer.error;
    if (i % 1000 == 0) producer.poll(0);
  }
  EXPECT_TRUE(producer.flush(scaledTimeout(std::chrono::seconds(90)))) << producer.reported << " reports";
  EXPECT_NE(cluster.partition("hs", 0).leader, before.leader);
  // With unbounded retries and a live ISR majority nothing should fail; every failure is
  // listed, but only acknowledged records are held to the no-loss rule below.
  EXPECT_EQ(producer.succeeded, static_cast<int>(kRecords)) << "failed deliveries: " << producer.describeFailures();
  ASSERT_GT(producer.succeeded, static_cast<int>(kRecords / 4));

  std::string error;
  const auto read = consumeToEof(cluster.bootstrapServers(), "hs", 3, error);
  ASSERT_TRUE(error.empty()) << error;
  std::map<std::pair<int32_t, int64_t>, const Consumed*> at;
  for (const auto& r : read) at[{r.partition, r.offset}] = &r;
  int lost = 0;
  for (size_t i = 0; i < kRecords; ++i) {
    const auto& d = producer.deliveries[i];
    if (!d.reported || d.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const auto it = at.find({d.partition, d.offset});
    if (it == at.end() || it->second->value != valueOf(i)) {
      if (++lost <= 10) {
        ADD_FAILURE() << "acknowledged record " << i << " (partition " << d.partition << ", offset " << d.offset
                      << ") " << (it == at.end() ? "missing" : "holds " + it->second->value);
      }
    }
  }
  EXPECT_EQ(lost, 0) << "acknowledged records lost or overwritten";
}

}  // namespace
}  // namespace kafkalite::testing
