#pragma once
/// \file
/// Log: one replica's in-memory, append-only, offset-indexed sequence of record
/// batches v2, with a leader-epoch cache and the idempotent-producer state.
///
/// Threading: owned by one broker and touched only on that broker's event-loop
/// thread. The mock cluster keeps a broker's logs across a stop/start (they play
/// the part of its disk), so a restarted broker rejoins with what it had.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "mockbroker/batch_arena.hpp"
#include "mockbroker/log_validator.hpp"

namespace kafkalite::protocol {
class RecordBatchView;
}  // namespace kafkalite::protocol

namespace kafkalite::mock {

struct LogConfig {
  /// Bytes kept before the oldest batches are deleted; -1 = unbounded. As Kafka's
  /// retention.bytes with one batch per segment: the oldest batch goes while the rest
  /// still hold at least this many bytes, and only once the high watermark has passed
  /// it (applyRetention). The active (newest) batch is never deleted.
  int64_t retentionBytes = -1;
  /// Age after which a batch is deleted by applyTimeRetention (its maxTimestamp older
  /// than now - retentionMs); -1 = unbounded. Kafka's retention.ms.
  int64_t retentionMs = -1;
  /// cleanup.policy contains delete: retention applies. Without it (compact only) nothing
  /// is deleted by retention.
  bool deleteEnabled = true;
  /// Largest batch accepted, as Kafka's message.max.bytes (a whole batch, header included).
  int32_t maxMessageBytes = 1048588;
  /// message.timestamp.type: CreateTime keeps the producer's timestamps, LogAppendTime
  /// stamps the append time into each batch (attribute bit 3, maxTimestamp, CRC
  /// recomputed; LogValidator).
  protocol::TimestampType messageTimestampType = protocol::TimestampType::CreateTime;
  /// message.timestamp.before.max.ms / after.max.ms: how far a CreateTime timestamp may lie
  /// before / after the broker's clock (Kafka's defaults: unbounded).
  int64_t messageTimestampBeforeMaxMs = INT64_MAX;
  int64_t messageTimestampAfterMaxMs = INT64_MAX;
  /// cleanup.policy contains compact: every record needs a key (LogValidator). Nothing is
  /// compacted.
  bool compact = false;
  /// compression.type. Batches are stored in the codec they arrive in, whatever this says;
  /// `zstd` refuses Fetch below v10 (UNSUPPORTED_COMPRESSION_TYPE), as Kafka does.
  BrokerCompressionType compressionType = BrokerCompressionType::Producer;
  /// Most bytes a compressed batch's records may decompress to (not a Kafka setting: the
  /// mock's bound against decompression bombs); beyond it MESSAGE_TOO_LARGE.
  std::size_t maxDecompressedBatchBytes = protocol::kDefaultMaxDecompressedBytes;
};

/// One stored batch. Its bytes carry the final baseOffset and partitionLeaderEpoch.
struct StoredBatch {
  int64_t baseOffset = 0;
  int64_t lastOffset = 0;
  int32_t leaderEpoch = -1;
  int64_t maxTimestamp = -1;
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  int32_t baseSequence = -1;
  int32_t lastSequence = -1;
  /// Keeps `bytes` alive (the frame the batch arrived in, or the log's BatchArena chunk
  /// holding its copy): a fetch response in flight holds it after retention or truncation
  /// drops the batch from the log, so responses reference the batch instead of copying it.
  std::shared_ptr<const void> storage;
  std::span<const uint8_t> bytes;
};

/// Result of an append.
struct LogAppendInfo {
  ErrorCode error = ErrorCode::NONE;
  std::string errorMessage;  ///< human-readable detail for error_message (Produce v8+)
  std::vector<RecordError> recordErrors;  ///< the records that failed validation (Produce v8+)
  int64_t firstOffset = -1;
  int64_t lastOffset = -1;
  int64_t maxTimestamp = -1;
  /// The append time on a LogAppendTime topic, else -1 (Produce log_append_time_ms); for a
  /// duplicate, the original batch's maxTimestamp, as Kafka answers.
  int64_t logAppendTime = -1;
  /// True when the batch repeated one of the producer's last five (spec 8.6): nothing was
  /// appended and first/lastOffset are those of the original append.
  bool duplicate = false;
};

/// Result of a read: views of whole stored batches, valid until the log is next changed.
struct LogReadInfo {
  ErrorCode error = ErrorCode::NONE;  ///< OFFSET_OUT_OF_RANGE (spec 4.3)
  std::vector<std::span<const uint8_t>> batches;
  std::vector<std::shared_ptr<const void>> owners;  ///< keep `batches` alive (each owner once)
  std::size_t bytes = 0;
};

/// A ListOffsets lookup's answer (Kafka's TimestampAndOffset): a record's timestamp and
/// offset and the leader epoch of its batch (-1 when the batch carries none).
struct TimestampAndOffset {
  int64_t timestamp = -1;
  int64_t offset = -1;
  int32_t leaderEpoch = -1;
  bool operator==(const TimestampAndOffset&) const = default;
};

/// An epoch's end offset (the start offset of the next epoch, or the LEO for the latest).
struct EpochEndOffset {
  int32_t epoch = -1;
  int64_t endOffset = -1;
};

class Log {
 public:
  explicit Log(LogConfig config = {});

