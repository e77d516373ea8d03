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
/// A slot is taken by send() and given back as soon as its record is in a batch (its
/// callback moves into the batch as a PendingRecord), so the slab stays as small as the
/// hand-off's backlog and recently freed slots, warm in cache, are reused first. The
/// semaphore's permit is held apart from the slot, until the record completes (callback
/// or future), so it bounds "records accepted and not yet completed", which is exactly
/// queue.buffering.max.messages (spec 7.5). send() waits for a free slot as
/// queue.enqueue.timeout.ms says: 0 → fail at once, negative → block, positive → block
/// up to that long; then QueueFullException.
///
/// Waking the I/O thread: publish() sets an atomic "wake pending" flag and reports whether
/// it was clear; only then does the caller post a drain to the io_context. So there is at
/// most one post per drain cycle, and no syscall or allocation per record.
///
/// Pacing: a sending thread can fill slots several times faster than the I/O thread turns
/// them into batches. Left alone it runs up to queue.buffering.max.messages ahead, and the
/// backlog's slots, batches and completions (~300 MB for 1,000,000 records) are first
/// touched and then read back cold, while the sending thread takes CPU the I/O thread
/// needs. So every kPaceCheckEvery-th publish looks at the hand-off's depth, and above
/// kPaceAbove records not yet drained publish() asks the caller to pace(): it sleeps
/// (no spinning) until the I/O thread has drained the hand-off down to kPaceResumeAt, for
/// at most queue.enqueue.timeout.ms (so with 0 it never waits). The record is accepted
/// either way; pacing never fails a send() and does not change what
/// queue.buffering.max.messages bounds. Measured in docs/performance-profile.md.
///
/// Threading: acquire(), slot() (for a slot the caller holds), publish(), pace(), abandon(),
/// waitIdle() and shutdown() from any thread; drain() and complete() only on the I/O
/// thread (the single consumer). A slot belongs to the thread that acquired it until
/// publish(), then to the I/O thread until complete().

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "client/index_queue.hpp"
#include "client/slot_semaphore.hpp"
#include "kafkalite/producer.hpp"

namespace kafkalite::client {

/// What a record needs from the moment it is in a batch until it completes. Its slot is
/// free again by then: the batch keeps these, in offset order.
struct PendingRecord {
  Producer::Callback callback;
  std::unique_ptr<std::promise<RecordMetadata>> promise;  ///< for send() returning a future
  int64_t timestampMs = 0;  ///< create time written in the batch
};

/// Where a slot keeps a record's key or value.
enum class BytesAt : uint8_t { Null, Inline, Body };

/// The parts of a record that do not fit a slot's fixed fields: moved-in or large keys
/// and values, and headers. Made for a slot the first time it needs one and kept with
/// the slot, so copied records reuse its buffers (within RecordHandoff's body budget).
struct SlotBody {
  std::string key;
  std::string value;
  std::vector<RecordHeader> headers;
  std::size_t keptBytes = 0;  ///< I/O thread: capacity counted in the handoff's kept-body total
};

/// One record between send() and its append to a batch (or its failure before that).
/// Kept small (the slab holds queue.buffering.max.messages of them, touched as far as
/// the backlog reaches): key and value of up to kInlineBytes together live in the slot,
/// anything else in its SlotBody.
struct RecordSlot {
  static constexpr std::size_t kInlineBytes = 128;

  std::string topic;
  std::optional<int32_t> requestedPartition;  ///< the record's partition; nullopt = partitioner
  Producer::Callback callback;
  std::unique_ptr<std::promise<RecordMetadata>> promise;  ///< for send() returning a future
  std::unique_ptr<SlotBody> body;                         ///< kept across records once made
  int64_t enqueuedMs = 0;   ///< monotonic time of send()
  int64_t timestampMs = 0;  ///< create time written in the batch (the record's or send() time)
  uint32_t inlineKeyBytes = 0;
  uint32_t inlineValueBytes = 0;
  BytesAt keyAt = BytesAt::Null;
  BytesAt valueAt = BytesAt::Null;
  bool bodyMoved = false;  ///< the body's strings are the application's (freed once serialized)
  bool oversized = false;  ///< larger than the whole byte bound: took no bytes, fails with RecordTooLarge
  std::array<uint8_t, kInlineBytes> inlineBytes;

