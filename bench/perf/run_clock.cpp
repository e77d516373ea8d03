#include "bench/perf/run_clock.hpp"

#include <fstream>
#include <string>
#include <thread>

#include "client/clock.hpp"

namespace kafkalite::perf {

namespace {

// The kernel's clocksource is the TSC: it checked that the counters agree across CPUs.
bool kernelKeepsTimeWithTsc() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string name;
  return static_cast<bool>(in >> name) && name == "tsc";
}

#if defined(__x86_64__)
struct Reading {
  int64_t ns;
  uint64_t ticks;
};

// A counter reading paired with the steady clock: of a few attempts, the one whose two
// clock reads around the counter are closest (a preemption in between would skew it).
Reading pairedReading() {
  Reading best{0, 0};
  int64_t bestSpread = INT64_MAX;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int64_t before = RunClock::steadyNs();
    const uint64_t ticks = __rdtsc();
    const int64_t after = RunClock::steadyNs();
    if (after - before < bestSpread) {
      bestSpread = after - before;
      best = {before + (after - before) / 2, ticks};
    }
  }
  return best;
}
#endif

}  // namespace

RunClock::Calibration RunClock::calibrate() noexcept {
  Calibration c;
#if defined(__x86_64__)
  try {
    if (!client::RecentSystemTime::tscUsable() || !kernelKeepsTimeWithTsc()) return c;
    const Reading first = pairedReading();
    std::this_thread::sleep_for(std::chrono::nanoseconds(kCalibrationNs));
    const Reading second = pairedReading();
    if (second.ticks <= first.ticks) return c;
    const double nsPerTick =
        static_cast<double>(second.ns - first.ns) / static_cast<double>(second.ticks - first.ticks);
    // A counter between 100 MHz and 20 GHz; anything else is a bad reading: keep the clock.
    if (!(nsPerTick > 0.05 && nsPerTick < 10.0)) return c;
    c.usesTsc = true;
    c.originTicks = second.ticks;
    c.originNs = second.ns;
    c.nsPerTick = nsPerTick;
  } catch (...) {  // reading the clocksource's name failed: keep the steady clock
  }
#endif
  return c;
}

}  // namespace kafkalite::perf
