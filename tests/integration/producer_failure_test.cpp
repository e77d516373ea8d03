// kafkalite::Producer when the cluster misbehaves: min.insync.replicas unmet, a stalled
// follower holding acks=-1 past request.timeout.ms, and every broker down.

#include <gtest/gtest.h>

#include <future>
#include <string>
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

MockClusterOptions threeBrokers(int32_t minIsr, int64_t lagMs = 30000) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.minInsyncReplicas = minIsr;
  o.replicaLagTimeMaxMs = lagMs;
  o.topics = {TopicSpec{"f", 1, 3, std::nullopt}};
  return o;
}

int32_t aFollower(const mock::PartitionView& view) {
  for (int32_t r : view.replicas)
    if (r != view.leader) return r;
  return -1;
}

std::size_t countValue(const MockCluster& mock, const std::string& value) {
  const auto view = mock.partition("f", 0);
  std::size_t n = 0;
  for (const auto& r : mock.records("f", 0, view.leader)) n += r.value == value ? 1 : 0;
  return n;
}

TEST(ProducerFailure, MinInsyncUnmetFailsWithNotEnoughReplicasAfterRetries) {
  MockCluster mock(threeBrokers(3));
  const auto view = mock.partition("f", 0);
  const int32_t follower = aFollower(view);
  mock.stopBroker(follower, StopMode::Hard);
  ASSERT_TRUE(waitUntil([&] { return mock.partition("f", 0).isr.size() == 2; }));

  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "all"},
                     {"message.send.max.retries", "2"},
                     {"retry.backoff.ms", "50"},
                     {"linger.ms", "0"}});
  constexpr std::size_t kRecords = 5;
  ProducerTally tally(kRecords);
  for (std::size_t i = 0; i < kRecords; ++i) producer.send({"f", "unmet-" + std::to_string(i)}, tally.callback(i));
  ASSERT_TRUE(producer.flush(scaledTimeout(30s)));
  for (std::size_t i = 0; i < kRecords; ++i) {
    const auto o = tally.at(i);
    EXPECT_EQ(o.calls, 1);
    EXPECT_EQ(o.error, make_error_code(ErrorCode::NOT_ENOUGH_REPLICAS)) << o.error.message();
    EXPECT_EQ(o.offset, -1);
  }
  EXPECT_EQ(countValue(mock, "unmet-0"), 0u) << "NOT_ENOUGH_REPLICAS: nothing was written";

  // Once the ISR is whole again, the same producer delivers.
  mock.startBroker(follower);
  ASSERT_TRUE(waitUntil([&] { return mock.partition("f", 0).isr.size() == 3; }, 30s));
  auto future = producer.send(ProducerRecord("f", std::string("after")));
  ASSERT_EQ(future.wait_for(scaledTimeout(30s)), std::future_status::ready);
  EXPECT_GE(future.get().offset, 0);
}

TEST(ProducerFailure, StalledFollowerGivesRequestTimedOut) {
  MockCluster mock(threeBrokers(1));
  mock.stallFollower(aFollower(mock.partition("f", 0)));
  // No retries: request.timeout.ms passes, whether the broker's REQUEST_TIMED_OUT (after
  // request.timeout.ms in purgatory) or the client's own deadline (the same value, started
  // a little earlier) ends the attempt first, the callback gets REQUEST_TIMED_OUT.
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "all"},
                     {"message.send.max.retries", "0"},
                     {"request.timeout.ms", "300"},
                     {"linger.ms", "0"}});
  auto future = producer.send(ProducerRecord("f", std::string("held")));
  ASSERT_EQ(future.wait_for(scaledTimeout(30s)), std::future_status::ready);
  try {
    future.get();
    ADD_FAILURE() << "expected REQUEST_TIMED_OUT";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ErrorCode::REQUEST_TIMED_OUT)) << e.what();
  }
}