  [[nodiscard]] int64_t logStartOffset() const noexcept;
  /// Offset the next appended record gets (LEO).
  [[nodiscard]] int64_t logEndOffset() const noexcept;
  [[nodiscard]] std::size_t sizeInBytes() const noexcept;
  [[nodiscard]] const LogConfig& config() const noexcept;
  /// A topic config change: takes effect at once (retention runs with the new limits).
  void setConfig(const LogConfig& config);
  /// The partition's high watermark. Retention never deletes a batch that ends above it,
  /// so the log start never passes it (Kafka's UnifiedLog.deletableSegments); it runs
  /// again when the HW rises. Unset (a log used on its own), it does not bound retention.
  void updateHighWatermark(int64_t highWatermark);
  /// Time retention (retention.ms, Kafka's deleteRetentionMsBreachedSegments): moves the
  /// log start past every batch, from the oldest, whose maxTimestamp is older than
  /// `nowMs` - retentionMs and that ends at or below the HW. Returns true if it moved.
  bool applyTimeRetention(int64_t nowMs);
  [[nodiscard]] const std::deque<StoredBatch>& batches() const noexcept;

  /// Leader append of one Produce partition's records (must be exactly one v2 batch,
  /// interop §6). Validation, in Kafka's order (ProduceRequest.validateRecords, then
  /// UnifiedLog.analyzeAndValidateRecords, then LogValidator, then the producer state):
  /// - no complete batch, magic 0 or 1, or several batches → INVALID_RECORD;
  ///   a trailing partial batch after the first → INVALID_RECORD (Kafka trims it silently);
  /// - batchLength below 14, or magic outside 0..2 → CORRUPT_MESSAGE (Kafka's stream framing);
  /// - baseOffset ≠ 0 → INVALID_RECORD; size over maxMessageBytes → MESSAGE_TOO_LARGE;
  ///   batchLength below 49 or a CRC32C mismatch → CORRUPT_MESSAGE;
  /// - LogValidator (log_validator.hpp): header counts, the records (compressed ones
  ///   decompressed), keys and timestamps → INVALID_RECORD, INVALID_TIMESTAMP,
  ///   CORRUPT_MESSAGE (undecodable compressed records), MESSAGE_TOO_LARGE (records past
  ///   maxDecompressedBatchBytes), UNSUPPORTED_COMPRESSION_TYPE (codec bits 5-7);
  /// - producer epoch and sequence per spec 8.6 → INVALID_PRODUCER_EPOCH /
  ///   OUT_OF_ORDER_SEQUENCE_NUMBER, or a duplicate answered with the original offsets.
  /// Then assigns offsets from the LEO and stamps `leaderEpoch` into the batch (both
  /// outside the CRC) and the validated maxTimestamp and timestamp type (a new CRC when
  /// they change), stores it, updates the epoch cache and producer state, and applies
  /// retention. Compressed batches keep their codec and compressed bytes, unless their
  /// records' offset deltas had to be rewritten.
  ///
  /// `owner`, when given, keeps `records` alive and lets the log keep the batch where it
  /// is (a request frame the broker read and owns, never reused): no copy. The header
  /// rewrites are then made in that memory. Without one the batch is copied into the
  /// log's arena. `appendTimeMs` is the wall-clock time of the append (ms since the epoch;
  /// the system clock when unset): LogAppendTime and timestamp bounds use it.
  LogAppendInfo appendAsLeader(std::span<const uint8_t> records, int32_t leaderEpoch,
                               std::shared_ptr<const void> owner = nullptr,
                               std::optional<int64_t> appendTimeMs = std::nullopt);

  /// Follower append of batches fetched from the leader, which already carry their
  /// offsets and epochs. The first batch must start at the LEO (spec 4.7) and each next
  /// one right after the previous, else OFFSET_OUT_OF_RANGE; a batch that fails to parse
  /// or its CRC gives CORRUPT_MESSAGE. Either error appends nothing (the batches are
  /// checked before any is stored). A trailing partial batch is ignored (fetch responses
  /// may end with one). No producer checks (Kafka's REPLICATION origin), but the producer
  /// state is updated, so this replica dedups correctly once it leads.
  /// `owner` as for appendAsLeader (the fetch response frame).
  LogAppendInfo appendAsFollower(std::span<const uint8_t> records, std::shared_ptr<const void> owner = nullptr);

  /// Batches from the one holding `offset` onwards, whole, stopping before any batch
  /// whose lastOffset >= `maxOffsetExclusive` (the HW for consumers, the LEO for
  /// followers: spec 4.3; as Kafka, a batch straddling the HW is withheld) and after
  /// `maxBytes` — but always at least one batch when one is available (Kafka's
  /// minOneMessage). `offset` below the log start or above the LEO → OFFSET_OUT_OF_RANGE;
  /// at the LEO, or at or past `maxOffsetExclusive` → no batches, no error.
  [[nodiscard]] LogReadInfo read(int64_t offset, std::size_t maxBytes, int64_t maxOffsetExclusive) const;

