// Producer end to end on its real I/O thread, without sockets: connections are fakes on
// the producer's io_context that either never connect (to fill the queue) or answer every
// request like a one-broker cluster. Covers queue.enqueue.timeout.ms through send(),
// close() and flush() guarantees, futures, callbacks' thread, many sending threads, and
// pacing of a sender far ahead of the I/O thread.

#include "kafkalite/producer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <mutex>
#include <thread>

#include "client/producer_impl.hpp"
#include "support/wait_until.hpp"
#include "unit/client/auto_connection.hpp"

namespace kafkalite::client::testing {
namespace {

using kafkalite::testing::waitUntil;
using namespace std::chrono_literals;

ProducerConfig baseConfig() {
  ProducerConfig c;
  c.bootstrapServers = {BrokerAddress{"fake", 9092}};
  c.queueBufferingMaxMs = 5;
  return c;
}

std::unique_ptr<Producer> makeProducer(const ProducerConfig& config, bool connectable, int32_t partitions = 3) {
  auto impl = std::make_unique<Producer::Impl>(
      config, nullptr, [connectable, partitions](boost::asio::io_context& io, const Clock&, std::function<void()>) {
        return std::make_unique<AutoFactory>(io, connectable, partitions);
      });
  return std::make_unique<Producer>(std::move(impl));
}

struct Tally {
  std::mutex mutex;
  std::vector<std::error_code> errors;
  std::vector<RecordMetadata> metadata;
  std::set<std::thread::id> threads;
  Producer::Callback callback() {
    return [this](std::error_code ec, const RecordMetadata& md) {
      std::lock_guard lock(mutex);
      errors.push_back(ec);
      metadata.push_back(md);
      threads.insert(std::this_thread::get_id());
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return errors.size();
  }
};

TEST(ProducerTest, ZeroEnqueueTimeoutThrowsQueueFullAndCloseFailsThePending) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 2;
  config.batchNumMessages = 1;
  config.queueEnqueueTimeoutMs = 0;
  auto producer = makeProducer(config, /*connectable=*/false);
  Tally tally;
  producer->send({"t", "a"}, tally.callback());
  producer->send({"t", "b"}, tally.callback());
  EXPECT_THROW(producer->send({"t", "c"}, tally.callback()), QueueFullException);
  EXPECT_FALSE(producer->flush(10ms)) << "nothing can be delivered";
  EXPECT_FALSE(producer->close(0ms));
  ASSERT_EQ(tally.size(), 2u) << "the rejected record's callback is never called";
  for (const auto& e : tally.errors) EXPECT_EQ(e, make_error_code(ClientError::ProducerClosed));
  EXPECT_THROW(producer->send({"t", "d"}, tally.callback()), std::system_error);
}

TEST(ProducerTest, PositiveEnqueueTimeoutThrowsQueueFullAfterWaiting) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 1;
  config.batchNumMessages = 1;
  config.queueEnqueueTimeoutMs = 30;
  auto producer = makeProducer(config, false);
  producer->send({"t", "a"}, nullptr);
  EXPECT_THROW(producer->send({"t", "b"}, nullptr), QueueFullException);
  producer->close(0ms);  // the fake never connects, so "a" would wait for good
}

TEST(ProducerTest, NegativeEnqueueTimeoutBlocksUntilCloseWakesIt) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 1;
  config.batchNumMessages = 1;
  config.queueEnqueueTimeoutMs = -1;
  auto impl = std::make_unique<Producer::Impl>(config, nullptr, [](boost::asio::io_context& io, const Clock&, std::function<void()>) {
    return std::make_unique<AutoFactory>(io, false, 1);
  });
  const Producer::Impl* view = impl.get();
  auto producer = std::make_unique<Producer>(std::move(impl));
  producer->send({"t", "a"}, nullptr);
  std::atomic<bool> blocked{true};
  std::error_code thrown;
  std::thread sender([&] {
    try {
      producer->send({"t", "b"}, nullptr);
    } catch (const std::system_error& e) {
      thrown = e.code();
    }
    blocked = false;
  });
  // It blocks (a slot never frees: nothing connects) until close() wakes it.
  ASSERT_TRUE(waitUntil([&] { return view->handoff().blockedSenders() == 1; }));
  EXPECT_TRUE(blocked);
  producer->close(0ms);
  sender.join();
  EXPECT_FALSE(blocked);
  EXPECT_EQ(thrown, make_error_code(ClientError::ProducerClosed));
}

