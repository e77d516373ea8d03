// kafkalite::Producer with enable.idempotence=true against the in-process MockCluster:
// a request that times out after the leader appended it is retried with the same
// sequence, and the broker recognises it (spec 8.6), so the record is in the log once;
// a leader stopped mid-stream costs retries at the new leader (which learned the producer
// state by replication) and still every record is in the log exactly once, in order;
// an InitProducerId answered too late is asked again (on a new connection) instead of
// stalling the producer; UNKNOWN_PRODUCER_ID and OUT_OF_ORDER_SEQUENCE_NUMBER cost an
// epoch bump (KIP-360, InitProducerId v3+), not the records.

#include <gtest/gtest.h>

#include <future>
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

MockClusterOptions threeBrokers(int32_t partitions, int32_t minIsr, int64_t lagMs) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.minInsyncReplicas = minIsr;
  o.replicaLagTimeMaxMs = lagMs;
  o.topics = {TopicSpec{"i", partitions, 3, std::nullopt}};
  return o;
}

TEST(ProducerIdempotence, RetryAfterATimedOutAppendIsWrittenOnce) {
  // request.timeout.ms (300) below replica.lag.time.max.ms (1500): the first attempts are
  // appended by the leader but time out waiting for the stalled follower; once it leaves
  // the ISR a retry is acknowledged. Without idempotence the record is then in the log
  // several times (ProducerFailure.StalledFollowerTimesOutThenTheRetrySucceeds...).
  MockCluster mock(threeBrokers(1, 1, 1500));
  const auto view = mock.partition("i", 0);
  for (const int32_t r : view.replicas) {
    if (r != view.leader) {
      mock.stallFollower(r);
      break;
    }
  }
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"enable.idempotence", "true"},
                     {"acks", "all"},
                     {"message.send.max.retries", "50"},
                     {"retry.backoff.ms", "100"},
                     {"request.timeout.ms", "300"},
                     {"linger.ms", "0"}});
  auto future = producer.send(ProducerRecord("i", std::string("once")));
  ASSERT_EQ(future.wait_for(scaledTimeout(60s)), std::future_status::ready);
  const RecordMetadata md = future.get();
  EXPECT_GE(md.offset, 0);
  const auto records = mock.records("i", 0, view.leader);
  std::size_t copies = 0;
  for (const auto& r : records) {
    copies += r.value == "once" ? 1 : 0;
    EXPECT_GE(r.producerId, 0) << "an idempotent producer's batches carry its producer id";
  }
  EXPECT_EQ(copies, 1u) << "the retries carried the first attempt's sequence";
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].offset, md.offset) << "the duplicate was answered with the original offset";
}

TEST(ProducerIdempotence, LeaderStoppedMidStreamEveryRecordExactlyOnceInOrder) {
  MockCluster mock(threeBrokers(3, 2, 30000));
  constexpr std::size_t kRecords = 30'000;
  ProducerTally tally(kRecords);
  const auto before = mock.partition("i", 0);
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"enable.idempotence", "true"},
                     {"message.send.max.retries", "20"},
                     {"retry.backoff.ms", "100"},
                     {"request.timeout.ms", "10000"},
                     {"linger.ms", "2"},
                     {"batch.num.messages", "500"}});
  std::thread sender([&] {
    for (std::size_t i = 0; i < kRecords; ++i) {
      const std::string key = "k" + std::to_string(i % 97);
      producer.send({"i", key, std::to_string(i)}, tally.callback(i));
    }
  });
  ASSERT_TRUE(waitUntil([&] { return tally.completed() >= kRecords / 3; }, 60s));
  mock.stopBroker(before.leader, StopMode::Hard);
  sender.join();
  ASSERT_TRUE(producer.flush(scaledTimeout(120s)));
  ASSERT_EQ(tally.firstProblem(), "") << "retries reach the new leader";
  const auto after = mock.partition("i", 0);
  ASSERT_NE(after.leader, before.leader);
  std::size_t writtenByNewLeader = 0;
  for (const auto& r : mock.records("i", 0, after.leader)) writtenByNewLeader += r.leaderEpoch == after.leaderEpoch;
  EXPECT_GT(writtenByNewLeader, 0u) << "the stream went on at the new leader";

  std::vector<int> copies(kRecords, 0);
  for (int32_t p = 0; p < 3; ++p) {
    const auto view = mock.partition("i", p);
    std::map<std::string, int64_t> lastOfKey;  // per key, sends are in order
    for (const auto& r : mock.records("i", p, view.leader)) {
      const auto i = std::stoll(*r.value);
      ++copies[static_cast<std::size_t>(i)];
      auto [it, fresh] = lastOfKey.try_emplace(*r.key, i);
      if (!fresh) {
        EXPECT_LT(it->second, i) << "key " << *r.key << " out of order in partition " << p;
        it->second = i;
      }
    }
  }
  for (std::size_t i = 0; i < kRecords; ++i) ASSERT_EQ(copies[i], 1) << "record " << i;
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

