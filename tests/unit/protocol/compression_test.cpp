#include "protocol/compression.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace kafkalite::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

// The plaintext of the reference vectors in golden/codecs (see golden/codecs/README.md).
Bytes goldenPlaintext() {
  std::string text;
  char line[80];
  for (int i = 0; i < 1000; ++i) {
    std::snprintf(line, sizeof line, "record %04d: the quick brown fox jumps over the lazy dog\n", i);
    text += line;
  }
  return Bytes(text.begin(), text.end());
}

Bytes readGolden(const std::string& name) {
  std::ifstream in(std::string(KAFKALITE_GOLDEN_DIR) + "/codecs/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes textPayload(std::size_t size) {
  Bytes out;
  static const std::string words[] = {"kafka ", "record ", "batch ", "offset ", "leader ", "replica ", "topic "};
  std::mt19937 rng(7);
  while (out.size() < size) {
    const auto& w = words[rng() % std::size(words)];
    out.insert(out.end(), w.begin(), w.end());
  }
  out.resize(size);
  return out;
}

Bytes randomPayload(std::size_t size) {
  Bytes out(size);
  std::mt19937 rng(11);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Bytes compress(CompressionType type, std::span<const uint8_t> input, CompressOptions options = {}) {
  Compressor compressor;
  ByteBuffer out;
  CodecError error;
  EXPECT_TRUE(compressor.compress(type, input, out, options, error)) << error.message;
  return Bytes(out.bytes().begin(), out.bytes().end());
}

// Decompresses with a fresh Decompressor; returns the status and fills `out` on success.
CodecStatus decompress(CompressionType type, std::span<const uint8_t> input, Bytes& out,
                       std::size_t limit = kDefaultMaxDecompressedBytes,
                       Lz4HeaderChecksum hc = Lz4HeaderChecksum::Correct, std::string* message = nullptr) {
  Decompressor decompressor(limit);
  CodecError error;
  const auto result = decompressor.decompress(type, input, error, hc);
  if (message != nullptr) *message = error.message;
  if (!result) return error.status;
  out.assign(result->begin(), result->end());
  return CodecStatus::Ok;
}

constexpr CompressionType kCodecs[] = {CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                       CompressionType::Zstd};

TEST(CompressionTest, NamesAreKafkas) {
  EXPECT_EQ(compressionTypeName(CompressionType::None), "none");
  EXPECT_EQ(compressionTypeName(CompressionType::Gzip), "gzip");
  EXPECT_EQ(compressionTypeName(CompressionType::Snappy), "snappy");
  EXPECT_EQ(compressionTypeName(CompressionType::Lz4), "lz4");
  EXPECT_EQ(compressionTypeName(CompressionType::Zstd), "zstd");
  EXPECT_EQ(compressionTypeName(static_cast<CompressionType>(5)), "");
  for (const auto type : kCodecs) EXPECT_EQ(compressionTypeForName(compressionTypeName(type)), type);
  EXPECT_EQ(compressionTypeForName("none"), CompressionType::None);
  // Kafka's CompressionType.forName is exact.
  EXPECT_EQ(compressionTypeForName("GZIP"), std::nullopt);
  EXPECT_EQ(compressionTypeForName("producer"), std::nullopt);
  EXPECT_FALSE(isKnownCompressionType(static_cast<CompressionType>(7)));
}

// KIP-390 ranges and defaults, from Kafka's CompressionType.
TEST(CompressionTest, LevelsAreKafkas) {
  EXPECT_EQ(compressionLevels(CompressionType::Gzip)->min, 1);
  EXPECT_EQ(compressionLevels(CompressionType::Gzip)->max, 9);
  EXPECT_EQ(compressionLevels(CompressionType::Gzip)->defaultLevel, -1);
  EXPECT_EQ(compressionLevels(CompressionType::Lz4)->min, 1);
  EXPECT_EQ(compressionLevels(CompressionType::Lz4)->max, 17);
  EXPECT_EQ(compressionLevels(CompressionType::Lz4)->defaultLevel, 9);
  EXPECT_EQ(compressionLevels(CompressionType::Zstd)->min, -131072);
  EXPECT_EQ(compressionLevels(CompressionType::Zstd)->max, 22);
  EXPECT_EQ(compressionLevels(CompressionType::Zstd)->defaultLevel, 3);
  EXPECT_FALSE(compressionLevels(CompressionType::Snappy));
  EXPECT_FALSE(compressionLevels(CompressionType::None));

  EXPECT_TRUE(isValidCompressionLevel(CompressionType::Gzip, -1));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Gzip, 0));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Gzip, 10));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Lz4, 0));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Lz4, 18));
  EXPECT_TRUE(isValidCompressionLevel(CompressionType::Zstd, -131072));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Zstd, -131073));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Zstd, 23));
  EXPECT_FALSE(isValidCompressionLevel(CompressionType::Snappy, 1));
}

