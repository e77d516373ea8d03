#pragma once
/// \file
/// SlotSemaphore: counts what send() may still take — free record slots of the hand-off
/// queue (queue.buffering.max.messages) and free bytes (queue.buffering.max.kbytes /
/// buffer.memory) — as one semaphore with two counts: an acquire takes one slot and the
/// record's bytes, or nothing.
///
/// A lock-free fast path (a compare-exchange on each count; both counts share one cache
/// line, so a send() touches one line) and a mutex + condition variable slow path, plus
/// shutdown(), which wakes every waiter for good (close()).
///
/// Why not std::counting_semaphore: libstdc++ 12.2 (Debian 12's g++) implements it over
/// atomic waits whose try_acquire() spins and yields before giving up (send() with
/// queue.enqueue.timeout.ms = 0 must fail at once), whose acquire() spins before it
/// sleeps, and whose acquire() can go to sleep on the futex while the count is above zero
/// when its compare-exchange lost a race (woken only by a later release from zero,
/// GCC PR 104928). It also has no way to wake waiters at close(), and counts one thing.
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

  /// A semaphore holding `slots` (>= 0) permits and `bytes` (>= 0) bytes.
  explicit SlotSemaphore(int64_t slots, int64_t bytes = INT64_MAX) noexcept : available_(slots), bytes_(bytes) {}

  /// Takes a slot and `bytes` if both are free, without waiting or spinning.
  [[nodiscard]] bool tryAcquire(int64_t bytes = 0) noexcept { return tryAcquire(bytes, false); }

  /// Takes a slot and `bytes`, blocking (never spinning) until both are free or shutdown().
  Result acquire(int64_t bytes = 0) { return acquireUntil(nullptr, bytes); }

  /// Takes a slot and `bytes`, blocking up to `timeout`.
  Result tryAcquireFor(std::chrono::milliseconds timeout, int64_t bytes = 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    return acquireUntil(&deadline, bytes);
  }

  /// Returns `n` slots and `bytes` bytes and wakes waiters if there are any. Never blocks
  /// for long.
  void release(int64_t n = 1, int64_t bytes = 0) {
    // seq_cst on both sides (here: add then read waiters_; in acquireUntil: add to
    // waiters_ then try): one of the two always sees the other's write, so no wake-up
    // is lost.
    if (n != 0) available_.fetch_add(n, std::memory_order_seq_cst);
    if (bytes != 0) bytes_.fetch_add(bytes, std::memory_order_seq_cst);
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

  /// Slots free right now (a snapshot).
  [[nodiscard]] int64_t available() const noexcept { return available_.load(std::memory_order_seq_cst); }
  /// Bytes free right now (a snapshot).
  [[nodiscard]] int64_t availableBytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  /// Threads blocked in acquire right now (a snapshot).
  [[nodiscard]] int32_t waiters() const noexcept { return waiters_.load(std::memory_order_relaxed); }

 private:
  // `locked`: the caller holds mutex_ (the slow path). A slot taken and given back because
  // the bytes were short is then returned without a notification: every other waiter
  // checks under the mutex, so none can have missed it, and a fast-path sender that did
  // goes to the slow path and checks again there. Outside the mutex it is returned
  // through release(), which wakes a waiter that may have seen it taken.
  [[nodiscard]] bool tryAcquire(int64_t bytes, bool locked) noexcept {
    // seq_cst: the slow path in acquireUntil relies on it (see release()).
    int64_t n = available_.load(std::memory_order_seq_cst);
    do {
      if (n <= 0) return false;
    } while (!available_.compare_exchange_weak(n, n - 1, std::memory_order_acquire, std::memory_order_relaxed));
    if (bytes <= 0) return true;
    int64_t b = bytes_.load(std::memory_order_seq_cst);
    do {
      if (b < bytes) {
        if (locked) {
          available_.fetch_add(1, std::memory_order_seq_cst);
        } else {
          release(1, 0);
        }
        return false;
      }
    } while (!bytes_.compare_exchange_weak(b, b - bytes, std::memory_order_acquire, std::memory_order_relaxed));
    return true;
  }

  Result acquireUntil(const std::chrono::steady_clock::time_point* deadline, int64_t bytes) {
    if (tryAcquire(bytes, false)) return Result::Acquired;
    std::unique_lock lock(mutex_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    Result result = Result::Acquired;
    while (!tryAcquire(bytes, true)) {
      if (shutdown_.load(std::memory_order_seq_cst)) {
        result = Result::Shutdown;
        break;
      }
      if (deadline == nullptr) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, *deadline) == std::cv_status::timeout) {
        result = tryAcquire(bytes, true) ? Result::Acquired : Result::TimedOut;
        break;
      }
    }
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    return result;
  }

  // Both counts in one cache line: a send() takes from both.
  alignas(64) std::atomic<int64_t> available_;
  std::atomic<int64_t> bytes_;
  std::atomic<int32_t> waiters_{0};
  std::atomic<bool> shutdown_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace kafkalite::client
