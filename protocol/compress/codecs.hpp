#pragma once
// The codec libraries behind Compressor and Decompressor (protocol/compression.hpp):
// one function pair per codec, each in its own file, and the contexts they reuse.
// Internal to kafkalite::protocol.

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "protocol/byte_buffer.hpp"
#include "protocol/compression.hpp"

namespace kafkalite::protocol::detail {

/// zlib's deflate and inflate streams, initialised on first use.
struct GzipContexts {
  z_stream deflater{};
  bool deflaterReady = false;
  int deflaterLevel = 0;
  z_stream inflater{};
  bool inflaterReady = false;
  GzipContexts() = default;
  GzipContexts(const GzipContexts&) = delete;
  GzipContexts& operator=(const GzipContexts&) = delete;
  ~GzipContexts();
};

/// Every codec's reusable state; each part is created on first use.
struct CodecContexts {
  GzipContexts gzip;
  std::unique_ptr<uint64_t[]> lz4FastState;  ///< LZ4_compress_fast_extState's
  std::unique_ptr<uint64_t[]> lz4HighState;  ///< LZ4_compress_HC_extStateHC's
  LZ4F_dctx* lz4Decompress = nullptr;
  ZSTD_CCtx* zstdCompress = nullptr;
  int zstdCompressLevel = 0;
  ZSTD_DCtx* zstdDecompress = nullptr;
  int zstdWindowLogMax = 0;
  CodecContexts() = default;
  CodecContexts(const CodecContexts&) = delete;
  CodecContexts& operator=(const CodecContexts&) = delete;
  ~CodecContexts();
};

// Each compress appends to `out`; each decompress fills `out` from empty, at most `limit`
// bytes. All return false with `error` filled on failure.
bool gzipCompress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                  CodecError& error);
bool gzipDecompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out,
                    CodecError& error);
bool snappyCompress(std::span<const uint8_t> input, SnappyFraming framing, ByteBuffer& out, CodecError& error);
bool snappyDecompress(std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out, CodecError& error);
bool lz4Compress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                 CodecError& error);
bool lz4Decompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit,
                   Lz4HeaderChecksum headerChecksum, ByteBuffer& out, CodecError& error);
bool zstdCompress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                  CodecError& error);
bool zstdDecompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out,
                    CodecError& error);

inline bool codecFailure(CodecError& error, CodecStatus status, std::string message) {
  error.status = status;
  error.message = std::move(message);
  return false;
}

/// Grows `out` for a streaming decoder: after this, out.capacity() > out.size() unless the
/// output already holds limit + 1 bytes (one byte past the limit tells "too large" apart
/// from an output that exactly fills it). Allocates in steps that double, never beyond
/// limit + 1 bytes in all. Returns the bytes of room past out.size().
inline std::size_t makeRoom(ByteBuffer& out, std::size_t limit, std::size_t sizeHint) {
  const std::size_t hardCap = limit + 1;
  if (out.capacity() <= out.size() && out.size() < hardCap) {
    const std::size_t wanted = std::max({out.capacity() * 2, out.size() + sizeHint, std::size_t{16} << 10});
    out.reserveExactly(std::min(wanted, hardCap));
  }
  return std::min(out.capacity(), hardCap) - out.size();
}

inline std::string tooLargeMessage(std::string_view codec, std::size_t limit) {
  return std::string(codec) + " data decompresses to more than " + std::to_string(limit) + " bytes";
}

}  // namespace kafkalite::protocol::detail
