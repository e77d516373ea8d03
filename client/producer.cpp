#include "kafkalite/producer.hpp"

#include <pthread.h>

#include <cstring>

#include "client/asio_broker_connection.hpp"
#include "client/producer_impl.hpp"

namespace kafkalite {

namespace asio = boost::asio;
using client::ProducerCore;

namespace {
// Records taken from the hand-off queue per drain, so a steady stream cannot starve the
// Sender passes and timers.
constexpr std::size_t kDrainLimit = 4096;
}  // namespace

QueueFullException::QueueFullException(int32_t capacity)
    : std::runtime_error("queue full: " + std::to_string(capacity) +
                         " records (queue.buffering.max.messages) are pending") {}

QueueFullException::QueueFullException(int64_t maxBytes, int64_t recordBytes)
    : std::runtime_error("queue full: a record of " + std::to_string(recordBytes) + " bytes does not fit within " +
                         std::to_string(maxBytes) + " bytes of pending records (queue.buffering.max.kbytes)") {}

// ---- Producer ------------------------------------------------------------------------

Producer::Producer(const ProducerConfig& config, ProducerCallbacks callbacks)
    : impl_(std::make_unique<Impl>(config, nullptr, nullptr, std::move(callbacks))) {}
Producer::Producer(const std::map<std::string, std::string>& properties, ProducerCallbacks callbacks)
    : impl_(std::make_unique<Impl>(ProducerConfig::fromProperties(properties), nullptr, nullptr,
                                   std::move(callbacks))) {}
Producer::Producer(std::initializer_list<std::pair<const std::string, std::string>> properties,
                   ProducerCallbacks callbacks)
    : Producer(std::map<std::string, std::string>(properties), std::move(callbacks)) {}
Producer::Producer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Producer::~Producer() {
  if (!impl_) return;
  if (impl_->onIoThread()) {
    // Inside one of its own callbacks: this thread cannot wait for itself. The I/O thread
    // finishes the close and frees the Impl.
    impl_.release()->destroyFromIoThread();
    return;
  }
  impl_->close(std::chrono::milliseconds::max());
}

void Producer::send(ProducerRecord record, Callback callback) { impl_->send(std::move(record), std::move(callback), nullptr); }
void Producer::send(const RecordView& record, Callback callback) { impl_->send(record, std::move(callback)); }

RecordFuture Producer::send(ProducerRecord record) {
  std::promise<RecordMetadata> promise;
  auto future = promise.get_future();
  impl_->send(std::move(record), nullptr, &promise);
  return RecordFuture(std::move(future), impl_->ioThread());
}

bool Producer::flush(std::chrono::milliseconds timeout) { return impl_->flush(timeout); }
bool Producer::close(std::chrono::milliseconds timeout) { return impl_->close(timeout); }
std::vector<PartitionInfo> Producer::partitionsFor(const std::string& topic, std::chrono::milliseconds timeout) {
  return impl_->partitionsFor(topic, timeout);
}

// ---- Producer::Impl ------------------------------------------------------------------

namespace {
const ProducerConfig& supported(const ProducerConfig& config) {
  config.validate();
  return config;
}
}  // namespace

Producer::Impl::Impl(ProducerConfig config, std::shared_ptr<const client::Clock> clock, FactoryMaker makeFactory,
                     ProducerCallbacks callbacks)
    : config_(supported(config)),
      clock_(clock ? std::move(clock) : std::make_shared<client::SystemClock>()),
      systemClock_(dynamic_cast<const client::SystemClock*>(clock_.get()) != nullptr),
      callbacks_(std::move(callbacks)),
      events_(config_.logLevel, callbacks_.log, callbacks_.error),
      work_(asio::make_work_guard(io_)),
      timer_(io_),
      housekeepingTimer_(io_),
      statisticsTimer_(io_),
      handoff_(config_.queueBufferingMaxMessages, config_.queueBufferingMaxBytes) {
  wallOffsetMs_.store(clock_->wallClockMs() - clock_->nowMs(), std::memory_order_relaxed);
  auto onEvent = [this] { ioScheduleRun(); };
  if (makeFactory) {
    factory_ = makeFactory(io_, *clock_, onEvent);
  } else {
    client::AsioConnectionOptions options;
    options.clientId = config_.clientId;
    options.connectTimeoutMs = config_.connectionSetupTimeoutMs();
    options.reconnectBackoffMs = config_.retryBackoffMs;
    options.events = &events_;
    factory_ = std::make_unique<client::AsioConnectionFactory>(io_, *clock_, options, onEvent);
  }
  core_ = std::make_unique<ProducerCore>(config_, *clock_, handoff_, *factory_, events_);
  core_->sender().setWakeup(onEvent);
  core_->setMetadataObserver([this] { ioOnMetadata(); });
  asio::post(io_, [this] {
    ioHousekeeping();
    if (config_.statisticsIntervalMs > 0 && callbacks_.statistics) ioStatistics();
  });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kafkalite-io");  // visible in top -H, perf, gdb
    ioThread_->id.store(std::this_thread::get_id(), std::memory_order_release);
    for (;;) {
      try {
        io_.run();
        break;
      } catch (...) {
        // Handlers do not throw by design; should one (bad_alloc), keep the loop alive
        // so records still complete.
      }
    }
    if (selfOwned_.load(std::memory_order_acquire)) {
      // Destroyed from a callback (destroyFromIoThread): nobody will join this thread.
      thread_.detach();
      delete this;
    }
  });
}

