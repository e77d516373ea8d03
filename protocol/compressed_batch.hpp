#pragma once
/// \file
/// BatchCompressor: turns an uncompressed record batch v2 (RecordBatchBuilder's output,
/// or any such batch) into the compressed batch a producer sends: the same header with
/// the codec in attribute bits 0-2, batchLength for the compressed records, a new CRC,
/// and the records section compressed as Kafka's clients do (protocol/compression.hpp).
///
/// Reading is RecordBatchView::records(Decompressor&) (protocol/record_batch.hpp).
///
/// Threading: a plain object; one thread at a time (the producer's I/O thread).

#include <cstdint>
#include <optional>
#include <span>

#include "protocol/byte_buffer.hpp"
#include "protocol/compression.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::protocol {

class BatchCompressor {
 public:
  BatchCompressor() = default;

  /// Compresses the records of `batch`, which must be one whole uncompressed v2 batch
  /// (its header fields other than attributes, batchLength and the CRC are kept as
  /// they are, baseOffset included). Returns the compressed batch, valid until the next
  /// call or the compressor's destruction; once the buffers have grown to the largest
  /// batch seen, a call allocates nothing. On failure returns nullopt and fills `error`:
  /// Corrupt when `batch` is not a whole uncompressed v2 batch, Unsupported for `type`
  /// none or 5-7 or a level outside the codec's range.
  [[nodiscard]] std::optional<std::span<const uint8_t>> compress(std::span<const uint8_t> batch, CompressionType type,
                                                                 const CompressOptions& options, CodecError& error);

  /// Bytes the output buffer holds without growing.
  [[nodiscard]] std::size_t capacity() const noexcept { return output_.capacity(); }

 private:
  Compressor compressor_;
  ByteBuffer output_;
};

}  // namespace kafkalite::protocol
