#include "client/producer_core.hpp"

#include <algorithm>
#include <cassert>
#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kafkalite::client {

ProducerCore::ProducerCore(const ProducerConfig& config, const Clock& clock, RecordHandoff& handoff,
                           ConnectionFactory& factory, const Events& events)
    : config_(config),
      clock_(clock),
      events_(events),
      handoff_(handoff),
      metadata_(config.topicMetadataRefreshIntervalMs),
      accumulator_(AccumulatorConfig::from(config)),
      sender_(SenderConfig::from(config), clock, metadata_, accumulator_, handoff, factory, events),
      startedMs_(clock.nowMs()) {
  sender_.setMetadataListener([this](int64_t nowMs, std::error_code error) { onMetadata(nowMs, error); });
}

void ProducerCore::onRecord(uint32_t index) {
  RecordSlot& slot = handoff_.slot(index);
  if (slot.oversized) {  // larger than queue.buffering.max.kbytes: it could never have fit
    fail(index, ClientError::RecordTooLarge);
    return;
  }
  const std::string& topic = slot.topic;
  // Fast path: the same topic as the previous record, routed with the same metadata.
  if (routeCache_ != nullptr && routeCacheVersion_ == metadata_.version() && topic == routeCacheTopic_) {
    // The previous record went to this topic's queues: records of another topic are routed
    // only through the slow path below or after a metadata answer (onMetadata), and both
    // change routeCacheTopic_ or the metadata version.
    assert(lastTopic_ != nullptr && lastTopic_->name == topic);
    route(index, *routeCache_, true);
    return;
  }
  routeCache_ = nullptr;
  if (topic.empty()) {
    fail(index, ErrorCode::INVALID_TOPIC_EXCEPTION);
    return;
  }
  metadata_.addTopic(topic);
  const TopicMetadata* meta = metadata_.topic(topic);
  if (meta == nullptr || meta->error != ErrorCode::NONE || meta->partitions.empty() || waiting_.contains(topic)) {
    // Unknown yet: wait, behind any earlier record of the topic, so order is kept.
    waiting_[topic].slots.push_back(index);
    return;
  }
  routeCache_ = meta;
  routeCacheVersion_ = metadata_.version();
  routeCacheTopic_ = topic;
  route(index, *meta, false);
}

Partitioner& ProducerCore::partitionerFor(const std::string& topic) {
  auto& p = partitioners_[topic];
  if (!p) p = std::make_unique<Partitioner>(config_.partitioner);
  return *p;
}

void ProducerCore::route(uint32_t index, const TopicMetadata& meta, bool sameTopicAsLast, bool fresh) {
  RecordSlot& slot = handoff_.slot(index);
  const auto partitions = static_cast<int32_t>(meta.partitions.size());
  if (const auto requested = slot.requestedPartition; requested && *requested >= partitions && !fresh) {
    // The topic may have grown since the cached answer: wait for one asked for from now on
    // (with the topic's later records behind it, so their order is kept).
    Waiting& w = waiting_[slot.topic];
    if (w.slots.empty()) w.freshAfterVersion = static_cast<int64_t>(metadata_.version() + (sender_.metadataInFlight() ? 1 : 0));
    w.slots.push_back(index);
    metadata_.requestUpdate(0);
    routeCache_ = nullptr;  // later records of the topic queue behind this one
    return;
  }
  if (!sameTopicAsLast && (lastTopic_ == nullptr || lastTopic_->name != slot.topic)) {
    lastTopic_ = &accumulator_.topic(slot.topic);
    lastPartitioner_ = &partitionerFor(slot.topic);
  }
  RecordAccumulator::AppendStatus status;
  if (const auto requested = slot.requestedPartition) {
    if (*requested < 0 || *requested >= partitions) {
      fail(index, ClientError::UnknownPartition);
      return;
    }
    status = accumulator_.append(*lastTopic_, *requested, slot, false);
  } else {
    Partitioner& partitioner = *lastPartitioner_;
    const auto key = slot.keyBytes();
    int32_t partition = partitioner.partition(key, partitions);
    // Sticky keyless records: do not start a new batch on the sticky partition; move the
    // sticky partition first (Java's abortOnNewBatch, KIP-480).
    const bool sticky = !key || (config_.partitioner == PartitionerKind::ConsistentRandom && key->empty());
    status = accumulator_.append(*lastTopic_, partition, slot, sticky);
    if (status == RecordAccumulator::AppendStatus::AbortedForNewBatch) {
      partitioner.onNewBatch(partition, partitions);
      partition = partitioner.partition(key, partitions);
      status = accumulator_.append(*lastTopic_, partition, slot, false);
    }
  }
  if (status == RecordAccumulator::AppendStatus::TooLarge) {
    fail(index, ClientError::RecordTooLarge);
  } else if (status == RecordAccumulator::AppendStatus::Appended) {
    handoff_.recycle(index);  // the batch holds the record's bytes and completion now
  }
}

