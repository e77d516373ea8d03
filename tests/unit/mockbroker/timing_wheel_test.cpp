#include "mockbroker/purgatory/timing_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace kafkalite::mock {
namespace {

// Records the timer time at which it ran; `timer` is read inside run() on purpose, since the
// clock is injected and run() happens inside advanceClock.
class RecordingTask : public TimerTask {
 public:
  RecordingTask(int64_t delayMs, const Timer& timer) : TimerTask(delayMs), timer_(timer) {}
  void run() override {
    runs.push_back(timer_.currentTimeMs());
    if (onRun) {
      onRun();
    }
  }
  std::vector<int64_t> runs;
  std::function<void()> onRun;

 private:
  const Timer& timer_;
};

const std::vector<int64_t> kDelays = {0, 1, 19, 20, 21, 399, 400, 401, 7999, 8000, 60000};

// spec 5.6: stepping one ms at a time, each task runs in the advanceClock that reaches its
// expiration, never in an earlier one, for delays on and around every wheel boundary.
TEST(TimingWheelTest, FiresExactlyAtExpirationSteppingEveryMs) {
  for (const int64_t startMs : {int64_t{0}, int64_t{1234567}}) {
    Timer timer(startMs);
    std::vector<std::unique_ptr<RecordingTask>> tasks;
    for (const int64_t delay : kDelays) {
      tasks.push_back(std::make_unique<RecordingTask>(delay, timer));
      timer.add(*tasks.back());
    }
    for (int64_t now = startMs; now <= startMs + 60001; ++now) {
      timer.advanceClock(now);
    }
    for (std::size_t i = 0; i < kDelays.size(); ++i) {
      ASSERT_EQ(tasks[i]->runs, std::vector<int64_t>{startMs + kDelays[i]})
          << "delay " << kDelays[i] << " start " << startMs;
    }
    EXPECT_EQ(timer.size(), 0u);
  }
}

// spec 5.6: tasks added at an arbitrary time after the wheels have moved (not tick-aligned with
// the overflow wheels) still fire exactly.
TEST(TimingWheelTest, FiresExactlyWhenAddedMidRound) {
  Timer timer(0);
  timer.advanceClock(7777);
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  for (const int64_t delay : kDelays) {
    tasks.push_back(std::make_unique<RecordingTask>(delay, timer));
    timer.add(*tasks.back());
  }
  for (int64_t now = 7777; now <= 7777 + 60001; ++now) {
    timer.advanceClock(now);
  }
  for (std::size_t i = 0; i < kDelays.size(); ++i) {
    EXPECT_EQ(tasks[i]->runs, std::vector<int64_t>{7777 + kDelays[i]}) << kDelays[i];
  }
}

// spec 5.5/5.6: one jump to just before the expiration runs nothing, the next call at the
// expiration runs the task, whatever the cascade depth.
TEST(TimingWheelTest, LargeJumpsStopJustShortOfExpiration) {
  for (const int64_t delay : kDelays) {
    Timer timer(100);
    RecordingTask task(delay, timer);
    timer.add(task);
    if (delay > 0) {
      timer.advanceClock(100 + delay - 1);
      EXPECT_TRUE(task.runs.empty()) << delay;
    }
    timer.advanceClock(100 + delay);
    EXPECT_EQ(task.runs, std::vector<int64_t>{100 + delay}) << delay;
  }
}

// spec 5.5: one jump far past everything runs every task in that call, in expiration order.
TEST(TimingWheelTest, OneHugeJumpRunsEverythingInOrder) {
  Timer timer(0);
  std::vector<int64_t> order;
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  for (auto it = kDelays.rbegin(); it != kDelays.rend(); ++it) {
    tasks.push_back(std::make_unique<RecordingTask>(*it, timer));
    tasks.back()->onRun = [&order, d = *it] { order.push_back(d); };
    timer.add(*tasks.back());
  }
  EXPECT_EQ(timer.advanceClock(1'000'000), kDelays.size());
  EXPECT_EQ(order, kDelays);
  EXPECT_EQ(timer.size(), 0u);
}

// Documented choice: a task due at add (delay 0) runs at the next advanceClock, even one that
// does not move time, never inside add().
TEST(TimingWheelTest, DueTaskRunsAtNextAdvanceNotInsideAdd) {
  Timer timer(50);
  RecordingTask task(0, timer);
  timer.add(task);
  EXPECT_TRUE(task.runs.empty());
  EXPECT_EQ(timer.size(), 1u);
  EXPECT_EQ(timer.nextExpirationMs(), std::optional<int64_t>{50});
  EXPECT_EQ(timer.advanceClock(50), 1u);
  EXPECT_EQ(task.runs, std::vector<int64_t>{50});
}

// A task that re-adds itself with delay 0 from run() waits for the next call: no livelock.
TEST(TimingWheelTest, TaskReaddedFromRunWaitsForNextAdvance) {
  Timer timer(0);
  RecordingTask task(0, timer);
  task.onRun = [&] {
    if (task.runs.size() < 3) {
      timer.add(task);
    }
  };
  timer.add(task);
  EXPECT_EQ(timer.advanceClock(0), 1u);
  EXPECT_EQ(timer.advanceClock(0), 1u);
  EXPECT_EQ(timer.advanceClock(0), 1u);
  EXPECT_EQ(timer.advanceClock(0), 0u);
  EXPECT_EQ(task.runs.size(), 3u);
}

// Cancelled tasks never run, whether cancelled while in a wheel or while already due.
TEST(TimingWheelTest, CancelPreventsRun) {
  Timer timer(0);
  RecordingTask inWheel(400, timer);
  RecordingTask due(0, timer);
  timer.add(inWheel);
  timer.add(due);
  EXPECT_EQ(timer.size(), 2u);
  inWheel.cancel();
  due.cancel();
  EXPECT_FALSE(inWheel.isPending());
  EXPECT_EQ(timer.size(), 0u);
  timer.advanceClock(100'000);
  EXPECT_TRUE(inWheel.runs.empty());
  EXPECT_TRUE(due.runs.empty());
  inWheel.cancel();  // no-op when not pending
}

// A task due in the same advanceClock as another can be cancelled by the other's run().
TEST(TimingWheelTest, CancelFromAnotherTasksRunInSameTick) {
  Timer timer(0);
  RecordingTask first(5, timer);
  RecordingTask second(5, timer);
  first.onRun = [&] { second.cancel(); };
  timer.add(first);
  timer.add(second);
  EXPECT_EQ(timer.advanceClock(5), 1u);
  EXPECT_TRUE(second.runs.empty());
}

// spec 5.7: many tasks in one bucket; each cancel unlinks through the task's own bucket pointer
// in O(1). With an O(n) search, cancelling 100k tasks of one bucket in random order would take
// ~5e9 steps and the test would time out; here it is instant. No timing is asserted.
TEST(TimingWheelTest, CancelIsConstantTimeViaBucketPointer) {
  Timer timer(0);
  constexpr int kTasks = 100'000;
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(std::make_unique<RecordingTask>(7, timer));
    timer.add(*tasks.back());
  }
  std::vector<int> order(kTasks);
  for (int i = 0; i < kTasks; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  // Cancel all but every 1000th, in random order; the neighbours of each stay linked.
  for (const int i : order) {
    if (i % 1000 != 0) tasks[i]->cancel();
  }
  EXPECT_EQ(timer.size(), static_cast<std::size_t>(kTasks / 1000));
  EXPECT_EQ(timer.advanceClock(7), static_cast<std::size_t>(kTasks / 1000));
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(tasks[i]->runs.size(), i % 1000 == 0 ? 1u : 0u);
  }
}

// Many tasks in the same bucket all fire in the same call.
TEST(TimingWheelTest, ManyTasksSameBucket) {
  Timer timer(0);
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  for (int i = 0; i < 10'000; ++i) {
    tasks.push_back(std::make_unique<RecordingTask>(8500, timer));  // one level-3 bucket
    timer.add(*tasks.back());
  }
  EXPECT_EQ(timer.advanceClock(8499), 0u);
  EXPECT_EQ(timer.size(), 10'000u);
  EXPECT_EQ(timer.advanceClock(8500), 10'000u);
  EXPECT_EQ(timer.size(), 0u);
}

// spec 5.6: overflow wheels (1/20, 20/400, 400/8000, 8000/160000) appear only when needed.
TEST(TimingWheelTest, OverflowWheelsCreatedLazily) {
  Timer timer(0);
  EXPECT_EQ(timer.wheelCount(), 1u);
  const std::vector<std::pair<int64_t, std::size_t>> steps = {
      {19, 1}, {20, 2}, {399, 2}, {400, 3}, {7999, 3}, {8000, 4}, {60000, 4}, {159999, 4},
      {160000, 5}};
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  for (const auto& [delay, wheels] : steps) {
    tasks.push_back(std::make_unique<RecordingTask>(delay, timer));
    timer.add(*tasks.back());
    EXPECT_EQ(timer.wheelCount(), wheels) << delay;
  }
}

// Delays near INT64_MAX saturate instead of overflowing (UBSan would flag it) and never fire.
TEST(TimingWheelTest, HugeDelaySaturates) {
  Timer timer(5);
  RecordingTask task(std::numeric_limits<int64_t>::max(), timer);
  timer.add(task);
  EXPECT_EQ(task.expirationMs(), std::numeric_limits<int64_t>::max());
  timer.advanceClock(int64_t{1} << 62);
  EXPECT_TRUE(task.runs.empty());
  EXPECT_EQ(timer.size(), 1u);
  task.cancel();
  EXPECT_EQ(timer.size(), 0u);
}

// add(shared_ptr): the timer keeps the task alive until it runs, or until cancel / clear / the
// timer's destruction, and then lets go.
TEST(TimingWheelTest, SharedOwnershipReleasedAfterRunOrCancel) {
  Timer timer(0);
  auto ran = std::make_shared<RecordingTask>(3, timer);
  std::weak_ptr<RecordingTask> ranWeak = ran;
  timer.add(ran);
  ran.reset();
  ASSERT_FALSE(ranWeak.expired());
  timer.advanceClock(3);
  EXPECT_TRUE(ranWeak.expired());

  auto cancelled = std::make_shared<RecordingTask>(3, timer);
  std::weak_ptr<RecordingTask> cancelledWeak = cancelled;
  timer.add(cancelled);
  RecordingTask* raw = cancelled.get();
  cancelled.reset();
  raw->cancel();  // destroys it: the timer held the last reference
  EXPECT_TRUE(cancelledWeak.expired());

  std::weak_ptr<RecordingTask> droppedWeak;
  {
    Timer scoped(0);
    auto dropped = std::make_shared<RecordingTask>(3, scoped);
    droppedWeak = dropped;
    scoped.add(std::move(dropped));
  }
  EXPECT_TRUE(droppedWeak.expired());
}

// Destroying a pending task added by reference unlinks it.
TEST(TimingWheelTest, DestroyingPendingTaskCancelsIt) {
  Timer timer(0);
  {
    RecordingTask task(10, timer);
    timer.add(task);
    EXPECT_EQ(timer.size(), 1u);
  }
  EXPECT_EQ(timer.size(), 0u);
  EXPECT_EQ(timer.advanceClock(20), 0u);
}

// Re-adding a pending task moves it; it runs once, at the new time.
TEST(TimingWheelTest, ReaddReschedules) {
  Timer timer(0);
  RecordingTask task(10, timer);
  timer.add(task);
  timer.advanceClock(5);
  timer.add(task);  // now due at 15
  EXPECT_EQ(timer.size(), 1u);
  timer.advanceClock(14);
  EXPECT_TRUE(task.runs.empty());
  timer.advanceClock(15);
  EXPECT_EQ(task.runs, std::vector<int64_t>{15});
}

// spec 5.9: nextExpirationMs lets the loop sleep until the next bucket; following it never runs
// a task early, reaches each expiration in a few wake-ups, and ignores cancelled buckets.
TEST(TimingWheelTest, NextExpirationGuidesTheEventLoop) {
  Timer timer(0);
  EXPECT_EQ(timer.nextExpirationMs(), std::nullopt);
  RecordingTask task(1000, timer);
  timer.add(task);
  int wakeups = 0;
  while (task.runs.empty()) {
    const std::optional<int64_t> next = timer.nextExpirationMs();
    ASSERT_TRUE(next.has_value());
    ASSERT_LE(*next, 1000);
    timer.advanceClock(*next);
    ++wakeups;
  }
  EXPECT_EQ(task.runs, std::vector<int64_t>{1000});
  EXPECT_LE(wakeups, 4);  // one per wheel level at most
  EXPECT_EQ(timer.nextExpirationMs(), std::nullopt);

  // Due at 1050: too far for the 1 ms wheel, so it waits in the 20 ms bucket [1040, 1060),
  // whose due time is the wake-up.
  RecordingTask cancelled(50, timer);
  timer.add(cancelled);
  EXPECT_EQ(timer.nextExpirationMs(), std::optional<int64_t>{1040});
  cancelled.cancel();
  EXPECT_EQ(timer.nextExpirationMs(), std::nullopt);
  // The pruned bucket is queued again when reused.
  timer.add(cancelled);
  EXPECT_EQ(timer.nextExpirationMs(), std::optional<int64_t>{1040});
  timer.advanceClock(1040);
  EXPECT_EQ(timer.nextExpirationMs(), std::optional<int64_t>{1050});
  timer.advanceClock(1050);
  EXPECT_EQ(cancelled.runs, std::vector<int64_t>{1050});
}

// Against a reference model: random adds, cancels and jumps. Every task runs in the first
// advanceClock whose time reaches its expiration, exactly once, and cancelled tasks never.
TEST(TimingWheelTest, RandomisedAgainstModel) {
  std::mt19937_64 rng(7);
  Timer timer(1000);
  std::vector<std::unique_ptr<RecordingTask>> tasks;
  std::map<RecordingTask*, int64_t> expected;  // task -> time it must run (of the call)
  std::vector<RecordingTask*> pending;
  int64_t now = 1000;
  for (int round = 0; round < 3000; ++round) {
    const int adds = static_cast<int>(rng() % 20);
    for (int i = 0; i < adds; ++i) {
      const int64_t delay = static_cast<int64_t>(rng() % 70'000);
      tasks.push_back(std::make_unique<RecordingTask>(delay, timer));
      timer.add(*tasks.back());
      pending.push_back(tasks.back().get());
    }
    if (!pending.empty() && rng() % 3 == 0) {
      const std::size_t victim = rng() % pending.size();
      pending[victim]->cancel();
      expected[pending[victim]] = -1;
      pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(victim));
    }
    now += static_cast<int64_t>(rng() % 3 == 0 ? rng() % 3000 : rng() % 3);
    timer.advanceClock(now);
    for (auto it = pending.begin(); it != pending.end();) {
      if ((*it)->expirationMs() <= now) {
        expected[*it] = now;
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    ASSERT_EQ(timer.size(), pending.size());
  }
  for (const auto& [task, when] : expected) {
    if (when < 0) {
      EXPECT_TRUE(task->runs.empty());
    } else {
      EXPECT_EQ(task->runs, std::vector<int64_t>{when}) << "expiration " << task->expirationMs();
    }
  }
  for (RecordingTask* task : pending) {
    EXPECT_TRUE(task->runs.empty());
  }
}

}  // namespace
}  // namespace kafkalite::mock