TEST(ProducerTest, DeliversEveryRecordOnTheIoThreadWithOffsetsInOrder) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 100;
  config.batchNumMessages = 10;
  config.queueEnqueueTimeoutMs = -1;
  auto producer = makeProducer(config, true, 1);
  Tally tally;
  constexpr int kRecords = 1000;
  for (int i = 0; i < kRecords; ++i) producer->send({"t", std::to_string(i)}, tally.callback());
  ASSERT_TRUE(producer->flush(kafkalite::testing::scaledTimeout(20s)));
  ASSERT_EQ(tally.size(), static_cast<std::size_t>(kRecords));
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_FALSE(tally.errors[static_cast<std::size_t>(i)]);
    EXPECT_EQ(tally.metadata[static_cast<std::size_t>(i)].offset, i) << "one partition, one thread: send order";
  }
  EXPECT_EQ(tally.threads.size(), 1u);
  EXPECT_EQ(tally.threads.count(std::this_thread::get_id()), 0u) << "callbacks run on the I/O thread";
  EXPECT_TRUE(producer->close(1s));
}

TEST(ProducerTest, FutureOverloadAndPartitionsFor) {
  auto producer = makeProducer(baseConfig(), true, 4);
  const auto partitions = producer->partitionsFor("orders", kafkalite::testing::scaledTimeout(10s));
  ASSERT_EQ(partitions.size(), 4u);
  EXPECT_EQ(partitions[3].partition, 3);
  EXPECT_EQ(partitions[3].leader, 1);
  ProducerRecord record("orders", std::string("key"), std::string("value"));
  record.partition = 2;
  auto future = producer->send(std::move(record));
  ASSERT_EQ(future.wait_for(kafkalite::testing::scaledTimeout(10s)), std::future_status::ready);
  const RecordMetadata md = future.get();
  EXPECT_EQ(md.topic, "orders");
  EXPECT_EQ(md.partition, 2);
  EXPECT_EQ(md.offset, 0);
}

TEST(ProducerTest, EqualKeysLandOnTheSamePartition) {
  auto producer = makeProducer(baseConfig(), true, 6);
  std::map<std::string, std::set<int32_t>> partitionsByKey;
  std::vector<std::future<RecordMetadata>> futures;
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) {
    keys.push_back("key-" + std::to_string(i % 7));
    futures.push_back(producer->send({"t", keys.back(), std::string("v")}));
  }
  ASSERT_TRUE(producer->flush(kafkalite::testing::scaledTimeout(10s)));
  for (std::size_t i = 0; i < futures.size(); ++i) partitionsByKey[keys[i]].insert(futures[i].get().partition);
  for (const auto& [key, partitions] : partitionsByKey) EXPECT_EQ(partitions.size(), 1u) << key;
}