void ProducerCore::fail(uint32_t index, std::error_code error) {
  RecordSlot& slot = handoff_.slot(index);
  ++sender_.counters().failedMsgs;
  if (!slot.oversized) sender_.counters().failedBytes += slot.recordBytes();
  RecordMetadata md;
  md.topic = slot.topic;
  md.partition = slot.requestedPartition.value_or(-1);
  md.timestamp = slot.timestampMs;
  handoff_.complete(index, error, md);
}

int64_t ProducerCore::runOnce(int64_t nowMs) {
  const int64_t waitingExpiry = expireWaiting(nowMs);
  return std::min(waitingExpiry, sender_.runOnce(nowMs));
}

int64_t ProducerCore::expireWaiting(int64_t nowMs) {
  int64_t next = INT64_MAX;
  if (!config_.deliveryTimeoutMs || waiting_.empty()) return next;
  const int64_t limit = *config_.deliveryTimeoutMs;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& slots = it->second.slots;
    // Arrival order is (nearly) send() order, so the oldest records are at the front.
    while (!slots.empty() && nowMs - handoff_.slot(slots.front()).enqueuedMs >= limit) {
      fail(slots.front(), ClientError::TimedOut);
      slots.pop_front();
    }
    if (slots.empty()) {
      it = waiting_.erase(it);
      continue;
    }
    next = std::min(next, handoff_.slot(slots.front()).enqueuedMs + limit);
    ++it;
  }
  return next;
}

void ProducerCore::onMetadata(int64_t nowMs, std::error_code error) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    Waiting& w = it->second;
    const TopicMetadata* meta = metadata_.topic(it->first);
    if (!error && meta == nullptr) {
      metadata_.requestUpdate(nowMs);  // the answer predates this topic: ask again, no attempt
      ++it;
      continue;
    }
    if (!error && meta->error == ErrorCode::NONE && !meta->partitions.empty()) {
      if (static_cast<int64_t>(metadata_.version()) <= w.freshAfterVersion) {
        metadata_.requestUpdate(nowMs);  // asked before the record waited: ask again, no attempt
        ++it;
        continue;
      }
      // Routed in order; a record for a partition this fresh answer lacks fails.
      Waiting waiting = std::move(w);
      it = waiting_.erase(it);
      for (const uint32_t index : waiting.slots) route(index, *meta, false, true);
      continue;
    }
    std::error_code why = error;
    if (!why) why = meta->error == ErrorCode::NONE ? std::error_code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) : meta->error;
    w.lastError = why;
    if (isRetriable(why) && ++w.attempts <= config_.messageSendMaxRetries) {
      metadata_.requestUpdate(nowMs + config_.retryBackoffMs);
      ++it;
      continue;
    }
    for (const uint32_t index : w.slots) fail(index, why);
    it = waiting_.erase(it);
  }
  if (!error) {
    // Partitions still without a leader after this answer: one attempt for their batches.
    accumulator_.forEachLeaderless(metadata_, [&](const std::string& topic, int32_t partition,
                                                  RecordAccumulator::PartitionQueue& pq) {
      if (++pq.leaderlessAnswers <= config_.messageSendMaxRetries) return;
      std::error_code why = ErrorCode::LEADER_NOT_AVAILABLE;
      if (const TopicMetadata* meta = metadata_.topic(topic)) {
        if (meta->error != ErrorCode::NONE) why = meta->error;
        else if (static_cast<std::size_t>(partition) < meta->partitions.size() &&
                 meta->partitions[static_cast<std::size_t>(partition)].error != ErrorCode::NONE) {
          why = meta->partitions[static_cast<std::size_t>(partition)].error;
        }
      }
      while (!pq.batches.empty()) {
        ProducerBatch* b = pq.batches.front();
        pq.batches.pop_front();
        sender_.completeBatch(b, b->lastError ? b->lastError : why, -1, -1);
      }
      pq.leaderlessAnswers = 0;
    });
  }
  if (metadataObserver_) metadataObserver_();
}

