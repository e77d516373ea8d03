#include "protocol/compressed_batch.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "protocol/crc32c.hpp"

namespace kafkalite::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

std::span<const uint8_t> asBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::optional<std::string> asString(const std::optional<std::span<const uint8_t>>& b) {
  if (!b) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

struct Record {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const Record&) const = default;
};

// Every record of a batch through `decompressor`; fails the test on an error.
std::vector<Record> readAll(const RecordBatchView& view, Decompressor& decompressor) {
  std::vector<Record> out;
  auto cursor = view.records(decompressor);
  RecordView r;
  while (cursor.next(r)) {
    Record rec{view.offsetOf(r), view.timestampOf(r), asString(r.key), asString(r.value), {}};
    auto headers = r.headers();
    RecordHeaderView h;
    while (headers.next(h)) rec.headers.emplace_back(std::string(h.key), asString(h.value));
    out.push_back(std::move(rec));
  }
  EXPECT_FALSE(cursor.failed()) << cursor.error().message();
  return out;
}

// A batch with what records carry: null and empty keys and values, headers, timestamps.
Bytes sampleBatch(int records = 50) {
  RecordBatchBuilder builder;
  builder.begin(1'700'000'000'000, BatchAttributes{.transactional = false}, 42, 3, 100, 7);
  const std::string text = "the quick brown fox jumps over the lazy dog ";
  for (int i = 0; i < records; ++i) {
    const std::string key = "key-" + std::to_string(i);
    std::string value;
    for (int j = 0; j <= i % 5; ++j) value += text;
    const RecordHeaderView headers[] = {{"trace", asBytes("abc")}, {"none", std::nullopt}};
    const bool ok = builder.append(1'700'000'000'000 + i * 3, i % 7 == 0 ? std::nullopt : std::optional(asBytes(key)),
                                   i % 11 == 0 ? std::nullopt : std::optional(asBytes(value)),
                                   i % 2 == 0 ? std::span<const RecordHeaderView>(headers)
                                              : std::span<const RecordHeaderView>());
    EXPECT_TRUE(ok);
  }
  const auto batch = builder.finish(0);
  return {batch.begin(), batch.end()};
}

Bytes compressBatch(const Bytes& batch, CompressionType type) {
  BatchCompressor compressor;
  CodecError error;
  const auto out = compressor.compress(batch, type, {}, error);
  EXPECT_TRUE(out) << error.message;
  return out ? Bytes(out->begin(), out->end()) : Bytes{};
}

constexpr CompressionType kCodecs[] = {CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                       CompressionType::Zstd};

TEST(BatchCompressorTest, CompressesTheRecordsAndKeepsTheHeader) {
  const Bytes original = sampleBatch();
  DecodeError error;
  const auto plain = RecordBatchView::parse(original, error);
  ASSERT_TRUE(plain);
  Decompressor decompressor;
  const auto expected = readAll(*plain, decompressor);
  ASSERT_EQ(expected.size(), 50u);

  BatchCompressor compressor;
  for (const auto type : kCodecs) {
    CodecError codecError;
    const auto out = compressor.compress(original, type, {}, codecError);
    ASSERT_TRUE(out) << codecError.message;
    const Bytes compressed(out->begin(), out->end());
    const auto view = RecordBatchView::parse(compressed, error);
    ASSERT_TRUE(view) << error.message();
    EXPECT_EQ(view->bytes().size(), compressed.size());
    EXPECT_LT(compressed.size(), original.size() / 2) << compressionTypeName(type);
    EXPECT_EQ(view->compression(), type);
    EXPECT_TRUE(view->crcValid()) << compressionTypeName(type);
    EXPECT_EQ(view->batchLength(), static_cast<int32_t>(compressed.size() - kRecordBatchLogOverhead));
    // Everything else in the header is the uncompressed batch's.
    EXPECT_EQ(view->baseOffset(), plain->baseOffset());
    EXPECT_EQ(view->partitionLeaderEpoch(), 7);
    EXPECT_EQ(view->lastOffsetDelta(), plain->lastOffsetDelta());
    EXPECT_EQ(view->baseTimestamp(), plain->baseTimestamp());
    EXPECT_EQ(view->maxTimestamp(), plain->maxTimestamp());
    EXPECT_EQ(view->producerId(), 42);
    EXPECT_EQ(view->producerEpoch(), 3);
    EXPECT_EQ(view->baseSequence(), 100);
    EXPECT_EQ(view->recordsCount(), 50);
    EXPECT_EQ(view->attributes().timestampType, TimestampType::CreateTime);
    EXPECT_EQ(readAll(*view, decompressor), expected) << compressionTypeName(type);
  }
}