TEST(ProducerFailure, StalledFollowerTimesOutThenTheRetrySucceedsOnceItLeavesTheIsr) {
  // request.timeout.ms (300) below replica.lag.time.max.ms (1500): the first attempts
  // time out on the broker; after the lag time the follower leaves the ISR and a retry
  // is acknowledged.
  MockCluster mock(threeBrokers(1, 1500));
  mock.stallFollower(aFollower(mock.partition("f", 0)));
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "all"},
                     {"message.send.max.retries", "50"},
                     {"retry.backoff.ms", "100"},
                     {"request.timeout.ms", "300"},
                     {"linger.ms", "0"}});
  auto future = producer.send(ProducerRecord("f", std::string("retried")));
  ASSERT_EQ(future.wait_for(scaledTimeout(60s)), std::future_status::ready);
  const RecordMetadata md = future.get();
  EXPECT_GE(md.offset, 0);
  EXPECT_EQ(mock.partition("f", 0).isr.size(), 2u);
  // Non-idempotent retries after a timeout write the record again (spec 8.5): it is in the
  // log more than once, the proof that a timed-out attempt was retried.
  EXPECT_GE(countValue(mock, "retried"), 2u);
}

TEST(ProducerFailure, AllBrokersDownRecordsFailAndFlushAndCloseReturn) {
  MockCluster mock(threeBrokers(1));
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "1"},
                     {"message.send.max.retries", "2"},
                     {"retry.backoff.ms", "50"},
                     {"request.timeout.ms", "500"},
                     {"linger.ms", "0"}});
  auto warm = producer.send(ProducerRecord("f", std::string("warm")));
  ASSERT_EQ(warm.wait_for(scaledTimeout(30s)), std::future_status::ready);
  ASSERT_GE(warm.get().offset, 0);

  for (int32_t b = 1; b <= 3; ++b) mock.stopBroker(b, StopMode::Hard);
  constexpr std::size_t kRecords = 100;
  ProducerTally tally(kRecords);
  for (std::size_t i = 0; i < kRecords; ++i) producer.send({"f", "lost-" + std::to_string(i)}, tally.callback(i));

  // flush and close are bounded: run them where a hang would show as a timeout here.
  auto flushed = std::async(std::launch::async, [&] { return producer.flush(scaledTimeout(30s)); });
  ASSERT_EQ(flushed.wait_for(scaledTimeout(60s)), std::future_status::ready);
  EXPECT_TRUE(flushed.get()) << "every record failed after its retries, so nothing is pending";
  for (std::size_t i = 0; i < kRecords; ++i) {
    const auto o = tally.at(i);
    EXPECT_EQ(o.calls, 1);
    EXPECT_TRUE(o.error) << "record " << i;
    EXPECT_TRUE(isRetriable(o.error)) << o.error.message() << ": the last of the retried errors";
  }
  auto closed = std::async(std::launch::async, [&] { return producer.close(scaledTimeout(5s)); });
  ASSERT_EQ(closed.wait_for(scaledTimeout(30s)), std::future_status::ready);
  EXPECT_TRUE(closed.get());
}

TEST(ProducerFailure, CloseWithPendingRecordsFailsThemWithinItsTimeout) {
  MockCluster mock(threeBrokers(1));
  mock.stallFollower(aFollower(mock.partition("f", 0)));
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"acks", "all"},
                     {"request.timeout.ms", "60000"},
                     {"linger.ms", "0"}});
  constexpr std::size_t kRecords = 10;
  ProducerTally tally(kRecords);
  for (std::size_t i = 0; i < kRecords; ++i) producer.send({"f", "held-" + std::to_string(i)}, tally.callback(i));
  ASSERT_TRUE(waitUntil([&] { return countValue(mock, "held-0") == 1; }));
  auto closed = std::async(std::launch::async, [&] { return producer.close(200ms); });
  ASSERT_EQ(closed.wait_for(scaledTimeout(30s)), std::future_status::ready);
  EXPECT_FALSE(closed.get()) << "records were still held by the broker";
  for (std::size_t i = 0; i < kRecords; ++i) {
    const auto o = tally.at(i);
    EXPECT_EQ(o.calls, 1);
    EXPECT_TRUE(o.error == make_error_code(ClientError::TimedOut) ||
                o.error == make_error_code(ClientError::ProducerClosed))
        << o.error.message();
  }
}

}  // namespace
}  // namespace kafkalite::testing
