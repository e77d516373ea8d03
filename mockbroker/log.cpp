#include "mockbroker/log.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <utility>

#include "protocol/crc32c.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {
namespace {

namespace proto = kafkalite::protocol;

// Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN (spec 8.6).
constexpr std::size_t kBatchesToRetain = 5;
// Kafka's LegacyRecord.RECORD_OVERHEAD_V0: the smallest batchLength its stream accepts.
constexpr int32_t kMinFramedBatchLength = 14;
constexpr std::size_t kMagicOffset = 16;
constexpr std::size_t kCrcOffset = 17;

template <class T>
T load(std::span<const uint8_t> bytes, std::size_t at) {
  return static_cast<T>(proto::detail::loadBigEndian(bytes.data() + at, sizeof(T)));
}

LogAppendInfo failure(ErrorCode error, std::string message) {
  LogAppendInfo info;
  info.error = error;
  info.errorMessage = std::move(message);
  return info;
}

// One batch's framing, as Kafka's ByteBufferLogInputStream.nextBatchSize reads it:
// nonsense framing is CORRUPT_MESSAGE, too few bytes for the whole batch is size 0.
struct Framing {
  ErrorCode error = ErrorCode::NONE;
  std::string message;
  std::size_t size = 0;
  int8_t magic = 0;
};

Framing frameBatch(std::span<const uint8_t> bytes) {
  Framing f;
  if (bytes.size() < proto::kRecordBatchLogOverhead) return f;
  const auto batchLength = load<int32_t>(bytes, 8);
  if (batchLength < kMinFramedBatchLength) {
    f.error = ErrorCode::CORRUPT_MESSAGE;
    f.message = "Record size " + std::to_string(batchLength) + " is less than the minimum record overhead (14)";
    return f;
  }
  if (bytes.size() <= kMagicOffset) return f;
  f.magic = static_cast<int8_t>(bytes[kMagicOffset]);
  if (f.magic < 0 || f.magic > proto::kRecordBatchMagic) {
    f.error = ErrorCode::CORRUPT_MESSAGE;
    f.message = "Invalid magic found in record: " + std::to_string(f.magic);
    return f;
  }
  const std::size_t size = static_cast<std::size_t>(batchLength) + proto::kRecordBatchLogOverhead;
  if (bytes.size() >= size) f.size = size;
  return f;
}

// What Kafka checks on a client batch before LogValidator, in its order:
// ProduceRequest.validateRecords, then UnifiedLog.analyzeAndValidateRecords.
LogAppendInfo validateClientBatch(std::span<const uint8_t> records, int32_t maxMessageBytes,
                                  proto::RecordBatchView& out) {
  const Framing first = frameBatch(records);
  if (first.error != ErrorCode::NONE) return failure(first.error, first.message);
  if (first.size == 0) {
    return failure(ErrorCode::INVALID_RECORD, "Produce requests must have at least one record batch per partition");
  }
  if (first.magic != proto::kRecordBatchMagic) {
    return failure(ErrorCode::INVALID_RECORD,
                   "Produce requests are only allowed to contain record batches with magic version 2");
  }
  if (records.size() > first.size) {
    const Framing second = frameBatch(records.subspan(first.size));
    if (second.error != ErrorCode::NONE) return failure(second.error, second.message);
    // Kafka trims a trailing partial batch silently; a producer never sends one, so we refuse it.
    return failure(ErrorCode::INVALID_RECORD, second.size != 0
                                                  ? "Produce requests are only allowed to contain exactly one record batch per partition"
                                                  : "Produce request ends with a partial record batch");
  }
  const auto bytes = records.first(first.size);
  if (load<int64_t>(bytes, 0) != 0) {
    return failure(ErrorCode::INVALID_RECORD, "The baseOffset of the record batch should be 0, but it is " +
                                                  std::to_string(load<int64_t>(bytes, 0)));
  }
  if (bytes.size() > static_cast<std::size_t>(std::max(maxMessageBytes, 0))) {
    return failure(ErrorCode::MESSAGE_TOO_LARGE, "The record batch is " + std::to_string(bytes.size()) +
                                                     " bytes, larger than max.message.bytes " +
                                                     std::to_string(maxMessageBytes));
  }
  if (bytes.size() < proto::kRecordBatchHeaderSize) {
    return failure(ErrorCode::CORRUPT_MESSAGE, "Record batch is corrupt: " + std::to_string(bytes.size()) +
                                                   " bytes, smaller than the header (61)");
  }
  const auto stored = load<uint32_t>(bytes, kCrcOffset);
  const auto computed = proto::crc32c(bytes.subspan(proto::kRecordBatchCrcStart));
  if (stored != computed) {
    return failure(ErrorCode::CORRUPT_MESSAGE, "Record is corrupt (stored crc = " + std::to_string(stored) +
                                                   ", computed crc = " + std::to_string(computed) + ")");
  }
  proto::DecodeError decodeError;
  auto view = proto::RecordBatchView::parse(bytes, decodeError);
  if (!view) return failure(ErrorCode::INVALID_RECORD, "Invalid record batch: " + decodeError.message());
  out = *view;
  return {};
}

// Kafka's ProducerAppendInfo.inSequence: the next sequence follows the last, wrapping at INT32_MAX.
bool inSequence(int32_t lastSeq, int32_t nextSeq) {
  return static_cast<int64_t>(nextSeq) == static_cast<int64_t>(lastSeq) + 1 ||
         (nextSeq == 0 && lastSeq == std::numeric_limits<int32_t>::max());
}

}  // namespace

