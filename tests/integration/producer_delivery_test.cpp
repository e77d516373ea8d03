// kafkalite::Producer against the in-process MockCluster: a million acks=-1 records are
// each delivered exactly once and in per-partition order; a partition leader stopped
// mid-stream costs retries but no acknowledged record.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

std::string keyOf(std::size_t i) { return "k" + std::to_string(i); }
std::string valueOf(std::size_t i) { return "value-" + std::to_string(i); }

// The index a value was made from; -1 if it is not one of ours.
int64_t indexOf(const std::optional<std::string>& value) {
  if (!value || value->rfind("value-", 0) != 0) return -1;
  return std::stoll(value->substr(6));
}

MockClusterOptions cluster(int32_t partitions, int32_t minIsr = 1) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.minInsyncReplicas = minIsr;
  o.topics = {TopicSpec{"events", partitions, 3, std::nullopt}};
  return o;
}

TEST(ProducerDelivery, MillionRecordsExactlyOnceInPartitionOrder) {
  MockCluster mock(cluster(6));
  constexpr std::size_t kRecords = 1'000'000;
  ProducerTally tally(kRecords);
  {
    Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                       {"acks", "all"},
                       {"queue.buffering.max.messages", "100000"},
                       {"batch.num.messages", "5000"},
                       {"linger.ms", "5"},
                       // Generous: a slow (sanitizer) run must not time out and retry,
                       // which could write a record twice.
                       {"request.timeout.ms", "60000"}});
    for (std::size_t i = 0; i < kRecords; ++i) producer.send({"events", keyOf(i), valueOf(i)}, tally.callback(i));
    ASSERT_TRUE(producer.flush(scaledTimeout(300s))) << tally.completed() << " of " << kRecords << " completed";
    EXPECT_TRUE(producer.close(scaledTimeout(10s)));
  }
  ASSERT_EQ(tally.firstProblem(), "");

  std::vector<char> seen(kRecords, 0);
  std::size_t stored = 0;
  std::set<int32_t> partitionsUsed;
  for (int32_t p = 0; p < 6; ++p) {
    const auto view = mock.partition("events", p);
    const auto records = mock.records("events", p, view.leader);
    int64_t previous = -1;
    for (const auto& r : records) {
      const int64_t i = indexOf(r.value);
      ASSERT_GE(i, 0) << "partition " << p << " offset " << r.offset;
      const auto index = static_cast<std::size_t>(i);
      ASSERT_LT(index, kRecords);
      ASSERT_EQ(seen[index], 0) << "record " << i << " stored twice";
      seen[index] = 1;
      ASSERT_GT(i, previous) << "partition " << p << ": record " << i << " after " << previous;
      previous = i;
      ASSERT_EQ(r.key, keyOf(index));
      const auto outcome = tally.at(index);
      ASSERT_EQ(outcome.partition, p) << "record " << i;
      ASSERT_EQ(outcome.offset, r.offset) << "record " << i;
      partitionsUsed.insert(p);
      ++stored;
    }
  }
  EXPECT_EQ(stored, kRecords);
  EXPECT_EQ(partitionsUsed.size(), 6u);
}

TEST(ProducerDelivery, LeaderStoppedMidStreamLosesNoAcknowledgedRecord) {
  MockCluster mock(cluster(3, 2));
  constexpr std::size_t kRecords = 30'000;
  ProducerTally tally(kRecords);
  const auto before = mock.partition("events", 0);
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "-1"},
                     {"message.send.max.retries", "20"},
                     {"retry.backoff.ms", "100"},
                     {"request.timeout.ms", "10000"},
                     {"linger.ms", "2"},
                     {"batch.num.messages", "500"}});
  std::thread sender([&] {
    for (std::size_t i = 0; i < kRecords; ++i) producer.send({"events", keyOf(i), valueOf(i)}, tally.callback(i));
  });
  // Stop partition 0's leader once part of the stream is acknowledged.
  ASSERT_TRUE(waitUntil([&] { return tally.completed() >= kRecords / 3; }, 60s));
  mock.stopBroker(before.leader, StopMode::Hard);
  sender.join();
  ASSERT_TRUE(producer.flush(scaledTimeout(120s)));
  ASSERT_EQ(tally.firstProblem(), "") << "retries reach the new leader";

  const auto after = mock.partition("events", 0);
  ASSERT_NE(after.leader, before.leader);
  ASSERT_GE(after.leader, 0);
  // Every acknowledged record is in its partition's log at its acknowledged offset.
  std::map<int32_t, std::map<int64_t, int64_t>> byOffset;  // partition -> offset -> index
  std::size_t writtenByNewLeader = 0;
  for (int32_t p = 0; p < 3; ++p) {
    const auto view = mock.partition("events", p);
    for (const auto& r : mock.records("events", p, view.leader)) {
      byOffset[p][r.offset] = indexOf(r.value);
      if (p == 0 && r.leaderEpoch == after.leaderEpoch) ++writtenByNewLeader;
    }
  }
  EXPECT_GT(writtenByNewLeader, 0u) << "the stream went on at the new leader";
  for (std::size_t i = 0; i < kRecords; ++i) {
    const auto o = tally.at(i);
    const auto& log = byOffset[o.partition];
    const auto it = log.find(o.offset);
    ASSERT_NE(it, log.end()) << "record " << i << " acknowledged at " << o.partition << "/" << o.offset << " is gone";
    ASSERT_EQ(it->second, static_cast<int64_t>(i)) << "offset " << o.offset << " of partition " << o.partition;
  }
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

TEST(ProducerDelivery, AcksZeroCompletesOnWriteAndTheRecordsArrive) {
  MockCluster mock(cluster(3));
  constexpr std::size_t kRecords = 10'000;
  ProducerTally tally(kRecords);
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()}, {"acks", "0"}, {"linger.ms", "2"}});
  for (std::size_t i = 0; i < kRecords; ++i) producer.send({"events", keyOf(i), valueOf(i)}, tally.callback(i));
  ASSERT_TRUE(producer.flush(scaledTimeout(60s)));
  ASSERT_EQ(tally.firstProblem(), "");
  for (std::size_t i = 0; i < kRecords; i += 997) EXPECT_EQ(tally.at(i).offset, -1) << "no response, no offset";
  // Nothing was awaited, but the broker did append every record.
  ASSERT_TRUE(waitUntil([&] {
    std::size_t n = 0;
    for (int32_t p = 0; p < 3; ++p) n += mock.records("events", p, mock.partition("events", p).leader).size();
    return n == kRecords;
  }));
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

}  // namespace
}  // namespace kafkalite::testing
