// RecentSystemTime: the sending threads' cheap reading of the system clock is never
// ahead of it, never behind it by more than its reuse window, and never goes back.
#include "client/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace kafkalite::client {
namespace {

TEST(RecentSystemTimeTest, StaysWithinAMillisecondOfTheSystemClockAndNeverGoesBack) {
  const SystemClock system;
  int64_t previous = RecentSystemTime::nowMs();
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
  while (std::chrono::steady_clock::now() < end) {
    const int64_t before = system.nowMs();
    const int64_t recent = RecentSystemTime::nowMs();
    const int64_t after = system.nowMs();
    ASSERT_LE(recent, after);
    // Reused for under 100 µs, so at most one millisecond tick behind.
    ASSERT_GE(recent, before - 1);
    ASSERT_GE(recent, previous);
    previous = recent;
  }
}

TEST(RecentSystemTimeTest, FollowsTheClockAcrossSleeps) {
  const SystemClock system;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int64_t before = system.nowMs();
    const int64_t recent = RecentSystemTime::nowMs();
    EXPECT_GE(recent, before) << "a reading older than the sleep was reused";
  }
}

}  // namespace
}  // namespace kafkalite::client