TEST(BatchCompressorTest, KeepsTheOtherAttributeBits) {
  RecordBatchBuilder builder;
  builder.begin(5, BatchAttributes{.timestampType = TimestampType::LogAppendTime, .transactional = true});
  ASSERT_TRUE(builder.append(5, std::nullopt, asBytes("v")));
  const auto batch = builder.finish();
  BatchCompressor compressor;
  CodecError error;
  const auto out = compressor.compress(batch, CompressionType::Zstd, {.level = 1}, error);
  ASSERT_TRUE(out);
  DecodeError decodeError;
  const auto view = RecordBatchView::parse(*out, decodeError);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->attributes(), (BatchAttributes{.compression = CompressionType::Zstd,
                                                 .timestampType = TimestampType::LogAppendTime,
                                                 .transactional = true}));
}

TEST(BatchCompressorTest, RefusesWhatIsNotOneWholeUncompressedBatch) {
  const Bytes batch = sampleBatch(3);
  BatchCompressor compressor;
  CodecError error;
  EXPECT_FALSE(compressor.compress(std::span<const uint8_t>(batch).first(batch.size() - 1), CompressionType::Lz4, {},
                                   error));
  EXPECT_EQ(error.status, CodecStatus::Corrupt);
  Bytes twoBatches = batch;
  twoBatches.insert(twoBatches.end(), batch.begin(), batch.end());
  EXPECT_FALSE(compressor.compress(twoBatches, CompressionType::Lz4, {}, error));
  EXPECT_NE(error.message.find("not one whole record batch"), std::string::npos) << error.message;
  const auto compressed = compressor.compress(batch, CompressionType::Lz4, {}, error);
  ASSERT_TRUE(compressed);
  const Bytes lz4(compressed->begin(), compressed->end());
  EXPECT_FALSE(compressor.compress(lz4, CompressionType::Gzip, {}, error));
  EXPECT_NE(error.message.find("compressed already (lz4)"), std::string::npos) << error.message;
  EXPECT_FALSE(compressor.compress(batch, CompressionType::None, {}, error));
  EXPECT_EQ(error.status, CodecStatus::Unsupported);
  EXPECT_FALSE(compressor.compress(batch, CompressionType::Lz4, {.level = 18}, error));
  EXPECT_EQ(error.status, CodecStatus::Unsupported);
}

// The output buffer is reused: once it has held the largest batch, its memory stays put.
TEST(BatchCompressorTest, ReusesItsBuffer) {
  const Bytes batch = sampleBatch(200);
  BatchCompressor compressor;
  CodecError error;
  const uint8_t* first = compressor.compress(batch, CompressionType::Gzip, {}, error)->data();
  const std::size_t capacity = compressor.capacity();
  for (int i = 0; i < 5; ++i) {
    const auto out = compressor.compress(batch, CompressionType::Gzip, {}, error);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->data(), first);
  }
  EXPECT_EQ(compressor.capacity(), capacity);
}

