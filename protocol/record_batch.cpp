#include "protocol/record_batch.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "protocol/crc32c.hpp"

namespace kafkalite::protocol {
namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

// Field positions in the batch header (interop.md section 6).
constexpr std::size_t kBaseOffsetAt = 0;
constexpr std::size_t kBatchLengthAt = 8;
constexpr std::size_t kPartitionLeaderEpochAt = 12;
constexpr std::size_t kMagicAt = 16;
constexpr std::size_t kCrcAt = 17;
constexpr std::size_t kAttributesAt = 21;
constexpr std::size_t kLastOffsetDeltaAt = 23;
constexpr std::size_t kBaseTimestampAt = 27;
constexpr std::size_t kMaxTimestampAt = 35;
constexpr std::size_t kProducerIdAt = 43;
constexpr std::size_t kProducerEpochAt = 51;
constexpr std::size_t kBaseSequenceAt = 53;
constexpr std::size_t kRecordsCountAt = 57;

// The smallest record: length, attributes, timestampDelta, offsetDelta, keyLen,
// valueLen and headerCount, one byte each. Bounds recordsCount by the bytes.
constexpr std::size_t kMinRecordSize = 7;

template <class T>
void store(uint8_t* p, T v) noexcept {
  detail::storeBigEndian(p, static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v)), sizeof(T));
}

// Size of a nullable bytes field: zigzag varint length (-1 for null) + the bytes.
inline std::size_t bytesFieldSize(const std::optional<std::span<const uint8_t>>& bytes) noexcept {
  if (!bytes) return 1;
  return varintSize(static_cast<int32_t>(bytes->size())) + bytes->size();
}

inline std::size_t headersSize(std::span<const RecordHeaderView> headers) noexcept {
  std::size_t size = varintSize(static_cast<int32_t>(headers.size()));
  for (const RecordHeaderView& h : headers) {
    size += varintSize(static_cast<int32_t>(h.key.size())) + h.key.size() + bytesFieldSize(h.value);
  }
  return size;
}

// memcpy's source may not be null even for zero bytes, and an empty span's may be.
inline uint8_t* putBytes(uint8_t* p, const void* src, std::size_t n) noexcept {
  if (n != 0) std::memcpy(p, src, n);
  return p + n;
}

inline uint8_t* putBytesField(uint8_t* p, const std::optional<std::span<const uint8_t>>& bytes) noexcept {
  if (!bytes) return putUvarint(p, zigzag32(-1));
  p = putUvarint(p, zigzag32(static_cast<int32_t>(bytes->size())));
  return putBytes(p, bytes->data(), bytes->size());
}

// Reads a nullable bytes field (varint length, -1 = null) as a view.
bool readBytesField(Reader& r, std::optional<std::span<const uint8_t>>& out) {
  int32_t length;
  if (!r.varint(length)) return false;
  if (length == -1) {
    out.reset();
    return true;
  }
  if (length < 0) return r.fail("negative length " + std::to_string(length));
  std::span<const uint8_t> bytes;
  if (!r.take(static_cast<std::size_t>(length), bytes)) return false;
  out = bytes;
  return true;
}