// The probe: InitProducerId answered only after 3 s, past request.timeout.ms.
// The timed-out request closed the only connection and nothing asked again until the
// next periodic metadata refresh (300 s): nothing was delivered in 20 s. Now it is asked
// again after retry.backoff.ms, on a connection the Sender opens for it.
TEST(ProducerIdempotence, ASlowInitProducerIdIsAskedAgainAndDeliveryFollowsTheDelay) {
  MockCluster mock(threeBrokers(1, 1, 30000));
  // The first InitProducerId, on whichever broker gets it, is answered after 3 s.
  mock.pushRequestErrors(22, {ErrorCode::COORDINATOR_LOAD_IN_PROGRESS}, -1, std::chrono::milliseconds(3000));
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"enable.idempotence", "true"},
                     {"linger.ms", "0"}});  // request.timeout.ms 1500: the first attempt times out
  auto future = producer.send(ProducerRecord("i", std::string("after-the-delay")));
  ASSERT_EQ(future.wait_for(scaledTimeout(10s)), std::future_status::ready)
      << "a few seconds, not the next periodic metadata refresh";
  EXPECT_GE(future.get().offset, 0);
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

// A broker that lost the producer's state (UNKNOWN_PRODUCER_ID) or saw a gap
// (OUT_OF_ORDER_SEQUENCE_NUMBER): the producer asks for a bump with InitProducerId v4
// carrying its id and epoch, and sends the batch again from sequence 0. Kafka's
// TransactionCoordinator answers a producer without a transactional id with a new id
// at epoch 0 whatever it carries, and so does the mock: each error costs an identity,
// never a record. No record fails and none is written twice.
TEST(ProducerIdempotence, SequenceErrorsCostAnEpochBumpNotTheRecords) {
  MockCluster mock(threeBrokers(1, 1, 30000));
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"kafkalite.defaults", "modern"},
                     {"linger.ms", "0"}});
  auto warm = producer.send(ProducerRecord("i", std::string("first")));
  ASSERT_EQ(warm.wait_for(scaledTimeout(30s)), std::future_status::ready);
  ASSERT_GE(warm.get().offset, 0);
  constexpr std::size_t kRecords = 20;
  ProducerTally tally(kRecords);
  mock.pushRequestErrors(0, {ErrorCode::UNKNOWN_PRODUCER_ID});
  for (std::size_t i = 0; i < kRecords / 2; ++i) producer.send({"i", "a-" + std::to_string(i)}, tally.callback(i));
  ASSERT_TRUE(producer.flush(scaledTimeout(30s)));
  mock.pushRequestErrors(0, {ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER});
  for (std::size_t i = kRecords / 2; i < kRecords; ++i) producer.send({"i", "b-" + std::to_string(i)}, tally.callback(i));
  ASSERT_TRUE(producer.flush(scaledTimeout(30s)));
  EXPECT_EQ(tally.firstProblem(), "") << "no spurious failure";
  const auto view = mock.partition("i", 0);
  const auto records = mock.records("i", 0, view.leader);
  EXPECT_EQ(records.size(), kRecords + 1) << "each record once";
  std::set<int64_t> producerIds;
  for (const auto& r : records) producerIds.insert(r.producerId);
  EXPECT_EQ(producerIds.size(), 3u) << "the first identity, and a new one after each error";
  EXPECT_TRUE(producer.close(scaledTimeout(10s)));
}

}  // namespace
}  // namespace kafkalite::testing
