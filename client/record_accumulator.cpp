#include "client/record_accumulator.hpp"

#include <algorithm>
#include <limits>

namespace kafkalite::client {
namespace {

// The most records a new batch makes room for up front.
constexpr int32_t kMaxReservedRecords = 16384;

// A header-less record's bytes besides its key and value, at most: length (5), attributes
// (1), timestamp delta (10), offset delta (5), key and value lengths (5 each), header
// count (1).
constexpr std::size_t kMaxRecordOverhead = 32;

// What a record's headers count against the byte bound (RecordSlot::recordBytes).
int64_t headerBytes(const RecordSlot& slot) noexcept {
  int64_t n = 0;
  for (const RecordHeader& h : slot.headers()) n += static_cast<int64_t>(h.key.size() + (h.value ? h.value->size() : 0));
  return n;
}

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
  c.compression = protocol::compressionTypeForName(compressionCodecName(config.compressionType))
                      .value_or(protocol::CompressionType::None);
  if (config.compressionLevel != -1) c.compressionLevel = config.compressionLevel;
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

ProducerBatch* RecordAccumulator::allocate(TopicQueues& topic, int32_t partition, int64_t createdMs) {
  ProducerBatch* b = nullptr;
  if (free_.empty()) {
    all_.push_back(std::make_unique<ProducerBatch>());
    b = all_.back().get();
  } else {
    b = free_.back();
    free_.pop_back();
  }
  b->reset(&topic.name, partition, &topic.partitions[static_cast<std::size_t>(partition)], createdMs);
  ++topic.outstanding;
  peakOutstanding_ = std::max(peakOutstanding_, ++outstanding_);
  return b;
}

void RecordAccumulator::deallocate(ProducerBatch* batch) noexcept {
  batch->builder.reset();
  batch->records.clear();
  if (const auto it = topics_.find(batch->topic()); it != topics_.end()) --it->second->outstanding;
  --outstanding_;
  free_.push_back(batch);
}

std::size_t RecordAccumulator::trimPool() noexcept {
  // Keep as many pooled batches as the last period had outstanding at its peak (a steady
  // stream reuses them without allocating); free the buffers of the others, the least
  // recently used first (the bottom of the stack).
  const auto keep = static_cast<std::size_t>(std::max<int64_t>(peakOutstanding_, 0));
  peakOutstanding_ = outstanding_;
  std::size_t freed = 0;
  for (std::size_t i = 0; i + keep < free_.size(); ++i) {
    const std::size_t bytes = free_[i]->heapBytes();
    if (bytes == 0) continue;
    free_[i]->releaseMemory();
    freed += bytes;
  }
  return freed;
}

std::size_t RecordAccumulator::pooledBytes() const noexcept {
  std::size_t n = 0;
  for (const ProducerBatch* b : free_) n += b->heapBytes();
  return n;
}

bool RecordAccumulator::idle(const std::string& topic, int64_t nowMs, int64_t idleMs) const {
  const auto it = topics_.find(topic);
  if (it == topics_.end()) return true;
  return it->second->outstanding == 0 && nowMs - it->second->lastAppendMs >= idleMs;
}

void RecordAccumulator::removeTopic(const std::string& topic) {
  const auto it = topics_.find(topic);
  if (it == topics_.end() || it->second->outstanding != 0) return;
  // ready() rebuilds these from scratch; drop pointers into the queues now going away.
  for (auto& [node, queues] : nodeQueues_) queues.clear();
  topics_.erase(it);
}

RecordAccumulator::AppendStatus RecordAccumulator::append(TopicQueues& topic, int32_t partition,
                                                          RecordSlot& slot, bool abortOnNewBatch) {
  if (static_cast<std::size_t>(partition) >= topic.partitions.size()) {
    topic.partitions.resize(static_cast<std::size_t>(partition) + 1);
  }
  PartitionQueue& pq = topic.partitions[static_cast<std::size_t>(partition)];
  topic.lastAppendMs = slot.enqueuedMs;
  headerScratch_.clear();
  for (const auto& h : slot.headers()) headerScratch_.push_back({h.key, bytesOf(h.value)});
  const auto key = slot.keyBytes();
  const auto value = slot.valueBytes();
  const std::size_t keyLen = key ? key->size() : 0;
  const std::size_t valueLen = value ? value->size() : 0;

  ProducerBatch* last = pq.batches.empty() ? nullptr : pq.batches.back();
  if (last != nullptr && !last->closed() && !last->full) {
    const std::size_t limit = batchLimit(topic);
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
    const std::size_t limit = batchLimit(topic);
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
  last->recordBytes += static_cast<int64_t>(keyLen + valueLen) + headerBytes(slot);
  ++pq.appendedRecords;
  if (last->recordCount() >= config_.batchNumMessages) last->full = true;
  return AppendStatus::Appended;
}

std::size_t RecordAccumulator::batchLimit(const TopicQueues& topic) const noexcept {
  const auto limit = static_cast<std::size_t>(std::min(config_.batchSizeBytes, config_.messageMaxBytes));
  if (config_.compression == protocol::CompressionType::None || limit <= protocol::kRecordBatchHeaderSize) return limit;
  // Java's MemoryRecordsBuilder.estimatedBytesWritten: records × ratio × 1.05 (its
  // COMPRESSION_RATE_ESTIMATION_FACTOR, room for the estimate to be off).
  constexpr double kEstimationFactor = 1.05;
  const double records = static_cast<double>(limit - protocol::kRecordBatchHeaderSize) /
                         (std::max(topic.compressionRatio, 0.0001) * kEstimationFactor);
  constexpr double kMax = static_cast<double>(std::numeric_limits<int32_t>::max());
  return protocol::kRecordBatchHeaderSize + static_cast<std::size_t>(std::min(records, kMax));
}

void RecordAccumulator::closeBatch(ProducerBatch& batch) {
  if (batch.closed()) return;
  batch.close();
  if (config_.compression == protocol::CompressionType::None) return;
  protocol::CompressOptions options;
  options.level = config_.compressionLevel;  // validated with the configuration
  const auto compressed = compressor_.compress(batch.plainBytes(), config_.compression, options, compressError_);
  if (!compressed) return;  // cannot happen for our own batch and a validated level: it goes uncompressed
  batch.setCompressed(*compressed);
  // Java's CompressionRatioEstimator.updateEstimation, per topic.
  const auto plainRecords = static_cast<double>(batch.plainBytes().size() - protocol::kRecordBatchHeaderSize);
  const auto packedRecords = static_cast<double>(compressed->size() - protocol::kRecordBatchHeaderSize);
  if (plainRecords <= 0) return;
  const double observed = packedRecords / plainRecords;
  const auto it = topics_.find(batch.topic());
  if (it == topics_.end()) return;
  double& ratio = it->second->compressionRatio;
  constexpr double kDeteriorateStep = 0.05;
  constexpr double kImproveStep = 0.005;
  if (observed > ratio) {
    ratio = std::max(ratio + kDeteriorateStep, observed);
  } else if (observed < ratio) {
    ratio = std::max(ratio - kImproveStep, observed);
  }
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
    closeBatch(*head);
    const auto bytes = static_cast<int64_t>(head->bytes().size());
    if (!first && size + bytes > config_.messageMaxBytes) {
      start = (start + i) % queues.size();  // continue here next time
      return;
    }
    // Idempotence: the sequence is fixed when the batch is taken for its first send (and
    // only then, so a batch left queued leaves no gap), and every retry carries the same
    // bytes, so the broker recognises a duplicate (spec 8.6).
    if (producerId_ >= 0) assignSequence(pq, *head);
    pq.batches.pop_front();
    if (config_.guaranteeOrder) pq.muted = true;
    pq.sentRecords += head->recordCount();
    pq.sentBytes += bytes;
    size += bytes;
    first = false;
    out.push_back(head);
  }
  start = (start + 1) % queues.size();
}

void RecordAccumulator::assignSequence(PartitionQueue& pq, ProducerBatch& head) {
  // Only an unmuted partition is drained, so nothing of it is in flight (idempotence keeps
  // one batch per partition in flight): it may move to the current identity when its head
  // is new (nothing waits for a retry under the old one), or at once when it was marked.
  const bool current = pq.producerId == producerId_ && pq.producerEpoch == producerEpoch_;
  if (!current && (!head.hasSequence() || pq.resequence)) {
    pq.producerId = producerId_;
    pq.producerEpoch = producerEpoch_;
    pq.nextSequence = 0;
    pq.resequence = false;
  }
  const bool stampedHere = head.hasSequence() && head.producerId() == pq.producerId &&
                           head.producerEpoch() == pq.producerEpoch;
  if (head.hasSequence() && (stampedHere || pq.producerId != producerId_ || pq.producerEpoch != producerEpoch_)) {
    return;  // a retry keeps its sequence
  }
  head.stamp(pq.producerId, pq.producerEpoch, pq.nextSequence);
  pq.nextSequence = static_cast<int32_t>((int64_t{pq.nextSequence} + head.recordCount()) % (int64_t{1} << 31));
}

void RecordAccumulator::reenqueue(ProducerBatch* batch, int64_t nowMs, uint64_t metadataAttempts) {
  batch->retryAtMs = nowMs + config_.retryBackoffMs;
  batch->awaitMetadataAttempt = metadataAttempts;
  batch->queue()->batches.push_front(batch);
}

void RecordAccumulator::unmute(const ProducerBatch& batch) { batch.queue()->muted = false; }

bool RecordAccumulator::empty() const noexcept {
  for (const auto& [name, topic] : topics_) {
    for (const auto& pq : topic->partitions) {
      if (!pq.batches.empty()) return false;
    }
  }
  return true;
}

}  // namespace kafkalite::client

namespace kafkalite::client {

bool RecordAccumulator::split(ProducerBatch* batch) {
  const int32_t count = batch->recordCount();
  if (count < 2 || !batch->closed()) return false;
  protocol::DecodeError error;
  const auto view = protocol::RecordBatchView::parse(batch->plainBytes(), error);
  if (!view) return false;  // our own bytes: cannot happen
  TopicQueues& t = topic(batch->topic());
  const int32_t firstHalf = count / 2;
  ProducerBatch* halves[2] = {allocate(t, batch->partition(), batch->createdMs),
                              allocate(t, batch->partition(), batch->createdMs)};
  for (ProducerBatch* half : halves) {
    half->builder.reserve(batch->plainBytes().size() / 2 + protocol::kRecordBatchHeaderSize);
    half->builder.begin(view->baseTimestamp());
  }
  protocol::RecordCursor cursor = view->records();
  protocol::RecordView record;
  int32_t index = 0;
  while (cursor.next(record)) {
    ProducerBatch* half = halves[index < firstHalf ? 0 : 1];
    headerScratch_.clear();
    protocol::RecordHeaderCursor headers = record.headers();
    protocol::RecordHeaderView header;
    int64_t bytes = 0;
    while (headers.next(header)) {
      headerScratch_.push_back(header);
      bytes += static_cast<int64_t>(header.key.size() + (header.value ? header.value->size() : 0));
    }
    bytes += static_cast<int64_t>((record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0));
    (void)half->builder.append(view->baseTimestamp() + record.timestampDelta, record.key, record.value, headerScratch_);
    half->records.push_back(std::move(batch->records[static_cast<std::size_t>(index)]));
    half->recordBytes += bytes;
    ++index;
  }
  for (ProducerBatch* half : halves) {
    // The refused attempt does not count against the retries: a batch is split at most
    // log2(records) times.
    half->attempts = std::max(0, batch->attempts - 1);
    half->lastError = batch->lastError;
    half->full = true;  // sendable at once
    closeBatch(*half);
  }
  if (batch->hasSequence()) {
    // The halves take over the batch's sequence range, so no gap opens (spec 8.6).
    halves[0]->stamp(batch->producerId(), batch->producerEpoch(), batch->baseSequence());
    const auto second = (int64_t{batch->baseSequence()} + firstHalf) % (int64_t{1} << 31);
    halves[1]->stamp(batch->producerId(), batch->producerEpoch(), static_cast<int32_t>(second));
  }
  PartitionQueue& pq = *batch->queue();
  batch->records.clear();  // moved into the halves
  deallocate(batch);
  pq.batches.push_front(halves[1]);
  pq.batches.push_front(halves[0]);
  return true;
}

}  // namespace kafkalite::client