StoredBatch Log::describe(const proto::RecordBatchView& view, const std::shared_ptr<const void>& owner) {
  StoredBatch b;
  b.baseOffset = view.baseOffset();
  b.lastOffset = view.lastOffset();
  b.leaderEpoch = view.partitionLeaderEpoch();
  b.maxTimestamp = view.maxTimestamp();
  b.producerId = view.producerId();
  b.producerEpoch = view.producerEpoch();
  b.baseSequence = view.baseSequence();
  b.lastSequence = view.lastSequence();
  if (owner) {
    b.storage = owner;
    b.bytes = view.bytes();
    return b;
  }
  BatchArena::Stored stored = arena_.store(view.bytes());
  b.storage = std::move(stored.owner);
  b.bytes = stored.bytes;
  return b;
}

Log::Log(LogConfig config) : config_(config) {}

int64_t Log::logStartOffset() const noexcept { return logStartOffset_; }
int64_t Log::logEndOffset() const noexcept { return logEndOffset_; }
std::size_t Log::sizeInBytes() const noexcept { return sizeInBytes_; }
const LogConfig& Log::config() const noexcept { return config_; }

void Log::setConfig(const LogConfig& config) {
  config_ = config;
  applyRetention();
}

void Log::updateHighWatermark(int64_t highWatermark) {
  const bool rose = highWatermark > highWatermark_ || highWatermark_ == INT64_MAX;
  highWatermark_ = highWatermark;
  if (rose) applyRetention();  // what the old HW held back may go now
}

bool Log::applyTimeRetention(int64_t nowMs) {
  if (!config_.deleteEnabled || config_.retentionMs < 0) return false;
  int64_t newStart = logStartOffset_;
  for (std::size_t i = 0; i < batches_.size(); ++i) {
    const StoredBatch& b = batches_[i];
    // The end of this "segment": where the next one starts, or the LEO for the last.
    const int64_t end = i + 1 < batches_.size() ? batches_[i + 1].baseOffset : logEndOffset_;
    if (nowMs - b.maxTimestamp <= config_.retentionMs || end > highWatermark_) break;
    newStart = end;
  }
  if (newStart <= logStartOffset_) return false;
  advanceLogStartOffset(newStart);
  return true;
}
const std::deque<StoredBatch>& Log::batches() const noexcept { return batches_; }

LogAppendInfo Log::appendAsLeader(std::span<const uint8_t> records, int32_t leaderEpoch,
                                  std::shared_ptr<const void> owner, std::optional<int64_t> appendTimeMs) {
  proto::RecordBatchView view;
  LogAppendInfo info = validateClientBatch(records, config_.maxMessageBytes, view);
  if (info.error != ErrorCode::NONE) return info;

  const int64_t now = appendTimeMs.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  ValidationResult validated = LogValidator::validate(view, config_, now);
  if (validated.error != ErrorCode::NONE) {
    info.error = validated.error;
    info.errorMessage = std::move(validated.errorMessage);
    info.recordErrors = std::move(validated.recordErrors);
    return info;
  }

  // spec 8.6: producer id -1 (any negative id: Kafka's hasProducerId) is never checked.
  if (view.producerId() >= 0) {
    info = analyzeProducerState(view.producerId(), view.producerEpoch(), view.baseSequence(), view.lastSequence());
    if (info.error != ErrorCode::NONE || info.duplicate) return info;
  }

  StoredBatch batch;
  if (validated.rebuiltBatch.empty()) {
    batch = describe(view, owner);
  } else {
    // The records were rewritten (offset deltas): the new batch goes into the arena.
    proto::DecodeError error;
    batch = describe(*proto::RecordBatchView::parse(validated.rebuiltBatch, error), nullptr);
  }
  // spec 1.3: offsets [LEO, LEO + lastOffsetDelta]; both rewrites lie outside the CRC.
  // The bytes are the log's: its arena's copy, or a frame the broker read and owns.
  const std::span<uint8_t> writable(const_cast<uint8_t*>(batch.bytes.data()), batch.bytes.size());
  proto::RecordBatchBuilder::setBaseOffset(writable, logEndOffset_);
  proto::RecordBatchBuilder::setPartitionLeaderEpoch(writable, leaderEpoch);
  // Kafka's setMaxTimestamp: the records' largest timestamp, or the append time.
  proto::RecordBatchBuilder::setMaxTimestamp(writable, validated.timestampType, validated.maxTimestamp);
  batch.baseOffset = logEndOffset_;
  batch.lastOffset = logEndOffset_ + view.lastOffsetDelta();
  batch.leaderEpoch = leaderEpoch;
  batch.maxTimestamp = validated.maxTimestamp;

  info.firstOffset = batch.baseOffset;
  info.lastOffset = batch.lastOffset;
  info.maxTimestamp = batch.maxTimestamp;
  info.logAppendTime = validated.logAppendTime;
  appendStored(std::move(batch));
  applyRetention();
  return info;
}