  /// Takes topic, partition, key, value and headers of `record` (moved, not copied).
  void setRecord(ProducerRecord&& record) {
    topic = std::move(record.topic);
    requestedPartition = record.partition;
    const bool needsBody = record.key || record.value || !record.headers.empty();
    if (needsBody && !body) body = std::make_unique<SlotBody>();
    keyAt = record.key ? BytesAt::Body : BytesAt::Null;
    valueAt = record.value ? BytesAt::Body : BytesAt::Null;
    if (record.key) body->key = std::move(*record.key);
    if (record.value) body->value = std::move(*record.value);
    if (!record.headers.empty()) body->headers = std::move(record.headers);
    bodyMoved = needsBody;
  }

  /// Copies topic, partition, key and value of `record`: into the slot itself when key
  /// and value together fit kInlineBytes, else into the body's kept buffers. Allocates
  /// only when those are too small (or the topic outgrows its small-string buffer).
  void copyRecord(const RecordView& record) {
    topic.assign(record.topic);
    requestedPartition = record.partition;
    const std::size_t keySize = record.key ? record.key->size() : 0;
    const std::size_t valueSize = record.value ? record.value->size() : 0;
    bodyMoved = false;
    if (keySize + valueSize <= kInlineBytes) {
      if (keySize > 0) std::memcpy(inlineBytes.data(), record.key->data(), keySize);
      if (valueSize > 0) std::memcpy(inlineBytes.data() + keySize, record.value->data(), valueSize);
      inlineKeyBytes = static_cast<uint32_t>(keySize);
      inlineValueBytes = static_cast<uint32_t>(valueSize);
      keyAt = record.key ? BytesAt::Inline : BytesAt::Null;
      valueAt = record.value ? BytesAt::Inline : BytesAt::Null;
      return;
    }
    if (!body) body = std::make_unique<SlotBody>();
    keyAt = record.key ? BytesAt::Body : BytesAt::Null;
    valueAt = record.value ? BytesAt::Body : BytesAt::Null;
    if (record.key) body->key.assign(*record.key);
    if (record.value) body->value.assign(*record.value);
  }

  /// The key's bytes wherever they are; std::nullopt for a null key.
  [[nodiscard]] std::optional<std::span<const uint8_t>> keyBytes() const noexcept {
    switch (keyAt) {
      case BytesAt::Inline: return std::span<const uint8_t>(inlineBytes.data(), inlineKeyBytes);
      case BytesAt::Body: return bytesOf(body->key);
      case BytesAt::Null: break;
    }
    return std::nullopt;
  }
  /// The value's bytes wherever they are; std::nullopt for a null value.
  [[nodiscard]] std::optional<std::span<const uint8_t>> valueBytes() const noexcept {
    switch (valueAt) {
      case BytesAt::Inline: return std::span<const uint8_t>(inlineBytes.data() + inlineKeyBytes, inlineValueBytes);
      case BytesAt::Body: return bytesOf(body->value);
      case BytesAt::Null: break;
    }
    return std::nullopt;
  }
  /// The record's headers (only send(ProducerRecord) has any).
  [[nodiscard]] std::span<const RecordHeader> headers() const noexcept {
    if (!bodyMoved) return {};
    return body->headers;
  }

  /// The bytes the record counts against queue.buffering.max.kbytes: key, value and
  /// headers (names and values), as recordBytes(record) computed them at send().
  [[nodiscard]] int64_t recordBytes() const noexcept {
    int64_t n = 0;
    if (const auto k = keyBytes()) n += static_cast<int64_t>(k->size());
    if (const auto v = valueBytes()) n += static_cast<int64_t>(v->size());
    for (const RecordHeader& h : headers()) {
      n += static_cast<int64_t>(h.key.size() + (h.value ? h.value->size() : 0));
    }
    return n;
  }
  /// What `record` will count, computed before it is stored (the sending thread).
  [[nodiscard]] static int64_t recordBytes(const ProducerRecord& record) noexcept {
    int64_t n = static_cast<int64_t>((record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0));
    for (const RecordHeader& h : record.headers) {
      n += static_cast<int64_t>(h.key.size() + (h.value ? h.value->size() : 0));
    }
    return n;
  }
  /// As recordBytes(const ProducerRecord&) for a copied record.
  [[nodiscard]] static int64_t recordBytes(const RecordView& record) noexcept {
    return static_cast<int64_t>((record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0));
  }

