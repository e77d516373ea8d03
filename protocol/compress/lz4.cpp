// lz4 through liblz4. Kafka's Lz4BlockOutputStream and librdkafka (rdkafka_lz4.c) both
// write one LZ4 frame: FLG 0x60 (version 1, independent blocks, no content size, no
// checksums), BD 0x40 (64 KiB blocks), the header checksum, blocks (stored raw when they
// do not shrink) and the end mark. The frame is written here as Lz4BlockOutputStream
// writes it, with liblz4's block compressors on states this side keeps (so nothing is
// allocated per batch), and read with liblz4's frame decoder. The header checksum of
// magic v0 message sets also covered the 4 magic bytes; readers ignore (Kafka) or repair
// (librdkafka) it there, which Lz4HeaderChecksum::Legacy does too.
#include <lz4.h>
#include <lz4hc.h>
#include <xxhash.h>

#include <array>
#include <cstring>

#include "protocol/compress/codecs.hpp"

namespace kafkalite::protocol::detail {
namespace {

constexpr uint32_t kLz4FrameMagic = 0x184D2204;
constexpr std::size_t kMinFrameHeader = 7;  // magic, FLG, BD, HC
constexpr uint8_t kKafkaFlg = 0x60;         // version 1, independent blocks
constexpr uint8_t kKafkaBd = 0x40;          // 64 KiB blocks
constexpr std::size_t kBlockSize = 64 * 1024;
constexpr uint32_t kIncompressibleBlock = 0x80000000u;
constexpr uint8_t kFlgContentSize = 0x08;
constexpr uint8_t kFlgBlockIndependence = 0x20;
// Kafka's default level 9 is lz4-java's fast compressor; every other level its
// high-compression one at that level (Lz4BlockOutputStream), which LZ4HC caps at 12.
constexpr int kKafkaLz4DefaultLevel = 9;

uint32_t loadLittleEndian32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void storeLittleEndian32(uint8_t* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

std::string lz4Message(std::size_t code) { return std::string("lz4: ") + LZ4F_getErrorName(code); }

}  // namespace

bool lz4Compress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                 CodecError& error) {
  const bool fast = level == kKafkaLz4DefaultLevel;
  std::unique_ptr<uint64_t[]>& state = fast ? contexts.lz4FastState : contexts.lz4HighState;
  if (!state) {
    // uint64_t: liblz4 wants its states 8-byte aligned.
    const auto bytes = static_cast<std::size_t>(fast ? LZ4_sizeofState() : LZ4_sizeofStateHC());
    state = std::make_unique<uint64_t[]>((bytes + 7) / 8);
  }
  const std::size_t blocks = (input.size() + kBlockSize - 1) / kBlockSize;
  const auto blockBound = static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(kBlockSize)));
  const std::size_t start = out.size();
  out.reserve(start + kMinFrameHeader + blocks * (4 + blockBound) + 4);
  uint8_t* p = out.data() + start;
  storeLittleEndian32(p, kLz4FrameMagic);
  p[4] = kKafkaFlg;
  p[5] = kKafkaBd;
  p[6] = static_cast<uint8_t>((XXH32(p + 4, 2, 0) >> 8) & 0xff);
  p += kMinFrameHeader;
  for (std::size_t at = 0; at < input.size(); at += kBlockSize) {
    const auto n = static_cast<int>(std::min(kBlockSize, input.size() - at));
    const char* src = reinterpret_cast<const char*>(input.data() + at);
    char* dst = reinterpret_cast<char*>(p + 4);
    const int written = fast ? LZ4_compress_fast_extState(state.get(), src, dst, n, static_cast<int>(blockBound), 1)
                             : LZ4_compress_HC_extStateHC(state.get(), src, dst, n, static_cast<int>(blockBound), level);
    if (written > 0 && written < n) {
      storeLittleEndian32(p, static_cast<uint32_t>(written));
      p += 4 + written;
    } else {
      // A block that does not shrink is stored as it is, flagged by the size's top bit.
      storeLittleEndian32(p, static_cast<uint32_t>(n) | kIncompressibleBlock);
      std::memcpy(p + 4, src, static_cast<std::size_t>(n));
      p += 4 + n;
    }
  }
  storeLittleEndian32(p, 0);  // end mark; no content checksum
  out.resize(static_cast<std::size_t>(p + 4 - out.data()));
  (void)error;
  return true;
}

