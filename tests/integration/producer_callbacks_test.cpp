// kafkalite::Producer against the in-process MockCluster, seen through what it tells the
// application: the statistics document (parsed with nlohmann::json; its counts match what
// was sent), the log callback (connections, metadata), the error callback (every broker
// down), destruction inside its own callback, and MESSAGE_TOO_LARGE from a broker whose
// message.max.bytes is below the producer's (split and sent again).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"
#include "support/producer_tally.hpp"
#include "support/timeouts.hpp"
#include "support/wait_until.hpp"

namespace kafkalite::testing {
namespace {

using mock::MockCluster;
using mock::MockClusterOptions;
using mock::StopMode;
using mock::TopicSpec;
using namespace std::chrono_literals;

// Threads of this process (each has a directory in /proc/self/task).
std::size_t threadCount() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

MockClusterOptions cluster(int32_t brokers, int32_t partitions) {
  MockClusterOptions o;
  o.brokers = brokers;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"c", partitions, static_cast<int16_t>(brokers), std::nullopt}};
  return o;
}

// What the callbacks received, guarded (they run on the I/O thread).
struct Received {
  std::mutex mutex;
  std::vector<std::string> statistics;
  std::vector<std::string> logs;  // "FACILITY message"
  std::vector<std::error_code> errors;

  ProducerCallbacks callbacks() {
    ProducerCallbacks c;
    c.statistics = [this](std::string_view json) {
      std::lock_guard lock(mutex);
      statistics.emplace_back(json);
    };
    c.log = [this](LogLevel, std::string_view facility, std::string_view message) {
      std::lock_guard lock(mutex);
      logs.push_back(std::string(facility) + " " + std::string(message));
    };
    c.error = [this](std::error_code ec, std::string_view) {
      std::lock_guard lock(mutex);
      errors.push_back(ec);
    };
    return c;
  }
  std::string lastStatistics() {
    std::lock_guard lock(mutex);
    return statistics.empty() ? std::string() : statistics.back();
  }
  bool logged(std::string_view text) {
    std::lock_guard lock(mutex);
    for (const auto& l : logs) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::size_t errorCount(std::error_code ec) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count(errors.begin(), errors.end(), ec));
  }
};

TEST(ProducerCallbacks, StatisticsCountWhatWasSentAndLogsShowTheConnections) {
  MockCluster mock(cluster(3, 3));
  constexpr std::size_t kRecords = 3000;
  ProducerTally tally(kRecords);
  Received received;
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"kafkalite.defaults", "modern"},
                     {"statistics.interval.ms", "50"},
                     {"log_level", "7"}},
                    received.callbacks());
  int64_t bytes = 0;
  for (std::size_t i = 0; i < kRecords; ++i) {
    const std::string key = "k" + std::to_string(i % 30);
    const std::string value = "v" + std::to_string(i);
    bytes += static_cast<int64_t>(key.size() + value.size());
    producer.send({"c", key, value}, tally.callback(i));
  }
  ASSERT_TRUE(producer.flush(scaledTimeout(60s)));
  ASSERT_EQ(tally.firstProblem(), "");
  // A document made after every record was acknowledged.
  nlohmann::json doc;
  ASSERT_TRUE(waitUntil([&] {
    const std::string json = received.lastStatistics();
    if (json.empty()) return false;
    doc = nlohmann::json::parse(json);
    return doc["acked_msgs"] == kRecords;
  }, 20s)) << doc.dump(2);
  EXPECT_EQ(doc["type"], "producer");
  EXPECT_EQ(doc["msg_cnt"], 0);
  EXPECT_EQ(doc["msg_size"], 0);
  EXPECT_EQ(doc["acked_msg_bytes"], bytes);
  EXPECT_EQ(doc["failed_msgs"], 0);
  EXPECT_EQ(doc["txmsgs"], kRecords) << "no retries happened";
  EXPECT_EQ(doc["msg_max"], 100000) << "the modern column";
  EXPECT_EQ(doc["msg_size_max"], 32 * 1024 * 1024);
  EXPECT_EQ(doc["eos"]["idemp_state"], "Assigned");
  int64_t perPartition = 0;
  for (const auto& [index, p] : doc["topics"]["c"]["partitions"].items()) {
    perPartition += p["txmsgs"].get<int64_t>();
    EXPECT_EQ(p["next_seq"], p["txmsgs"]) << "every batch acknowledged: the next sequence follows them";
    EXPECT_EQ(p["msgq_cnt"], 0);
  }
  EXPECT_EQ(perPartition, static_cast<int64_t>(kRecords));
  int upBrokers = 0;
  int64_t requests = 0;
  for (const auto& [name, b] : doc["brokers"].items()) {
    if (b["nodeid"] < 0) continue;
    EXPECT_GE(b["connects"], 1) << name;
    upBrokers += b["state"] == "UP" ? 1 : 0;
    requests += b["tx"].get<int64_t>();
  }
  EXPECT_EQ(upBrokers, 3) << "each partition leader was connected to";
  EXPECT_EQ(requests, doc["tx"].get<int64_t>()) << "the brokers' requests add up to the total";
  EXPECT_TRUE(received.logged("CONNECT connected to broker"));
  EXPECT_TRUE(received.logged("IDEMPOTENCE producer id"));
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