void ProducerCore::abortAll() {
  accumulator_.abortQueued([&](ProducerBatch* b) { sender_.completeBatch(b, ClientError::ProducerClosed, -1, -1); });
  sender_.abortInFlight(ClientError::TimedOut);
  for (auto& [topic, w] : waiting_) {
    for (const uint32_t index : w.slots) fail(index, ClientError::ProducerClosed);
  }
  waiting_.clear();
}

void ProducerCore::housekeeping(int64_t nowMs) {
  // metadata.max.idle.ms (Java's metadata topic expiry): a topic not sent to for that long,
  // with nothing of it queued, in flight or waiting, leaves the Metadata requests.
  std::vector<std::string> idle;
  for (const std::string& topic : metadata_.topics()) {
    if (!waiting_.contains(topic) && accumulator_.idle(topic, nowMs, config_.metadataMaxIdleMs)) idle.push_back(topic);
  }
  for (const std::string& topic : idle) {
    events_.logWith(LogLevel::Debug, "METADATA", [&] {
      return "topic " + topic + " unused for metadata.max.idle.ms: no longer in metadata requests";
    });
    metadata_.removeTopic(topic);
    accumulator_.removeTopic(topic);
    partitioners_.erase(topic);
  }
  if (!idle.empty()) {
    routeCache_ = nullptr;
    lastTopic_ = nullptr;
    lastPartitioner_ = nullptr;
  }

  // Memory: pooled batch buffers beyond the last period's peak, and once a burst is over
  // (little pending) the heap's free pages.
  const std::size_t freed = accumulator_.trimPool() + handoff_.takeReleasedHeapBytes();
  freedSinceTrim_ += freed;
  releasedHeapBytesTotal_ += freed;
  const int64_t burstOver = std::min<int64_t>(handoff_.maxBytes() / 8, kTrimPendingBytes);
  if (freedSinceTrim_ >= kTrimAfterFreedBytes && handoff_.pendingBytes() <= burstOver) {
    events_.logWith(LogLevel::Debug, "MEMORY", [&] {
      return std::to_string(freedSinceTrim_ / 1024) + " KiB freed since the last trim: returning free heap pages";
    });
#if defined(__GLIBC__)
    // glibc keeps freed memory in its arenas (and raises its mmap threshold after large
    // frees); malloc_trim gives every arena's free pages back to the system.
    malloc_trim(0);
#endif
    ++heapTrims_;
    freedSinceTrim_ = 0;
  }
}

std::size_t ProducerCore::waitingForMetadata() const noexcept {
  std::size_t n = 0;
  for (const auto& [topic, w] : waiting_) n += w.slots.size();
  return n;
}

}  // namespace kafkalite::client