  /// Removes every batch with lastOffset >= `offset` (so the LEO becomes the base of
  /// the first removed batch, which is `offset` when it is a batch boundary), and the
  /// epoch cache and producer state above it. No-op if offset >= LEO; an offset below the
  /// first batch acts as truncateFullyAndStartAt(offset) (Kafka's UnifiedLog.truncateTo).
  void truncateTo(int64_t offset);
  /// Drops everything and restarts the log at `offset` (spec 4.8, leader log start above ours).
  void truncateFullyAndStartAt(int64_t offset);

  /// Leader-epoch cache: the largest epoch <= `epoch` with its end offset; nullopt when
  /// no epoch <= `epoch` is known (then the follower must truncate to the log start).
  [[nodiscard]] std::optional<EpochEndOffset> endOffsetForEpoch(int32_t epoch) const;
  /// (epoch, start offset) of the oldest cached epoch (Kafka's LeaderEpochFileCache
  /// earliestEntry), or nullopt when the cache is empty.
  [[nodiscard]] std::optional<std::pair<int32_t, int64_t>> earliestEpochEntry() const;
  /// Epoch of the last batch, or -1 for an empty log.
  [[nodiscard]] int32_t latestEpoch() const noexcept;

  /// ListOffsets by timestamp: the first record at or above the log start whose
  /// timestamp is >= `timestamp` (its timestamp, offset and its batch's leader epoch), or
  /// nullopt (then the answer is offset -1). Reads record timestamps inside the batch,
  /// decompressing compressed batches.
  [[nodiscard]] std::optional<TimestampAndOffset> offsetForTimestamp(int64_t timestamp) const;
  /// ListOffsets -3 (MAX_TIMESTAMP): the record with the largest timestamp, the earliest
  /// one on a tie (Kafka's batch offsetOfMaxTimestamp); nullopt for an empty log. Looks
  /// inside compressed batches too.
  [[nodiscard]] std::optional<TimestampAndOffset> offsetOfMaxTimestamp() const;

  /// Moves the log start forward (retention or DeleteRecords); batches wholly below it go,
  /// and the epoch cache's first entry moves up to it. No-op unless `offset` is above the
  /// current log start; capped at the LEO (use truncateFullyAndStartAt to go beyond).
  /// Producer state survives (it is folded into a snapshot at the log start).
  void advanceLogStartOffset(int64_t offset);

 private:
  struct BatchMetadata {
    int32_t firstSeq;
    int32_t lastSeq;
    int64_t firstOffset;
    int64_t lastOffset;
    int64_t maxTimestamp;
  };
  struct ProducerStateEntry {
    int16_t epoch = -1;
    std::deque<BatchMetadata> batches;  ///< the last five (spec 8.6)
  };

  struct EpochEntry {
    int32_t epoch;
    int64_t startOffset;
  };
  using ProducerStates = std::unordered_map<int64_t, ProducerStateEntry>;

  // Stores a batch that already carries its final offsets and epoch.
  void appendStored(StoredBatch batch);
  // Drops the oldest batch; its producer state goes into producersAtLogStart_.
  void dropOldestBatch();
  // Retention by size (retention.bytes), never past the HW; see updateHighWatermark.
  void applyRetention();
  void rebuildProducerState();
  // Spec 8.6 for a leader append: NONE, an error, or `duplicate` with the original offsets.
  [[nodiscard]] LogAppendInfo analyzeProducerState(int64_t producerId, int16_t producerEpoch, int32_t firstSeq,
                                                   int32_t lastSeq) const;
  static void updateProducerState(ProducerStates& producers, const StoredBatch& batch);
  // Kafka's LeaderEpochFileCache assign / truncateFromStart / truncateFromEnd.
  void assignEpoch(int32_t epoch, int64_t startOffset);
  void truncateEpochsFromStart(int64_t startOffset);
  void truncateEpochsFromEnd(int64_t endOffset);
  // Index of the first batch whose lastOffset >= offset (batches_.size() if none).
  [[nodiscard]] std::size_t indexOfBatchHolding(int64_t offset) const;

  /// Describes a validated batch: kept where it is when `owner` keeps it alive, else
  /// copied into the arena.
  StoredBatch describe(const protocol::RecordBatchView& view, const std::shared_ptr<const void>& owner);
  /// The Decompressor the log's readers use (the thread's, bounded by the config).
  [[nodiscard]] protocol::Decompressor& decompressor() const;

  LogConfig config_;
  BatchArena arena_;
  std::deque<StoredBatch> batches_;
  int64_t logStartOffset_ = 0;
  int64_t logEndOffset_ = 0;
  std::size_t sizeInBytes_ = 0;
  std::vector<EpochEntry> epochStarts_;  ///< ascending in both epoch and start offset
  ProducerStates producers_;
  // Producer state of every batch already deleted below the log start, so that
  // rebuildProducerState() after a truncation keeps producers whose batches retention took.
  ProducerStates producersAtLogStart_;
  int64_t highWatermark_ = INT64_MAX;  ///< bounds retention; see updateHighWatermark
};

}  // namespace kafkalite::mock
