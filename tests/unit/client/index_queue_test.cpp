// IndexQueue: FIFO order, full and empty, wrap-around over many laps, and every index
// delivered exactly once with several producers and consumers at once.
#include "client/index_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kafkalite::client {
namespace {

TEST(IndexQueue, FifoFullAndEmpty) {
  IndexQueue q(3);  // rounded up to 4
  EXPECT_EQ(q.capacity(), 4u);
  uint32_t v = 0;
  EXPECT_FALSE(q.pop(v));
  for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(q.push(i));
  EXPECT_FALSE(q.push(99)) << "full";
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.pop(v));
}

TEST(IndexQueue, PushReportsPositionsAndDepthCountsWhatIsLeft) {
  IndexQueue q(4);
  EXPECT_EQ(q.depth(), 0u);
  std::size_t position = 99;
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(q.push(i, position));
    EXPECT_EQ(position, i);
  }
  EXPECT_EQ(q.depth(), 3u);
  uint32_t v = 0;
  ASSERT_TRUE(q.pop(v));
  EXPECT_EQ(q.depth(), 2u);
  ASSERT_TRUE(q.push(7, position));
  ASSERT_TRUE(q.push(8, position));
  EXPECT_EQ(position, 4u) << "positions count every push, past the first lap";
  position = 99;
  EXPECT_FALSE(q.push(9, position)) << "full";
  EXPECT_EQ(position, 99u) << "a failed push leaves the position alone";
  EXPECT_EQ(q.depth(), 4u);
}

TEST(IndexQueue, WrapsAroundForManyLaps) {
  IndexQueue q(8);
  uint32_t next = 0;
  uint32_t expected = 0;
  for (int lap = 0; lap < 1000; ++lap) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(next++));
    for (int i = 0; i < 5; ++i) {
      uint32_t v = 0;
      ASSERT_TRUE(q.pop(v));
      ASSERT_EQ(v, expected++);
    }
  }
}

TEST(IndexQueue, ConcurrentProducersAndConsumersDeliverEachIndexOnce) {
  constexpr uint32_t kPerProducer = 200'000;
  constexpr int kProducers = 3;
  constexpr int kConsumers = 2;
  IndexQueue q(1024);
  std::vector<std::atomic<int>> seen(kPerProducer * kProducers);
  std::atomic<uint32_t> consumed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (uint32_t i = 0; i < kPerProducer; ++i) {
        const uint32_t value = static_cast<uint32_t>(p) * kPerProducer + i;
        while (!q.push(value)) std::this_thread::yield();
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      uint32_t v = 0;
      while (consumed.load() < kPerProducer * kProducers) {
        if (q.pop(v)) {
          seen[v].fetch_add(1);
          consumed.fetch_add(1);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "index " << i;
}

}  // namespace
}  // namespace kafkalite::client
