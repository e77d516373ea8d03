#pragma once
/// \file
/// Kafka record batches v2 (magic 2), the unit the producer sends and the broker
/// stores (interop.md section 6, Kafka's DefaultRecordBatch / DefaultRecord):
/// - RecordBatchBuilder writes one batch into a reusable buffer;
/// - RecordBatchView reads one batch without copying, RecordCursor walks its
///   records (those of a compressed batch through a caller's Decompressor,
///   protocol/compression.hpp) and RecordHeaderCursor a record's headers;
/// - RecordBatchIterator walks the consecutive batches of a Produce or Fetch
///   `records` field.
///
/// Views borrow the bytes they were made from: the caller keeps those bytes alive
/// and unchanged while any view, cursor or RecordView over them is in use.
///
/// Threading: plain values without shared state; one instance per thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/primitives.hpp"

namespace kafkalite::protocol {

class Decompressor;
struct CodecError;

/// The magic byte of record batch v2, the only format kafkalite reads or writes.
inline constexpr int8_t kRecordBatchMagic = 2;
/// Size of the fixed batch header, baseOffset through recordsCount.
inline constexpr std::size_t kRecordBatchHeaderSize = 61;
/// baseOffset and batchLength, the bytes that batchLength does not count.
inline constexpr std::size_t kRecordBatchLogOverhead = 12;
/// Smallest legal batchLength: a header without records.
inline constexpr int32_t kRecordBatchMinBatchLength = 49;
/// The CRC covers the batch from this byte (attributes) to its end, so that
/// baseOffset and partitionLeaderEpoch can be rewritten without recomputing it.
inline constexpr std::size_t kRecordBatchCrcStart = 21;

/// Compression codec, attribute bits 0-2. Values 5-7 are not codecs but are kept
/// as read, so that attributes round-trip bit for bit.
enum class CompressionType : uint8_t { None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4 };

/// Attribute bit 3: whether record timestamps were set by the producer or the broker.
enum class TimestampType : uint8_t { CreateTime = 0, LogAppendTime = 1 };

/// The batch attributes field, decoded. fromBits(b).toBits() == b for every b.
struct BatchAttributes {
  CompressionType compression = CompressionType::None;  ///< bits 0-2
  TimestampType timestampType = TimestampType::CreateTime;  ///< bit 3
  bool transactional = false;  ///< bit 4
  bool control = false;        ///< bit 5: the batch holds a transaction marker
  bool deleteHorizon = false;  ///< bit 6: baseTimestamp is the delete horizon (KIP-534)
  uint16_t reservedBits = 0;   ///< bits 7-15 exactly as read (unused by Kafka)

  /// The attributes as the int16 wire field.
  [[nodiscard]] constexpr int16_t toBits() const noexcept {
    uint16_t bits = static_cast<uint16_t>(static_cast<uint16_t>(compression) & 0x7u);
    if (timestampType == TimestampType::LogAppendTime) bits |= 0x08u;
    if (transactional) bits |= 0x10u;
    if (control) bits |= 0x20u;
    if (deleteHorizon) bits |= 0x40u;
    bits |= static_cast<uint16_t>(reservedBits & 0xff80u);
    return static_cast<int16_t>(bits);
  }
  /// Decodes the int16 wire field; never fails.
  [[nodiscard]] static constexpr BatchAttributes fromBits(int16_t wire) noexcept {
    const auto bits = static_cast<uint16_t>(wire);
    BatchAttributes a;
    a.compression = static_cast<CompressionType>(bits & 0x7u);
    a.timestampType = (bits & 0x08u) != 0 ? TimestampType::LogAppendTime : TimestampType::CreateTime;
    a.transactional = (bits & 0x10u) != 0;
    a.control = (bits & 0x20u) != 0;
    a.deleteHorizon = (bits & 0x40u) != 0;
    a.reservedBits = static_cast<uint16_t>(bits & 0xff80u);
    return a;
  }
  /// Field-wise equality.
  constexpr bool operator==(const BatchAttributes&) const = default;
};

/// One record header: a non-null key and a nullable value, both borrowed.
struct RecordHeaderView {
  std::string_view key;                           ///< never null on the wire; not checked for UTF-8
  std::optional<std::span<const uint8_t>> value;  ///< nullopt for a null value
};

/// Walks the headers of one record (RecordView::headers()).
class RecordHeaderCursor {
 public:
  /// A cursor over no headers.
  RecordHeaderCursor() = default;
  /// `bytes` holds exactly `count` encoded headers (as RecordView::headerBytes does).
  RecordHeaderCursor(std::span<const uint8_t> bytes, int32_t count) noexcept : reader_(bytes), left_(count) {}

