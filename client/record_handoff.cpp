#include "client/record_handoff.hpp"

#include <exception>

namespace kafkalite::client {

RecordHandoff::RecordHandoff(int32_t capacity)
    : capacity_(capacity),
      slots_(static_cast<std::size_t>(capacity)),
      semaphore_(capacity),
      free_(static_cast<std::size_t>(capacity)),
      ready_(static_cast<std::size_t>(capacity)) {
  for (int32_t i = 0; i < capacity; ++i) {
    if (!free_.bounded_push(static_cast<uint32_t>(i))) free_.push(static_cast<uint32_t>(i));
  }
}

uint32_t RecordHandoff::acquire(int32_t enqueueTimeoutMs, bool mayBlock) {
  if (shutdown_.load(std::memory_order_acquire)) throw std::system_error(ClientError::ProducerClosed);
  SlotSemaphore::Result result = SlotSemaphore::Result::TimedOut;
  if (semaphore_.tryAcquire()) {
    result = SlotSemaphore::Result::Acquired;
  } else if (mayBlock && enqueueTimeoutMs < 0) {
    result = semaphore_.acquire();
  } else if (mayBlock && enqueueTimeoutMs > 0) {
    result = semaphore_.tryAcquireFor(std::chrono::milliseconds(enqueueTimeoutMs));
  }
  if (result == SlotSemaphore::Result::Shutdown) throw std::system_error(ClientError::ProducerClosed);
  if (result == SlotSemaphore::Result::TimedOut) throw QueueFullException(capacity_);
  pending_.fetch_add(1, std::memory_order_acq_rel);
  uint32_t index = 0;
  // A permit guarantees a free index: indices go back to free_ before their permit.
  while (!free_.pop(index)) {
  }
  return index;
}

bool RecordHandoff::publish(uint32_t index) {
  // ready_ has a node for every slot, so bounded_push only fails if that invariant broke;
  // then allocate rather than lose the record.
  if (!ready_.bounded_push(index)) ready_.push(index);
  return !wakePending_.exchange(true, std::memory_order_acq_rel);
}

void RecordHandoff::abandon(uint32_t index) { freeSlot(index); }

void RecordHandoff::complete(uint32_t index, std::error_code error, const RecordMetadata& metadata) noexcept {
  RecordSlot& s = slots_[index];
  try {
    if (s.promise) {
      if (error) {
        s.promise->set_exception(std::make_exception_ptr(std::system_error(error)));
      } else {
        s.promise->set_value(metadata);
      }
    } else if (s.callback) {
      s.callback(error, metadata);
    }
  } catch (...) {
    // A callback's exception must not escape into the I/O loop (style: no exception
    // escapes an Asio handler); the record counts as completed.
  }
  freeSlot(index);
}

void RecordHandoff::freeSlot(uint32_t index) noexcept {
  RecordSlot& s = slots_[index];
  s.record = ProducerRecord();
  s.callback = nullptr;
  s.promise.reset();
  s.partition = -1;
  if (!free_.bounded_push(index)) {
    try {
      free_.push(index);
    } catch (...) {
      std::terminate();  // losing a slot index would shrink the queue for good
    }
  }
  semaphore_.release(1);
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1 && idleWaiters_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(idleMutex_);
    idleCv_.notify_all();
  }
}

void RecordHandoff::shutdown() {
  shutdown_.store(true, std::memory_order_release);
  semaphore_.shutdown();
}

bool RecordHandoff::waitIdle(std::chrono::milliseconds timeout) {
  if (pending() == 0) return true;
  const auto deadline = timeout == std::chrono::milliseconds::max()
                            ? std::chrono::steady_clock::time_point::max()
                            : std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(idleMutex_);
  idleWaiters_.fetch_add(1, std::memory_order_seq_cst);
  while (pending_.load(std::memory_order_seq_cst) != 0) {
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      idleCv_.wait(lock);
    } else if (idleCv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      break;
    }
  }
  idleWaiters_.fetch_sub(1, std::memory_order_seq_cst);
  return pending_.load(std::memory_order_seq_cst) == 0;
}

}  // namespace kafkalite::client
