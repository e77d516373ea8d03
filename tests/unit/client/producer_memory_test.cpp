// The producer's memory: records accepted and not yet completed are bounded by bytes
// (queue.buffering.max.kbytes / buffer.memory) as well as by count, and once a burst is
// over the producer gives back what it held above a small pool (pooled batch buffers,
// copy buffers of send(RecordView) slots) and returns free heap pages to the system
// (malloc_trim). On its real I/O thread with fake connections (auto_connection.hpp), so
// the resident memory measured is the producer's. Resident memory: /proc/self/statm.
#include "kafkalite/producer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "support/wait_until.hpp"

// Under ThreadSanitizer and AddressSanitizer their own allocators replace glibc's
// (malloc_trim does nothing; ASan holds freed memory in its quarantine, TSan keeps the
// heap's shadow mapped): resident memory says nothing about the producer there, so only
// the bound on pending bytes is checked.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define KAFKALITE_TEST_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define KAFKALITE_TEST_SANITIZER_ALLOCATOR 1
#endif
#endif
#ifndef KAFKALITE_TEST_SANITIZER_ALLOCATOR
#define KAFKALITE_TEST_SANITIZER_ALLOCATOR 0
#endif
#include "unit/client/auto_connection.hpp"

namespace kafkalite::client::testing {
namespace {

using kafkalite::testing::scaledTimeout;
using kafkalite::testing::waitUntil;
using namespace std::chrono_literals;

constexpr int64_t kBound = 64 * 1024 * 1024;

// Resident set size of this process, in bytes (/proc/self/statm: size resident ...).
int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

ProducerConfig boundedConfig() {
  ProducerConfig c;
  c.bootstrapServers = {BrokerAddress{"fake", 9092}};
  c.queueBufferingMaxMs = 5;
  c.queueBufferingMaxBytes = kBound;
  c.queueEnqueueTimeoutMs = -1;
  return c;
}

Producer::Impl* implOf(std::unique_ptr<Producer::Impl>& impl) { return impl.get(); }

enum class SendPath { Moved, Copied };

class ProducerMemoryTest : public ::testing::TestWithParam<SendPath> {};

// The probe: 4,000 records of 100 KiB, then small records. The bound holds the
// burst back (send() blocks while 64 MiB are pending), and afterwards resident memory is
// back under the bound — it stayed at 400-530 MB when the batch pool kept every buffer
// and each slot kept its copy buffer.
TEST_P(ProducerMemoryTest, ABurstIsHeldToTheByteBoundAndGivenBackOnceOver) {
#if defined(__GLIBC__)
  malloc_trim(0);  // start from a trimmed heap, as the producer leaves it
#endif
  [[maybe_unused]] const int64_t before = residentBytes();
  ProducerConfig config = boundedConfig();
  auto impl = std::make_unique<Producer::Impl>(config, nullptr, [](boost::asio::io_context& io, const Clock&, std::function<void()>) {
    return std::make_unique<AutoFactory>(io, true, 3);
  });
  const Producer::Impl* view = implOf(impl);
  auto producer = std::make_unique<Producer>(std::move(impl));
  std::atomic<int> failed{0};
  const auto callback = [&](std::error_code ec, const RecordMetadata&) {
    if (ec) failed.fetch_add(1);
  };
  const std::string large(100 * 1024, 'x');
  int64_t mostPending = 0;
  for (int i = 0; i < 4000; ++i) {
    if (GetParam() == SendPath::Moved) {
      producer->send(ProducerRecord("t", std::string(large)), callback);
    } else {
      producer->send(RecordView{"t", std::nullopt, std::nullopt, large, std::nullopt}, callback);
    }
    mostPending = std::max(mostPending, view->handoff().pendingBytes());
  }
  EXPECT_LE(mostPending, kBound) << "never more than the bound pending";
  ASSERT_TRUE(producer->flush(scaledTimeout(60s)));
  for (int i = 0; i < 1000; ++i) {
    if (GetParam() == SendPath::Moved) {
      producer->send(ProducerRecord("t", std::string(100, 's')), callback);
    } else {
      producer->send(RecordView{"t", std::nullopt, std::nullopt, std::string_view("small record"), std::nullopt},
                     callback);
    }
  }
  ASSERT_TRUE(producer->flush(scaledTimeout(60s)));
  EXPECT_EQ(failed.load(), 0);
#if !KAFKALITE_TEST_SANITIZER_ALLOCATOR
  int64_t grown = 0;
  const bool back = waitUntil(
      [&] {
        grown = residentBytes() - before;
        return grown < kBound;
      },
      20s);
  EXPECT_TRUE(back) << "resident memory grew by " << grown / (1024 * 1024) << " MiB and stayed there";
#endif
  EXPECT_TRUE(producer->close(scaledTimeout(10s)));
}

INSTANTIATE_TEST_SUITE_P(Paths, ProducerMemoryTest, ::testing::Values(SendPath::Moved, SendPath::Copied),
                         [](const auto& info) { return info.param == SendPath::Moved ? "ProducerRecord" : "RecordView"; });

// The other probe: 10,000 records of 1 MB were all accepted. Now send() refuses
// what does not fit (queue.enqueue.timeout.ms = 0: at once).
TEST(ProducerMemoryBoundTest, RecordsBeyondTheByteBoundAreRefused) {
  ProducerConfig config = boundedConfig();
  config.queueEnqueueTimeoutMs = 0;
  auto producer = makeAutoProducer(config, /*connectable=*/false);
  const std::string megabyte(1000 * 1000, 'm');
  int accepted = 0;
  try {
    for (int i = 0; i < 10000; ++i) {
      producer->send(RecordView{"t", std::nullopt, std::nullopt, megabyte, std::nullopt}, nullptr);
      ++accepted;
    }
  } catch (const QueueFullException& e) {
    EXPECT_NE(std::string(e.what()).find("queue.buffering.max.kbytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(accepted, kBound / 1000000) << "as many as fit the bound";
  producer->close(0ms);
}

TEST(ProducerMemoryBoundTest, ARecordLargerThanTheBoundFailsWithRecordTooLarge) {
  ProducerConfig config = boundedConfig();
  config.queueBufferingMaxBytes = 1024;
  auto producer = makeAutoProducer(config, true, 1);
  auto future = producer->send(ProducerRecord("t", std::string(2048, 'x')));
  ASSERT_EQ(future.wait_for(scaledTimeout(20s)), std::future_status::ready);
  try {
    (void)future.get();
    FAIL() << "delivered";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ClientError::RecordTooLarge));
  }
  auto small = producer->send(ProducerRecord("t", std::string(100, 'y')));
  ASSERT_EQ(small.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(small.get().offset, 0) << "the bound is not held by the refused record";
  EXPECT_TRUE(producer->close(scaledTimeout(10s)));
}

}  // namespace
}  // namespace kafkalite::client::testing