TEST(ProducerTest, ManyThreadsSendConcurrently) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 64;
  config.batchNumMessages = 16;
  auto producer = makeProducer(config, true, 3);
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        producer->send({"t", std::to_string(t) + ":" + std::to_string(i)}, [&](std::error_code ec, const RecordMetadata&) {
          (ec ? failed : ok).fetch_add(1);
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(producer->close(kafkalite::testing::scaledTimeout(30s)));
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
}

// The I/O thread stuck in a callback while the application sends far more than the
// hand-off's pacing depth: with queue.enqueue.timeout.ms -1 the sender waits (paces) until
// the I/O thread drains again, with 0 it never waits; either way every record arrives.
void sendWhileTheIoThreadIsStuck(int32_t enqueueTimeoutMs) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 100'000;
  config.batchNumMessages = 1000;
  config.queueEnqueueTimeoutMs = enqueueTimeoutMs;
  auto impl = std::make_unique<Producer::Impl>(config, nullptr, [](boost::asio::io_context& io, const Clock&, std::function<void()>) {
    return std::make_unique<AutoFactory>(io, true, 2);
  });
  const Producer::Impl* view = impl.get();
  auto producer = std::make_unique<Producer>(std::move(impl));
  std::promise<void> unblock;
  std::shared_future<void> unblocked = unblock.get_future().share();
  std::atomic<bool> stuck{false};
  producer->send({"t", "first"}, [&](std::error_code, const RecordMetadata&) {
    stuck = true;
    unblocked.wait();
  });
  ASSERT_TRUE(waitUntil([&] { return stuck.load(); }));
  const std::size_t records = RecordHandoff::kPaceAbove + 4 * RecordHandoff::kPaceCheckEvery;
  std::atomic<int> ok{0};
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    for (std::size_t i = 0; i < records; ++i) {
      producer->send({"t", std::to_string(i)}, [&](std::error_code ec, const RecordMetadata&) {
        if (!ec) ok.fetch_add(1);
      });
    }
    sent = true;
  });
  if (enqueueTimeoutMs < 0) {
    ASSERT_TRUE(waitUntil([&] { return view->handoff().pacingSenders() == 1; }));
    EXPECT_FALSE(sent.load()) << "it waits for the I/O thread";
  } else {
    ASSERT_TRUE(waitUntil([&] { return sent.load(); })) << "with queue.enqueue.timeout.ms = 0, send() never waits";
  }
  unblock.set_value();
  sender.join();
  ASSERT_TRUE(producer->flush(kafkalite::testing::scaledTimeout(30s)));
  EXPECT_EQ(ok.load(), static_cast<int>(records));
  EXPECT_TRUE(producer->close(1s));
}

TEST(ProducerTest, ASenderFarAheadOfTheIoThreadWaitsForIt) { sendWhileTheIoThreadIsStuck(-1); }

TEST(ProducerTest, WithZeroEnqueueTimeoutASenderFarAheadNeverWaits) { sendWhileTheIoThreadIsStuck(0); }

TEST(ProducerTest, ACallbackSendingManyRecordsNeverWaitsForItself) {
  ProducerConfig config = baseConfig();
  config.queueBufferingMaxMessages = 100'000;
  config.batchNumMessages = 1000;
  config.queueEnqueueTimeoutMs = -1;
  auto producer = makeProducer(config, true, 2);
  const std::size_t records = RecordHandoff::kPaceAbove + 4 * RecordHandoff::kPaceCheckEvery;
  std::atomic<int> ok{0};
  // The callback runs on the I/O thread, which drains nothing while it sends: pacing
  // there would wait for itself.
  producer->send({"t", "first"}, [&](std::error_code, const RecordMetadata&) {
    for (std::size_t i = 0; i < records; ++i) {
      producer->send({"t", std::to_string(i)}, [&](std::error_code ec, const RecordMetadata&) {
        if (!ec) ok.fetch_add(1);
      });
    }
  });
  ASSERT_TRUE(waitUntil([&] { return ok.load() == static_cast<int>(records); }, 30s));
  EXPECT_TRUE(producer->close(1s));
}

TEST(ProducerTest, OnePropertyInBracesIsNotAmbiguous) {
  Producer producer({{"bootstrap.servers", "localhost:9092"}});  // connects only once it has work
  EXPECT_TRUE(producer.close(0ms));
}

TEST(ProducerTest, ConstructionValidatesTheConfiguration) {
  EXPECT_THROW(Producer({{"bootstrap.servers", "localhost:9092"}, {"batch.num.messages", "20000"}}), ConfigException);
  EXPECT_THROW(Producer({{"bootstrap.servers", "localhost:9092"}, {"no.such.key", "1"}}), ConfigException);
  EXPECT_THROW(Producer({{"bootstrap.servers", "localhost:9092"}, {"enable.idempotence", "true"}, {"acks", "1"}}),
               ConfigException)
      << "idempotence needs acks=all";
  try {
    Producer p({{"bootstrap.servers", "localhost:9092"}, {"request.required.acks", "2"}});
    ADD_FAILURE() << "expected a ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "request.required.acks");
  }
}

}  // namespace
}  // namespace kafkalite::client::testing