  /// Fills `out` with the next header and returns true; returns false after the
  /// last header, or if the bytes are malformed (then failed() is true). Headers
  /// from a RecordCursor were validated already and never fail.
  bool next(RecordHeaderView& out);
  /// Headers not yet returned.
  [[nodiscard]] int32_t remaining() const noexcept { return left_; }
  /// True once next() has met malformed bytes.
  [[nodiscard]] bool failed() const noexcept { return reader_.failed(); }
  /// Path and reason of the failure, e.g. "value: truncated: ...".
  [[nodiscard]] const DecodeError& error() const noexcept { return reader_.error(); }

 private:
  Reader reader_;
  int32_t left_ = 0;
};

/// One record of a batch; spans borrow the batch's bytes. Absolute offset and
/// timestamp come from RecordBatchView::offsetOf / timestampOf.
struct RecordView {
  int8_t attributes = 0;      ///< unused by Kafka, kept as read
  int64_t timestampDelta = 0;  ///< relative to the batch's baseTimestamp
  int32_t offsetDelta = 0;     ///< relative to the batch's baseOffset
  std::optional<std::span<const uint8_t>> key;    ///< nullopt for a null key
  std::optional<std::span<const uint8_t>> value;  ///< nullopt for a null value (tombstone)
  int32_t headerCount = 0;               ///< number of headers, >= 0
  std::span<const uint8_t> headerBytes;  ///< the headerCount encoded headers

  /// A cursor over this record's headers.
  [[nodiscard]] RecordHeaderCursor headers() const noexcept { return {headerBytes, headerCount}; }
};

/// Walks the records of one batch (RecordBatchView::records()), checking every
/// length against the record bytes (the batch's, or its decompressed records):
/// malformed input ends the walk with an error, never with an over-read.
class RecordCursor {
 public:
  /// A cursor over no records.
  RecordCursor() = default;

  /// Fills `out` with the next record and returns true. Returns false after the
  /// last of recordsCount records, or on error (then failed() is true), e.g. a
  /// record whose length disagrees with its fields, bytes left after the last
  /// record, fewer records than recordsCount, a compressed batch walked without a
  /// Decompressor, or compressed records that do not decompress.
  bool next(RecordView& out);
  /// Records returned so far.
  [[nodiscard]] int32_t recordsRead() const noexcept { return index_; }
  /// True once next() has met an error; next() then keeps returning false.
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  /// Path and reason of the failure, e.g. "records[3].key: truncated: ...".
  [[nodiscard]] const DecodeError& error() const noexcept { return error_; }

 private:
  friend class RecordBatchView;
  RecordCursor(std::span<const uint8_t> recordBytes, int32_t count, bool compressed) noexcept
      : reader_(recordBytes), count_(count), compressed_(compressed) {}
  // A cursor whose first next() fails with `error`.
  static RecordCursor failedWith(DecodeError error);
  bool fail(std::string path, std::string reason);
  bool parseRecord(Reader& record, RecordView& out);

  Reader reader_;
  int32_t count_ = 0;
  int32_t index_ = 0;
  bool compressed_ = false;
  bool failed_ = false;
  DecodeError error_;
};

/// A zero-copy view of one record batch v2. parse() checks the framing
/// (batchLength, magic, recordsCount); the CRC is checked on request (crcValid())
/// and the records as they are walked (records()). The header accessors read the
/// fields from the bytes on each call and are valid only on a view returned by
/// parse() or RecordBatchIterator::next().
class RecordBatchView {
 public:
  /// An empty view; only useful as an out-parameter.
  RecordBatchView() = default;

  /// Parses the batch at the start of `bytes`; bytes after it are not examined
  /// (bytes().size() tells how many belong to it). Returns nullopt and fills
  /// `error` when the batch is truncated, batchLength is below 49, magic is not 2,
  /// or recordsCount is negative or (uncompressed) more than the bytes could hold (a
  /// compressed batch's count is checked against its records as they are walked).
  [[nodiscard]] static std::optional<RecordBatchView> parse(std::span<const uint8_t> bytes, DecodeError& error);

