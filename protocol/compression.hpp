#pragma once
/// \file
/// The record batch codecs: gzip (zlib), snappy (libsnappy), lz4 (liblz4) and zstd
/// (libzstd), in the framings Kafka's clients write and read (docs/compression.md):
/// - gzip: one gzip member (RFC 1952); reading also takes concatenated members.
/// - snappy: written xerial-framed as the Java client does (snappy-java's
///   SnappyOutputStream: a 16-byte header, then 32 KiB chunks each behind a big-endian
///   int32 length), or raw as librdkafka does; reading takes both (the xerial header
///   decides, as in Kafka's, librdkafka's and kafka-python's readers).
/// - lz4: one LZ4 frame of independent 64 KiB blocks without content size or checksums
///   (Kafka's Lz4BlockOutputStream, librdkafka's rdkafka_lz4.c). Magic v1/v2 need the
///   correct frame header checksum; magic v0 producers wrote one that also covered the
///   magic bytes, which reading with Lz4HeaderChecksum::Legacy accepts.
/// - zstd: one zstd frame with its content size; reading takes any sequence of frames.
///
/// Compression levels are Kafka's `compression.level` (KIP-390): gzip 1-9 (default
/// -1, zlib's 6), lz4 1-17 (default 9), zstd -131072-22 (default 3); snappy has none.
///
/// Decompression is bounded: output beyond the caller's limit stops the codec with
/// CodecStatus::TooLarge before the memory is taken (a decompression bomb costs at most
/// the limit). Corrupt or truncated input gives CodecStatus::Corrupt, never an over-read.
///
/// Compressor and Decompressor keep their codec contexts and buffers between calls,
/// so once warm they allocate nothing per call, except inside two libraries: libsnappy's
/// compressor allocates its working memory on every call (one per 32 KiB xerial chunk),
/// and liblz4's optimal parser (lz4 levels 10-17) a table per 64 KiB block.
///
/// Threading: plain objects without shared state; one thread at a time per instance.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/byte_buffer.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::protocol {

/// Kafka's name of a codec ("none", "gzip", "snappy", "lz4", "zstd"), or "" for the
/// undefined attribute values 5-7.
[[nodiscard]] std::string_view compressionTypeName(CompressionType type) noexcept;
/// The codec Kafka's name stands for (exact, lower case, as Kafka's CompressionType.forName);
/// nullopt for any other string.
[[nodiscard]] std::optional<CompressionType> compressionTypeForName(std::string_view name) noexcept;
/// True for none, gzip, snappy, lz4 and zstd; false for the attribute values 5-7.
[[nodiscard]] bool isKnownCompressionType(CompressionType type) noexcept;

/// A codec's `compression.level` range and default (Kafka's CompressionType, KIP-390).
struct CompressionLevels {
  int32_t min;
  int32_t max;
  int32_t defaultLevel;  ///< gzip's -1 lies outside [min, max] and is still valid
};
/// The levels of gzip, lz4 and zstd; nullopt for none, snappy and unknown codecs.
[[nodiscard]] std::optional<CompressionLevels> compressionLevels(CompressionType type) noexcept;
/// Kafka's check: within [min, max] or the default; false for codecs without levels.
[[nodiscard]] bool isValidCompressionLevel(CompressionType type, int32_t level) noexcept;

/// How a codec call ended.
enum class CodecStatus : uint8_t {
  Ok,
  Corrupt,      ///< the input is not a valid stream of the codec (or is truncated)
  TooLarge,     ///< the output would exceed the caller's limit
  Unsupported,  ///< no such codec (none, attribute values 5-7) or an invalid level
};

/// A failed codec call: what went wrong and a message naming the codec and the reason.
struct CodecError {
  CodecStatus status = CodecStatus::Ok;
  std::string message;
};

/// Which snappy framing Compressor writes (both are read).
enum class SnappyFraming : uint8_t {
  Xerial,  ///< snappy-java's stream, as Kafka's Java producer writes
  Raw,     ///< one raw snappy block, as librdkafka writes
};

/// Which LZ4 frame header checksum (HC) Decompressor expects.
enum class Lz4HeaderChecksum : uint8_t {
  Correct,  ///< the LZ4 frame format's: magic v1 and v2 (Kafka and librdkafka check it)
  Legacy,   ///< magic v0's: any value is accepted, as Kafka's and librdkafka's readers do
};

/// Options of Compressor::compress.
struct CompressOptions {
  std::optional<int32_t> level;                 ///< the codec's default when unset
  SnappyFraming snappyFraming = SnappyFraming::Xerial;
};

/// Largest output Decompressor produces unless told otherwise: 64 MiB, 64 times the
/// default message.max.bytes.
inline constexpr std::size_t kDefaultMaxDecompressedBytes = std::size_t{64} << 20;

namespace detail {
struct CodecContexts;
}  // namespace detail

/// Compresses byte strings with any codec, reusing its contexts.
class Compressor {
 public:
  Compressor();
  ~Compressor();
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;

  /// Appends the compressed form of `input` to `out` (what was in `out` stays).
  /// Returns false and fills `error` (Unsupported) for a codec that is not gzip, snappy,
  /// lz4 or zstd, or a level outside the codec's range; `out` is then unchanged.
  /// Throws std::bad_alloc.
  bool compress(CompressionType type, std::span<const uint8_t> input, ByteBuffer& out,
                const CompressOptions& options, CodecError& error);

 private:
  std::unique_ptr<detail::CodecContexts> contexts_;
};

/// Decompresses byte strings of any codec into a buffer it owns and reuses.
class Decompressor {
 public:
  /// Output beyond `maxOutputBytes` fails with CodecStatus::TooLarge.
  explicit Decompressor(std::size_t maxOutputBytes = kDefaultMaxDecompressedBytes);
  ~Decompressor();
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;

  /// Decompresses `input`; the result lives in this object's buffer until the next
  /// call. On failure returns nullopt and fills `error`: Corrupt for input that is not
  /// a complete stream of the codec (truncated, bad checksum, trailing bytes that start
  /// no further member or frame), TooLarge past the limit, Unsupported for a codec
  /// other than gzip, snappy, lz4 or zstd. Throws std::bad_alloc.
  [[nodiscard]] std::optional<std::span<const uint8_t>> decompress(
      CompressionType type, std::span<const uint8_t> input, CodecError& error,
      Lz4HeaderChecksum lz4HeaderChecksum = Lz4HeaderChecksum::Correct);

  /// Frees the output buffer when it holds more than `keepBytes` (after an unusually
  /// large output), so that one large batch does not pin its memory. Never throws.
  void releaseBufferAbove(std::size_t keepBytes) noexcept { output_.shrinkIfAbove(keepBytes); }

  [[nodiscard]] std::size_t maxOutputBytes() const noexcept { return maxOutputBytes_; }
  void setMaxOutputBytes(std::size_t maxOutputBytes) noexcept { maxOutputBytes_ = maxOutputBytes; }

 private:
  std::unique_ptr<detail::CodecContexts> contexts_;
  ByteBuffer output_;
  std::size_t maxOutputBytes_;
};

}  // namespace kafkalite::protocol