TEST(ProducerCallbacks, EveryBrokerDownIsReportedToTheErrorCallback) {
  MockCluster mock(cluster(3, 1));
  Received received;
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"retry.backoff.ms", "50"},
                     {"message.send.max.retries", "1000"},
                     {"linger.ms", "0"}},
                    received.callbacks());
  auto warm = producer.send(ProducerRecord("c", std::string("up")));
  ASSERT_EQ(warm.wait_for(scaledTimeout(30s)), std::future_status::ready);
  ASSERT_GE(warm.get().offset, 0);
  for (int32_t b = 1; b <= 3; ++b) mock.stopBroker(b, StopMode::Hard);
  producer.send({"c", std::string("down")}, nullptr);
  EXPECT_TRUE(waitUntil([&] { return received.errorCount(ClientError::AllBrokersDown) > 0; }, 30s));
  EXPECT_EQ(received.errorCount(ClientError::AllBrokersDown), 1u) << "once, not once per attempt";
  EXPECT_FALSE(producer.close(0ms));
}

// The probe: the last owner dropped inside a delivery callback (std::terminate
// before: the destructor joined its own thread). The records still pending are delivered.
TEST(ProducerCallbacks, DestroyedInsideItsOwnCallbackWithoutAbort) {
  MockCluster mock(cluster(1, 1));
  const std::size_t threadsBefore = threadCount();
  constexpr std::size_t kRecords = 500;
  ProducerTally tally(kRecords);
  std::promise<void> released;
  std::shared_future<void> testReleased = released.get_future().share();
  std::shared_ptr<Producer> producer = std::make_shared<Producer>(
      std::initializer_list<std::pair<const std::string, std::string>>{{"bootstrap.servers", mock.bootstrapServers()},
                                                                        {"linger.ms", "1"}});
  auto first = tally.callback(0);
  producer->send({"c", std::string("0")}, [first = std::move(first), owner = producer, testReleased](
                                               std::error_code ec, const RecordMetadata& md) mutable {
    first(ec, md);
    testReleased.wait();
    owner.reset();  // the last owner: ~Producer runs here, on the I/O thread
  });
  for (std::size_t i = 1; i < kRecords; ++i) producer->send({"c", std::to_string(i)}, tally.callback(i));
  producer.reset();
  released.set_value();
  ASSERT_TRUE(waitUntil([&] { return tally.completed() == kRecords; }, 30s));
  EXPECT_EQ(tally.firstProblem(), "");
  EXPECT_EQ(mock.records("c", 0, 1).size(), kRecords);
  // Then its I/O thread stops and frees it.
  EXPECT_TRUE(waitUntil([&] { return threadCount() == threadsBefore; }, 20s));
}

// Java's Sender splits a batch the broker refuses as too large (here the broker's
// message.max.bytes is 100 KB, the producer's 1 MB) and sends the halves again; only a
// record that alone is too large fails.
TEST(ProducerCallbacks, BatchesTooLargeForTheBrokerAreSplitAndDelivered) {
  MockClusterOptions options = cluster(1, 1);
  options.messageMaxBytes = 100 * 1000;
  MockCluster mock(options);
  constexpr std::size_t kRecords = 60;
  ProducerTally tally(kRecords);
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"linger.ms", "200"},
                     {"batch.num.messages", "1000"},
                     {"max.in.flight.requests.per.connection", "1"}});  // so send order survives the retries
  for (std::size_t i = 0; i < kRecords; ++i) {
    producer.send({"c", std::to_string(i) + ":" + std::string(10 * 1000, 'x')}, tally.callback(i));
  }
  auto alone = producer.send(ProducerRecord("c", std::string(200 * 1000, 'y')));
  ASSERT_TRUE(producer.flush(scaledTimeout(60s)));
  EXPECT_EQ(tally.firstProblem(), "");
  try {
    (void)alone.get();
    ADD_FAILURE() << "a record above the broker's limit was accepted";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ErrorCode::MESSAGE_TOO_LARGE));
  }
  const auto records = mock.records("c", 0, 1);
  ASSERT_EQ(records.size(), kRecords);
  for (std::size_t i = 0; i < kRecords; ++i) {
    EXPECT_EQ(records[i].value->substr(0, records[i].value->find(':')), std::to_string(i)) << "in send order";
  }
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

}  // namespace
}  // namespace kafkalite::testing
