#include "mockbroker/log_validator.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "mockbroker/log.hpp"
#include "protocol/compressed_batch.hpp"

namespace kafkalite::mock {
namespace {

namespace proto = kafkalite::protocol;

constexpr int64_t kNoTimestamp = -1;  // RecordBatch.NO_TIMESTAMP
// A decompression buffer grown past this by one large batch is freed after it.
constexpr std::size_t kDecompressionBufferKept = std::size_t{16} << 20;

constexpr std::array<std::pair<BrokerCompressionType, std::string_view>, 6> kBrokerCompressionNames = {{
    {BrokerCompressionType::Producer, "producer"},
    {BrokerCompressionType::Uncompressed, "uncompressed"},
    {BrokerCompressionType::Gzip, "gzip"},
    {BrokerCompressionType::Snappy, "snappy"},
    {BrokerCompressionType::Lz4, "lz4"},
    {BrokerCompressionType::Zstd, "zstd"},
}};

ValidationResult failure(ErrorCode error, std::string message) {
  ValidationResult r;
  r.error = error;
  r.errorMessage = std::move(message);
  return r;
}

// Wrapping arithmetic, as Java's long: extreme timestamps must not be undefined behaviour.
int64_t wrappingSub(int64_t a, int64_t b) noexcept {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrappingAdd(int64_t a, int64_t b) noexcept {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// LogValidator.validateBatch for a client's batch v2.
std::optional<ValidationResult> validateBatch(const proto::RecordBatchView& batch) {
  if (batch.lastOffsetDelta() < 0) {
    return failure(ErrorCode::INVALID_RECORD, "Batch has an invalid offset range: [0, " +
                                                  std::to_string(batch.lastOffsetDelta()) + "]");
  }
  if (batch.recordsCount() <= 0) {
    return failure(ErrorCode::INVALID_RECORD,
                   "Invalid reported count for record batch: " + std::to_string(batch.recordsCount()));
  }
  if (static_cast<int64_t>(batch.lastOffsetDelta()) + 1 != batch.recordsCount()) {
    return failure(ErrorCode::INVALID_RECORD, "Inconsistent batch offset range [0, " +
                                                  std::to_string(batch.lastOffsetDelta()) + "] and count of records " +
                                                  std::to_string(batch.recordsCount()));
  }
  if (batch.isControl()) return failure(ErrorCode::INVALID_RECORD, "Clients are not allowed to write control records");
  if (batch.producerId() >= 0 && batch.baseSequence() < 0) {
    return failure(ErrorCode::INVALID_RECORD, "Invalid sequence number " + std::to_string(batch.baseSequence()) +
                                                  " in record batch with producerId " +
                                                  std::to_string(batch.producerId()));
  }
  return std::nullopt;
}

struct RecordFailure {
  ErrorCode error;
  RecordError record;
};

// LogValidator.validateRecord: the key on a compacted topic, then the timestamp.
std::optional<RecordFailure> validateRecord(const proto::RecordBatchView& batch, const proto::RecordView& record,
                                            int32_t index, const LogConfig& config, int64_t now) {
  if (config.compact && !record.key) {
    return RecordFailure{ErrorCode::INVALID_RECORD, {index, "Compacted topic cannot accept message without key"}};
  }
  const int64_t timestamp = batch.timestampOf(record);
  if (config.messageTimestampType == proto::TimestampType::CreateTime && timestamp != kNoTimestamp) {
    const int64_t diff = wrappingSub(now, timestamp);
    if (diff > config.messageTimestampBeforeMaxMs || wrappingSub(0, diff) > config.messageTimestampAfterMaxMs) {
      return RecordFailure{ErrorCode::INVALID_TIMESTAMP,
                           {index, "Timestamp " + std::to_string(timestamp) + " of message with offset " +
                                       std::to_string(record.offsetDelta) +
                                       " is out of range. The timestamp should be within [" +
                                       std::to_string(wrappingSub(now, config.messageTimestampBeforeMaxMs)) + ", " +
                                       std::to_string(wrappingAdd(now, config.messageTimestampAfterMaxMs)) + "]"}};
    }
  } else if (batch.timestampType() == proto::TimestampType::LogAppendTime) {
    return RecordFailure{ErrorCode::INVALID_TIMESTAMP,
                         {index, "Invalid timestamp type in message. Producer should not set timestamp type to "
                                 "LogAppendTime."}};
  }
  return std::nullopt;
}

// LogValidator.processRecordErrors: any timestamp error makes the batch's error
// INVALID_TIMESTAMP, else INVALID_RECORD; every failing record is listed.
ValidationResult recordErrorsResult(std::vector<RecordFailure> failures) {
  ValidationResult r;
  const bool anyTimestamp = std::any_of(failures.begin(), failures.end(),
                                        [](const RecordFailure& f) { return f.error == ErrorCode::INVALID_TIMESTAMP; });
  if (anyTimestamp) {
    r.error = ErrorCode::INVALID_TIMESTAMP;
    r.errorMessage = "One or more records have been rejected due to invalid timestamp";
  } else {
    r.error = ErrorCode::INVALID_RECORD;
    r.errorMessage = "One or more records have been rejected due to " + std::to_string(failures.size()) +
                     " record errors in total, and only showing the first three errors at most: [";
    for (std::size_t i = 0; i < std::min<std::size_t>(3, failures.size()); ++i) {
      r.errorMessage += (i == 0 ? "" : ", ") + failures[i].record.message;
    }
    r.errorMessage += "]";
  }
  for (auto& f : failures) r.recordErrors.push_back(std::move(f.record));
  return r;
}

// Kafka's buildRecordsAndAssignOffsets for a batch kept in its codec: the records again,
// with consecutive offset deltas, compressed as before.
std::optional<std::vector<uint8_t>> rebuild(const proto::RecordBatchView& batch, std::span<const uint8_t> records,
                                            const ValidationResult& result, std::string& error) {
  proto::RecordBatchBuilder builder;
  proto::RecordView record;
  std::vector<proto::RecordHeaderView> headers;
  auto cursor = batch.recordsIn(records);
  bool first = true;
  proto::BatchAttributes attributes;
  attributes.timestampType = result.timestampType;
  attributes.transactional = batch.isTransactional();
  while (cursor.next(record)) {
    const int64_t timestamp = batch.timestampOf(record);
    if (first) {
      // MemoryRecordsBuilder: the base timestamp is the first record's.
      builder.begin(timestamp, attributes, batch.producerId(), batch.producerEpoch(), batch.baseSequence());
      first = false;
    }
    headers.clear();
    auto headerCursor = record.headers();
    proto::RecordHeaderView header;
    while (headerCursor.next(header)) headers.push_back(header);
    if (!builder.append(timestamp, record.key, record.value, headers)) {
      error = "record " + std::to_string(cursor.recordsRead() - 1) + " does not fit a batch";
      return std::nullopt;
    }
  }
  const auto uncompressed = builder.finish(0);
  proto::BatchCompressor compressor;
  proto::CodecError codecError;
  const auto compressed = compressor.compress(uncompressed, batch.compression(), {}, codecError);
  if (!compressed) {
    error = codecError.message;
    return std::nullopt;
  }
  std::vector<uint8_t> out(compressed->begin(), compressed->end());
  proto::RecordBatchBuilder::setMaxTimestamp(out, result.timestampType, result.maxTimestamp);
  return out;
}

}  // namespace

std::string_view brokerCompressionTypeName(BrokerCompressionType type) noexcept {
  for (const auto& [t, name] : kBrokerCompressionNames) {
    if (t == type) return name;
  }
  return "";
}

std::optional<BrokerCompressionType> brokerCompressionTypeForName(std::string_view name) noexcept {
  for (const auto& [t, n] : kBrokerCompressionNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

proto::Decompressor& threadDecompressor(std::size_t maxBytes) {
  thread_local proto::Decompressor decompressor;
  decompressor.setMaxOutputBytes(maxBytes);
  return decompressor;
}

ValidationResult LogValidator::validate(const proto::RecordBatchView& batch, const LogConfig& config, int64_t nowMs) {
  if (auto failed = validateBatch(batch)) return std::move(*failed);
  if (!proto::isKnownCompressionType(batch.compression())) {
    return failure(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
                   "Unknown compression type id: " + std::to_string(static_cast<int>(batch.compression())));
  }

  // The records: decompressed through this thread's buffer when compressed.
  proto::Decompressor& decompressor = threadDecompressor(config.maxDecompressedBatchBytes);
  proto::CodecError codecError;
  const auto records = batch.decompressedRecords(decompressor, codecError);
  if (!records) {
    decompressor.releaseBufferAbove(kDecompressionBufferKept);
    switch (codecError.status) {
      case proto::CodecStatus::TooLarge:
        return failure(ErrorCode::MESSAGE_TOO_LARGE, "The record batch " + codecError.message);
      default:
        return failure(ErrorCode::CORRUPT_MESSAGE, "Failed to decompress record stream: " + codecError.message);
    }
  }

  ValidationResult result;
  result.timestampType = config.messageTimestampType;
  int64_t maxTimestamp = kNoTimestamp;
  bool consecutiveOffsets = true;
  std::vector<RecordFailure> failures;
  auto cursor = batch.recordsIn(*records);
  proto::RecordView record;
  for (int32_t index = 0; cursor.next(record); ++index) {
    if (auto failed = validateRecord(batch, record, index, config, nowMs)) {
      failures.push_back(std::move(*failed));
      continue;
    }
    maxTimestamp = std::max(maxTimestamp, batch.timestampOf(record));
    // Older clients wrote wrong inner offsets; Kafka rewrites such compressed batches.
    if (record.offsetDelta != index) consecutiveOffsets = false;
  }
  if (cursor.failed()) {
    decompressor.releaseBufferAbove(kDecompressionBufferKept);
    return failure(ErrorCode::INVALID_RECORD, "Invalid record: " + cursor.error().message());
  }
  if (!failures.empty()) {
    decompressor.releaseBufferAbove(kDecompressionBufferKept);
    return recordErrorsResult(std::move(failures));
  }

  if (config.messageTimestampType == proto::TimestampType::LogAppendTime) {
    result.logAppendTime = nowMs;
    result.maxTimestamp = nowMs;
  } else {
    result.maxTimestamp = maxTimestamp;
  }
  if (batch.isCompressed() && !consecutiveOffsets) {
    std::string error;
    auto rebuilt = rebuild(batch, *records, result, error);
    if (!rebuilt) {
      decompressor.releaseBufferAbove(kDecompressionBufferKept);
      return failure(ErrorCode::INVALID_RECORD, "Cannot rewrite the record batch: " + error);
    }
    result.rebuiltBatch = std::move(*rebuilt);
  }
  decompressor.releaseBufferAbove(kDecompressionBufferKept);
  return result;
}

}  // namespace kafkalite::mock