  /// Offset of the first record (the broker assigns it on append).
  [[nodiscard]] int64_t baseOffset() const noexcept { return load<int64_t>(0); }
  /// Bytes after the batchLength field (bytes().size() - 12).
  [[nodiscard]] int32_t batchLength() const noexcept { return load<int32_t>(8); }
  /// Leader epoch stamped by the broker; -1 from producers.
  [[nodiscard]] int32_t partitionLeaderEpoch() const noexcept { return load<int32_t>(12); }
  /// Always 2 on a parsed view.
  [[nodiscard]] int8_t magic() const noexcept { return load<int8_t>(16); }
  /// The CRC stored in the batch.
  [[nodiscard]] uint32_t crc() const noexcept { return load<uint32_t>(17); }
  /// The attributes field as stored.
  [[nodiscard]] int16_t attributeBits() const noexcept { return load<int16_t>(21); }
  /// The attributes field, decoded.
  [[nodiscard]] BatchAttributes attributes() const noexcept { return BatchAttributes::fromBits(attributeBits()); }
  /// Codec of the records (attribute bits 0-2).
  [[nodiscard]] CompressionType compression() const noexcept { return attributes().compression; }
  /// True for any codec bits other than 0, including the undefined values 5-7.
  [[nodiscard]] bool isCompressed() const noexcept { return compression() != CompressionType::None; }
  /// Attribute bit 3.
  [[nodiscard]] TimestampType timestampType() const noexcept { return attributes().timestampType; }
  /// Attribute bit 4.
  [[nodiscard]] bool isTransactional() const noexcept { return attributes().transactional; }
  /// Attribute bit 5.
  [[nodiscard]] bool isControl() const noexcept { return attributes().control; }
  /// offsetDelta of the last record (recordsCount - 1 as the builder writes it).
  [[nodiscard]] int32_t lastOffsetDelta() const noexcept { return load<int32_t>(23); }
  /// baseOffset + lastOffsetDelta, wrapping as Java's long arithmetic does (a producer's
  /// baseOffset is any value; the broker replaces it).
  [[nodiscard]] int64_t lastOffset() const noexcept { return wrappingAdd(baseOffset(), lastOffsetDelta()); }
  /// Timestamp the records' deltas are relative to (ms since the epoch).
  [[nodiscard]] int64_t baseTimestamp() const noexcept { return load<int64_t>(27); }
  /// Largest record timestamp, or the broker's append time for LogAppendTime.
  [[nodiscard]] int64_t maxTimestamp() const noexcept { return load<int64_t>(35); }
  /// Idempotent producer id; -1 when not idempotent.
  [[nodiscard]] int64_t producerId() const noexcept { return load<int64_t>(43); }
  /// Producer epoch; -1 when not idempotent.
  [[nodiscard]] int16_t producerEpoch() const noexcept { return load<int16_t>(51); }
  /// Sequence number of the first record; -1 when not idempotent.
  [[nodiscard]] int32_t baseSequence() const noexcept { return load<int32_t>(53); }
  /// Sequence of the last record: baseSequence + lastOffsetDelta wrapping past
  /// INT32_MAX to 0, as Kafka does; -1 when baseSequence is -1.
  [[nodiscard]] int32_t lastSequence() const noexcept;
  /// Number of records the batch claims; parse() checked it is >= 0 and, when
  /// uncompressed, that the bytes could hold that many.
  [[nodiscard]] int32_t recordsCount() const noexcept { return load<int32_t>(57); }

  /// CRC32C of bytes 21 to the end, computed now.
  [[nodiscard]] uint32_t computeCrc() const noexcept;
  /// computeCrc() == crc().
  [[nodiscard]] bool crcValid() const noexcept { return computeCrc() == crc(); }

  /// The whole batch, header included.
  [[nodiscard]] std::span<const uint8_t> bytes() const noexcept { return bytes_; }
  /// The bytes after the header: the records, or the compressed records.
  [[nodiscard]] std::span<const uint8_t> recordBytes() const noexcept {
    return bytes_.empty() ? bytes_ : bytes_.subspan(kRecordBatchHeaderSize);
  }