TEST(CompressionTest, InvalidLevelOrCodecIsRefusedAndLeavesTheOutputAlone) {
  Compressor compressor;
  ByteBuffer out;
  out.append(Bytes{1, 2, 3});
  CodecError error;
  const Bytes input = textPayload(100);
  EXPECT_FALSE(compressor.compress(CompressionType::Gzip, input, out, {.level = 0}, error));
  EXPECT_EQ(error.status, CodecStatus::Unsupported);
  EXPECT_NE(error.message.find("gzip does not support compression level 0"), std::string::npos) << error.message;
  EXPECT_FALSE(compressor.compress(CompressionType::Snappy, input, out, {.level = 1}, error));
  EXPECT_FALSE(compressor.compress(CompressionType::None, input, out, {}, error));
  EXPECT_FALSE(compressor.compress(static_cast<CompressionType>(6), input, out, {}, error));
  EXPECT_EQ(out.size(), 3u);
}

// Every codec, level and payload round-trips; output appends after what `out` held.
TEST(CompressionTest, RoundTripsEveryCodecAndLevel) {
  const std::vector<Bytes> payloads = {Bytes{}, Bytes{'x'}, textPayload(1000), randomPayload(1000),
                                       textPayload(300'000), randomPayload(200'000)};
  struct Case {
    CompressionType type;
    CompressOptions options;
  };
  const std::vector<Case> cases = {
      {CompressionType::Gzip, {}},           {CompressionType::Gzip, {.level = 1}},
      {CompressionType::Gzip, {.level = 9}}, {CompressionType::Snappy, {}},
      {CompressionType::Snappy, {.level = std::nullopt, .snappyFraming = SnappyFraming::Raw}},
      {CompressionType::Lz4, {}},            {CompressionType::Lz4, {.level = 1}},
      {CompressionType::Lz4, {.level = 17}}, {CompressionType::Zstd, {}},
      {CompressionType::Zstd, {.level = -5}}, {CompressionType::Zstd, {.level = 19}},
  };
  Compressor compressor;  // reused across codecs and levels
  Decompressor decompressor;
  for (const auto& c : cases) {
    for (const auto& payload : payloads) {
      ByteBuffer out;
      out.append(Bytes{0xAA});
      CodecError error;
      ASSERT_TRUE(compressor.compress(c.type, payload, out, c.options, error)) << error.message;
      ASSERT_EQ(out.data()[0], 0xAA);
      const auto back = decompressor.decompress(c.type, out.bytes().subspan(1), error);
      ASSERT_TRUE(back) << compressionTypeName(c.type) << " level " << c.options.level.value_or(999) << " size "
                        << payload.size() << ": " << error.message;
      EXPECT_EQ(Bytes(back->begin(), back->end()), payload) << compressionTypeName(c.type);
    }
  }
}

