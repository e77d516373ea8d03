#pragma once
/// \file
/// Producer::Impl: the threads around ProducerCore. Application threads call send(),
/// flush(), close() and partitionsFor(); one I/O thread runs an io_context that owns the
/// ProducerCore (accumulator, sender, metadata) and the connections, drains the hand-off
/// queue, runs Sender passes and arms one timer for the next deadline, one for
/// housekeeping (every second) and, with statistics.interval.ms, one for statistics.
///
/// Destroyed on its own I/O thread (the Producer dropped in one of its callbacks), it
/// cannot join that thread: destroyFromIoThread() starts closing and returns, and the I/O
/// thread finishes the close — every pending record still completes — then leaves its
/// loop and deletes the Impl itself.
///
/// Tests build one with a ManualClock and a fake ConnectionFactory.
///
/// Threading: the public members may be called from any thread (see producer.hpp);
/// everything prefixed `io` and every member of core_ runs on the I/O thread only.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "client/asio.hpp"
#include "client/clock.hpp"
#include "client/events.hpp"
#include "client/producer_core.hpp"
#include "client/record_handoff.hpp"
#include "kafkalite/producer.hpp"

namespace kafkalite {

class Producer::Impl {
 public:
  /// Makes the connection factory on the I/O thread's io_context; `onEvent` must be
  /// called (on that thread) when a connection's state changes.
  using FactoryMaker = std::function<std::unique_ptr<client::ConnectionFactory>(
      boost::asio::io_context& io, const client::Clock& clock, std::function<void()> onEvent)>;

  /// Validates `config` (ConfigException) and starts the I/O thread. Without `clock`, the
  /// system clock; without `makeFactory`, TCP connections (AsioBrokerConnection).
  explicit Impl(ProducerConfig config, std::shared_ptr<const client::Clock> clock = nullptr,
                FactoryMaker makeFactory = nullptr, ProducerCallbacks callbacks = {});
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void send(ProducerRecord&& record, Callback&& callback, std::promise<RecordMetadata>* promise);
  void send(const RecordView& record, Callback&& callback);
  /// Ends a send() call (close() waits until none is in progress).
  void senderDone();
  bool flush(std::chrono::milliseconds timeout);
  bool close(std::chrono::milliseconds timeout);
  std::vector<PartitionInfo> partitionsFor(const std::string& topic, std::chrono::milliseconds timeout);

  /// Whether the caller runs on the I/O thread (inside a callback).
  [[nodiscard]] bool onIoThread() const noexcept {
    return std::this_thread::get_id() == ioThread_->id.load(std::memory_order_acquire);
  }
  /// The I/O thread's identity, shared with the futures send() returns.
  [[nodiscard]] const std::shared_ptr<detail::IoThreadIdentity>& ioThread() const noexcept { return ioThread_; }
  /// The Producer is being destroyed on the I/O thread: stop accepting records, finish the
  /// close there and delete this Impl when done (see the file comment). Never throws.
  void destroyFromIoThread() noexcept;

  /// Runs `fn` on the I/O thread and waits for it (tests: inspect the core safely).
  void runOnIoThread(const std::function<void(client::ProducerCore&)>& fn);
  /// The hand-off queue (tests: pending count).
  [[nodiscard]] const client::RecordHandoff& handoff() const noexcept { return handoff_; }

 private:
  struct PartitionsWait;
  void ioDrain();
  void ioRun();
  void ioArmTimer(int64_t nowMs, int64_t nextMs);
  void ioScheduleRun();
  void ioCheckPartitions(const std::shared_ptr<PartitionsWait>& wait, const std::string& topic);
  void ioOnMetadata();
  void ioHousekeeping();
  void ioStatistics();
  // The end of every close: what is left fails, the loop stops.
  void ioFinishClose();
  // Fails every partitionsFor() still waiting, with ProducerClosed.
  void failPartitionsWaits();
  // send() steps: a slot (waiting as queue.enqueue.timeout.ms says), its times, hand-off.
  uint32_t acquireSlot(int64_t recordBytes);
  void stamp(client::RecordSlot& slot, const std::optional<int64_t>& timestamp) noexcept;
  void publish(uint32_t index);

  const ProducerConfig config_;
  std::shared_ptr<const client::Clock> clock_;
  const bool systemClock_;  // clock_ is a SystemClock: send() may use RecentSystemTime
  ProducerCallbacks callbacks_;
  client::Events events_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer housekeepingTimer_;
  boost::asio::steady_timer statisticsTimer_;
  client::RecordHandoff handoff_;
  std::unique_ptr<client::ConnectionFactory> factory_;
  std::unique_ptr<client::ProducerCore> core_;

  // I/O thread state.
  int64_t timerArmedAt_ = INT64_MAX;
  bool runScheduled_ = false;
  int32_t flushers_ = 0;
  bool closing_ = false;
  bool closingOnIoThread_ = false;  // destroyFromIoThread(): finish when nothing is pending
  std::vector<std::function<void()>> metadataWaiters_;

  // Application threads.
  // Wall clock minus monotonic clock, refreshed by every I/O pass: send() reads one clock
  // per record and derives the record's timestamp from it.
  std::atomic<int64_t> wallOffsetMs_{0};
  std::atomic<bool> closed_{false};
  std::atomic<int32_t> activeSenders_{0};
  std::mutex sendersMutex_;
  std::condition_variable sendersCv_;
  std::mutex closeMutex_;
  bool closeDone_ = false;
  bool closeResult_ = false;
  // partitionsFor() calls waiting, failed at once when close() begins.
  std::mutex partitionsMutex_;
  std::set<std::shared_ptr<PartitionsWait>> partitionsWaits_;
  std::shared_ptr<detail::IoThreadIdentity> ioThread_ = std::make_shared<detail::IoThreadIdentity>();
  std::atomic<bool> selfOwned_{false};  // the I/O thread deletes this Impl when its loop ends
  std::thread thread_;
};

}  // namespace kafkalite