Producer::Impl::~Impl() {
  if (!selfOwned_.load(std::memory_order_acquire)) close(std::chrono::milliseconds::max());
}

void Producer::Impl::senderDone() {
  if (activeSenders_.fetch_sub(1, std::memory_order_seq_cst) == 1 && closed_.load(std::memory_order_seq_cst)) {
    std::lock_guard lock(sendersMutex_);
    sendersCv_.notify_all();
  }
}

namespace {
// Counts a send() in progress, so close() waits for it (see senderDone()).
struct SendScope {
  explicit SendScope(std::atomic<int32_t>& active, Producer::Impl& impl) : impl(impl) {
    active.fetch_add(1, std::memory_order_seq_cst);
  }
  ~SendScope() { impl.senderDone(); }
  SendScope(const SendScope&) = delete;
  SendScope& operator=(const SendScope&) = delete;
  Producer::Impl& impl;
};
}  // namespace

uint32_t Producer::Impl::acquireSlot(int64_t recordBytes) {
  if (closed_.load(std::memory_order_seq_cst)) throw std::system_error(ClientError::ProducerClosed);
  // On the I/O thread (a callback sending) waiting could never end: fail at once instead.
  return handoff_.acquire(config_.queueEnqueueTimeoutMs, !onIoThread(), recordBytes);
}

void Producer::Impl::stamp(client::RecordSlot& slot, const std::optional<int64_t>& timestamp) noexcept {
  // The system clock is read at most every ~100 µs per sending thread (RecentSystemTime);
  // the linger start and create time are in milliseconds anyway.
  const int64_t now = systemClock_ ? client::RecentSystemTime::nowMs() : clock_->nowMs();
  slot.enqueuedMs = now;
  slot.timestampMs = timestamp ? *timestamp : now + wallOffsetMs_.load(std::memory_order_relaxed);
}

void Producer::Impl::publish(uint32_t index) {
  const client::RecordHandoff::Published published = handoff_.publish(index);
  if (published.wake) asio::post(io_, [this] { ioDrain(); });
  // A sending thread far ahead of the I/O thread waits for it (see RecordHandoff); the
  // I/O thread itself (a callback sending) never waits for itself.
  if (published.pace && !onIoThread()) handoff_.pace(config_.queueEnqueueTimeoutMs);
}

void Producer::Impl::send(ProducerRecord&& record, Callback&& callback, std::promise<RecordMetadata>* promise) {
  SendScope scope(activeSenders_, *this);
  const int64_t bytes = client::RecordSlot::recordBytes(record);
  const uint32_t index = acquireSlot(bytes);
  client::RecordSlot& slot = handoff_.slot(index);
  try {
    if (promise != nullptr) slot.promise = std::make_unique<std::promise<RecordMetadata>>(std::move(*promise));
    stamp(slot, record.timestamp);
    slot.setRecord(std::move(record));
  } catch (...) {
    handoff_.abandon(index, bytes);
    throw;
  }
  slot.oversized = !handoff_.charged(bytes);
  slot.callback = std::move(callback);
  publish(index);
}

void Producer::Impl::send(const RecordView& record, Callback&& callback) {
  SendScope scope(activeSenders_, *this);
  const int64_t bytes = client::RecordSlot::recordBytes(record);
  const uint32_t index = acquireSlot(bytes);
  client::RecordSlot& slot = handoff_.slot(index);
  stamp(slot, record.timestamp);
  try {
    slot.copyRecord(record);  // no allocation once the slot's buffers are big enough
  } catch (...) {
    handoff_.abandon(index, bytes);
    throw;
  }
  slot.oversized = !handoff_.charged(bytes);
  slot.callback = std::move(callback);
  publish(index);
}

void Producer::Impl::ioDrain() {
  if (handoff_.drain([this](uint32_t index) { core_->onRecord(index); }, kDrainLimit)) {
    asio::post(io_, [this] { ioDrain(); });
  }
  ioRun();
}