TEST(CompressionTest, TextCompressesAndHigherLevelsCompressMore) {
  const Bytes text = textPayload(100'000);
  for (const auto type : kCodecs) EXPECT_LT(compress(type, text).size(), text.size() / 2) << compressionTypeName(type);
  EXPECT_LE(compress(CompressionType::Gzip, text, {.level = 9}).size(),
            compress(CompressionType::Gzip, text, {.level = 1}).size());
  EXPECT_LE(compress(CompressionType::Zstd, text, {.level = 19}).size(),
            compress(CompressionType::Zstd, text, {.level = 1}).size());
  EXPECT_LE(compress(CompressionType::Lz4, text, {.level = 12}).size(), compress(CompressionType::Lz4, text).size());
}

// The framings Kafka's clients write (protocol/compression.hpp).
TEST(CompressionTest, WritesKafkasFramings) {
  const Bytes text = textPayload(100'000);
  const Bytes gz = compress(CompressionType::Gzip, text);
  EXPECT_EQ(Bytes(gz.begin(), gz.begin() + 3), (Bytes{0x1f, 0x8b, 0x08}));  // gzip, deflate

  // snappy-java's header: magic, version 1, compatible version 1; then 32 KiB chunks.
  const Bytes xerial = compress(CompressionType::Snappy, text);
  EXPECT_EQ(Bytes(xerial.begin(), xerial.begin() + 16),
            (Bytes{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}));
  std::size_t at = 16;
  int chunks = 0;
  while (at < xerial.size()) {
    at += 4 + static_cast<std::size_t>(detail::loadBigEndian(xerial.data() + at, 4));
    ++chunks;
  }
  EXPECT_EQ(at, xerial.size());
  EXPECT_EQ(chunks, 4);  // 100,000 bytes in 32 KiB chunks
  const Bytes raw = compress(CompressionType::Snappy, text, {.level = std::nullopt, .snappyFraming = SnappyFraming::Raw});
  EXPECT_NE(raw[0], 0x82);

  // Kafka's Lz4BlockOutputStream header: magic, FLG 0x60, BD 0x40 (64 KiB), HC 0x82.
  const Bytes lz4 = compress(CompressionType::Lz4, text);
  EXPECT_EQ(Bytes(lz4.begin(), lz4.begin() + 7), (Bytes{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}));
  EXPECT_EQ(Bytes(lz4.end() - 4, lz4.end()), (Bytes{0, 0, 0, 0}));  // end mark, no content checksum

  const Bytes zstd = compress(CompressionType::Zstd, text);
  EXPECT_EQ(ZSTD_getFrameContentSize(zstd.data(), zstd.size()), text.size());
}

// Vectors written by the reference implementations (golden/codecs/README.md).
TEST(CompressionTest, ReadsWhatTheReferenceImplementationsWrite) {
  const Bytes plaintext = goldenPlaintext();
  const struct {
    const char* file;
    CompressionType type;
    Lz4HeaderChecksum hc;
  } vectors[] = {
      {"snappy-java-xerial.bin", CompressionType::Snappy, Lz4HeaderChecksum::Correct},  // Kafka's Java producer
      {"kafka-python-snappy-xerial.bin", CompressionType::Snappy, Lz4HeaderChecksum::Correct},
      {"kafka-python-gzip.bin", CompressionType::Gzip, Lz4HeaderChecksum::Correct},
      {"kafka-python-lz4.bin", CompressionType::Lz4, Lz4HeaderChecksum::Correct},  // with content size
      {"kafka-python-lz4-legacy-hc.bin", CompressionType::Lz4, Lz4HeaderChecksum::Legacy},
      {"kafka-python-zstd.bin", CompressionType::Zstd, Lz4HeaderChecksum::Correct},
  };
  for (const auto& v : vectors) {
    Bytes out;
    std::string message;
    EXPECT_EQ(decompress(v.type, readGolden(v.file), out, kDefaultMaxDecompressedBytes, v.hc, &message),
              CodecStatus::Ok)
        << v.file << ": " << message;
    EXPECT_EQ(out, plaintext) << v.file;
  }
  // Our xerial stream of the same input is snappy-java's, byte for byte.
  EXPECT_EQ(compress(CompressionType::Snappy, plaintext), readGolden("snappy-java-xerial.bin"));
}

// Magic v0's LZ4 header checksum also covered the magic bytes: refused where the format
// requires the correct one (magic v1/v2), accepted as Legacy. The correct one is accepted
// either way.
TEST(CompressionTest, Lz4LegacyHeaderChecksumOnlyWhenAskedFor) {
  const Bytes legacy = readGolden("kafka-python-lz4-legacy-hc.bin");
  Bytes out;
  std::string message;
  EXPECT_EQ(decompress(CompressionType::Lz4, legacy, out, kDefaultMaxDecompressedBytes, Lz4HeaderChecksum::Correct,
                       &message),
            CodecStatus::Corrupt);
  EXPECT_NE(message.find("lz4"), std::string::npos) << message;
  const Bytes proper = compress(CompressionType::Lz4, goldenPlaintext());
  EXPECT_EQ(decompress(CompressionType::Lz4, proper, out, kDefaultMaxDecompressedBytes, Lz4HeaderChecksum::Legacy),
            CodecStatus::Ok);
  EXPECT_EQ(out, goldenPlaintext());
}

// Kafka's Lz4BlockInputStream refuses frames of linked blocks.
TEST(CompressionTest, Lz4DependentBlocksAreRefused) {
  Bytes frame = compress(CompressionType::Lz4, textPayload(1000));
  frame[4] &= static_cast<uint8_t>(~0x20);  // FLG: block independence off
  Bytes out;
  std::string message;
  EXPECT_EQ(decompress(CompressionType::Lz4, frame, out, kDefaultMaxDecompressedBytes, Lz4HeaderChecksum::Legacy,
                       &message),
            CodecStatus::Corrupt);
  EXPECT_NE(message.find("dependent blocks"), std::string::npos) << message;
}

// A decompression bomb stops at the limit: output exactly at the limit is fine, one byte
// more is TooLarge, with and without a size announced up front.
TEST(CompressionTest, OutputIsBoundedByTheLimit) {
  const Bytes zeros(1 << 20, 0);
  for (const auto type : kCodecs) {
    const Bytes packed = compress(type, zeros);
    EXPECT_LT(packed.size(), zeros.size() / 20) << compressionTypeName(type);
    Bytes out;
    EXPECT_EQ(decompress(type, packed, out, zeros.size()), CodecStatus::Ok) << compressionTypeName(type);
    EXPECT_EQ(out.size(), zeros.size());
    std::string message;
    EXPECT_EQ(decompress(type, packed, out, zeros.size() - 1, Lz4HeaderChecksum::Correct, &message),
              CodecStatus::TooLarge)
        << compressionTypeName(type);
    EXPECT_NE(message.find("more than 1048575 bytes"), std::string::npos) << message;
    EXPECT_EQ(decompress(type, packed, out, 4096), CodecStatus::TooLarge) << compressionTypeName(type);
  }
  // zstd as Kafka's Java producer writes it (a stream: no content size): bounded while decoding.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  Bytes stream(ZSTD_compressBound(zeros.size()));
  stream.resize(ZSTD_compress2(cctx, stream.data(), stream.size(), zeros.data(), zeros.size()));
  ZSTD_freeCCtx(cctx);
  ASSERT_EQ(ZSTD_getFrameContentSize(stream.data(), stream.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  Bytes out;
  EXPECT_EQ(decompress(CompressionType::Zstd, stream, out), CodecStatus::Ok);
  EXPECT_EQ(out, zeros);
  EXPECT_EQ(decompress(CompressionType::Zstd, stream, out, 100'000), CodecStatus::TooLarge);
}

// A frame asking for a window larger than the limit is refused before the window is taken.
TEST(CompressionTest, ZstdWindowBeyondTheLimitIsRefused) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 27);
  const Bytes input = textPayload(1000);
  Bytes frame(ZSTD_compressBound(input.size()) + 64);
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  // Streamed in two steps, so the size is unknown when the header is written and the
  // window stays at 2^27.
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &out, &none, ZSTD_e_end), 0u);
  frame.resize(out.pos);
  ZSTD_freeCCtx(cctx);
  Bytes result;
  EXPECT_EQ(decompress(CompressionType::Zstd, frame, result, 1 << 20), CodecStatus::TooLarge);
  EXPECT_EQ(decompress(CompressionType::Zstd, frame, result, std::size_t{1} << 28), CodecStatus::Ok);
  EXPECT_EQ(result, input);
}

// Every truncation is an error, never a crash or an over-read (ASan runs this too). A
// xerial stream has no end mark: cut after its header or a whole chunk, it is a shorter
// stream.
TEST(CompressionTest, TruncatedInputIsCorrupt) {
  const Bytes text = textPayload(40'000);
  for (const auto type : kCodecs) {
    const Bytes packed = compress(type, text);
    Decompressor decompressor;
    int shorterStreams = 0;
    for (std::size_t cut = 0; cut < packed.size(); ++cut) {
      CodecError error;
      const auto out = decompressor.decompress(type, std::span<const uint8_t>(packed).first(cut), error);
      if (out && type == CompressionType::Snappy) {
        EXPECT_LT(out->size(), text.size());
        EXPECT_TRUE(std::equal(out->begin(), out->end(), text.begin())) << "cut at " << cut;
        ++shorterStreams;
        continue;
      }
      EXPECT_FALSE(out) << compressionTypeName(type) << " cut at " << cut;
      if (!out) {
        EXPECT_EQ(error.status, CodecStatus::Corrupt) << compressionTypeName(type) << " " << error.message;
      }
    }
    if (type == CompressionType::Snappy) {
      EXPECT_EQ(shorterStreams, 2);  // the header alone, then one chunk
    }
  }
}

// Random damage ends in an error or, rarely, in other bytes; never in a crash.
TEST(CompressionTest, DamagedInputNeverCrashes) {
  const Bytes text = textPayload(5000);
  std::mt19937 rng(3);
  for (const auto type : kCodecs) {
    const Bytes packed = compress(type, text);
    Decompressor decompressor(64 << 10);
    int failures = 0;
    for (int i = 0; i < 500; ++i) {
      Bytes damaged = packed;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      CodecError error;
      if (!decompressor.decompress(type, damaged, error)) ++failures;
    }
    EXPECT_GT(failures, 0) << compressionTypeName(type);
  }
}

TEST(CompressionTest, TrailingBytesAreCorruptButConcatenatedMembersAndFramesAreRead) {
  const Bytes a = textPayload(3000);
  const Bytes b = randomPayload(500);
  for (const auto type : {CompressionType::Gzip, CompressionType::Lz4, CompressionType::Zstd}) {
    Bytes packed = compress(type, a);
    packed.push_back(0x00);
    packed.push_back(0x01);
    Bytes out;
    std::string message;
    EXPECT_EQ(decompress(type, packed, out, kDefaultMaxDecompressedBytes, Lz4HeaderChecksum::Correct, &message),
              CodecStatus::Corrupt)
        << compressionTypeName(type);
  }
  // GZIPInputStream reads concatenated members, zstd's decoders concatenated frames.
  for (const auto type : {CompressionType::Gzip, CompressionType::Zstd}) {
    Bytes two = compress(type, a);
    const Bytes second = compress(type, b);
    two.insert(two.end(), second.begin(), second.end());
    Bytes out;
    ASSERT_EQ(decompress(type, two, out), CodecStatus::Ok) << compressionTypeName(type);
    Bytes expected = a;
    expected.insert(expected.end(), b.begin(), b.end());
    EXPECT_EQ(out, expected);
  }
}

TEST(CompressionTest, GarbageIsCorruptForEveryCodec) {
  const Bytes garbage = randomPayload(300);
  for (const auto type : kCodecs) {
    Bytes out;
    EXPECT_EQ(decompress(type, garbage, out), CodecStatus::Corrupt) << compressionTypeName(type);
    EXPECT_EQ(decompress(type, Bytes{}, out), CodecStatus::Corrupt) << compressionTypeName(type);
  }
  Bytes out;
  EXPECT_EQ(decompress(CompressionType::None, garbage, out), CodecStatus::Unsupported);
  EXPECT_EQ(decompress(static_cast<CompressionType>(5), garbage, out), CodecStatus::Unsupported);
}

TEST(CompressionTest, XerialChunkLengthsAreChecked) {
  Bytes xerial = compress(CompressionType::Snappy, textPayload(40'000));
  Bytes out;
  Bytes lying = xerial;
  detail::storeBigEndian(lying.data() + 16, 0x7fffffff, 4);
  EXPECT_EQ(decompress(CompressionType::Snappy, lying, out), CodecStatus::Corrupt);
  detail::storeBigEndian(lying.data() + 16, 0xffffffff, 4);  // negative
  EXPECT_EQ(decompress(CompressionType::Snappy, lying, out), CodecStatus::Corrupt);
  xerial.push_back(1);  // a chunk length cut short
  EXPECT_EQ(decompress(CompressionType::Snappy, xerial, out), CodecStatus::Corrupt);
}

// One decompressor serves codec after codec; the previous output is replaced.
TEST(CompressionTest, DecompressorIsReusableAcrossCodecsAndFailures) {
  Decompressor decompressor;
  const Bytes text = textPayload(20'000);
  for (int round = 0; round < 3; ++round) {
    for (const auto type : kCodecs) {
      CodecError error;
      EXPECT_FALSE(decompressor.decompress(type, randomPayload(100), error));
      const Bytes packed = compress(type, text);
      const auto out = decompressor.decompress(type, packed, error);
      ASSERT_TRUE(out) << error.message;
      EXPECT_EQ(Bytes(out->begin(), out->end()), text);
    }
  }
}

}  // namespace
}  // namespace kafkalite::protocol
