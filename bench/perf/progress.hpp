#pragma once
// ProgressReporter: shows how far a produce run is on stderr while it runs. On a
// terminal a bar with percent, rate and ETA is redrawn in place five times a second;
// otherwise (a pipe, a log file) one line is written per second.
//
// Threading: owns one thread, started by the constructor and joined by stop() or the
// destructor; it only loads RunState's atomics. stop() from the thread that constructed it.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "bench/perf/produce_run.hpp"

namespace kafkalite::perf {

class ProgressReporter {
 public:
  ProgressReporter(const RunState& state, uint64_t total, std::string label)
      : state_(state), total_(total), label_(std::move(label)), terminal_(::isatty(2) == 1) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ProgressReporter() { stop(); }
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  /// Draws the final state, ends the bar's line and joins the thread. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    const auto period = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(1000);
    const auto start = Clock::now();
    auto last = start;
    uint64_t lastCompleted = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      const bool stopping = wake_.wait_until(lock, last + period, [this] { return stopping_; });
      const auto now = Clock::now();
      const uint64_t completed = state_.completed.load(std::memory_order_relaxed);
      const double interval = std::chrono::duration<double>(now - last).count();
      const double elapsed = std::chrono::duration<double>(now - start).count();
      const double rate = interval > 0 ? static_cast<double>(completed - lastCompleted) / interval : 0;
      const double average = elapsed > 0 ? static_cast<double>(completed) / elapsed : 0;
      draw(completed, rate, average, stopping);
      if (stopping) return;
      last = now;
      lastCompleted = completed;
    }
  }

  void draw(uint64_t completed, double rate, double average, bool final) const {
    const double fraction = total_ > 0 ? static_cast<double>(completed) / static_cast<double>(total_) : 1.0;
    const uint64_t errors = state_.errors.load(std::memory_order_relaxed);
    const double eta = average > 0 ? static_cast<double>(total_ - std::min(completed, total_)) / average : 0;
    if (!terminal_) {
      if (final) return;  // the JSON line follows; nothing new to say
      std::fprintf(stderr, "%s: %llu/%llu (%.0f%%) %.0f msgs/s, %llu errors, ETA %.0fs\n", label_.c_str(),
                   static_cast<unsigned long long>(completed), static_cast<unsigned long long>(total_),
                   fraction * 100, rate, static_cast<unsigned long long>(errors), eta);
      return;
    }
    constexpr int kWidth = 30;
    const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %5.1f%% %10.0f msgs/s  %llu errors  ETA %4.0fs%s", label_.c_str(),
                 bar.c_str(), fraction * 100, rate, static_cast<unsigned long long>(errors), eta, final ? "\n" : "");
    std::fflush(stderr);
  }

  const RunState& state_;
  const uint64_t total_;
  const std::string label_;
  const bool terminal_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace kafkalite::perf
