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

// ---- Producer ------------------------------------------------------------------------

Producer::Producer(const ProducerConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Producer::Producer(const ProducerConfig& config, LogCallback logCallback, LogLevel logLevel)
    : impl_(std::make_unique<Impl>(config, nullptr, nullptr, client::Logger(std::move(logCallback), logLevel))) {}
Producer::Producer(const std::map<std::string, std::string>& properties)
    : impl_(std::make_unique<Impl>(ProducerConfig::fromProperties(properties))) {}
Producer::Producer(std::initializer_list<std::pair<const std::string, std::string>> properties)
    : Producer(std::map<std::string, std::string>(properties)) {}
Producer::Producer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Producer::~Producer() {
  if (impl_) impl_->close(std::chrono::milliseconds::max());
}

void Producer::send(ProducerRecord record, Callback callback) { impl_->send(std::move(record), std::move(callback), nullptr); }
void Producer::send(const RecordView& record, Callback callback) { impl_->send(record, std::move(callback)); }

std::future<RecordMetadata> Producer::send(ProducerRecord record) {
  std::promise<RecordMetadata> promise;
  auto future = promise.get_future();
  impl_->send(std::move(record), nullptr, &promise);
  return future;
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
                     client::Logger logger)
    : config_(supported(config)),
      clock_(clock ? std::move(clock) : std::make_shared<client::SystemClock>()),
      systemClock_(dynamic_cast<const client::SystemClock*>(clock_.get()) != nullptr),
      work_(asio::make_work_guard(io_)),
      timer_(io_),
      handoff_(config_.queueBufferingMaxMessages) {
  wallOffsetMs_.store(clock_->wallClockMs() - clock_->nowMs(), std::memory_order_relaxed);
  auto onEvent = [this] { ioScheduleRun(); };
  if (makeFactory) {
    factory_ = makeFactory(io_, *clock_, onEvent);
  } else {
    client::AsioConnectionOptions options;
    options.clientId = config_.clientId;
    options.connectTimeoutMs = config_.requestTimeoutMs;
    options.reconnectBackoffMs = config_.retryBackoffMs;
    options.logger = logger;
    factory_ = std::make_unique<client::AsioConnectionFactory>(io_, *clock_, options, onEvent);
  }
  core_ = std::make_unique<ProducerCore>(config_, *clock_, handoff_, *factory_);
  core_->sender().setWakeup(onEvent);
  core_->sender().setLogger(std::move(logger));
  core_->setMetadataObserver([this] { ioOnMetadata(); });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kafkalite-io");  // visible in top -H, perf, gdb
    ioThreadId_.store(std::this_thread::get_id());
    for (;;) {
      try {
        io_.run();
        return;
      } catch (...) {
        // Handlers do not throw by design; should one (bad_alloc), keep the loop alive
        // so records still complete.
      }
    }
  });
}

Producer::Impl::~Impl() { close(std::chrono::milliseconds::max()); }

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

uint32_t Producer::Impl::acquireSlot() {
  if (closed_.load(std::memory_order_seq_cst)) throw std::system_error(ClientError::ProducerClosed);
  // On the I/O thread (a callback sending) waiting could never end: fail at once instead.
  return handoff_.acquire(config_.queueEnqueueTimeoutMs, !onIoThread());
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
  const uint32_t index = acquireSlot();
  client::RecordSlot& slot = handoff_.slot(index);
  try {
    if (promise != nullptr) slot.promise = std::make_unique<std::promise<RecordMetadata>>(std::move(*promise));
    stamp(slot, record.timestamp);
    slot.setRecord(std::move(record));
  } catch (...) {
    handoff_.abandon(index);
    throw;
  }
  slot.callback = std::move(callback);
  publish(index);
}

void Producer::Impl::send(const RecordView& record, Callback&& callback) {
  SendScope scope(activeSenders_, *this);
  const uint32_t index = acquireSlot();
  client::RecordSlot& slot = handoff_.slot(index);
  stamp(slot, record.timestamp);
  try {
    slot.copyRecord(record);  // no allocation once the slot's buffers are big enough
  } catch (...) {
    handoff_.abandon(index);
    throw;
  }
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
  asio::post(io_, [this] {
    while (handoff_.drain([this](uint32_t index) { core_->onRecord(index); }, kDrainLimit)) {
    }
    core_->abortAll();  // what is left fails: ProducerClosed / TimedOut
    for (auto& waiter : std::exchange(metadataWaiters_, {})) waiter();
    timer_.cancel();
    work_.reset();
    io_.stop();
  });
  thread_.join();
  closeDone_ = true;
  closeResult_ = idle;
  return idle;
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

// ---- partitionsFor -------------------------------------------------------------------

namespace kafkalite {

struct Producer::Impl::PartitionsWait {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool abandoned = false;
  std::error_code error;      // final error, or the last retriable one seen
  std::vector<PartitionInfo> partitions;
};

std::vector<PartitionInfo> Producer::Impl::partitionsFor(const std::string& topic, std::chrono::milliseconds timeout) {
  if (closed_.load()) throw std::system_error(ClientError::ProducerClosed);
  if (onIoThread()) throw std::system_error(ClientError::TimedOut);  // cannot wait on the I/O thread
  auto wait = std::make_shared<PartitionsWait>();
  asio::post(io_, [this, wait, topic] {
    core_->addTopic(topic);
    ioCheckPartitions(wait, topic);
    ioRun();
  });
  std::unique_lock lock(wait->mutex);
  const bool done = timeout == std::chrono::milliseconds::max()
                        ? (wait->cv.wait(lock, [&] { return wait->done; }), true)
                        : wait->cv.wait_for(lock, timeout, [&] { return wait->done; });
  if (!done) {
    wait->abandoned = true;
    throw std::system_error(wait->error ? wait->error : std::error_code(ClientError::TimedOut));
  }
  if (wait->partitions.empty()) throw std::system_error(wait->error ? wait->error : ClientError::ProducerClosed);
  return std::move(wait->partitions);
}

void Producer::Impl::ioCheckPartitions(const std::shared_ptr<PartitionsWait>& wait, const std::string& topic) {
  std::unique_lock lock(wait->mutex);
  if (wait->abandoned || wait->done) return;
  const client::TopicMetadata* meta = core_->metadata().topic(topic);
  if (closing_) {
    wait->error = ClientError::ProducerClosed;
    wait->done = true;
  } else if (meta != nullptr && meta->error == ErrorCode::NONE && !meta->partitions.empty()) {
    for (const auto& p : meta->partitions) {
      wait->partitions.push_back(PartitionInfo{topic, p.partition, p.leader, p.replicas, p.isr});
    }
    wait->done = true;
  } else if (meta != nullptr && meta->error != ErrorCode::NONE && !isRetriable(meta->error)) {
    wait->error = meta->error;
    wait->done = true;
  }
  if (wait->done) {
    lock.unlock();
    wait->cv.notify_all();
    return;
  }
  if (meta != nullptr) {
    if (meta->error != ErrorCode::NONE) wait->error = meta->error;
    core_->metadata().requestUpdate(clock_->nowMs() + config_.retryBackoffMs);
  }
  metadataWaiters_.push_back([this, wait, topic] { ioCheckPartitions(wait, topic); });
}

void Producer::Impl::ioOnMetadata() {
  for (auto& waiter : std::exchange(metadataWaiters_, {})) waiter();
}

}  // namespace kafkalite
