#pragma once
/// \file
/// RecordHandoff: how application threads hand records to the I/O thread.
///
/// A slab of `queue.buffering.max.messages` record slots, a SlotSemaphore counting the
/// free ones, and two bounded lock-free IndexQueues (client/index_queue.hpp): the free
/// slot indices and the filled ones, in send() order. Neither side allocates once running.
/// Boost.Lockfree's node-based queue was the first choice; profiling showed its
/// compare-exchanges on shared nodes taking a third of the producer's CPU per record.
///
/// Free slots are reused before a never-used one is constructed, so the slab's memory is
/// touched only as far as the queue has ever been filled.
///
/// A slot is taken by send() and given back only when its record completes (callback or
/// future), so the semaphore bounds "records accepted and not yet completed", which is
/// exactly queue.buffering.max.messages (spec 7.5). send() waits for a free slot as
/// queue.enqueue.timeout.ms says: 0 → fail at once, negative → block, positive → block
/// up to that long; then QueueFullException.
///
/// Waking the I/O thread: publish() sets an atomic "wake pending" flag and reports whether
/// it was clear; only then does the caller post a drain to the io_context. So there is at
/// most one post per drain cycle, and no syscall or allocation per record.
///
/// Threading: acquire(), slot() (for a slot the caller holds), publish(), abandon(),
/// waitIdle() and shutdown() from any thread; drain() and complete() only on the I/O
/// thread (the single consumer). A slot belongs to the thread that acquired it until
/// publish(), then to the I/O thread until complete().

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "client/index_queue.hpp"
#include "client/slot_semaphore.hpp"
#include "kafkalite/producer.hpp"

namespace kafkalite::client {

/// One record between send() and its completion.
struct RecordSlot {
  ProducerRecord record;  ///< key, value and headers are released once serialized
  Producer::Callback callback;
  std::optional<std::promise<RecordMetadata>> promise;  ///< for send() returning a future
  int64_t enqueuedMs = 0;   ///< monotonic time of send()
  int64_t timestampMs = 0;  ///< create time written in the batch (record.timestamp or send() time)
  int32_t partition = -1;   ///< chosen on the I/O thread
  std::string keyCopy;      ///< send(RecordView): the key, copied; capacity kept for later records
  std::string valueCopy;    ///< send(RecordView): the value, copied; capacity kept for later records
  bool keyCopied = false;   ///< the key was copied (record.key is unset)
  bool valueCopied = false; ///< the value was copied (record.value is unset)
  /// send(RecordView) with key and value together at most kInlineBytes: both are in
  /// inlineBytes (key first), so the record needs no memory outside the slab.
  static constexpr std::size_t kInlineBytes = 128;
  bool copiedInline = false;
  uint32_t inlineKeyBytes = 0;
  uint32_t inlineValueBytes = 0;
  std::array<uint8_t, kInlineBytes> inlineBytes;

  /// The key's bytes wherever they are; std::nullopt for a null key.
  [[nodiscard]] std::optional<std::span<const uint8_t>> keyBytes() const noexcept {
    if (keyCopied && copiedInline) return std::span<const uint8_t>(inlineBytes.data(), inlineKeyBytes);
    return bytesOf(keyCopied ? &keyCopy : (record.key ? &*record.key : nullptr));
  }
  /// The value's bytes wherever they are; std::nullopt for a null value.
  [[nodiscard]] std::optional<std::span<const uint8_t>> valueBytes() const noexcept {
    if (valueCopied && copiedInline) {
      return std::span<const uint8_t>(inlineBytes.data() + inlineKeyBytes, inlineValueBytes);
    }
    return bytesOf(valueCopied ? &valueCopy : (record.value ? &*record.value : nullptr));
  }

  static std::optional<std::span<const uint8_t>> bytesOf(const std::string* s) noexcept {
    if (s == nullptr) return std::nullopt;
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s->data()), s->size());
  }
};

class RecordHandoff {
 public:
  /// `capacity` slots (>= 1), all free.
  explicit RecordHandoff(int32_t capacity);
  ~RecordHandoff();
  RecordHandoff(const RecordHandoff&) = delete;
  RecordHandoff& operator=(const RecordHandoff&) = delete;

