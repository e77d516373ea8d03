#include "protocol/compressed_batch.hpp"

#include <limits>
#include <string>

#include "protocol/crc32c.hpp"

namespace kafkalite::protocol {
namespace {

constexpr std::size_t kBatchLengthAt = 8;
constexpr std::size_t kCrcAt = 17;
constexpr std::size_t kAttributesAt = 21;

}  // namespace

std::optional<std::span<const uint8_t>> BatchCompressor::compress(std::span<const uint8_t> batch,
                                                                   CompressionType type,
                                                                   const CompressOptions& options,
                                                                   CodecError& error) {
  DecodeError decodeError;
  const auto view = RecordBatchView::parse(batch, decodeError);
  if (!view || view->bytes().size() != batch.size()) {
    error = CodecError{CodecStatus::Corrupt, view ? "not one whole record batch (" + std::to_string(batch.size()) +
                                                        " bytes, the batch holds " +
                                                        std::to_string(view->bytes().size()) + ")"
                                                  : "not a record batch v2: " + decodeError.message()};
    return std::nullopt;
  }
  if (view->isCompressed()) {
    error = CodecError{CodecStatus::Corrupt, "the batch is compressed already (" +
                                                 std::string(compressionTypeName(view->compression())) + ")"};
    return std::nullopt;
  }
  if (type == CompressionType::None || !isKnownCompressionType(type)) {
    error = CodecError{CodecStatus::Unsupported, "no compression codec " + std::to_string(static_cast<int>(type))};
    return std::nullopt;
  }

  output_.clear();
  output_.append(batch.first(kRecordBatchHeaderSize));
  if (!compressor_.compress(type, view->recordBytes(), output_, options, error)) return std::nullopt;
  if (output_.size() - kRecordBatchLogOverhead > static_cast<std::size_t>(std::numeric_limits<int32_t>::max())) {
    error = CodecError{CodecStatus::Unsupported, "compressed batch of " + std::to_string(output_.size()) + " bytes"};
    return std::nullopt;
  }
  BatchAttributes attributes = view->attributes();
  attributes.compression = type;
  uint8_t* h = output_.data();
  detail::storeBigEndian(h + kAttributesAt, static_cast<uint16_t>(attributes.toBits()), 2);
  detail::storeBigEndian(h + kBatchLengthAt, output_.size() - kRecordBatchLogOverhead, 4);
  const uint32_t crc = crc32c(std::span<const uint8_t>(h + kRecordBatchCrcStart, output_.size() - kRecordBatchCrcStart));
  detail::storeBigEndian(h + kCrcAt, crc, 4);
  return output_.bytes();
}

// RecordBatchView's decompressing readers live here, next to the codecs they use.

std::optional<std::span<const uint8_t>> RecordBatchView::decompressedRecords(Decompressor& decompressor,
                                                                             CodecError& error) const {
  if (!isCompressed()) return recordBytes();
  return decompressor.decompress(compression(), recordBytes(), error);
}

RecordCursor RecordBatchView::records(Decompressor& decompressor) const {
  CodecError error;
  const auto records = decompressedRecords(decompressor, error);
  if (!records) return RecordCursor::failedWith(DecodeError{"records", std::move(error.message)});
  return recordsIn(*records);
}

}  // namespace kafkalite::protocol
