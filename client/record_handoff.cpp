#include "client/record_handoff.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <new>
#include <utility>

namespace kafkalite::client {

namespace {

constexpr std::size_t kHugePage = 2 * 1024 * 1024;

RecordSlot* mapSlab(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Only advice: without transparent huge pages this changes nothing.
  ::madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<RecordSlot*>(p);
}

}  // namespace

RecordHandoff::RecordHandoff(int32_t capacity, int64_t maxBytes)
    : capacity_(capacity),
      maxBytes_(maxBytes),
      bodyBudget_(static_cast<std::size_t>(std::min<int64_t>(maxBytes / 16, int64_t{16} * 1024 * 1024))),
      slabBytes_((static_cast<std::size_t>(capacity) * sizeof(RecordSlot) + kHugePage - 1) / kHugePage * kHugePage),
      slots_(mapSlab(slabBytes_)),
      semaphore_(capacity, maxBytes),
      free_(static_cast<std::size_t>(capacity)),
      ready_(static_cast<std::size_t>(capacity)) {}

RecordHandoff::~RecordHandoff() {
  const uint32_t made = std::min(constructed_.load(), static_cast<uint32_t>(capacity_));
  for (uint32_t i = 0; i < made; ++i) std::destroy_at(&slots_[i]);
  ::munmap(slots_, slabBytes_);
}

uint32_t RecordHandoff::acquire(int32_t enqueueTimeoutMs, bool mayBlock, int64_t recordBytes) {
  if (shutdown_.load(std::memory_order_acquire)) throw std::system_error(ClientError::ProducerClosed);
  // A record larger than the whole bound could never fit: it takes no bytes and fails
  // with RecordTooLarge on the I/O thread (as Java's "larger than buffer.memory").
  const int64_t bytes = charged(recordBytes) ? recordBytes : 0;
  SlotSemaphore::Result result = SlotSemaphore::Result::TimedOut;
  if (semaphore_.tryAcquire(bytes)) {
    result = SlotSemaphore::Result::Acquired;
  } else if (mayBlock && enqueueTimeoutMs < 0) {
    result = semaphore_.acquire(bytes);
  } else if (mayBlock && enqueueTimeoutMs > 0) {
    result = semaphore_.tryAcquireFor(std::chrono::milliseconds(enqueueTimeoutMs), bytes);
  }
  if (result == SlotSemaphore::Result::Shutdown) throw std::system_error(ClientError::ProducerClosed);
  if (result == SlotSemaphore::Result::TimedOut) {
    // Whichever bound was short at the end (a snapshot): the slots, else the bytes.
    if (semaphore_.available() <= 0) throw QueueFullException(capacity_);
    throw QueueFullException(maxBytes_, recordBytes);
  }
  uint32_t index = 0;
  if (free_.pop(index)) return index;  // a slot used before: warm, and its buffers kept
  if (constructed_.load(std::memory_order_relaxed) < static_cast<uint32_t>(capacity_)) {
    const uint32_t fresh = constructed_.fetch_add(1, std::memory_order_relaxed);
    if (fresh < static_cast<uint32_t>(capacity_)) {
      std::construct_at(&slots_[fresh]);  // may throw bad_alloc: nothing taken but the permit
      return fresh;
    }
  }
  // Every slot exists, and a permit guarantees one of them is free: indices go back to
  // free_ before their permit does.
  while (!free_.pop(index)) {
  }
  return index;
}

RecordHandoff::Published RecordHandoff::publish(uint32_t index) {
  // ready_ has a cell for every slot and a slot is published once per acquire, so the
  // push cannot fail.
  std::size_t position = 0;
  ready_.push(index, position);
  Published out;
  out.wake = !wakePending_.exchange(true, std::memory_order_acq_rel);
  // The depth reads the I/O thread's side of the queue: only now and then.
  out.pace = position % kPaceCheckEvery == 0 && ready_.depth() > kPaceAbove;
  return out;
}

bool RecordHandoff::pace(int32_t enqueueTimeoutMs) {
  if (enqueueTimeoutMs == 0) return ready_.depth() <= kPaceResumeAt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(enqueueTimeoutMs);
  std::unique_lock lock(paceMutex_);
  pacers_.fetch_add(1, std::memory_order_seq_cst);
  // Pairs with drain(): either it sees this waiter, or the depth below sees its pops.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  while (ready_.depth() > kPaceResumeAt && !shutdown_.load(std::memory_order_acquire)) {
    if (enqueueTimeoutMs < 0) {
      paceCv_.wait(lock);
    } else if (paceCv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      break;
    }
  }
  pacers_.fetch_sub(1, std::memory_order_seq_cst);
  return ready_.depth() <= kPaceResumeAt;
}

void RecordHandoff::wakePacers() noexcept {
  if (ready_.depth() > kPaceResumeAt) return;
  std::lock_guard lock(paceMutex_);
  paceCv_.notify_all();
}