bool lz4Decompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit,
                   Lz4HeaderChecksum headerChecksum, ByteBuffer& out, CodecError& error) {
  out.clear();
  if (input.size() < kMinFrameHeader || loadLittleEndian32(input.data()) != kLz4FrameMagic) {
    return codecFailure(error, CodecStatus::Corrupt, "lz4: not an LZ4 frame (bad magic or too short)");
  }
  const uint8_t flg = input[4];
  // Kafka's Lz4BlockInputStream refuses linked blocks ("Dependent block stream is unsupported").
  if ((flg & kFlgBlockIndependence) == 0) {
    return codecFailure(error, CodecStatus::Corrupt, "lz4: frame with dependent blocks (Kafka reads independent blocks only)");
  }
  const std::size_t checksumAt = (flg & kFlgContentSize) != 0 ? 14 : 6;
  if (input.size() <= checksumAt) return codecFailure(error, CodecStatus::Corrupt, "lz4: truncated frame header");
  std::size_t hint = input.size() * 4;
  if ((flg & kFlgContentSize) != 0) {
    uint64_t contentSize = 0;
    for (int i = 7; i >= 0; --i) contentSize = contentSize << 8 | input[6 + static_cast<std::size_t>(i)];
    if (contentSize > limit) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("lz4", limit));
    hint = static_cast<std::size_t>(contentSize);
  }

  if (contexts.lz4Decompress == nullptr) {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&contexts.lz4Decompress, LZ4F_VERSION))) {
      contexts.lz4Decompress = nullptr;
      return codecFailure(error, CodecStatus::Unsupported, "lz4: cannot create a decompression context");
    }
  } else {
    LZ4F_resetDecompressionContext(contexts.lz4Decompress);
  }
  LZ4F_dctx* dctx = contexts.lz4Decompress;

  // The header goes in first, from a copy whose checksum is repaired for magic v0 frames.
  std::array<uint8_t, 15> header{};
  const std::size_t headerSize = checksumAt + 1;
  std::memcpy(header.data(), input.data(), headerSize);
  if (headerChecksum == Lz4HeaderChecksum::Legacy) {
    header[checksumAt] = static_cast<uint8_t>((XXH32(header.data() + 4, checksumAt - 4, 0) >> 8) & 0xff);
  }
  std::size_t consumed = headerSize;
  std::size_t produced = 0;
  std::size_t hintOrZero = LZ4F_decompress(dctx, nullptr, &produced, header.data(), &consumed, nullptr);
  if (LZ4F_isError(hintOrZero)) return codecFailure(error, CodecStatus::Corrupt, lz4Message(hintOrZero));
  if (consumed != headerSize) return codecFailure(error, CodecStatus::Corrupt, "lz4: unreadable frame header");

  std::span<const uint8_t> rest = input.subspan(headerSize);
  for (;;) {
    const std::size_t room = makeRoom(out, limit, hint);
    if (room == 0) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("lz4", limit));
    std::size_t dstSize = room;
    std::size_t srcSize = rest.size();
    const std::size_t r = LZ4F_decompress(dctx, out.data() + out.size(), &dstSize, rest.data(), &srcSize, nullptr);
    if (LZ4F_isError(r)) return codecFailure(error, CodecStatus::Corrupt, lz4Message(r));
    out.resize(out.size() + dstSize);
    rest = rest.subspan(srcSize);
    if (out.size() > limit) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("lz4", limit));
    if (r == 0) {
      // librdkafka refuses bytes after the frame's end mark, and so do we.
      if (!rest.empty()) {
        return codecFailure(error, CodecStatus::Corrupt,
                            "lz4: " + std::to_string(rest.size()) + " bytes after the end of the LZ4 frame");
      }
      return true;
    }
    // Not finished: it needs either more room (the output filled up) or more input.
    if (dstSize == room) continue;
    if (rest.empty()) return codecFailure(error, CodecStatus::Corrupt, "lz4: truncated frame");
    if (srcSize == 0 && dstSize == 0) return codecFailure(error, CodecStatus::Corrupt, "lz4: no progress");
  }
}

}  // namespace kafkalite::protocol::detail