void Producer::Impl::ioScheduleRun() {
  if (runScheduled_) return;
  runScheduled_ = true;
  asio::post(io_, [this] { ioRun(); });
}

void Producer::Impl::ioRun() {
  runScheduled_ = false;
  const int64_t now = clock_->nowMs();
  wallOffsetMs_.store(clock_->wallClockMs() - now, std::memory_order_relaxed);
  ioArmTimer(now, core_->runOnce(now));
  // Destroyed from a callback: the close ends once nothing is pending.
  if (closingOnIoThread_ && handoff_.pending() == 0) ioFinishClose();
}

void Producer::Impl::ioArmTimer(int64_t nowMs, int64_t nextMs) {
  if (nextMs == timerArmedAt_) return;
  timerArmedAt_ = nextMs;
  if (nextMs == INT64_MAX) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, nextMs - nowMs)));
  timer_.async_wait([this, nextMs](boost::system::error_code ec) {
    if (ec || timerArmedAt_ != nextMs) return;
    timerArmedAt_ = INT64_MAX;
    ioRun();
  });
}

void Producer::Impl::ioHousekeeping() {
  core_->housekeeping(clock_->nowMs());
  housekeepingTimer_.expires_after(std::chrono::milliseconds(ProducerCore::kHousekeepingMs));
  housekeepingTimer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ioHousekeeping();
  });
}

void Producer::Impl::ioStatistics() {
  statisticsTimer_.expires_after(std::chrono::milliseconds(config_.statisticsIntervalMs));
  statisticsTimer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    try {
      const std::string json = core_->statistics(clock_->nowMs());
      callbacks_.statistics(json);
    } catch (...) {
      // The callback's exceptions (and bad_alloc) must not escape the I/O loop.
    }
    ioStatistics();
  });
}

bool Producer::Impl::flush(std::chrono::milliseconds timeout) {
  if (onIoThread()) return handoff_.pending() == 0;  // waiting here could never end
  asio::post(io_, [this] {
    ++flushers_;
    core_->setFlushing(true);
    ioRun();
  });
  const bool idle = handoff_.waitIdle(timeout);
  asio::post(io_, [this] {
    if (--flushers_ == 0 && !closing_) core_->setFlushing(false);
  });
  return idle;
}

bool Producer::Impl::close(std::chrono::milliseconds timeout) {
  if (onIoThread()) return false;  // documented: not from a callback
  std::lock_guard closeLock(closeMutex_);
  if (closeDone_) return closeResult_;
  closed_.store(true, std::memory_order_seq_cst);
  failPartitionsWaits();
  handoff_.shutdown();  // senders blocked on a full queue throw ProducerClosed
  {
    std::unique_lock lock(sendersMutex_);
    sendersCv_.wait(lock, [this] { return activeSenders_.load(std::memory_order_seq_cst) == 0; });
  }
  // Everything accepted is in the hand-off queue or beyond; send it without lingering.
  asio::post(io_, [this] {
    closing_ = true;
    core_->setFlushing(true);
    ioDrain();
  });
  const bool idle = handoff_.waitIdle(timeout);
  asio::post(io_, [this] { ioFinishClose(); });
  thread_.join();
  closeDone_ = true;
  closeResult_ = idle;
  return idle;
}

void Producer::Impl::destroyFromIoThread() noexcept {
  // Called on the I/O thread, inside a callback: no other thread may use the producer any
  // more (its last owner is going away), so no send() can be in progress.
  selfOwned_.store(true, std::memory_order_release);
  closed_.store(true, std::memory_order_seq_cst);
  failPartitionsWaits();
  handoff_.shutdown();
  events_.log(LogLevel::Info, "CLOSE", "producer destroyed in its own callback: delivering what is pending, then stopping");
  asio::post(io_, [this] {
    closing_ = true;
    closingOnIoThread_ = true;
    core_->setFlushing(true);
    ioDrain();  // ends in ioRun, which finishes the close once nothing is pending
  });
}

void Producer::Impl::ioFinishClose() {
  if (!work_) return;  // finished already
  while (handoff_.drain([this](uint32_t index) { core_->onRecord(index); }, kDrainLimit)) {
  }
  core_->abortAll();  // what is left fails: ProducerClosed / TimedOut
  for (auto& waiter : std::exchange(metadataWaiters_, {})) waiter();
  timer_.cancel();
  housekeepingTimer_.cancel();
  statisticsTimer_.cancel();
  work_.reset();
  io_.stop();
}

void Producer::Impl::runOnIoThread(const std::function<void(ProducerCore&)>& fn) {
  std::promise<void> done;
  asio::post(io_, [&] {
    fn(*core_);
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace kafkalite