void RecordHandoff::abandon(uint32_t index, int64_t recordBytes) {
  // A sending thread: the application's buffers go, a copy's stay (the I/O thread's
  // accounting of them corrects itself when it next sees the slot).
  slots_[index].releaseBytes();
  clearSlot(index);
  release(1, charged(recordBytes) ? recordBytes : 0);
}

namespace {

// Calls the callback or sets the promise. A callback's exception must not escape into
// the I/O loop (style: no exception escapes an Asio handler); the record counts as
// completed.
void deliver(const Producer::Callback& callback, std::promise<RecordMetadata>* promise, std::error_code error,
             const RecordMetadata& metadata) noexcept {
  try {
    if (promise != nullptr) {
      if (error) {
        promise->set_exception(std::make_exception_ptr(std::system_error(error)));
      } else {
        promise->set_value(metadata);
      }
    } else if (callback) {
      callback(error, metadata);
    }
  } catch (...) {
  }
}

}  // namespace

void RecordHandoff::completeDeferred(uint32_t index, std::error_code error, const RecordMetadata& metadata) noexcept {
  RecordSlot& s = slots_[index];
  if (!s.oversized) deferredBytes_ += s.recordBytes();
  deliver(s.callback, s.promise.get(), error, metadata);
  releaseBody(s);
  clearSlot(index);
  ++deferred_;
}

void RecordHandoff::completeDeferred(PendingRecord& record, std::error_code error,
                                     const RecordMetadata& metadata) noexcept {
  deliver(record.callback, record.promise.get(), error, metadata);
  ++deferred_;
}

void RecordHandoff::releaseDeferred() noexcept {
  if (deferred_ == 0 && deferredBytes_ == 0) return;
  release(std::exchange(deferred_, 0), std::exchange(deferredBytes_, 0));
}

void RecordHandoff::releaseBody(RecordSlot& s) noexcept {
  if (s.bodyMoved) {
    keptBodyBytes_ -= std::exchange(s.body->keptBytes, 0);  // a copy's buffers were replaced by these
    releasedHeapBytes_ += s.releaseBytes();
    return;
  }
  // A copy in the slot's body: keep its buffers for the next copy, unless they are large
  // or the slots together already keep the budget (a burst of large records would
  // otherwise stay resident in every slot it touched).
  if (s.keyAt != BytesAt::Body && s.valueAt != BytesAt::Body) return;
  SlotBody& body = *s.body;
  const std::size_t capacity = body.key.capacity() + body.value.capacity();
  keptBodyBytes_ = keptBodyBytes_ - body.keptBytes + capacity;
  body.keptBytes = capacity;
  if (capacity > kMaxKeptBodyBytes || keptBodyBytes_ > bodyBudget_) {
    std::string().swap(body.key);
    std::string().swap(body.value);
    keptBodyBytes_ -= capacity;
    body.keptBytes = 0;
    releasedHeapBytes_ += capacity;
  }
}

void RecordHandoff::clearSlot(uint32_t index) noexcept {
  RecordSlot& s = slots_[index];
  // Field by field: the topic is overwritten by the next send(); the body was released
  // by the caller (releaseBody on the I/O thread, releaseBytes on a sending thread).
  s.requestedPartition.reset();
  s.keyAt = BytesAt::Null;
  s.valueAt = BytesAt::Null;
  s.callback = nullptr;
  s.promise.reset();
  // free_ has a cell for every slot, so the push cannot fail; the index goes back before
  // its permit (acquire() relies on that).
  free_.push(index);
}

void RecordHandoff::release(int64_t permits, int64_t bytes) noexcept {
  semaphore_.release(permits, bytes);
  // seq_cst pairs with waitIdle(): it counts itself a waiter, then reads pending().
  if (idleWaiters_.load(std::memory_order_seq_cst) > 0 && pending() == 0) {
    std::lock_guard lock(idleMutex_);
    idleCv_.notify_all();
  }
}

void RecordHandoff::shutdown() {
  shutdown_.store(true, std::memory_order_release);
  semaphore_.shutdown();
  std::lock_guard lock(paceMutex_);
  paceCv_.notify_all();
}

bool RecordHandoff::waitIdle(std::chrono::milliseconds timeout) {
  if (pending() == 0) return true;
  const auto deadline = timeout == std::chrono::milliseconds::max()
                            ? std::chrono::steady_clock::time_point::max()
                            : std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(idleMutex_);
  idleWaiters_.fetch_add(1, std::memory_order_seq_cst);
  while (pending() != 0) {
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      idleCv_.wait(lock);
    } else if (idleCv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      break;
    }
  }
  idleWaiters_.fetch_sub(1, std::memory_order_seq_cst);
  return pending() == 0;
}

}  // namespace kafkalite::client
