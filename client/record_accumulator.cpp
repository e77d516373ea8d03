#include "client/record_accumulator.hpp"

#include <algorithm>

namespace kafkalite::client {
namespace {

// The most records a new batch makes room for up front.
constexpr int32_t kMaxReservedRecords = 16384;

// A header-less record's bytes besides its key and value, at most: length (5), attributes
// (1), timestamp delta (10), offset delta (5), key and value lengths (5 each), header
// count (1).
constexpr std::size_t kMaxRecordOverhead = 32;

std::optional<std::span<const uint8_t>> bytesOf(const std::optional<std::string>& s) noexcept {
  if (!s) return std::nullopt;
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s->data()), s->size());
}

}  // namespace

AccumulatorConfig AccumulatorConfig::from(const ProducerConfig& config) noexcept {
  AccumulatorConfig c;
  c.batchNumMessages = config.batchNumMessages;
  c.batchSizeBytes = config.batchSizeBytes;
  c.lingerMs = config.queueBufferingMaxMs;
  c.retryBackoffMs = config.retryBackoffMs;
  c.messageMaxBytes = config.messageMaxBytes;
  // Idempotence: one batch in flight per partition, so sequences reach each leader in order
  // and a retry keeps its place (spec 8.5 allows up to 5; one is the simple safe case).
  c.guaranteeOrder = config.maxInFlightRequestsPerConnection == 1 || config.enableIdempotence;
  return c;
}

RecordAccumulator::~RecordAccumulator() = default;

RecordAccumulator::TopicQueues& RecordAccumulator::topic(const std::string& name) {
  auto it = topics_.find(name);
  if (it == topics_.end()) it = topics_.emplace(name, std::make_unique<TopicQueues>(name)).first;
  return *it->second;
}

ProducerBatch* RecordAccumulator::allocate(const TopicQueues& topic, int32_t partition, int64_t createdMs) {
  ProducerBatch* b = nullptr;
  if (free_.empty()) {
    all_.push_back(std::make_unique<ProducerBatch>());
    b = all_.back().get();
  } else {
    b = free_.back();
    free_.pop_back();
  }
  b->reset(&topic.name, partition, createdMs);
  return b;
}

void RecordAccumulator::deallocate(ProducerBatch* batch) noexcept {
  batch->builder.reset();
  batch->records.clear();
  free_.push_back(batch);
}

RecordAccumulator::AppendStatus RecordAccumulator::append(TopicQueues& topic, int32_t partition,
                                                          RecordSlot& slot, bool abortOnNewBatch) {
  if (static_cast<std::size_t>(partition) >= topic.partitions.size()) {
    topic.partitions.resize(static_cast<std::size_t>(partition) + 1);
  }
  PartitionQueue& pq = topic.partitions[static_cast<std::size_t>(partition)];
  headerScratch_.clear();
  for (const auto& h : slot.headers()) headerScratch_.push_back({h.key, bytesOf(h.value)});
  const auto key = slot.keyBytes();
  const auto value = slot.valueBytes();
  const std::size_t keyLen = key ? key->size() : 0;
  const std::size_t valueLen = value ? value->size() : 0;

  ProducerBatch* last = pq.batches.empty() ? nullptr : pq.batches.back();
  if (last != nullptr && !last->closed() && !last->full) {
    const auto limit = static_cast<std::size_t>(std::min(config_.batchSizeBytes, config_.messageMaxBytes));
    // Most records fit by a wide margin: bound the record's varints and attributes from
    // above first (kMaxRecordOverhead), and size it exactly only near the limit.
    const bool surelyFits = headerScratch_.empty() &&
                            last->builder.sizeInBytes() + keyLen + valueLen + kMaxRecordOverhead <= limit;
    if (!surelyFits &&
        last->builder.estimatedSizeAfter(keyLen, valueLen, headerScratch_, slot.timestampMs) > limit) {
      last->full = true;  // a record did not fit: the batch goes (spec 8.2 "full")
    }
  }
  const bool fits = last != nullptr && !last->closed() && !last->full;
  if (!fits) {
    // A new batch: a record alone may exceed batch.size but never message.max.bytes.
    protocol::RecordBatchBuilder probe;
    const std::size_t alone = probe.estimatedSizeAfter(keyLen, valueLen, headerScratch_, 0);
    if (alone > static_cast<std::size_t>(config_.messageMaxBytes)) return AppendStatus::TooLarge;
    if (abortOnNewBatch) return AppendStatus::AbortedForNewBatch;
    last = allocate(topic, partition, slot.enqueuedMs);
    // Room for batch.num.messages records like this one (up to the batch's byte limit),
    // so the batch is never copied as it grows: copies touched twice the memory.
    const auto limit = static_cast<std::size_t>(std::min(config_.batchSizeBytes, config_.messageMaxBytes));
    const auto records = static_cast<std::size_t>(std::min(config_.batchNumMessages, kMaxReservedRecords));
    last->builder.reserve(std::min(limit, alone * records));
    last->records.reserve(records);
    last->builder.begin(slot.timestampMs);
    pq.batches.push_back(last);
  }
  if (!last->builder.append(slot.timestampMs, key, value, headerScratch_)) {
    // Only a length over 2 GiB gets here, which message.max.bytes already excludes.
    return AppendStatus::TooLarge;
  }
  last->records.push_back(slot.takeCompletion());
  if (last->recordCount() >= config_.batchNumMessages) last->full = true;
  // The bytes are in the batch now; free the application's buffers early.
  slot.releaseBytes();
  return AppendStatus::Appended;
}

bool RecordAccumulator::backingOff(const ProducerBatch& b, const MetadataCache& metadata,
                                   int64_t nowMs) const noexcept {
  if (b.attempts == 0) return false;
  return nowMs < b.retryAtMs || metadata.refreshAttempts() <= b.awaitMetadataAttempt;
}