  /// The key, value and headers are serialized: frees what the application gave away and
  /// returns how many heap bytes that was. Copies keep their buffers for the next record
  /// (RecordHandoff bounds them), and are left as they are: the I/O thread then writes
  /// nothing into the slot, whose cache lines go back to the sending thread clean.
  std::size_t releaseBytes() noexcept {
    if (!bodyMoved) return 0;
    const std::size_t freed = body->key.capacity() + body->value.capacity();
    std::string().swap(body->key);
    std::string().swap(body->value);
    body->headers = {};
    bodyMoved = false;
    keyAt = BytesAt::Null;
    valueAt = BytesAt::Null;
    return freed;
  }

  /// Moves the callback (or promise) and the timestamp out, for the batch the record was
  /// appended to.
  [[nodiscard]] PendingRecord takeCompletion() noexcept {
    return PendingRecord{std::move(callback), promise ? std::move(promise) : nullptr, timestampMs};
  }

  static std::span<const uint8_t> bytesOf(const std::string& s) noexcept {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }
};

class RecordHandoff {
 public:
  /// Pacing (see the file comment): publish() looks at the depth once per this many
  /// publishes, asks for pace() above kPaceAbove records not yet drained, and pace()
  /// returns once the I/O thread has drained down to kPaceResumeAt.
  static constexpr std::size_t kPaceCheckEvery = 256;
  static constexpr std::size_t kPaceAbove = 8192;
  static constexpr std::size_t kPaceResumeAt = 4096;

  /// What publish() asks of its caller.
  struct Published {
    bool wake = false;  ///< post one drain to the I/O thread (no wake is pending)
    bool pace = false;  ///< the hand-off is deep: call pace() once the wake is posted
  };

  /// A copied record's key and value buffers stay with its slot for the next copy only up
  /// to this size, and only while all slots together keep at most bodyBudget() bytes.
  static constexpr std::size_t kMaxKeptBodyBytes = 64 * 1024;

  /// `capacity` slots (>= 1), all free, and `maxBytes` (>= 1) bytes of keys, values and
  /// headers (queue.buffering.max.kbytes).
  explicit RecordHandoff(int32_t capacity, int64_t maxBytes = INT64_MAX);
  ~RecordHandoff();
  RecordHandoff(const RecordHandoff&) = delete;
  RecordHandoff& operator=(const RecordHandoff&) = delete;

  /// Takes a free slot and `recordBytes` of the byte bound, waiting per `enqueueTimeoutMs`
  /// (queue.enqueue.timeout.ms); with `mayBlock` false (the I/O thread itself) it never
  /// waits. A record larger than the whole bound takes no bytes (charged() is false: the
  /// I/O thread fails it). Throws QueueFullException when no slot, or not enough bytes,
  /// came free in time; std::system_error(ProducerClosed) after shutdown(). The slot must
  /// then be published or abandoned.
  uint32_t acquire(int32_t enqueueTimeoutMs, bool mayBlock, int64_t recordBytes = 0);

  /// Whether a record of `recordBytes` took bytes of the bound (it is not larger than it).
  [[nodiscard]] bool charged(int64_t recordBytes) const noexcept { return recordBytes <= maxBytes_; }

  /// The slot `index`.
  [[nodiscard]] RecordSlot& slot(uint32_t index) noexcept { return slots_[index]; }

  /// Gives a filled slot to the I/O thread. Says whether the caller must wake it (post one
  /// drain; not when a wake is already pending) and whether it should then pace().
  [[nodiscard]] Published publish(uint32_t index);

  /// A sending thread (never the I/O thread) waits, blocked, until the I/O thread has
  /// drained the hand-off down to kPaceResumeAt records, or shutdown(), or
  /// `enqueueTimeoutMs` passes (queue.enqueue.timeout.ms: 0 returns at once, negative has
  /// no limit). Returns whether the hand-off was that short when it returned.
  bool pace(int32_t enqueueTimeoutMs);

  /// Returns an acquired, unpublished slot unused (its contents are cleared) with the
  /// `recordBytes` it took.
  void abandon(uint32_t index, int64_t recordBytes = 0);

