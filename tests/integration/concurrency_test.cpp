// Everything the mock cluster and the producer promise to do from any thread, done from many
// threads at once: the cluster's control surface (views, request errors, RTTs, stalls,
// network cuts, leader moves, topic creation) while two threads produce, and close() while
// threads are still sending. These are the workloads the tsan preset runs under
// ThreadSanitizer; in every preset they check the outcome: each record the producer
// accepted completes exactly once, and each acknowledged record is in its leader's log at
// the offset its callback reported.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"
#include "support/cluster_helpers.hpp"
#include "support/producer_tally.hpp"
#include "support/timeouts.hpp"
#include "support/wait_until.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

std::string valueOf(std::size_t i) { return "value-" + std::to_string(i); }

// Control threads act every few milliseconds: pacing, not synchronisation.
void pace() { std::this_thread::sleep_for(2ms); }

MockClusterOptions threeBrokers(const std::string& topic) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{topic, 3, 3, std::nullopt}};
  return o;
}

TEST(Concurrency, ControlSurfaceFromManyThreadsWhileTwoThreadsProduce) {
  MockCluster cluster(threeBrokers("c"));
  constexpr std::size_t kPerThread = 2000;
  constexpr std::size_t kSenders = 2;
  ProducerTally tally(kPerThread * kSenders);
  std::atomic<bool> producing{true};
  {
    // Retries without limit and a long request timeout: faults delay records, never fail them,
    // and no request times out after its records were appended.
    Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                       {"acks", "all"},
                       {"retries", "1000000"},
                       {"retry.backoff.ms", "5"},
                       {"linger.ms", "1"},
                       {"request.timeout.ms", "60000"}});
    std::vector<std::thread> control;
    control.emplace_back([&] {  // views, from every broker's thread, and topic creation
      for (int i = 0; producing.load(); ++i, pace()) {
        for (const auto& view : cluster.partitions()) {
          if (view.topic == "c" && view.leader > 0) (void)cluster.records("c", view.partition, view.leader);
        }
        (void)cluster.brokers();
        (void)cluster.controllerId();
        (void)cluster.bootstrapServers();
        if (i % 25 == 0) cluster.createTopic(TopicSpec{"extra-" + std::to_string(i), 2, 2, std::nullopt});
      }
    });
    control.emplace_back([&] {  // faults: RTTs, produce errors, stalled followers, cut links
      for (int i = 0; producing.load(); ++i, pace()) {
        const int32_t a = 1 + i % 3;
        const int32_t b = 1 + (i + 1) % 3;
        switch (i % 4) {
          case 0: cluster.setBrokerRtt(a, std::chrono::milliseconds(i % 3)); break;
          case 1: cluster.pushRequestErrors(0, {ErrorCode::NOT_LEADER_OR_FOLLOWER}, a); break;
          case 2: cluster.stallFollower(a, (i / 4) % 2 == 0); break;
          default:
            if ((i / 4) % 2 == 0) {
              cluster.cutNetwork(a, b);
            } else {
              cluster.healNetwork(a, b);
            }
        }
      }
    });
    control.emplace_back([&] {  // leader moves, to in-sync replicas only (no record is lost)
      for (int i = 0; producing.load(); ++i, pace()) {
        const auto view = cluster.partition("c", i % 3);
        for (const int32_t r : view.isr) {
          if (r == view.leader) continue;
          try {
            cluster.moveLeader("c", view.partition, r);
          } catch (const std::system_error& e) {
            // It left the ISR meanwhile (a stalled follower): Kafka refuses the move, nothing moved.
            EXPECT_EQ(e.code(), make_error_code(ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE)) << e.what();
          }
          break;
        }
      }
    });
    std::vector<std::thread> senders;
    for (std::size_t t = 0; t < kSenders; ++t) {
      senders.emplace_back([&, t] {
        for (std::size_t i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
          producer.send({"c", "k" + std::to_string(i % 97), valueOf(i)}, tally.callback(i));
        }
      });
    }
    for (auto& s : senders) s.join();
    // Let the faults run until a good part of the records has completed through them.
    EXPECT_TRUE(waitUntil([&] { return tally.completed() >= kPerThread; }, 60s));
    producing.store(false);
    for (auto& c : control) c.join();
    cluster.healAll();
    ASSERT_TRUE(producer.flush(scaledTimeout(120s))) << tally.completed() << " of " << tally.size() << " completed";
    EXPECT_TRUE(producer.close(scaledTimeout(10s)));
  }
  ASSERT_EQ(tally.firstProblem(), "");
  for (int32_t p = 0; p < 3; ++p) ASSERT_TRUE(waitFullyReplicated(cluster, "c", p)) << describe(cluster.partition("c", p));
  std::vector<std::vector<StoredRecord>> logs;
  for (int32_t p = 0; p < 3; ++p) logs.push_back(cluster.records("c", p, cluster.partition("c", p).leader));
  for (std::size_t i = 0; i < tally.size(); ++i) {
    const auto outcome = tally.at(i);
    ASSERT_GE(outcome.partition, 0) << "record " << i;
    const auto& log = logs[static_cast<std::size_t>(outcome.partition)];
    const auto at = std::find_if(log.begin(), log.end(), [&](const StoredRecord& r) { return r.offset == outcome.offset; });
    ASSERT_NE(at, log.end()) << "record " << i << " acknowledged at " << outcome.partition << "/" << outcome.offset;
    ASSERT_EQ(at->value, valueOf(i)) << "record " << i << " at " << outcome.partition << "/" << outcome.offset;
  }
}

TEST(Concurrency, CloseWhileThreadsSendCompletesEveryAcceptedRecordOnce) {
  MockCluster cluster(threeBrokers("c"));
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kMaxPerThread = 200'000;
  ProducerTally tally(kThreads * kMaxPerThread);
  std::vector<std::size_t> accepted(kThreads, 0);
  Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                     {"acks", "1"},
                     {"linger.ms", "1"},
                     {"queue.buffering.max.messages", "20000"}});
  std::vector<std::thread> senders;
  for (std::size_t t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (std::size_t i = t * kMaxPerThread; i < (t + 1) * kMaxPerThread; ++i) {
        try {
          producer.send(ProducerRecord("c", valueOf(i)), tally.callback(i));
        } catch (const std::system_error& e) {
          EXPECT_EQ(e.code(), make_error_code(ClientError::ProducerClosed)) << e.what();
          return;
        }
        ++accepted[t];
      }
    });
  }
  ASSERT_TRUE(waitUntil([&] { return tally.completed() >= 2000; }, 30s));
  producer.close(scaledTimeout(20s));
  for (auto& s : senders) s.join();
  std::size_t total = 0;
  for (std::size_t t = 0; t < kThreads; ++t) {
    total += accepted[t];
    for (std::size_t i = t * kMaxPerThread; i < (t + 1) * kMaxPerThread; ++i) {
      const auto outcome = tally.at(i);
      ASSERT_EQ(outcome.calls, i < t * kMaxPerThread + accepted[t] ? 1 : 0) << "record " << i;
    }
  }
  EXPECT_EQ(tally.completed(), total);
  EXPECT_LT(total, kThreads * kMaxPerThread) << "close() came after every send: nothing raced";
}

}  // namespace
}  // namespace kafkalite::testing
