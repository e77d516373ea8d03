#include "protocol/compression.hpp"

#include "protocol/compress/codecs.hpp"

namespace kafkalite::protocol {
namespace {

// Kafka's CompressionType (clients/.../record/CompressionType.java, KIP-390).
constexpr CompressionLevels kGzipLevels{1, 9, -1};   // Deflater.BEST_SPEED..BEST_COMPRESSION, DEFAULT_COMPRESSION
constexpr CompressionLevels kLz4Levels{1, 17, 9};    // lz4-java's LZ4Constants
constexpr CompressionLevels kZstdLevels{-131072, 22, 3};  // ZSTD_minCLevel, ZSTD_MAX_CLEVEL, ZSTD_CLEVEL_DEFAULT

CodecError unsupported(std::string message) { return CodecError{CodecStatus::Unsupported, std::move(message)}; }

}  // namespace

std::string_view compressionTypeName(CompressionType type) noexcept {
  switch (type) {
    case CompressionType::None: return "none";
    case CompressionType::Gzip: return "gzip";
    case CompressionType::Snappy: return "snappy";
    case CompressionType::Lz4: return "lz4";
    case CompressionType::Zstd: return "zstd";
  }
  return "";
}

std::optional<CompressionType> compressionTypeForName(std::string_view name) noexcept {
  for (const auto type : {CompressionType::None, CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                          CompressionType::Zstd}) {
    if (name == compressionTypeName(type)) return type;
  }
  return std::nullopt;
}

bool isKnownCompressionType(CompressionType type) noexcept { return static_cast<uint8_t>(type) <= 4; }

std::optional<CompressionLevels> compressionLevels(CompressionType type) noexcept {
  switch (type) {
    case CompressionType::Gzip: return kGzipLevels;
    case CompressionType::Lz4: return kLz4Levels;
    case CompressionType::Zstd: return kZstdLevels;
    default: return std::nullopt;
  }
}

bool isValidCompressionLevel(CompressionType type, int32_t level) noexcept {
  const auto levels = compressionLevels(type);
  if (!levels) return false;
  return (level >= levels->min && level <= levels->max) || level == levels->defaultLevel;
}

// ---------------------------------------------------------------------------

Compressor::Compressor() : contexts_(std::make_unique<detail::CodecContexts>()) {}
Compressor::~Compressor() = default;
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;

bool Compressor::compress(CompressionType type, std::span<const uint8_t> input, ByteBuffer& out,
                          const CompressOptions& options, CodecError& error) {
  int32_t level = 0;
  if (const auto levels = compressionLevels(type)) {
    level = options.level.value_or(levels->defaultLevel);
    if (!isValidCompressionLevel(type, level)) {
      error = unsupported(std::string(compressionTypeName(type)) + " does not support compression level " +
                          std::to_string(level) + " (valid: " + std::to_string(levels->min) + " to " +
                          std::to_string(levels->max) + " or " + std::to_string(levels->defaultLevel) + ")");
      return false;
    }
  } else if (options.level && type == CompressionType::Snappy) {
    error = unsupported("snappy has no compression levels");
    return false;
  }
  const std::size_t before = out.size();
  bool ok = false;
  switch (type) {
    case CompressionType::Gzip: ok = detail::gzipCompress(*contexts_, input, level, out, error); break;
    case CompressionType::Snappy: ok = detail::snappyCompress(input, options.snappyFraming, out, error); break;
    case CompressionType::Lz4: ok = detail::lz4Compress(*contexts_, input, level, out, error); break;
    case CompressionType::Zstd: ok = detail::zstdCompress(*contexts_, input, level, out, error); break;
    default:
      error = unsupported("no compression codec " + std::to_string(static_cast<int>(type)));
      return false;
  }
  if (!ok) out.resize(before);
  return ok;
}

// ---------------------------------------------------------------------------

Decompressor::Decompressor(std::size_t maxOutputBytes)
    : contexts_(std::make_unique<detail::CodecContexts>()), maxOutputBytes_(maxOutputBytes) {}
Decompressor::~Decompressor() = default;
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;

std::optional<std::span<const uint8_t>> Decompressor::decompress(CompressionType type, std::span<const uint8_t> input,
                                                                 CodecError& error,
                                                                 Lz4HeaderChecksum lz4HeaderChecksum) {
  bool ok = false;
  switch (type) {
    case CompressionType::Gzip: ok = detail::gzipDecompress(*contexts_, input, maxOutputBytes_, output_, error); break;
    case CompressionType::Snappy: ok = detail::snappyDecompress(input, maxOutputBytes_, output_, error); break;
    case CompressionType::Lz4:
      ok = detail::lz4Decompress(*contexts_, input, maxOutputBytes_, lz4HeaderChecksum, output_, error);
      break;
    case CompressionType::Zstd: ok = detail::zstdDecompress(*contexts_, input, maxOutputBytes_, output_, error); break;
    default:
      error = unsupported("no compression codec " + std::to_string(static_cast<int>(type)));
      return std::nullopt;
  }
  if (!ok) {
    output_.clear();
    return std::nullopt;
  }
  return output_.bytes();
}

}  // namespace kafkalite::protocol