proto::Decompressor& Log::decompressor() const { return threadDecompressor(config_.maxDecompressedBatchBytes); }

LogAppendInfo Log::analyzeProducerState(int64_t producerId, int16_t producerEpoch, int32_t firstSeq,
                                        int32_t lastSeq) const {
  LogAppendInfo info;
  const auto it = producers_.find(producerId);
  // spec 8.6: no state for this pid, any sequence is accepted.
  if (it == producers_.end()) return info;
  const ProducerStateEntry& entry = it->second;

  // spec 8.6: same epoch and an exact match of one of the last five batches is a duplicate
  // (Kafka's findDuplicateBatch runs before the epoch and sequence checks).
  if (producerEpoch == entry.epoch) {
    for (const BatchMetadata& m : entry.batches) {
      if (m.firstSeq == firstSeq && m.lastSeq == lastSeq) {
        info.duplicate = true;
        info.firstOffset = m.firstOffset;
        info.lastOffset = m.lastOffset;
        info.maxTimestamp = m.maxTimestamp;
        info.logAppendTime = m.maxTimestamp;  // Kafka answers a duplicate with its batch's timestamp
        return info;
      }
    }
  }
  // spec 8.6: an epoch below the current one is fenced.
  if (producerEpoch < entry.epoch) {
    return failure(ErrorCode::INVALID_PRODUCER_EPOCH, "Epoch of producer " + std::to_string(producerId) + " is " +
                                                          std::to_string(producerEpoch) + ", which is smaller than the last seen epoch " +
                                                          std::to_string(entry.epoch));
  }
  if (producerEpoch != entry.epoch) {
    // spec 8.6: a new epoch must start at sequence 0.
    if (firstSeq != 0) {
      return failure(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                     "Invalid sequence number for new epoch of producer " + std::to_string(producerId) + ": " +
                         std::to_string(producerEpoch) + " (request epoch), " + std::to_string(firstSeq) + " (seq. number)");
    }
    return info;
  }
  // spec 8.6: same epoch, firstSeq must follow the last sequence (0 follows INT32_MAX).
  const int32_t currentLastSeq = entry.batches.empty() ? -1 : entry.batches.back().lastSeq;
  if (!entry.batches.empty() && !inSequence(currentLastSeq, firstSeq)) {
    return failure(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                   "Out of order sequence number for producer " + std::to_string(producerId) + ": " +
                       std::to_string(firstSeq) + " (incoming seq. number), " + std::to_string(currentLastSeq) +
                       " (current end sequence number)");
  }
  return info;
}

LogAppendInfo Log::appendAsFollower(std::span<const uint8_t> records, std::shared_ptr<const void> owner) {
  // Check every batch before storing any, as Kafka's analyzeAndValidateRecords does.
  std::vector<proto::RecordBatchView> views;
  proto::RecordBatchIterator it(records);
  proto::RecordBatchView view;
  int64_t expected = logEndOffset_;
  while (it.next(view)) {
    if (!view.crcValid()) {
      return failure(ErrorCode::CORRUPT_MESSAGE, "Record batch at offset " + std::to_string(view.baseOffset()) +
                                                     " fails its CRC");
    }
    // spec 4.7: the follower appends exactly at its LEO, batch after batch.
    if (view.baseOffset() != expected || view.lastOffsetDelta() < 0) {
      return failure(ErrorCode::OFFSET_OUT_OF_RANGE, "Follower append at offset " + std::to_string(view.baseOffset()) +
                                                         ", expected " + std::to_string(expected));
    }
    expected = view.lastOffset() + 1;
    views.push_back(view);
  }
  if (it.failed()) return failure(ErrorCode::CORRUPT_MESSAGE, "Invalid record batch: " + it.error().message());

  LogAppendInfo info;
  for (const auto& v : views) {
    if (info.firstOffset < 0) info.firstOffset = v.baseOffset();
    info.lastOffset = v.lastOffset();
    info.maxTimestamp = std::max(info.maxTimestamp, v.maxTimestamp());
    appendStored(describe(v, owner));
  }
  if (!views.empty()) applyRetention();
  return info;
}