  /// A cursor over the records; on a compressed batch its first next() fails (use
  /// records(Decompressor&)).
  [[nodiscard]] RecordCursor records() const noexcept {
    return RecordCursor(recordBytes(), bytes_.empty() ? 0 : recordsCount(), isCompressed());
  }
  /// A cursor over the records of any batch: a compressed batch's are decompressed by
  /// `decompressor` first and live in its buffer until its next call. A codec failure
  /// (corrupt data, output past the decompressor's limit, codec bits 5-7) is the
  /// cursor's first error. Throws std::bad_alloc.
  [[nodiscard]] RecordCursor records(Decompressor& decompressor) const;
  /// The records section decompressed: recordBytes() itself for an uncompressed batch,
  /// else the output of `decompressor` (valid until its next call). On failure returns
  /// nullopt and fills `error` (see Decompressor::decompress). Throws std::bad_alloc.
  [[nodiscard]] std::optional<std::span<const uint8_t>> decompressedRecords(Decompressor& decompressor,
                                                                          CodecError& error) const;
  /// A cursor over `records`, this batch's records section as decompressedRecords()
  /// returned it.
  [[nodiscard]] RecordCursor recordsIn(std::span<const uint8_t> records) const noexcept {
    return RecordCursor(records, bytes_.empty() ? 0 : recordsCount(), false);
  }
  /// Absolute offset of a record of this batch (wrapping, as lastOffset()).
  [[nodiscard]] int64_t offsetOf(const RecordView& record) const noexcept {
    return wrappingAdd(baseOffset(), record.offsetDelta);
  }
  /// Absolute timestamp of a record of this batch: maxTimestamp for
  /// LogAppendTime batches (the broker's time), else baseTimestamp + delta.
  [[nodiscard]] int64_t timestampOf(const RecordView& record) const noexcept;

 private:
  friend class RecordBatchIterator;
  enum class ParseStatus : uint8_t { Ok, Truncated, Corrupt };
  static ParseStatus parseImpl(std::span<const uint8_t> bytes, RecordBatchView& out, DecodeError& error);

  static int64_t wrappingAdd(int64_t a, int64_t b) noexcept {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }
  template <class T>
  [[nodiscard]] T load(std::size_t at) const noexcept {
    // Callers only reach here on a parsed view, whose bytes hold the full header.
    return static_cast<T>(detail::loadBigEndian(bytes_.data() + at, sizeof(T)));
  }

  std::span<const uint8_t> bytes_;
};

/// Walks the consecutive batches of a records blob (the `records` field of a
/// Produce request or a Fetch response).
class RecordBatchIterator {
 public:
  /// Walks `records`, which must outlive the iterator and the views it returns.
  explicit RecordBatchIterator(std::span<const uint8_t> records) noexcept : rest_(records) {}

  /// Fills `out` with the next batch and returns true. Returns false at the end
  /// of the blob, at an incomplete trailing batch (partialTail() is true; a Fetch
  /// response may end so, a Produce request must not), or on a malformed batch
  /// (failed() is true). The batches' CRCs are not checked here.
  bool next(RecordBatchView& out);
  /// True when the walk stopped at an incomplete trailing batch.
  [[nodiscard]] bool partialTail() const noexcept { return partialTail_; }
  /// The bytes not yet walked: the partial tail, or the failing batch onwards.
  [[nodiscard]] std::span<const uint8_t> remainingBytes() const noexcept { return rest_; }
  /// Batches returned so far.
  [[nodiscard]] std::size_t batchesRead() const noexcept { return batches_; }
  /// True when the walk stopped at a malformed batch.
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  /// Path and reason of the failure, e.g. "batches[2].magic: ...".
  [[nodiscard]] const DecodeError& error() const noexcept { return error_; }

 private:
  std::span<const uint8_t> rest_;
  std::size_t batches_ = 0;
  bool partialTail_ = false;
  bool failed_ = false;
  DecodeError error_;
};

/// Writes one record batch v2 at a time into a buffer it owns and reuses: after
/// the first few batches, begin/append/finish allocate nothing.
///
/// Use: begin(), append() per record, finish() → the batch bytes, valid until the
/// next begin()/reset()/append() or the builder's destruction; copy them (or
/// takeBytes()) to keep them.
///
/// Threading: not synchronised; one thread at a time (the producer's I/O thread).
class RecordBatchBuilder {
 public:
  /// An empty builder; the buffer is allocated on first use.
  RecordBatchBuilder() = default;
  /// Reserves `initialCapacity` bytes up front.
  explicit RecordBatchBuilder(std::size_t initialCapacity);

  /// Starts a new batch, discarding any batch in progress (its capacity is kept).
  /// Records' timestamps are written relative to `baseTimestamp`.
  void begin(int64_t baseTimestamp, BatchAttributes attributes = {}, int64_t producerId = -1,
             int16_t producerEpoch = -1, int32_t baseSequence = -1, int32_t partitionLeaderEpoch = -1);

  /// Appends one record with offsetDelta = recordCount(). Allocates only when the
  /// buffer must grow. Returns false, leaving the batch unchanged, when no batch
  /// was begun, the batch already holds INT32_MAX records, or a length would not
  /// fit its int32 field (a key, value or header over 2 GiB, or the batch).
  [[nodiscard]] bool append(int64_t timestamp, std::optional<std::span<const uint8_t>> key,
                            std::optional<std::span<const uint8_t>> value,
                            std::span<const RecordHeaderView> headers = {});

