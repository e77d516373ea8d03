// zstd through libzstd. Kafka's ZstdCompression (zstd-jni's streams) and librdkafka
// (rdkafka_zstd.c) write one zstd frame; Kafka's streams and librdkafka's
// ZSTD_decompress read any sequence of frames. Frames written here carry their content
// size, which kafka-python needs to decode more than 1 MiB.
#include <zstd_errors.h>

#include <bit>

#include "protocol/compress/codecs.hpp"

namespace kafkalite::protocol::detail {
namespace {

std::string zstdMessage(std::size_t code) { return std::string("zstd: ") + ZSTD_getErrorName(code); }

// A window larger than the whole allowed output is never needed, so frames that ask for
// one are refused before their window is allocated.
int windowLogMaxFor(std::size_t limit) {
  const int log = static_cast<int>(std::bit_width(limit > 1 ? limit - 1 : std::size_t{1}));
  const ZSTD_bounds bounds = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
  return std::clamp(log, bounds.lowerBound, bounds.upperBound);
}

}  // namespace

CodecContexts::~CodecContexts() {
  if (lz4Decompress != nullptr) LZ4F_freeDecompressionContext(lz4Decompress);
  ZSTD_freeCCtx(zstdCompress);
  ZSTD_freeDCtx(zstdDecompress);
}

bool zstdCompress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                  CodecError& error) {
  if (contexts.zstdCompress == nullptr) {
    contexts.zstdCompress = ZSTD_createCCtx();
    if (contexts.zstdCompress == nullptr) {
      return codecFailure(error, CodecStatus::Unsupported, "zstd: cannot create a compression context");
    }
    contexts.zstdCompressLevel = ZSTD_CLEVEL_DEFAULT;
  }
  if (level != contexts.zstdCompressLevel) {
    const std::size_t r = ZSTD_CCtx_setParameter(contexts.zstdCompress, ZSTD_c_compressionLevel, level);
    if (ZSTD_isError(r)) return codecFailure(error, CodecStatus::Unsupported, zstdMessage(r));
    contexts.zstdCompressLevel = level;
  }
  const std::size_t start = out.size();
  const std::size_t bound = ZSTD_compressBound(input.size());
  out.reserve(start + bound);
  const std::size_t n = ZSTD_compress2(contexts.zstdCompress, out.data() + start, bound, input.data(), input.size());
  if (ZSTD_isError(n)) return codecFailure(error, CodecStatus::Corrupt, zstdMessage(n));
  out.resize(start + n);
  return true;
}

bool zstdDecompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out,
                    CodecError& error) {
  out.clear();
  if (input.empty()) return codecFailure(error, CodecStatus::Corrupt, "zstd: empty input");
  std::size_t hint = input.size() * 4;
  const unsigned long long contentSize = ZSTD_getFrameContentSize(input.data(), input.size());
  if (contentSize == ZSTD_CONTENTSIZE_ERROR) return codecFailure(error, CodecStatus::Corrupt, "zstd: not a zstd frame");
  if (contentSize != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (contentSize > limit) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("zstd", limit));
    hint = static_cast<std::size_t>(contentSize);
  }
  if (contexts.zstdDecompress == nullptr) {
    contexts.zstdDecompress = ZSTD_createDCtx();
    if (contexts.zstdDecompress == nullptr) {
      return codecFailure(error, CodecStatus::Unsupported, "zstd: cannot create a decompression context");
    }
    contexts.zstdWindowLogMax = 0;
  } else {
    ZSTD_DCtx_reset(contexts.zstdDecompress, ZSTD_reset_session_only);
  }
  ZSTD_DCtx* dctx = contexts.zstdDecompress;
  if (const int windowLogMax = windowLogMaxFor(limit); windowLogMax != contexts.zstdWindowLogMax) {
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, windowLogMax);
    contexts.zstdWindowLogMax = windowLogMax;
  }

  ZSTD_inBuffer in{input.data(), input.size(), 0};
  for (;;) {
    const std::size_t room = makeRoom(out, limit, hint);
    if (room == 0) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("zstd", limit));
    ZSTD_outBuffer outBuffer{out.data() + out.size(), room, 0};
    const std::size_t r = ZSTD_decompressStream(dctx, &outBuffer, &in);
    if (ZSTD_isError(r)) {
      if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
        return codecFailure(error, CodecStatus::TooLarge,
                            "zstd frame needs a window larger than the " + std::to_string(limit) + "-byte limit");
      }
      return codecFailure(error, CodecStatus::Corrupt, zstdMessage(r));
    }
    out.resize(out.size() + outBuffer.pos);
    if (out.size() > limit) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("zstd", limit));
    // r == 0: the frame is complete and flushed; with no input left, that was the last one.
    // (Called again after the end, the decoder would ask for the next frame's header.)
    if (r == 0 && in.pos == in.size) return true;
    if (outBuffer.pos == room) continue;  // the output filled up: more may be pending
    if (in.pos == in.size) return codecFailure(error, CodecStatus::Corrupt, "zstd: truncated frame");
  }
}

}  // namespace kafkalite::protocol::detail