void Log::appendStored(StoredBatch batch) {
  assignEpoch(batch.leaderEpoch, batch.baseOffset);
  updateProducerState(producers_, batch);
  logEndOffset_ = batch.lastOffset + 1;
  sizeInBytes_ += batch.bytes.size();
  batches_.push_back(std::move(batch));
}

void Log::updateProducerState(ProducerStates& producers, const StoredBatch& batch) {
  if (batch.producerId < 0) return;
  ProducerStateEntry& entry = producers[batch.producerId];
  // Kafka's ProducerStateEntry.maybeUpdateProducerEpoch: a new epoch forgets the old batches.
  if (entry.epoch != batch.producerEpoch) {
    entry.epoch = batch.producerEpoch;
    entry.batches.clear();
  }
  entry.batches.push_back({batch.baseSequence, batch.lastSequence, batch.baseOffset, batch.lastOffset,
                           batch.maxTimestamp});
  if (entry.batches.size() > kBatchesToRetain) entry.batches.pop_front();
}

void Log::rebuildProducerState() {
  producers_ = producersAtLogStart_;
  for (const auto& batch : batches_) updateProducerState(producers_, batch);
}

void Log::dropOldestBatch() {
  updateProducerState(producersAtLogStart_, batches_.front());
  sizeInBytes_ -= batches_.front().bytes.size();
  batches_.pop_front();
}

void Log::applyRetention() {
  if (config_.retentionBytes < 0 || !config_.deleteEnabled) return;
  const auto retention = static_cast<std::size_t>(config_.retentionBytes);
  bool dropped = false;
  // Kafka's deleteRetentionSizeBreachedSegments with one batch per segment: never the
  // newest, and only a batch whose end (the next batch's base offset) the HW has reached
  // (UnifiedLog.deletableSegments), so the log start never passes it.
  while (batches_.size() > 1 && sizeInBytes_ - batches_.front().bytes.size() >= retention &&
         batches_[1].baseOffset <= highWatermark_) {
    dropOldestBatch();
    dropped = true;
  }
  if (dropped) {
    logStartOffset_ = std::max(logStartOffset_, batches_.front().baseOffset);
    truncateEpochsFromStart(logStartOffset_);
  }
}

void Log::advanceLogStartOffset(int64_t offset) {
  offset = std::min(offset, logEndOffset_);
  if (offset <= logStartOffset_) return;
  logStartOffset_ = offset;
  while (!batches_.empty() && batches_.front().lastOffset < offset) dropOldestBatch();
  truncateEpochsFromStart(offset);
}

void Log::truncateTo(int64_t offset) {
  if (offset >= logEndOffset_) return;
  // Below every batch: Kafka's truncateTo falls back to truncateFullyAndStartAt.
  if (batches_.empty() || offset < batches_.front().baseOffset) {
    truncateFullyAndStartAt(offset);
    return;
  }
  const std::size_t keep = indexOfBatchHolding(offset);
  logEndOffset_ = batches_[keep].baseOffset;
  while (batches_.size() > keep) {
    sizeInBytes_ -= batches_.back().bytes.size();
    batches_.pop_back();
  }
  logStartOffset_ = std::min(logStartOffset_, logEndOffset_);
  truncateEpochsFromEnd(logEndOffset_);
  rebuildProducerState();
}

void Log::truncateFullyAndStartAt(int64_t offset) {
  batches_.clear();
  sizeInBytes_ = 0;
  logStartOffset_ = offset;
  logEndOffset_ = offset;
  epochStarts_.clear();
  producers_.clear();
  producersAtLogStart_.clear();
}

std::size_t Log::indexOfBatchHolding(int64_t offset) const {
  const auto it = std::partition_point(batches_.begin(), batches_.end(),
                                       [offset](const StoredBatch& b) { return b.lastOffset < offset; });
  return static_cast<std::size_t>(it - batches_.begin());
}

}  // namespace kafkalite::mock
