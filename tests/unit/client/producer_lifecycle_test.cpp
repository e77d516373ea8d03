// The producer's lifetime against its own callbacks, on its real I/O thread with fake
// connections: destroyed from inside a callback (no std::terminate; what is pending is
// still delivered), a RecordFuture waited on inside a callback (a clear error instead of a
// deadlock), partitionsFor() racing close() (it returns at once with ProducerClosed).
#include "kafkalite/producer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <iterator>
#include <memory>
#include <thread>

#include "support/wait_until.hpp"
#include "unit/client/auto_connection.hpp"

namespace kafkalite::client::testing {
namespace {

using kafkalite::testing::scaledTimeout;
using kafkalite::testing::waitUntil;
using namespace std::chrono_literals;

// Threads of this process (each has a directory in /proc/self/task).
std::size_t threadCount() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

ProducerConfig config() {
  ProducerConfig c;
  c.bootstrapServers = {BrokerAddress{"fake", 9092}};
  c.queueBufferingMaxMs = 5;
  c.batchNumMessages = 10;
  return c;
}

// ~Producer on the I/O thread cannot join that thread (std::thread::join on itself throws
// resource_deadlock_would_occur, and from a noexcept destructor that is std::terminate).
// It detaches instead: the I/O thread finishes the close and frees the producer.
TEST(ProducerLifecycleTest, DestroyedInItsOwnCallbackDeliversWhatIsPendingAndStops) {
  // A thread started and joined first: ThreadSanitizer's runtime starts its own helper
  // thread with the process's first one, and it is not the producer's to stop.
  std::thread([] {}).join();
  const std::size_t threadsBefore = threadCount();
  std::shared_ptr<Producer> producer = makeAutoProducer(config(), true, 1);
  constexpr int kRecords = 200;
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  std::promise<void> dropped;
  std::promise<void> released;
  std::shared_future<void> testReleased = released.get_future().share();
  producer->send({"t", std::string("first")}, [&, owner = producer, testReleased](std::error_code ec,
                                                                                 const RecordMetadata&) mutable {
    (ec ? failed : delivered).fetch_add(1);
    testReleased.wait();  // the test has dropped its reference: this closure's is the last
    owner.reset();        // destroys the producer here, on its own I/O thread
    dropped.set_value();
  });
  for (int i = 1; i < kRecords; ++i) {
    producer->send({"t", std::to_string(i)}, [&](std::error_code ec, const RecordMetadata&) {
      (ec ? failed : delivered).fetch_add(1);
    });
  }
  producer.reset();  // the callback's copy is now the last owner
  released.set_value();
  ASSERT_EQ(dropped.get_future().wait_for(scaledTimeout(20s)), std::future_status::ready);
  ASSERT_TRUE(waitUntil([&] { return delivered.load() + failed.load() == kRecords; }, 20s))
      << delivered.load() << " delivered, " << failed.load() << " failed";
  EXPECT_EQ(failed.load(), 0) << "the close the I/O thread finishes delivers what is pending";
  // Then the I/O thread stops and frees the producer (nothing is left running or leaked).
  EXPECT_TRUE(waitUntil([&] { return threadCount() == threadsBefore; }, 20s))
      << threadCount() << " threads, " << threadsBefore << " before";
}

// A RecordFuture of a record not yet complete, waited on inside a callback, would wait for
// the thread it blocks: get() throws resource_deadlock_would_occur instead.
TEST(ProducerLifecycleTest, WaitingOnAFutureInsideACallbackFailsWithAClearError) {
  auto producer = makeAutoProducer(config(), true, 1);
  RecordFuture later;
  std::promise<std::error_code> outcome;
  std::atomic<bool> waitForReturnedAtOnce{false};
  producer->send({"t", std::string("first")}, [&](std::error_code, const RecordMetadata&) {
    later = producer->send(ProducerRecord("t", std::string("second")));
    waitForReturnedAtOnce = later.wait_for(std::chrono::hours(1)) == std::future_status::timeout;
    try {
      (void)later.get();
      outcome.set_value({});
    } catch (const std::system_error& e) {
      outcome.set_value(e.code());
    }
  });
  auto result = outcome.get_future();
  ASSERT_EQ(result.wait_for(scaledTimeout(20s)), std::future_status::ready) << "no deadlock";
  EXPECT_EQ(result.get(), std::make_error_code(std::errc::resource_deadlock_would_occur));
  EXPECT_TRUE(waitForReturnedAtOnce.load()) << "wait_for on the I/O thread does not wait";
  // Off the I/O thread the same future works as usual.
  ASSERT_TRUE(producer->flush(scaledTimeout(20s)));
  ASSERT_TRUE(later.valid());
  EXPECT_GE(later.get().offset, 0);
  EXPECT_TRUE(producer->close(scaledTimeout(10s)));
}

TEST(ProducerLifecycleTest, AFutureOfACompletedRecordCanBeReadInsideACallback) {
  auto producer = makeAutoProducer(config(), true, 1);
  RecordFuture done = producer->send(ProducerRecord("t", std::string("first")));
  ASSERT_EQ(done.wait_for(scaledTimeout(20s)), std::future_status::ready);
  std::promise<int64_t> offset;
  producer->send({"t", std::string("second")}, [&](std::error_code, const RecordMetadata&) {
    offset.set_value(done.get().offset);  // ready: no wait, no error
  });
  auto result = offset.get_future();
  ASSERT_EQ(result.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(result.get(), 0);
  // And a RecordFuture still converts to a plain std::future.
  std::future<RecordMetadata> plain = producer->send(ProducerRecord("t", std::string("third")));
  ASSERT_EQ(plain.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(plain.get().offset, 2);
}

// partitionsFor() waiting for a topic whose metadata cannot come must not outlive close():
// it returns with ProducerClosed as soon as close() begins, not when close() has waited
// its timeout for the pending records (nor ever, had its request not reached the I/O
// thread before it stopped).
TEST(ProducerLifecycleTest, PartitionsForReturnsAsSoonAsCloseBegins) {
  auto producer = makeAutoProducer(config(), /*connectable=*/false);
  std::atomic<bool> recordCompleted{false};
  producer->send({"t", std::string("pending")}, [&](std::error_code, const RecordMetadata&) { recordCompleted = true; });
  std::promise<std::error_code> result;
  std::atomic<bool> completedBeforeReturn{true};
  std::thread asker([&] {
    try {
      (void)producer->partitionsFor("nowhere", std::chrono::hours(1));
      result.set_value({});
    } catch (const std::system_error& e) {
      completedBeforeReturn = recordCompleted.load();
      result.set_value(e.code());
    }
  });
  auto asked = result.get_future();
  EXPECT_EQ(asked.wait_for(50ms), std::future_status::timeout) << "waits: nothing can answer";
  // close() waits its timeout for the pending record (nothing can deliver it), then fails it.
  std::thread closer([&] { producer->close(scaledTimeout(3s)); });
  ASSERT_EQ(asked.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(asked.get(), make_error_code(ClientError::ProducerClosed));
  EXPECT_FALSE(completedBeforeReturn.load()) << "it returned while close() was still waiting";
  closer.join();
  asker.join();
  EXPECT_TRUE(recordCompleted.load());
  EXPECT_THROW((void)producer->partitionsFor("t", 1s), std::system_error) << "after close: at once";
}

TEST(ProducerLifecycleTest, PartitionsForInsideACallbackFailsWithAClearError) {
  auto producer = makeAutoProducer(config(), true, 2);
  std::promise<std::error_code> outcome;
  producer->send({"t", std::string("first")}, [&](std::error_code, const RecordMetadata&) {
    try {
      (void)producer->partitionsFor("t", 10s);
      outcome.set_value({});
    } catch (const std::system_error& e) {
      outcome.set_value(e.code());
    }
  });
  auto result = outcome.get_future();
  ASSERT_EQ(result.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(result.get(), std::make_error_code(std::errc::resource_deadlock_would_occur));
  EXPECT_TRUE(producer->close(scaledTimeout(10s)));
}

}  // namespace
}  // namespace kafkalite::client::testing