// Compressed records that lie about their number, or do not decompress, end the walk with
// an error naming the problem; records(Decompressor&) reads uncompressed batches as records().
TEST(RecordBatchViewCompressedTest, WalkFailsOnLyingOrCorruptRecords) {
  Decompressor decompressor;
  DecodeError error;
  for (const auto type : kCodecs) {
    Bytes lying = compressBatch(sampleBatch(3), type);
    detail::storeBigEndian(lying.data() + 57, 4, 4);  // recordsCount 4, three records inside
    const auto view = RecordBatchView::parse(lying, error);
    ASSERT_TRUE(view);
    auto cursor = view->records(decompressor);
    RecordView r;
    int n = 0;
    while (cursor.next(r)) ++n;
    EXPECT_EQ(n, 3);
    ASSERT_TRUE(cursor.failed());
    EXPECT_NE(cursor.error().path.find("records[3]"), std::string::npos) << cursor.error().message();

    detail::storeBigEndian(lying.data() + 57, 2, 4);  // two, three inside
    cursor = view->records(decompressor);
    while (cursor.next(r)) {
    }
    ASSERT_TRUE(cursor.failed());
    EXPECT_NE(cursor.error().reason.find("after the last of 2 records"), std::string::npos) << cursor.error().reason;

    Bytes corrupt = compressBatch(sampleBatch(3), type);
    corrupt.resize(corrupt.size() - 3);  // the compressed records cut short
    detail::storeBigEndian(corrupt.data() + 8, corrupt.size() - kRecordBatchLogOverhead, 4);
    const auto cut = RecordBatchView::parse(corrupt, error);
    ASSERT_TRUE(cut);
    cursor = cut->records(decompressor);
    EXPECT_FALSE(cursor.next(r));
    ASSERT_TRUE(cursor.failed());
    EXPECT_EQ(cursor.error().path, "records");
    EXPECT_NE(cursor.error().reason.find(compressionTypeName(type)), std::string::npos) << cursor.error().reason;
  }
  const Bytes plain = sampleBatch(4);
  const auto view = RecordBatchView::parse(plain, error);
  EXPECT_EQ(readAll(*view, decompressor).size(), 4u);
}

TEST(RecordBatchViewCompressedTest, DecompressionIsBoundedByTheDecompressorsLimit) {
  RecordBatchBuilder builder;
  builder.begin(0);
  const std::string big(200'000, 'z');
  ASSERT_TRUE(builder.append(0, std::nullopt, asBytes(big)));
  BatchCompressor compressor;
  CodecError codecError;
  const auto out = compressor.compress(builder.finish(), CompressionType::Zstd, {}, codecError);
  ASSERT_TRUE(out);
  DecodeError error;
  const auto view = RecordBatchView::parse(*out, error);
  Decompressor small(100'000);
  auto cursor = view->records(small);
  RecordView r;
  EXPECT_FALSE(cursor.next(r));
  EXPECT_NE(cursor.error().reason.find("more than 100000 bytes"), std::string::npos) << cursor.error().reason;
  EXPECT_FALSE(view->decompressedRecords(small, codecError));
  EXPECT_EQ(codecError.status, CodecStatus::TooLarge);
}

// What librdkafka 2.0.2's producer wrote for three records (kcat -z; the files hold the
// records a Fetch returned: golden/batches/README.md): librdkafka sends a batch
// uncompressed when compressing does not shrink it (here the first record alone), so a
// file holds one or two batches and at least one in the codec. Every CRC holds and every
// record reads back exactly.
TEST(RecordBatchViewCompressedTest, ReadsBatchesLibrdkafkaWrote) {
  const std::vector<Record> expected = {
      {0, 0, "key-1", "value one", {{"trace", "abc"}, {"n", "1"}}},
      {1, 0, "key-2", "value two two two two two two two two", {{"trace", "abc"}, {"n", "1"}}},
      {2, 0, "key-3", "", {{"trace", "abc"}, {"n", "1"}}},
  };
  Decompressor decompressor;
  for (const auto type : kCodecs) {
    const std::string file =
        std::string(KAFKALITE_GOLDEN_DIR) + "/batches/librdkafka-" + std::string(compressionTypeName(type)) + ".bin";
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << file;
    const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    RecordBatchIterator batches(bytes);
    RecordBatchView view;
    std::vector<Record> records;
    int compressed = 0;
    while (batches.next(view)) {
      EXPECT_TRUE(view.crcValid()) << file;
      if (view.compression() == type) ++compressed;
      for (auto& r : readAll(view, decompressor)) {
        EXPECT_GE(r.timestamp, view.baseTimestamp());
        r.timestamp = 0;
        records.push_back(std::move(r));
      }
    }
    EXPECT_FALSE(batches.failed() || batches.partialTail()) << file;
    EXPECT_GE(compressed, 1) << file;
    EXPECT_EQ(records, expected) << file;
  }
}

}  // namespace
}  // namespace kafkalite::protocol