  /// I/O thread: clears the wake flag, then takes up to `limit` published slots in order
  /// and calls `onRecord(index)` for each. Returns true if the caller must post another
  /// drain: it stopped at the limit with records left, and no producer posted one since
  /// (the flag is set again, so producers do not post while records are left).
  template <class F>
  bool drain(F&& onRecord, std::size_t limit) {
    wakePending_.exchange(false, std::memory_order_acq_rel);
    uint32_t index = 0;
    std::size_t n = 0;
    while (n < limit && ready_.pop(index)) {
      onRecord(index);
      ++n;
    }
    // Pairs with pace(): either it sees these pops, or this sees its waiter count.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (pacers_.load(std::memory_order_relaxed) > 0) wakePacers();
    if (n < limit) return false;
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
  /// I/O thread: completes a record that was appended to a batch (its slot already
  /// recycled); its permit is given back by the next releaseDeferred(), its bytes with
  /// the batch's (deferBytes()).
  void completeDeferred(PendingRecord& record, std::error_code error, const RecordMetadata& metadata) noexcept;
  /// I/O thread: the record in slot `index` was appended to a batch, which took its
  /// completion (RecordSlot::takeCompletion) and its bytes: the slot is free again (the
  /// application's buffers are freed, a copy's are kept within the body budget), the
  /// permit stays held until the record completes. Nothing else is cleared: the next
  /// send() sets every field it reads.
  void recycle(uint32_t index) noexcept {
    releaseBody(slots_[index]);
    free_.push(index);
  }
  /// I/O thread: `bytes` of completed records go back with the next releaseDeferred().
  void deferBytes(int64_t bytes) noexcept { deferredBytes_ += bytes; }
  /// Gives back the permits and bytes of the records completed with completeDeferred().
  void releaseDeferred() noexcept;
  /// I/O thread: heap bytes freed (application buffers, trimmed copy buffers) since the
  /// last call.
  [[nodiscard]] std::size_t takeReleasedHeapBytes() noexcept { return std::exchange(releasedHeapBytes_, 0); }
  /// What copied bodies may keep in total: a sixteenth of the byte bound, at most 16 MiB.
  [[nodiscard]] std::size_t bodyBudget() const noexcept { return bodyBudget_; }
  /// I/O thread: bytes the slots' copy buffers keep now.
  [[nodiscard]] std::size_t keptBodyBytes() const noexcept { return keptBodyBytes_; }

  /// Wakes every sender blocked in acquire(); later acquires throw ProducerClosed.
  void shutdown();

  /// Waits until no slot is held (every accepted record completed) or `timeout` passes.
  /// Returns whether none is held.
  bool waitIdle(std::chrono::milliseconds timeout);

  /// Records accepted and not yet completed (a snapshot).
  [[nodiscard]] int64_t pending() const noexcept { return capacity_ - semaphore_.available(); }
  /// Their bytes (a snapshot).
  [[nodiscard]] int64_t pendingBytes() const noexcept { return maxBytes_ - semaphore_.availableBytes(); }
  /// The byte bound.
  [[nodiscard]] int64_t maxBytes() const noexcept { return maxBytes_; }
  /// True while some sender waits for a slot, or none is free: the accumulator then
  /// sends without waiting for linger (Java's "memory exhausted", spec 8.2).
  [[nodiscard]] bool exhausted() const noexcept { return semaphore_.available() <= 0 || semaphore_.waiters() > 0; }
  /// Senders blocked waiting for a slot right now (a snapshot).
  [[nodiscard]] int32_t blockedSenders() const noexcept { return semaphore_.waiters(); }
  /// Senders in pace() right now (a snapshot).
  [[nodiscard]] int32_t pacingSenders() const noexcept { return pacers_.load(std::memory_order_relaxed); }
  /// The number of slots.
  [[nodiscard]] int32_t capacity() const noexcept { return capacity_; }

 private:
  void clearSlot(uint32_t index) noexcept;
  void release(int64_t permits, int64_t bytes) noexcept;
  void wakePacers() noexcept;
  // Frees what the application gave away; keeps a copy's buffers within the budget.
  void releaseBody(RecordSlot& slot) noexcept;

  const int32_t capacity_;
  const int64_t maxBytes_;
  const std::size_t bodyBudget_;
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
  int64_t deferredBytes_ = 0;          // I/O thread: bytes held back likewise
  std::size_t releasedHeapBytes_ = 0;  // I/O thread: see takeReleasedHeapBytes()
  std::size_t keptBodyBytes_ = 0;      // I/O thread: capacity the copy buffers keep
  alignas(64) std::atomic<bool> wakePending_{false};
  std::atomic<bool> shutdown_{false};
  std::atomic<int32_t> idleWaiters_{0};
  std::mutex idleMutex_;
  std::condition_variable idleCv_;
  std::atomic<int32_t> pacers_{0};  // threads in pace()
  std::mutex paceMutex_;
  std::condition_variable paceCv_;
};

}  // namespace kafkalite::client
