#pragma once
/// \file
/// SlotSemaphore: counts the free record slots of the hand-off queue.
///
/// A counting semaphore with a lock-free fast path and a mutex + condition variable slow
/// path, plus shutdown(), which wakes every waiter for good (close()).
///
/// Why not std::counting_semaphore: libstdc++ 12.2 (Debian 12's g++) implements it over
/// atomic waits whose try_acquire() spins and yields before giving up (send() with
/// queue.enqueue.timeout.ms = 0 must fail at once), whose acquire() spins before it
/// sleeps, and whose acquire() can go to sleep on the futex while the count is above zero
/// when its compare-exchange lost a race (woken only by a later release from zero,
/// GCC PR 104928). It also has no way to wake waiters at close().
///
/// Threading: every member may be called from any thread at once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace kafkalite::client {

class SlotSemaphore {
 public:
  /// How an acquire ended.
  enum class Result : uint8_t { Acquired, TimedOut, Shutdown };

  /// A semaphore holding `initial` (>= 0) permits.
  explicit SlotSemaphore(int64_t initial) noexcept : available_(initial) {}

  /// Takes a permit if one is free, without waiting or spinning.
  [[nodiscard]] bool tryAcquire() noexcept {
    // seq_cst: the slow path in acquireUntil relies on it (see release()).
    int64_t n = available_.load(std::memory_order_seq_cst);
    while (n > 0) {
      if (available_.compare_exchange_weak(n, n - 1, std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  /// Takes a permit, blocking (never spinning) until one is free or shutdown() is called.
  Result acquire() { return acquireUntil(nullptr); }

  /// Takes a permit, blocking up to `timeout`.
  Result tryAcquireFor(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    return acquireUntil(&deadline);
  }

  /// Returns `n` permits and wakes waiters if there are any. Never blocks for long.
  void release(int64_t n = 1) {
    // seq_cst on both sides (here: add then read waiters_; in acquireUntil: add to
    // waiters_ then try): one of the two always sees the other's write, so no wake-up
    // is lost.
    available_.fetch_add(n, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard lock(mutex_);
      cv_.notify_all();
    }
  }

  /// Wakes every waiter and makes every later blocking acquire return Shutdown at once
  /// (tryAcquire keeps working, so permits can still be counted).
  void shutdown() {
    {
      std::lock_guard lock(mutex_);
      shutdown_.store(true, std::memory_order_seq_cst);
    }
    cv_.notify_all();
  }

  /// Permits free right now (a snapshot).
  [[nodiscard]] int64_t available() const noexcept { return available_.load(std::memory_order_seq_cst); }
  /// Threads blocked in acquire right now (a snapshot).
  [[nodiscard]] int32_t waiters() const noexcept { return waiters_.load(std::memory_order_relaxed); }

 private:
  Result acquireUntil(const std::chrono::steady_clock::time_point* deadline) {
    if (tryAcquire()) return Result::Acquired;
    std::unique_lock lock(mutex_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    Result result = Result::Acquired;
    while (!tryAcquire()) {
      if (shutdown_.load(std::memory_order_seq_cst)) {
        result = Result::Shutdown;
        break;
      }
      if (deadline == nullptr) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, *deadline) == std::cv_status::timeout) {
        result = tryAcquire() ? Result::Acquired : Result::TimedOut;
        break;
      }
    }
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    return result;
  }

  std::atomic<int64_t> available_;
  std::atomic<int32_t> waiters_{0};
  std::atomic<bool> shutdown_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace kafkalite::client
