// kafkalite-perf's clock: whichever way it reads the time (time-stamp counter or
// steady_clock), it tells steady-clock time, also well after its calibration.

#include "bench/perf/run_clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

namespace kafkalite::perf {
namespace {

// How far RunClock::nowNs() lies outside the steady-clock reads around it, in the best of
// a few attempts (a preemption between the reads only widens an attempt's window).
int64_t distanceFromSteadyClock() {
  int64_t best = INT64_MAX;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int64_t before = RunClock::steadyNs();
    const int64_t now = RunClock::nowNs();
    const int64_t after = RunClock::steadyNs();
    const int64_t outside = now < before ? before - now : (now > after ? now - after : 0);
    best = std::min(best, outside + (after - before));
  }
  return best;
}

TEST(RunClock, TellsSteadyClockTime) {
  RecordProperty("uses_tsc", RunClock::usesTsc() ? "yes" : "no");
  EXPECT_LT(distanceFromSteadyClock(), 1'000'000) << "within 1 ms right after calibration";
}

TEST(RunClock, StaysOnSteadyClockTimeLongAfterCalibration) {
  (void)RunClock::nowNs();
  // Ten calibration periods later, a rate off by even 1% would be ~2 ms off.
  std::this_thread::sleep_for(std::chrono::nanoseconds(10 * RunClock::kCalibrationNs));
  EXPECT_LT(distanceFromSteadyClock(), 1'000'000);
}

// A RunClock reading and a steady-clock reading taken together: of a few attempts, the
// pair read closest together (a preemption between the reads only widens an attempt).
struct PairedReading {
  int64_t steady;
  int64_t run;
};
PairedReading pairedReading() {
  PairedReading best{0, 0};
  int64_t bestSpread = INT64_MAX;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int64_t before = RunClock::steadyNs();
    const int64_t run = RunClock::nowNs();
    const int64_t after = RunClock::steadyNs();
    if (after - before < bestSpread) {
      bestSpread = after - before;
      best = {before + (after - before) / 2, run};
    }
  }
  return best;
}

TEST(RunClock, AdvancesAsTheSteadyClockDoes) {
  (void)RunClock::nowNs();  // the first call calibrates (sleeps): not part of the interval
  const PairedReading start = pairedReading();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const PairedReading end = pairedReading();
  const int64_t elapsed = end.run - start.run;
  const int64_t steadyElapsed = end.steady - start.steady;
  EXPECT_GT(elapsed, 0);
  EXPECT_LT(std::abs(elapsed - steadyElapsed), 1'000'000) << "elapsed " << elapsed << " ns vs " << steadyElapsed;
}

}  // namespace
}  // namespace kafkalite::perf
