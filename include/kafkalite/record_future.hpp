#pragma once
/// \file
/// RecordFuture: the outcome of one record sent with Producer::send(ProducerRecord), as a
/// std::future<RecordMetadata> that knows the producer's I/O thread.
///
/// A record completes on the producer's I/O thread, so waiting for it there (inside a
/// delivery, log, error or statistics callback) could never end. RecordFuture detects that
/// case: get() and wait() throw std::system_error with std::errc::resource_deadlock_would_occur
/// instead of hanging, and wait_for() / wait_until() return std::future_status::timeout at
/// once. Anywhere else it behaves exactly as std::future.
///
/// Threading: as std::future — one thread at a time per object.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "kafkalite/record_metadata.hpp"

namespace kafkalite {

namespace detail {
/// Which thread is a producer's I/O thread; shared by the producer and its futures, so it
/// outlives either.
struct IoThreadIdentity {
  std::atomic<std::thread::id> id;
};
}  // namespace detail

class RecordFuture {
 public:
  /// An empty future (valid() is false). Never throws.
  RecordFuture() noexcept = default;
  /// Wraps `future`, completed by the producer whose I/O thread `ioThread` names
  /// (internal). Never throws.
  RecordFuture(std::future<RecordMetadata> future, std::shared_ptr<const detail::IoThreadIdentity> ioThread) noexcept
      : future_(std::move(future)), ioThread_(std::move(ioThread)) {}

  RecordFuture(RecordFuture&&) noexcept = default;
  RecordFuture& operator=(RecordFuture&&) noexcept = default;
  RecordFuture(const RecordFuture&) = delete;
  RecordFuture& operator=(const RecordFuture&) = delete;

  /// The record's metadata once it is delivered; throws std::system_error with the
  /// record's error code if it failed. On the producer's I/O thread, when the outcome is
  /// not there yet: throws std::system_error(std::errc::resource_deadlock_would_occur)
  /// rather than wait forever (the future stays valid). std::future_error if !valid().
  RecordMetadata get() {
    refuseToWaitOnIoThread("get()");
    return future_.get();
  }

  /// Whether it refers to an outcome. Never throws.
  [[nodiscard]] bool valid() const noexcept { return future_.valid(); }

  /// Waits for the outcome. On the producer's I/O thread, when it is not there yet: throws
  /// std::system_error(std::errc::resource_deadlock_would_occur).
  void wait() const {
    refuseToWaitOnIoThread("wait()");
    future_.wait();
  }

  /// Waits up to `timeout`. On the producer's I/O thread it does not wait: nothing can
  /// complete while that thread is here.
  template <class Rep, class Period>
  std::future_status wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    if (onIoThread()) return future_.wait_for(std::chrono::seconds(0));
    return future_.wait_for(timeout);
  }

  /// Waits until `deadline`; on the producer's I/O thread it does not wait (see wait_for).
  template <class Clock, class Duration>
  std::future_status wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    if (onIoThread()) return future_.wait_for(std::chrono::seconds(0));
    return future_.wait_until(deadline);
  }

  /// Gives up the detection and returns the plain std::future (for containers of
  /// std::future and code written for it). Never throws.
  [[nodiscard]] std::future<RecordMetadata> release() && noexcept { return std::move(future_); }
  /// As release(), so that `std::future<RecordMetadata> f = producer.send(record);` compiles.
  operator std::future<RecordMetadata>() && noexcept { return std::move(future_); }  // NOLINT(google-explicit-constructor)

 private:
  [[nodiscard]] bool onIoThread() const noexcept {
    return ioThread_ != nullptr && ioThread_->id.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  void refuseToWaitOnIoThread(const char* what) const {
    if (!onIoThread() || !future_.valid()) return;
    if (future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return;
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            std::string("RecordFuture::") + what +
                                " on the producer's I/O thread (inside a callback): the record can only complete "
                                "on that thread, so waiting there would never end");
  }

  std::future<RecordMetadata> future_;
  std::shared_ptr<const detail::IoThreadIdentity> ioThread_;
};

}  // namespace kafkalite
