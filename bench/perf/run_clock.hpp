#pragma once
// RunClock: the clock every timestamp of a `kafkalite-perf produce` run is read from, for
// both clients: the send time and the callback time of every record, and the rate
// schedule.
//
// Two reads per record add up. With steady_clock::now() (25 ns a read on the 2-vCPU EPYC
// VM of docs/performance.md) they were 13-16% of the process's samples, which inflated the
// CPU per record of the faster client the most. So when the kernel keeps time with an
// invariant TSC (clocksource "tsc": the kernel then trusts the counters to agree across
// CPUs), nowNs() reads the counter (rdtsc, ~10 ns) and converts ticks to steady-clock
// nanoseconds at a rate measured once, over kCalibrationNs of sleep, on the first call.
// Otherwise every read is steady_clock::now(). Either way the values are steady-clock
// nanoseconds: the conversion's error is a few parts per million of the time since the
// first call.
//
// Threading: nowNs() from any thread; the first call (the calibration) is made in
// runProduce(), before any client thread starts.

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace kafkalite::perf {

class RunClock {
 public:
  /// How long the calibration sleeps between its two readings.
  static constexpr int64_t kCalibrationNs = 20'000'000;

  /// Nanoseconds on the steady clock. Never throws.
  static int64_t nowNs() noexcept {
#if defined(__x86_64__)
    const Calibration& c = calibration();
    if (c.usesTsc) {
      const auto ticks = static_cast<int64_t>(__rdtsc() - c.originTicks);
      return c.originNs + static_cast<int64_t>(static_cast<double>(ticks) * c.nsPerTick);
    }
#endif
    return steadyNs();
  }

  /// Whether nowNs() reads the time-stamp counter.
  static bool usesTsc() noexcept { return calibration().usesTsc; }

  /// steady_clock::now() in nanoseconds.
  static int64_t steadyNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  struct Calibration {
    bool usesTsc = false;
    uint64_t originTicks = 0;
    int64_t originNs = 0;
    double nsPerTick = 0;
  };
  static const Calibration& calibration() noexcept {
    static const Calibration c = calibrate();
    return c;
  }
  static Calibration calibrate() noexcept;
};

}  // namespace kafkalite::perf
