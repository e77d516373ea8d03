#pragma once
/// \file
/// Clock: where the producer reads time, injected so tests can step it.
///
/// Two readings: a monotonic one for every deadline (linger, backoff, request timeouts,
/// metadata age) and the wall clock for record timestamps.
///
/// Threading: implementations must allow calls from any number of threads at once
/// (send() stamps records on application threads; the I/O thread reads deadlines).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kafkalite::client {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic milliseconds from an arbitrary origin; never decreases.
  [[nodiscard]] virtual int64_t nowMs() const noexcept = 0;
  /// Milliseconds since the Unix epoch, for record timestamps.
  [[nodiscard]] virtual int64_t wallClockMs() const noexcept = 0;
  /// Monotonic microseconds, on the same origin as nowMs() (round-trip times in the
  /// statistics). By default nowMs() * 1000.
  [[nodiscard]] virtual int64_t nowUs() const noexcept { return nowMs() * 1000; }
};

/// std::chrono::steady_clock and system_clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] int64_t nowMs() const noexcept override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  [[nodiscard]] int64_t wallClockMs() const noexcept override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  [[nodiscard]] int64_t nowUs() const noexcept override {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

/// SystemClock::nowMs() for stamping records on a sending thread, where it is read once
/// per record: the value read on this thread at most kReuseTscTicks time-stamp-counter
/// ticks ago (under 100 µs at any invariant TSC's rate of 1 GHz or more), else a fresh
/// reading. An rdtsc costs ~10 ns where steady_clock::now() costs ~25 ns (2-vCPU EPYC
/// VM). Without an invariant TSC (or off x86-64) every call reads the clock.
/// Threading: any thread; each keeps its own last reading.
class RecentSystemTime {
 public:
  static constexpr uint64_t kReuseTscTicks = 100'000;
  /// Whether the fast path can be used here (checked once).
  [[nodiscard]] static bool tscUsable() noexcept;
  /// Monotonic milliseconds, as SystemClock::nowMs().
  [[nodiscard]] static int64_t nowMs() noexcept;
};

/// A clock that moves only when told (tests). Wall time = kWallOrigin + monotonic time.
class ManualClock final : public Clock {
 public:
  static constexpr int64_t kWallOrigin = 1'700'000'000'000;
  explicit ManualClock(int64_t startMs = 1000) noexcept : now_(startMs) {}
  [[nodiscard]] int64_t nowMs() const noexcept override { return now_.load(std::memory_order_acquire); }
  [[nodiscard]] int64_t wallClockMs() const noexcept override { return kWallOrigin + nowMs(); }
  /// Moves time forward by `ms` (>= 0).
  void advance(int64_t ms) noexcept { now_.fetch_add(ms, std::memory_order_acq_rel); }
  /// Sets the monotonic time; callers keep it non-decreasing.
  void set(int64_t ms) noexcept { now_.store(ms, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace kafkalite::client
