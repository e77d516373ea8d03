#pragma once
/// \file
/// LogValidator: what Kafka's LogValidator (storage/.../log/LogValidator.java) checks and
/// changes in a client's record batch v2 before a leader appends it, compressed or not:
/// - validateBatch: offset range and record count agree and are positive, no control
///   batch, a sequence for every producer id → INVALID_RECORD;
/// - the records themselves: compressed ones are decompressed (at most
///   LogConfig::maxDecompressedBatchBytes: beyond it MESSAGE_TOO_LARGE; a stream the
///   codec cannot read: CORRUPT_MESSAGE), and every record must parse, exactly
///   recordsCount of them and nothing after → INVALID_RECORD;
/// - validateRecord: keys on compacted topics (INVALID_RECORD), CreateTime timestamps
///   within message.timestamp.before/after.max.ms and no producer-set LogAppendTime on
///   LogAppendTime topics (INVALID_TIMESTAMP), reported per record (Produce v8+
///   record_errors);
/// - the header's maxTimestamp: the largest record timestamp (CreateTime) or the append
///   time with the LogAppendTime attribute (LogAppendTime topics), with a new CRC;
/// - a compressed batch whose records' offset deltas are not 0, 1, 2, ... is rewritten with
///   consecutive deltas in the same codec (Kafka's "no in-place assignment" path). Batches
///   are never converted to another codec: a topic's compression.type other than
///   `producer` is stored and reported, and batches keep the codec they arrived in.
///
/// Threading: stateless; the decompression buffers are per thread (a broker's event loop).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafkalite/error.hpp"
#include "protocol/compression.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {

struct LogConfig;

/// A topic's compression.type (Kafka's BrokerCompressionType).
enum class BrokerCompressionType : uint8_t { Producer, Uncompressed, Gzip, Snappy, Lz4, Zstd };
/// "producer", "uncompressed", "gzip", "snappy", "lz4" or "zstd".
[[nodiscard]] std::string_view brokerCompressionTypeName(BrokerCompressionType type) noexcept;
/// The value for Kafka's name (exact, lower case); nullopt for any other string.
[[nodiscard]] std::optional<BrokerCompressionType> brokerCompressionTypeForName(std::string_view name) noexcept;

/// One record rejected by validation (Kafka's ProduceResponse.RecordError).
struct RecordError {
  int32_t batchIndex = 0;  ///< the record's position in its batch
  std::string message;
};

/// What validation decided for one batch.
struct ValidationResult {
  ErrorCode error = ErrorCode::NONE;
  std::string errorMessage;
  std::vector<RecordError> recordErrors;  ///< per-record failures (INVALID_TIMESTAMP, INVALID_RECORD)
  /// The append time for a LogAppendTime topic, else -1 (the Produce response's
  /// log_append_time_ms).
  int64_t logAppendTime = -1;
  /// The timestamp type and maxTimestamp the stored batch carries; the log writes them
  /// with RecordBatchBuilder::setMaxTimestamp (a new CRC only when they change).
  protocol::TimestampType timestampType = protocol::TimestampType::CreateTime;
  int64_t maxTimestamp = -1;
  /// Non-empty when the records had to be rewritten: the batch to store instead (same
  /// codec, consecutive offset deltas, header already final).
  std::vector<uint8_t> rebuiltBatch;
};

class LogValidator {
 public:
  /// Validates `batch`, a client's batch whose framing, size, baseOffset and CRC the
  /// log has checked, against the topic's `config` at wall-clock time `nowMs` (Kafka's
  /// validateMessagesAndAssignOffsets; the log assigns the offsets). Never throws
  /// except std::bad_alloc.
  [[nodiscard]] static ValidationResult validate(const protocol::RecordBatchView& batch, const LogConfig& config,
                                                 int64_t nowMs);
};

/// The calling thread's decompressor, bounded at `maxBytes`: the log's readers
/// (ListOffsets, record views) and the validator share it, so a broker keeps one set of
/// codec contexts and one output buffer. Valid until the thread ends.
[[nodiscard]] protocol::Decompressor& threadDecompressor(std::size_t maxBytes);

}  // namespace kafkalite::mock
