// Producer::Impl::partitionsFor: a caller's thread waits for the I/O thread to learn a
// topic's partitions. Every wait is registered, so that close() fails the waits still
// open at once (ProducerClosed) instead of leaving them to their timeouts.
#include <system_error>

#include "client/producer_impl.hpp"

namespace kafkalite {

namespace asio = boost::asio;

struct Producer::Impl::PartitionsWait {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool abandoned = false;
  std::error_code error;      // final error, or the last retriable one seen
  std::vector<PartitionInfo> partitions;

  // Ends the wait with `why` unless it ended already. Never throws.
  void finish(std::error_code why) {
    {
      std::lock_guard lock(mutex);
      if (done) return;
      error = why;
      done = true;
    }
    cv.notify_all();
  }
};

std::vector<PartitionInfo> Producer::Impl::partitionsFor(const std::string& topic, std::chrono::milliseconds timeout) {
  if (onIoThread()) {
    // The answer can only arrive on this thread: waiting here could never end.
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "partitionsFor() on the producer's I/O thread (inside a callback)");
  }
  auto wait = std::make_shared<PartitionsWait>();
  {
    // Registered under the same lock close() takes to fail the waits, after it set closed_:
    // either this sees closed_, or close() sees this wait.
    std::lock_guard lock(partitionsMutex_);
    if (closed_.load()) throw std::system_error(ClientError::ProducerClosed);
    partitionsWaits_.insert(wait);
  }
  asio::post(io_, [this, wait, topic] {
    core_->addTopic(topic);
    ioCheckPartitions(wait, topic);
    ioRun();
  });
  std::unique_lock lock(wait->mutex);
  const bool done = timeout == std::chrono::milliseconds::max()
                        ? (wait->cv.wait(lock, [&] { return wait->done; }), true)
                        : wait->cv.wait_for(lock, timeout, [&] { return wait->done; });
  if (!done) wait->abandoned = true;
  lock.unlock();
  {
    std::lock_guard registered(partitionsMutex_);
    partitionsWaits_.erase(wait);
  }
  if (!done) throw std::system_error(wait->error ? wait->error : std::error_code(ClientError::TimedOut));
  if (wait->partitions.empty()) throw std::system_error(wait->error ? wait->error : ClientError::ProducerClosed);
  return std::move(wait->partitions);
}

void Producer::Impl::failPartitionsWaits() {
  std::lock_guard lock(partitionsMutex_);
  for (const auto& wait : partitionsWaits_) wait->finish(ClientError::ProducerClosed);
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