// Reads one header; on failure the reader's path names the failing field.
bool readHeader(Reader& r, RecordHeaderView& out) {
  int32_t keyLength;
  if (!r.varint(keyLength)) {
    r.prependPath("key");
    return false;
  }
  // Kafka rejects null header keys (DefaultRecord.readHeaders).
  std::span<const uint8_t> key;
  if (keyLength < 0) {
    r.fail("negative header key length " + std::to_string(keyLength));
    r.prependPath("key");
    return false;
  }
  if (!r.take(static_cast<std::size_t>(keyLength), key)) {
    r.prependPath("key");
    return false;
  }
  out.key = std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
  if (!readBytesField(r, out.value)) {
    r.prependPath("value");
    return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Reading

bool RecordHeaderCursor::next(RecordHeaderView& out) {
  if (left_ <= 0 || reader_.failed()) return false;
  if (!readHeader(reader_, out)) {
    left_ = 0;
    return false;
  }
  --left_;
  return true;
}

bool RecordCursor::fail(std::string path, std::string reason) {
  failed_ = true;
  error_ = DecodeError{std::move(path), std::move(reason)};
  return false;
}

bool RecordCursor::next(RecordView& out) {
  if (failed_) return false;
  if (compressed_) return fail("records", "compressed batches are not supported yet");
  if (index_ == count_) {
    if (!reader_.empty()) {
      return fail("records", std::to_string(reader_.remaining()) + " bytes after the last of " +
                                 std::to_string(count_) + " records");
    }
    return false;
  }
  int32_t length;
  std::span<const uint8_t> body;
  if (!reader_.varint(length)) return fail("records[" + std::to_string(index_) + "].length", reader_.error().reason);
  if (length < 0) {
    return fail("records[" + std::to_string(index_) + "].length", "negative record length " + std::to_string(length));
  }
  if (!reader_.take(static_cast<std::size_t>(length), body)) {
    return fail("records[" + std::to_string(index_) + "].length", reader_.error().reason);
  }
  Reader record(body);
  if (!parseRecord(record, out)) {
    const DecodeError& e = record.error();
    return fail("records[" + std::to_string(index_) + "]" + (e.path.empty() ? "" : "." + e.path), e.reason);
  }
  if (!record.empty()) {
    return fail("records[" + std::to_string(index_) + "]",
                "record length " + std::to_string(length) + " but its fields end after " +
                    std::to_string(body.size() - record.remaining()) + " bytes");
  }
  ++index_;
  return true;
}

bool RecordCursor::parseRecord(Reader& r, RecordView& out) {
  const auto failAt = [&r](std::string_view field) {
    r.prependPath(field);
    return false;
  };
  // Not Reader::int8, whose uninitialised temporary trips a false
  // -Wmaybe-uninitialized in GCC 12 at -O2.
  uint8_t attributes = 0;
  if (!r.u8(attributes)) return failAt("attributes");
  out.attributes = static_cast<int8_t>(attributes);
  if (!r.varlong(out.timestampDelta)) return failAt("timestampDelta");
  if (!r.varint(out.offsetDelta)) return failAt("offsetDelta");
  if (!readBytesField(r, out.key)) return failAt("key");
  if (!readBytesField(r, out.value)) return failAt("value");
  if (!r.varint(out.headerCount)) return failAt("headerCount");
  if (out.headerCount < 0) {
    r.fail("negative header count " + std::to_string(out.headerCount));
    return failAt("headerCount");
  }
  // Walk the headers now, so that the record's length is checked against all of
  // its fields and RecordView::headers() never meets malformed bytes.
  const uint8_t* headersStart = r.position();
  RecordHeaderView header;
  for (int32_t i = 0; i < out.headerCount; ++i) {
    if (!readHeader(r, header)) return failAt("headers[" + std::to_string(i) + "]");
  }
  out.headerBytes = std::span<const uint8_t>(headersStart, r.position());
  return true;
}

RecordBatchView::ParseStatus RecordBatchView::parseImpl(std::span<const uint8_t> bytes, RecordBatchView& out,
                                                        DecodeError& error) {
  const auto corrupt = [&error](std::string path, std::string reason) {
    error = DecodeError{std::move(path), std::move(reason)};
    return ParseStatus::Corrupt;
  };
  const auto truncated = [&error](std::string path, std::size_t need, std::size_t have) {
    error = DecodeError{std::move(path),
                        "truncated: need " + std::to_string(need) + " bytes, " + std::to_string(have) + " left"};
    return ParseStatus::Truncated;
  };
  if (bytes.size() < kRecordBatchLogOverhead) return truncated("batchLength", kRecordBatchLogOverhead, bytes.size());
  const auto batchLength = static_cast<int32_t>(detail::loadBigEndian(bytes.data() + kBatchLengthAt, 4));
  if (batchLength < kRecordBatchMinBatchLength) {
    return corrupt("batchLength", "batchLength " + std::to_string(batchLength) + " is below the minimum " +
                                      std::to_string(kRecordBatchMinBatchLength));
  }
  // Widened before adding, so a batchLength near INT32_MAX cannot wrap.
  const std::size_t total = kRecordBatchLogOverhead + static_cast<std::size_t>(batchLength);
  if (total > bytes.size()) return truncated("batchLength", total, bytes.size());
  const auto magic = static_cast<int8_t>(bytes[kMagicAt]);
  if (magic != kRecordBatchMagic) {
    return corrupt("magic", "unsupported magic " + std::to_string(magic) + " (only record batch v2 is supported)");
  }
  const auto count = static_cast<int32_t>(detail::loadBigEndian(bytes.data() + kRecordsCountAt, 4));
  if (count < 0) return corrupt("recordsCount", "negative recordsCount " + std::to_string(count));
  const auto attributes = BatchAttributes::fromBits(
      static_cast<int16_t>(detail::loadBigEndian(bytes.data() + kAttributesAt, 2)));
  // A compressed batch's count is bounded by its decompressed size, known only
  // once decompression exists; an uncompressed one's by its bytes.
  const std::size_t recordBytes = total - kRecordBatchHeaderSize;
  if (attributes.compression == CompressionType::None && static_cast<std::size_t>(count) > recordBytes / kMinRecordSize) {
    return corrupt("recordsCount", "recordsCount " + std::to_string(count) + " cannot fit in " +
                                       std::to_string(recordBytes) + " bytes of records");
  }
  out.bytes_ = bytes.first(total);
  return ParseStatus::Ok;
}

std::optional<RecordBatchView> RecordBatchView::parse(std::span<const uint8_t> bytes, DecodeError& error) {
  RecordBatchView view;
  if (parseImpl(bytes, view, error) != ParseStatus::Ok) return std::nullopt;
  return view;
}

int32_t RecordBatchView::lastSequence() const noexcept {
  const int32_t base = baseSequence();
  if (base < 0) return -1;
  const int32_t delta = lastOffsetDelta();
  // Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
  if (delta >= 0 && base > kInt32Max - delta) return delta - (kInt32Max - base) - 1;
  return base + delta;
}

uint32_t RecordBatchView::computeCrc() const noexcept {
  if (bytes_.size() < kRecordBatchHeaderSize) return 0;
  return crc32c(bytes_.subspan(kRecordBatchCrcStart));
}

int64_t RecordBatchView::timestampOf(const RecordView& record) const noexcept {
  if (timestampType() == TimestampType::LogAppendTime) return maxTimestamp();
  // Wrapping addition: garbage deltas must not be undefined behaviour.
  return static_cast<int64_t>(static_cast<uint64_t>(baseTimestamp()) + static_cast<uint64_t>(record.timestampDelta));
}

bool RecordBatchIterator::next(RecordBatchView& out) {
  if (failed_ || partialTail_ || rest_.empty()) return false;
  DecodeError error;
  switch (RecordBatchView::parseImpl(rest_, out, error)) {
    case RecordBatchView::ParseStatus::Ok:
      rest_ = rest_.subspan(out.bytes().size());
      ++batches_;
      return true;
    case RecordBatchView::ParseStatus::Truncated:
      // Fetch responses cut the last batch at the size limit (Kafka's
      // ByteBufferLogInputStream stops there quietly); the caller decides.
      partialTail_ = true;
      return false;
    case RecordBatchView::ParseStatus::Corrupt:
      break;
  }
  failed_ = true;
  error_ = DecodeError{"batches[" + std::to_string(batches_) + "]." + error.path, std::move(error.reason)};
  return false;
}

// ---------------------------------------------------------------------------
// Writing

RecordBatchBuilder::RecordBatchBuilder(std::size_t initialCapacity)
    : buffer_(std::make_unique_for_overwrite<uint8_t[]>(initialCapacity)), capacity_(initialCapacity) {}

void RecordBatchBuilder::begin(int64_t baseTimestamp, BatchAttributes attributes, int64_t producerId,
                               int16_t producerEpoch, int32_t baseSequence, int32_t partitionLeaderEpoch) {
  if (capacity_ < kRecordBatchHeaderSize) grow(kRecordBatchHeaderSize);
  size_ = kRecordBatchHeaderSize;  // the header is written by finish()
  count_ = 0;
  begun_ = true;
  attributes_ = attributes;
  baseTimestamp_ = baseTimestamp;
  maxTimestamp_ = baseTimestamp;
  producerId_ = producerId;
  producerEpoch_ = producerEpoch;
  baseSequence_ = baseSequence;
  partitionLeaderEpoch_ = partitionLeaderEpoch;
}

bool RecordBatchBuilder::append(int64_t timestamp, std::optional<std::span<const uint8_t>> key,
                                std::optional<std::span<const uint8_t>> value,
                                std::span<const RecordHeaderView> headers) {
  if (!begun_ || count_ == kInt32Max) return false;
  // Wrapping subtraction: extreme timestamps must not be undefined behaviour.
  const auto timestampDelta =
      static_cast<int64_t>(static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(baseTimestamp_));
  const int32_t offsetDelta = count_;
  // The size comes first, arithmetically, so the record is written in one pass
  // with no shifting and the buffer grows at most once.
  const std::size_t bodySize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesFieldSize(key) +
                               bytesFieldSize(value) + (headers.empty() ? 1 : headersSize(headers));
  // Every length field is no larger than the body, so this one check covers them
  // all (a field over INT32_MAX may have been sized wrongly above, but is refused).
  if (bodySize > static_cast<std::size_t>(kInt32Max) || headers.size() > static_cast<std::size_t>(kInt32Max)) {
    return false;
  }
  const std::size_t recordSize = varintSize(static_cast<int32_t>(bodySize)) + bodySize;
  if (size_ + recordSize - kRecordBatchLogOverhead > static_cast<std::size_t>(kInt32Max)) return false;
  if (capacity_ - size_ < recordSize) grow(size_ + recordSize);

  uint8_t* const start = buffer_.get() + size_;
  uint8_t* p = putUvarint(start, zigzag32(static_cast<int32_t>(bodySize)));
  *p++ = 0;  // record attributes: unused by Kafka
  p = putUvarint(p, zigzag64(timestampDelta));
  p = putUvarint(p, zigzag32(offsetDelta));
  p = putBytesField(p, key);
  p = putBytesField(p, value);
  p = putUvarint(p, zigzag32(static_cast<int32_t>(headers.size())));
  for (const RecordHeaderView& h : headers) {
    p = putUvarint(p, zigzag32(static_cast<int32_t>(h.key.size())));
    p = putBytes(p, h.key.data(), h.key.size());
    p = putBytesField(p, h.value);
  }
  assert(static_cast<std::size_t>(p - start) == recordSize);
  size_ += recordSize;
  ++count_;
  maxTimestamp_ = count_ == 1 ? timestamp : std::max(maxTimestamp_, timestamp);
  return true;
}

std::span<const uint8_t> RecordBatchBuilder::finish(int64_t baseOffset) {
  if (!begun_) return {};
  uint8_t* h = buffer_.get();
  store(h + kBaseOffsetAt, baseOffset);
  store(h + kBatchLengthAt, static_cast<int32_t>(size_ - kRecordBatchLogOverhead));
  store(h + kPartitionLeaderEpochAt, partitionLeaderEpoch_);
  store(h + kMagicAt, kRecordBatchMagic);
  store(h + kAttributesAt, attributes_.toBits());
  store(h + kLastOffsetDeltaAt, count_ - 1);
  store(h + kBaseTimestampAt, baseTimestamp_);
  store(h + kMaxTimestampAt, maxTimestamp_);
  store(h + kProducerIdAt, producerId_);
  store(h + kProducerEpochAt, producerEpoch_);
  store(h + kBaseSequenceAt, baseSequence_);
  store(h + kRecordsCountAt, count_);
  store(h + kCrcAt, crc32c(std::span<const uint8_t>(h + kRecordBatchCrcStart, size_ - kRecordBatchCrcStart)));
  return {h, size_};
}

void RecordBatchBuilder::reset() noexcept {
  size_ = 0;
  count_ = 0;
  begun_ = false;
}

std::size_t RecordBatchBuilder::estimatedSizeAfter(std::size_t keyLen, std::size_t valueLen,
                                                   std::span<const RecordHeaderView> headers,
                                                   std::optional<int64_t> timestamp) const noexcept {
  constexpr std::size_t kMaxVarlongSize = 10;
  const std::size_t timestampSize =
      timestamp ? varlongSize(static_cast<int64_t>(static_cast<uint64_t>(*timestamp) -
                                                   static_cast<uint64_t>(begun_ ? baseTimestamp_ : *timestamp)))
                : kMaxVarlongSize;
  const std::size_t bodySize = 1 + timestampSize + varintSize(begun_ ? count_ : 0) +
                               varintSize(static_cast<int32_t>(keyLen)) + keyLen +
                               varintSize(static_cast<int32_t>(valueLen)) + valueLen + headersSize(headers);
  return (begun_ ? size_ : kRecordBatchHeaderSize) + varintSize(static_cast<int32_t>(bodySize)) + bodySize;
}

std::vector<uint8_t> RecordBatchBuilder::takeBytes() {
  std::vector<uint8_t> out(buffer_.get(), buffer_.get() + size_);
  buffer_.reset();
  capacity_ = 0;
  reset();
  return out;
}

void RecordBatchBuilder::grow(std::size_t needed) {
  // Doubling keeps growth amortised O(1) per byte while a builder warms up.
  const std::size_t capacity = std::max({needed, capacity_ * 2, std::size_t{256}});
  auto grown = std::make_unique_for_overwrite<uint8_t[]>(capacity);
  if (size_ > 0) std::memcpy(grown.get(), buffer_.get(), size_);
  buffer_ = std::move(grown);
  capacity_ = capacity;
}

bool RecordBatchBuilder::setBaseOffset(std::span<uint8_t> batch, int64_t baseOffset) noexcept {
  if (batch.size() < kRecordBatchHeaderSize) return false;
  store(batch.data() + kBaseOffsetAt, baseOffset);
  return true;
}

bool RecordBatchBuilder::setPartitionLeaderEpoch(std::span<uint8_t> batch, int32_t partitionLeaderEpoch) noexcept {
  if (batch.size() < kRecordBatchHeaderSize) return false;
  store(batch.data() + kPartitionLeaderEpochAt, partitionLeaderEpoch);
  return true;
}

bool RecordBatchBuilder::setProducerState(std::span<uint8_t> batch, int64_t producerId, int16_t producerEpoch,
                                          int32_t baseSequence) noexcept {
  if (batch.size() < kRecordBatchHeaderSize) return false;
  const auto batchLength = static_cast<int32_t>(detail::loadBigEndian(batch.data() + kBatchLengthAt, 4));
  if (batchLength < kRecordBatchMinBatchLength ||
      kRecordBatchLogOverhead + static_cast<std::size_t>(batchLength) > batch.size()) {
    return false;
  }
  uint8_t* h = batch.data();
  store(h + kProducerIdAt, producerId);
  store(h + kProducerEpochAt, producerEpoch);
  store(h + kBaseSequenceAt, baseSequence);
  const std::size_t end = kRecordBatchLogOverhead + static_cast<std::size_t>(batchLength);
  store(h + kCrcAt, crc32c(std::span<const uint8_t>(h + kRecordBatchCrcStart, end - kRecordBatchCrcStart)));
  return true;
}

bool RecordBatchBuilder::setLogAppendTime(std::span<uint8_t> batch, int64_t timestamp) noexcept {
  if (batch.size() < kRecordBatchHeaderSize) return false;
  const auto batchLength = static_cast<int32_t>(detail::loadBigEndian(batch.data() + kBatchLengthAt, 4));
  if (batchLength < kRecordBatchMinBatchLength ||
      kRecordBatchLogOverhead + static_cast<std::size_t>(batchLength) > batch.size()) {
    return false;
  }
  uint8_t* h = batch.data();
  auto attributes = BatchAttributes::fromBits(static_cast<int16_t>(detail::loadBigEndian(h + kAttributesAt, 2)));
  attributes.timestampType = TimestampType::LogAppendTime;
  store(h + kAttributesAt, attributes.toBits());
  store(h + kMaxTimestampAt, timestamp);
  const std::size_t end = kRecordBatchLogOverhead + static_cast<std::size_t>(batchLength);
  store(h + kCrcAt, crc32c(std::span<const uint8_t>(h + kRecordBatchCrcStart, end - kRecordBatchCrcStart)));
  return true;
}

}  // namespace kafkalite::protocol
