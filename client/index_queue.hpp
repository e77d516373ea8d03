#pragma once
/// \file
/// IndexQueue: a bounded lock-free FIFO of slot indices for the producer's hand-off.
///
/// An array of cells, each with a sequence number that says whose turn it is (the
/// bounded MPMC queue design published by Dmitry Vyukov): a producer claims a position
/// with one compare-exchange on the tail and publishes its cell with one release store;
/// a consumer does the same on the head. No allocation after construction, no lock, no
/// syscall; unlike a node-based queue, push and pop touch one shared counter each, so a
/// sending thread and the I/O thread do not fight over the same cache lines per record.
///
/// Capacity is rounded up to a power of two. push() fails only when the queue is full;
/// pop() fails only when it is empty (or the next cell's producer has not finished
/// writing it yet: the consumer then sees it on its next pop).
///
/// Threading: push() and pop() from any number of threads at once.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace kafkalite::client {

class IndexQueue {
 public:
  /// A queue holding at least `capacity` (>= 1) indices.
  explicit IndexQueue(std::size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1), cells_(new Cell[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }
  IndexQueue(const IndexQueue&) = delete;
  IndexQueue& operator=(const IndexQueue&) = delete;

  /// Appends `value`; false if the queue is full.
  bool push(uint32_t value) noexcept {
    std::size_t position = 0;
    return push(value, position);
  }

  /// Appends `value` and sets `position` to its place in the queue's history (the first
  /// value ever pushed is at 0); false if the queue is full.
  bool push(uint32_t value, std::size_t& position) noexcept {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.value = value;
          cell.sequence.store(pos + 1, std::memory_order_release);
          position = pos;
          return true;
        }
      } else if (diff < 0) {
        return false;  // the cell still holds a value from one lap ago: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Takes the oldest index into `value`; false if there is none.
  bool pop(uint32_t& value) noexcept {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          value = cell.value;
          cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // empty (or its producer is still writing)
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Values pushed (or being pushed) and not yet popped: a snapshot, exact only while
  /// nobody pushes or pops.
  [[nodiscard]] std::size_t depth() const noexcept {
    // Head first, so the tail is normally at least as far on; the check covers a stale
    // tail all the same.
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    return tail > head ? tail - head : 0;
  }

  /// The number of cells (a power of two).
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  struct Cell {
    std::atomic<std::size_t> sequence;
    uint32_t value = 0;
  };

  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::size_t> tail_{0};
  alignas(64) std::atomic<std::size_t> head_{0};
};

}  // namespace kafkalite::client