bool RecordAccumulator::sendable(const PartitionQueue& pq, int64_t nowMs, bool exhausted) const noexcept {
  const ProducerBatch& head = *pq.batches.front();
  return head.attempts > 0 || head.full || pq.batches.size() > 1 || nowMs >= head.createdMs + config_.lingerMs ||
         exhausted || flushing_;
}

bool RecordAccumulator::hasSendable(const MetadataCache& metadata, int32_t node, int64_t nowMs,
                                    bool exhausted) const {
  const auto it = nodeQueues_.find(node);
  if (it == nodeQueues_.end()) return false;
  for (const PartitionQueue* pq : it->second) {
    if (pq->muted || pq->batches.empty() || backingOff(*pq->batches.front(), metadata, nowMs)) continue;
    if (sendable(*pq, nowMs, exhausted)) return true;
  }
  return false;
}

void RecordAccumulator::ready(const MetadataCache& metadata, int64_t nowMs, bool exhausted, ReadyResult& out) {
  out.readyNodes.clear();
  out.nextReadyCheckMs = INT64_MAX;
  out.unknownLeaders = false;
  for (auto& [node, queues] : nodeQueues_) queues.clear();
  for (auto& [name, topic] : topics_) {
    for (std::size_t p = 0; p < topic->partitions.size(); ++p) {
      PartitionQueue& pq = topic->partitions[p];
      if (pq.batches.empty()) continue;
      const int32_t leader = metadata.leaderFor(name, static_cast<int32_t>(p));
      if (leader < 0) {
        out.unknownLeaders = true;
        continue;
      }
      nodeQueues_[leader].push_back(&pq);
      if (pq.muted) continue;
      const ProducerBatch& head = *pq.batches.front();
      if (backingOff(head, metadata, nowMs)) {
        if (nowMs < head.retryAtMs) out.nextReadyCheckMs = std::min(out.nextReadyCheckMs, head.retryAtMs);
        continue;
      }
      const int64_t lingerEnd = head.createdMs + config_.lingerMs;
      if (sendable(pq, nowMs, exhausted)) {
        if (std::find(out.readyNodes.begin(), out.readyNodes.end(), leader) == out.readyNodes.end()) {
          out.readyNodes.push_back(leader);
        }
      } else {
        out.nextReadyCheckMs = std::min(out.nextReadyCheckMs, lingerEnd);
      }
    }
  }
}

void RecordAccumulator::drain(const MetadataCache& metadata, int32_t node, int64_t nowMs,
                              std::vector<ProducerBatch*>& out) {
  const auto it = nodeQueues_.find(node);
  if (it == nodeQueues_.end() || it->second.empty()) return;
  std::vector<PartitionQueue*>& queues = it->second;
  std::size_t& start = drainIndex_[node];
  start %= queues.size();
  int64_t size = 0;
  bool first = true;
  for (std::size_t i = 0; i < queues.size(); ++i) {
    PartitionQueue& pq = *queues[(start + i) % queues.size()];
    if (pq.muted || pq.batches.empty()) continue;
    ProducerBatch* head = pq.batches.front();
    if (backingOff(*head, metadata, nowMs)) continue;
    if (producerId_ >= 0 && !head->closed()) {
      // Idempotence: the sequence is fixed when the batch is closed for its first send, so
      // every retry carries the same bytes and the broker recognises a duplicate (spec 8.6).
      head->builder.assignProducer(producerId_, producerEpoch_, pq.nextSequence);
      pq.nextSequence = static_cast<int32_t>((int64_t{pq.nextSequence} + head->recordCount()) % (int64_t{1} << 31));
    }
    head->close();
    const auto bytes = static_cast<int64_t>(head->bytes().size());
    if (!first && size + bytes > config_.messageMaxBytes) {
      start = (start + i) % queues.size();  // continue here next time
      return;
    }
    pq.batches.pop_front();
    if (config_.guaranteeOrder) pq.muted = true;
    size += bytes;
    first = false;
    out.push_back(head);
  }
  start = (start + 1) % queues.size();
}

void RecordAccumulator::setProducerIdentity(int64_t producerId, int16_t producerEpoch) noexcept {
  producerId_ = producerId;
  producerEpoch_ = producerEpoch;
  // A new producer id starts every partition's sequence at 0; batches closed under the old
  // one keep it (the broker still knows it).
  for (auto& [name, topic] : topics_) {
    for (PartitionQueue& pq : topic->partitions) pq.nextSequence = 0;
  }
}

void RecordAccumulator::reenqueue(ProducerBatch* batch, int64_t nowMs, uint64_t metadataAttempts) {
  batch->retryAtMs = nowMs + config_.retryBackoffMs;
  batch->awaitMetadataAttempt = metadataAttempts;
  TopicQueues& t = topic(batch->topic());
  if (static_cast<std::size_t>(batch->partition()) >= t.partitions.size()) {
    t.partitions.resize(static_cast<std::size_t>(batch->partition()) + 1);
  }
  t.partitions[static_cast<std::size_t>(batch->partition())].batches.push_front(batch);
}

void RecordAccumulator::unmute(const ProducerBatch& batch) {
  TopicQueues& t = topic(batch.topic());
  if (static_cast<std::size_t>(batch.partition()) < t.partitions.size()) {
    t.partitions[static_cast<std::size_t>(batch.partition())].muted = false;
  }
}

bool RecordAccumulator::empty() const noexcept {
  for (const auto& [name, topic] : topics_) {
    for (const auto& pq : topic->partitions) {
      if (!pq.batches.empty()) return false;
    }
  }
  return true;
}

}  // namespace kafkalite::client
