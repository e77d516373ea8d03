#pragma once
// Real record batches v2 for the Log and Partition tests, built with protocol::RecordBatchBuilder.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/compressed_batch.hpp"
#include "protocol/crc32c.hpp"
#include "protocol/primitives.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock::fixtures {

struct BatchSpec {
  int records = 1;
  int64_t baseTimestamp = 1000;  ///< record i has timestamp baseTimestamp + i * timestampStep
  int64_t timestampStep = 1;
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  int32_t baseSequence = -1;
  std::size_t valueSize = 8;
  /// The records' codec is attributes.compression: the batch is built uncompressed and then
  /// compressed with protocol::BatchCompressor.
  protocol::BatchAttributes attributes{};
  bool keys = true;  ///< false: every record has a null key
};

/// Compresses an uncompressed batch with `type` (protocol::BatchCompressor).
inline std::vector<uint8_t> compressed(std::span<const uint8_t> batch, protocol::CompressionType type) {
  protocol::BatchCompressor compressor;
  protocol::CodecError error;
  const auto out = compressor.compress(batch, type, {}, error);
  if (!out) return {};
  return {out->begin(), out->end()};
}

/// One producer batch (baseOffset 0, partitionLeaderEpoch -1), as a client sends it.
inline std::vector<uint8_t> makeBatch(const BatchSpec& spec) {
  protocol::RecordBatchBuilder builder;
  protocol::BatchAttributes attributes = spec.attributes;
  attributes.compression = protocol::CompressionType::None;
  builder.begin(spec.baseTimestamp, attributes, spec.producerId, spec.producerEpoch, spec.baseSequence);
  const std::vector<uint8_t> value(spec.valueSize, 0x61);
  for (int i = 0; i < spec.records; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::span<const uint8_t> keyBytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    (void)builder.append(spec.baseTimestamp + i * spec.timestampStep,
                         spec.keys ? std::optional(keyBytes) : std::nullopt, std::span<const uint8_t>(value));
  }
  builder.finish();
  if (spec.attributes.compression == protocol::CompressionType::None) return builder.takeBytes();
  return compressed(builder.finish(), spec.attributes.compression);
}

inline std::vector<uint8_t> makeBatch(int records = 1) { return makeBatch(BatchSpec{.records = records}); }

/// An idempotent batch of `records` records from sequence `baseSequence`.
inline std::vector<uint8_t> idempotentBatch(int64_t producerId, int16_t epoch, int32_t baseSequence, int records = 1) {
  return makeBatch(BatchSpec{.records = records, .producerId = producerId, .producerEpoch = epoch,
                             .baseSequence = baseSequence});
}

inline void storeBigEndian(std::vector<uint8_t>& bytes, std::size_t at, uint64_t value, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * (size - 1 - i)));
}

/// Recomputes the CRC after a test rewrote a field it covers.
inline void fixCrc(std::vector<uint8_t>& batch) {
  const uint32_t crc = protocol::crc32c(std::span<const uint8_t>(batch).subspan(protocol::kRecordBatchCrcStart));
  storeBigEndian(batch, 17, crc, 4);
}

inline std::vector<uint8_t> concat(std::initializer_list<std::span<const uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Parses one batch (the test fails loudly through the returned nullopt if it does not parse).
inline std::optional<protocol::RecordBatchView> viewOf(std::span<const uint8_t> bytes) {
  protocol::DecodeError error;
  return protocol::RecordBatchView::parse(bytes, error);
}

}  // namespace kafkalite::mock::fixtures
