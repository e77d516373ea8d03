// gzip through zlib: what Kafka's GzipCompression (java.util.zip's GZIPOutputStream and
// GZIPInputStream) and librdkafka (deflate with a gzip wrapper) write and read.
#include <limits>

#include "protocol/compress/codecs.hpp"

namespace kafkalite::protocol::detail {
namespace {

// windowBits 15 with +16: a gzip wrapper (RFC 1952) rather than zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr uint8_t kGzipMagic0 = 0x1f;
constexpr uint8_t kGzipMagic1 = 0x8b;

std::string zlibMessage(const z_stream& stream, int code) {
  if (stream.msg != nullptr) return stream.msg;
  return "zlib error " + std::to_string(code);
}

}  // namespace

GzipContexts::~GzipContexts() {
  if (deflaterReady) deflateEnd(&deflater);
  if (inflaterReady) inflateEnd(&inflater);
}

bool gzipCompress(CodecContexts& contexts, std::span<const uint8_t> input, int level, ByteBuffer& out,
                  CodecError& error) {
  if (input.size() > std::numeric_limits<uInt>::max()) {
    return codecFailure(error, CodecStatus::Unsupported, "gzip input of " + std::to_string(input.size()) + " bytes");
  }
  GzipContexts& gz = contexts.gzip;
  // Kafka's default level -1 is zlib's Z_DEFAULT_COMPRESSION (level 6).
  if (gz.deflaterReady && gz.deflaterLevel != level) {
    deflateEnd(&gz.deflater);
    gz.deflaterReady = false;
  }
  if (!gz.deflaterReady) {
    gz.deflater = z_stream{};
    if (const int r = deflateInit2(&gz.deflater, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY); r != Z_OK) {
      return codecFailure(error, CodecStatus::Unsupported, "gzip: " + zlibMessage(gz.deflater, r));
    }
    gz.deflaterReady = true;
    gz.deflaterLevel = level;
  } else {
    deflateReset(&gz.deflater);
  }
  const std::size_t start = out.size();
  const std::size_t bound = deflateBound(&gz.deflater, static_cast<uLong>(input.size()));
  out.reserve(start + bound);
  z_stream& s = gz.deflater;
  // zlib's API takes non-const input; deflate never writes through it.
  s.next_in = const_cast<Bytef*>(input.data());
  s.avail_in = static_cast<uInt>(input.size());
  s.next_out = out.data() + start;
  s.avail_out = static_cast<uInt>(std::min<std::size_t>(bound, std::numeric_limits<uInt>::max()));
  const int r = deflate(&s, Z_FINISH);
  if (r != Z_STREAM_END) return codecFailure(error, CodecStatus::Corrupt, "gzip: " + zlibMessage(s, r));
  out.resize(start + (bound - s.avail_out));
  return true;
}

bool gzipDecompress(CodecContexts& contexts, std::span<const uint8_t> input, std::size_t limit, ByteBuffer& out,
                    CodecError& error) {
  out.clear();
  if (input.size() > std::numeric_limits<uInt>::max()) {
    return codecFailure(error, CodecStatus::Unsupported, "gzip input of " + std::to_string(input.size()) + " bytes");
  }
  GzipContexts& gz = contexts.gzip;
  if (!gz.inflaterReady) {
    gz.inflater = z_stream{};
    if (const int r = inflateInit2(&gz.inflater, kGzipWindowBits); r != Z_OK) {
      return codecFailure(error, CodecStatus::Unsupported, "gzip: " + zlibMessage(gz.inflater, r));
    }
    gz.inflaterReady = true;
  } else {
    inflateReset(&gz.inflater);
  }
  z_stream& s = gz.inflater;
  s.next_in = const_cast<Bytef*>(input.data());
  s.avail_in = static_cast<uInt>(input.size());
  // A single member's trailer holds its size modulo 2^32: a good first guess, trusted no
  // further than deflate's largest ratio (about 1032:1).
  std::size_t hint = input.size() * 4;
  if (input.size() >= 18) {
    const uint8_t* t = input.data() + input.size() - 4;
    hint = std::size_t{t[0]} | std::size_t{t[1]} << 8 | std::size_t{t[2]} << 16 | std::size_t{t[3]} << 24;
    hint = std::min(hint, input.size() * 1032);
  }
  for (;;) {
    const std::size_t room = makeRoom(out, limit, hint);
    if (room == 0) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("gzip", limit));
    const std::size_t chunk = std::min<std::size_t>(room, std::numeric_limits<uInt>::max());
    s.next_out = out.data() + out.size();
    s.avail_out = static_cast<uInt>(chunk);
    const int r = inflate(&s, Z_NO_FLUSH);
    out.resize(out.size() + (chunk - s.avail_out));
    if (out.size() > limit) return codecFailure(error, CodecStatus::TooLarge, tooLargeMessage("gzip", limit));
    if (r == Z_STREAM_END) {
      if (s.avail_in == 0) return true;
      // GZIPInputStream reads concatenated members; anything else after a member is refused.
      if (s.avail_in >= 2 && s.next_in[0] == kGzipMagic0 && s.next_in[1] == kGzipMagic1) {
        inflateReset(&s);
        continue;
      }
      return codecFailure(error, CodecStatus::Corrupt,
                          "gzip: " + std::to_string(s.avail_in) + " bytes after the end of the gzip stream");
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR && s.avail_out == 0) continue;  // needs more room
    if (r == Z_BUF_ERROR) return codecFailure(error, CodecStatus::Corrupt, "gzip: truncated stream");
    return codecFailure(error, CodecStatus::Corrupt, "gzip: " + zlibMessage(s, r));
  }
}

}  // namespace kafkalite::protocol::detail