  /// Fills in the header (baseOffset, batchLength, lastOffsetDelta, maxTimestamp,
  /// recordsCount, CRC) and returns the finished batch; empty if no batch was
  /// begun. More records may be appended afterwards and finish() called again.
  /// maxTimestamp is the largest record timestamp, or baseTimestamp if none.
  std::span<const uint8_t> finish(int64_t baseOffset = 0);

  /// Sets the producer id, epoch and base sequence that finish() writes (an idempotent
  /// producer assigns the sequence when the batch is first sent). Never throws.
  void assignProducer(int64_t producerId, int16_t producerEpoch, int32_t baseSequence) noexcept {
    producerId_ = producerId;
    producerEpoch_ = producerEpoch;
    baseSequence_ = baseSequence;
  }

  /// Discards the batch in progress; keeps the buffer's capacity.
  void reset() noexcept;

  /// Makes room for `bytes` in all (header included) without touching the memory, so a
  /// batch that grows to that size is never copied; keeps what is written. Throws
  /// std::bad_alloc.
  void reserve(std::size_t bytes) {
    if (bytes > capacity_) grow(bytes);
  }

  /// Bytes written so far, header included (0 before begin()).
  [[nodiscard]] std::size_t sizeInBytes() const noexcept { return size_; }
  /// Records appended since begin().
  [[nodiscard]] int32_t recordCount() const noexcept { return count_; }
  /// Bytes the buffer holds without growing.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// sizeInBytes() after appending a record with these key and value lengths
  /// (a null key or value counts as length 0; both take one byte) and headers,
  /// counting the header if no batch was begun. Exact when `timestamp` is given,
  /// else an upper bound that counts the timestamp delta at its maximum 10 bytes.
  [[nodiscard]] std::size_t estimatedSizeAfter(std::size_t keyLen, std::size_t valueLen,
                                               std::span<const RecordHeaderView> headers = {},
                                               std::optional<int64_t> timestamp = std::nullopt) const noexcept;

  /// Moves the written bytes out (call finish() first) and resets the builder,
  /// which gives up its capacity to the returned vector.
  [[nodiscard]] std::vector<uint8_t> takeBytes();

  /// Rewrites baseOffset of a finished batch in place; the CRC does not cover it.
  /// Returns false (batch unchanged) if `batch` is shorter than a batch header.
  static bool setBaseOffset(std::span<uint8_t> batch, int64_t baseOffset) noexcept;
  /// Rewrites partitionLeaderEpoch in place; the CRC does not cover it. Returns
  /// false if `batch` is shorter than a batch header.
  static bool setPartitionLeaderEpoch(std::span<uint8_t> batch, int32_t partitionLeaderEpoch) noexcept;
  /// Rewrites producerId, producerEpoch and baseSequence in place and recomputes
  /// the CRC. Returns false (batch unchanged) unless `batch` holds a whole batch
  /// by its batchLength.
  static bool setProducerState(std::span<uint8_t> batch, int64_t producerId, int16_t producerEpoch,
                               int32_t baseSequence) noexcept;
  /// Sets the timestamp type (attribute bit 3) and maxTimestamp of a whole batch and,
  /// when either changes, recomputes the CRC (Kafka's DefaultRecordBatch.setMaxTimestamp,
  /// which the broker uses to stamp LogAppendTime). Returns false (batch unchanged)
  /// unless `batch` holds a whole batch by its batchLength.
  static bool setMaxTimestamp(std::span<uint8_t> batch, TimestampType type, int64_t maxTimestamp) noexcept;

 private:
  void grow(std::size_t needed);

  // capacity_ bytes, of which size_ are written. Uninitialised: growing copies only the
  // written bytes and touches nothing else, so a batch's memory is first touched by its
  // records (zero-filling a doubled buffer touched up to 4x a large batch's size).
  std::unique_ptr<uint8_t[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  int32_t count_ = 0;
  bool begun_ = false;
  BatchAttributes attributes_;
  int64_t baseTimestamp_ = 0;
  int64_t maxTimestamp_ = 0;
  int64_t producerId_ = -1;
  int16_t producerEpoch_ = -1;
  int32_t baseSequence_ = -1;
  int32_t partitionLeaderEpoch_ = -1;
};

}  // namespace kafkalite::protocol
