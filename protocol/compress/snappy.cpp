// snappy through libsnappy. Kafka's Java client writes snappy-java's xerial stream
// (SnappyOutputStream): the magic "\x82SNAPPY\0", a big-endian int32 version (1) and
// compatible version (1), then chunks of at most 32 KiB of input, each a big-endian
// int32 length and one raw snappy block. librdkafka writes one raw snappy block. Every
// reader (snappy-java's SnappyInputStream, librdkafka's rdkafka_msgset_reader.c,
// kafka-python's snappy_decode) takes the xerial header when present, else raw snappy.
#include <snappy.h>

#include <array>
#include <cstring>
#include <limits>

#include "protocol/compress/codecs.hpp"
#include "protocol/primitives.hpp"

namespace kafkalite::protocol::detail {
namespace {

constexpr std::array<uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t kXerialHeaderSize = 16;
constexpr int32_t kXerialVersion = 1;
constexpr int32_t kXerialCompatibleVersion = 1;
constexpr std::size_t kXerialBlockSize = 32 * 1024;

const char* chars(const uint8_t* p) noexcept { return reinterpret_cast<const char*>(p); }

bool isXerial(std::span<const uint8_t> input) noexcept {
  // The magic decides (a header alone is an empty stream).
  return input.size() >= kXerialHeaderSize && std::memcmp(input.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

// Appends the raw snappy decompression of `block` to `out`, keeping out.size() <= limit.
bool appendRawBlock(std::span<const uint8_t> block, std::size_t limit, ByteBuffer& out, CodecError& error) {
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(chars(block.data()), block.size(), &length)) {
    return codecFailure(error, CodecStatus::Corrupt, "snappy: invalid block header");
  }
  if (length > limit - out.size()) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("snappy", limit));
  const std::size_t at = out.size();
  // Doubling across xerial chunks, but never past the limit.
  if (at + length > out.capacity()) out.reserveExactly(std::min(std::max(out.capacity() * 2, at + length), limit));
  out.resize(at + length);
  if (!snappy::RawUncompress(chars(block.data()), block.size(), reinterpret_cast<char*>(out.data() + at))) {
    return codecFailure(error, CodecStatus::Corrupt, "snappy: corrupt block");
  }
  return true;
}

}  // namespace

bool snappyCompress(std::span<const uint8_t> input, SnappyFraming framing, ByteBuffer& out, CodecError& error) {
  const std::size_t start = out.size();
  if (framing == SnappyFraming::Raw) {
    out.reserve(start + snappy::MaxCompressedLength(input.size()));
    std::size_t written = 0;
    snappy::RawCompress(chars(input.data()), input.size(), reinterpret_cast<char*>(out.data() + start), &written);
    out.resize(start + written);
    return true;
  }
  const std::size_t blocks = (input.size() + kXerialBlockSize - 1) / kXerialBlockSize;
  out.reserve(start + kXerialHeaderSize + blocks * (4 + snappy::MaxCompressedLength(kXerialBlockSize)));
  uint8_t* p = out.data() + start;
  std::memcpy(p, kXerialMagic.data(), kXerialMagic.size());
  protocol::detail::storeBigEndian(p + 8, static_cast<uint32_t>(kXerialVersion), 4);
  protocol::detail::storeBigEndian(p + 12, static_cast<uint32_t>(kXerialCompatibleVersion), 4);
  p += kXerialHeaderSize;
  for (std::size_t at = 0; at < input.size(); at += kXerialBlockSize) {
    const std::size_t n = std::min(kXerialBlockSize, input.size() - at);
    std::size_t written = 0;
    snappy::RawCompress(chars(input.data() + at), n, reinterpret_cast<char*>(p + 4), &written);
    protocol::detail::storeBigEndian(p, static_cast<uint32_t>(written), 4);
    p += 4 + written;
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  (void)error;
  return true;
}

bool snappyDecompress(std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out, CodecError& error) {
  out.clear();
  if (!isXerial(input)) return appendRawBlock(input, limit, out, error);
  std::span<const uint8_t> rest = input.subspan(kXerialHeaderSize);
  while (!rest.empty()) {
    if (rest.size() < 4) return codecFailure(error, CodecStatus::Corrupt, "snappy: truncated xerial chunk length");
    const auto length = static_cast<int32_t>(protocol::detail::loadBigEndian(rest.data(), 4));
    if (length <= 0 || static_cast<std::size_t>(length) > rest.size() - 4) {
      return codecFailure(error, CodecStatus::Corrupt,
                          "snappy: xerial chunk of " + std::to_string(length) + " bytes with " +
                              std::to_string(rest.size() - 4) + " left");
    }
    if (!appendRawBlock(rest.subspan(4, static_cast<std::size_t>(length)), limit, out, error)) return false;
    rest = rest.subspan(4 + static_cast<std::size_t>(length));
  }
  return true;
}

}  // namespace kafkalite::protocol::detail