  /// Takes a free slot, waiting per `enqueueTimeoutMs` (queue.enqueue.timeout.ms); with
  /// `mayBlock` false (the I/O thread itself) it never waits. Throws QueueFullException
  /// when no slot came free in time; std::system_error(ProducerClosed) after shutdown().
  /// The slot must then be published or abandoned.
  uint32_t acquire(int32_t enqueueTimeoutMs, bool mayBlock);

  /// The slot `index`.
  [[nodiscard]] RecordSlot& slot(uint32_t index) noexcept { return slots_[index]; }

  /// Gives a filled slot to the I/O thread. Returns true if the caller must wake it (post
  /// one drain); false when a wake is already pending.
  [[nodiscard]] bool publish(uint32_t index);

  /// Returns an acquired, unpublished slot unused (its contents are cleared).
  void abandon(uint32_t index);

  /// I/O thread: clears the wake flag, then takes up to `limit` published slots in order
  /// and calls `onRecord(index)` for each. Returns true if the caller must post another
  /// drain: it stopped at the limit with records left, and no producer posted one since
  /// (the flag is set again, so producers do not post while records are left).
  template <class F>
  bool drain(F&& onRecord, std::size_t limit) {
    wakePending_.exchange(false, std::memory_order_acq_rel);
    uint32_t index = 0;
    for (std::size_t n = 0; n < limit; ++n) {
      if (!ready_.pop(index)) return false;
      onRecord(index);
    }
    return !wakePending_.exchange(true, std::memory_order_acq_rel);
  }

  /// I/O thread: completes the record in slot `index`: calls its callback (exceptions are
  /// swallowed) or sets its future, with `metadata` and `error`, then frees the slot.
  void complete(uint32_t index, std::error_code error, const RecordMetadata& metadata) noexcept {
    completeDeferred(index, error, metadata);
    releaseDeferred();
  }
  /// As complete(), but the slot's permit is given back only by the next
  /// releaseDeferred(): completing a batch costs one semaphore release, not one per record.
  void completeDeferred(uint32_t index, std::error_code error, const RecordMetadata& metadata) noexcept;
  /// Gives back the permits of the slots completed with completeDeferred().
  void releaseDeferred() noexcept;

  /// Wakes every sender blocked in acquire(); later acquires throw ProducerClosed.
  void shutdown();

  /// Waits until no slot is held (every accepted record completed) or `timeout` passes.
  /// Returns whether none is held.
  bool waitIdle(std::chrono::milliseconds timeout);

  /// Records accepted and not yet completed (a snapshot).
  [[nodiscard]] int64_t pending() const noexcept { return capacity_ - semaphore_.available(); }
  /// True while some sender waits for a slot, or none is free: the accumulator then
  /// sends without waiting for linger (Java's "memory exhausted", spec 8.2).
  [[nodiscard]] bool exhausted() const noexcept { return semaphore_.available() <= 0 || semaphore_.waiters() > 0; }
  /// Senders blocked waiting for a slot right now (a snapshot).
  [[nodiscard]] int32_t blockedSenders() const noexcept { return semaphore_.waiters(); }
  /// The number of slots.
  [[nodiscard]] int32_t capacity() const noexcept { return capacity_; }

 private:
  void clearSlot(uint32_t index) noexcept;
  void release(int64_t permits) noexcept;

  const int32_t capacity_;
  // Storage for `capacity_` slots, constructed on first use: a slot is made only when no
  // freed one is available, so memory follows the most records ever pending, not
  // queue.buffering.max.messages (a 1,000,000-slot queue would otherwise touch ~300 MB
  // up front).
  // Mapped directly and advised to use transparent huge pages: a large queue then costs a
  // few hundred page faults instead of one per 4 KiB.
  std::size_t slabBytes_;
  RecordSlot* slots_;
  std::atomic<uint32_t> constructed_{0};  // slots [0, constructed_) exist (capped at capacity_)
  SlotSemaphore semaphore_;
  IndexQueue free_;
  IndexQueue ready_;
  int64_t deferred_ = 0;  // I/O thread: permits held back by completeDeferred()
  alignas(64) std::atomic<bool> wakePending_{false};
  std::atomic<bool> shutdown_{false};
  std::atomic<int32_t> idleWaiters_{0};
  std::mutex idleMutex_;
  std::condition_variable idleCv_;
};

}  // namespace kafkalite::client
