#pragma once
/// \file
/// Producer::Impl: the threads around ProducerCore. Application threads call send(),
/// flush(), close() and partitionsFor(); one I/O thread runs an io_context that owns the
/// ProducerCore (accumulator, sender, metadata) and the connections, drains the hand-off
/// queue, runs Sender passes and arms one timer for the next deadline.
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
#include <thread>
#include <vector>

#include "client/asio.hpp"
#include "client/clock.hpp"
#include "client/logger.hpp"
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
  /// system clock; without `makeFactory`, TCP connections (AsioBrokerConnection). `logger`
  /// gets what the Sender and the connections report (client/logger.hpp).
  explicit Impl(ProducerConfig config, std::shared_ptr<const client::Clock> clock = nullptr,
                FactoryMaker makeFactory = nullptr, client::Logger logger = {});
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

  /// Runs `fn` on the I/O thread and waits for it (tests: inspect the core safely).
  void runOnIoThread(const std::function<void(client::ProducerCore&)>& fn);
  /// The hand-off queue (tests: pending count).
  [[nodiscard]] const client::RecordHandoff& handoff() const noexcept { return handoff_; }

 private:
  struct PartitionsWait;
  [[nodiscard]] bool onIoThread() const noexcept { return std::this_thread::get_id() == ioThreadId_.load(); }
  void ioDrain();
  void ioRun();
  void ioArmTimer(int64_t nowMs, int64_t nextMs);
  void ioScheduleRun();
  void ioCheckPartitions(const std::shared_ptr<PartitionsWait>& wait, const std::string& topic);
  void ioOnMetadata();
  // send() steps: a slot (waiting as queue.enqueue.timeout.ms says), its times, hand-off.
  uint32_t acquireSlot();
  void stamp(client::RecordSlot& slot, const std::optional<int64_t>& timestamp) noexcept;
  void publish(uint32_t index);

  const ProducerConfig config_;
  std::shared_ptr<const client::Clock> clock_;
  const bool systemClock_;  // clock_ is a SystemClock: send() may use RecentSystemTime
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer timer_;
  client::RecordHandoff handoff_;
  std::unique_ptr<client::ConnectionFactory> factory_;
  std::unique_ptr<client::ProducerCore> core_;

  // I/O thread state.
  int64_t timerArmedAt_ = INT64_MAX;
  bool runScheduled_ = false;
  int32_t flushers_ = 0;
  bool closing_ = false;
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
  std::atomic<std::thread::id> ioThreadId_;
  std::thread thread_;
};

}  // namespace kafkalite
