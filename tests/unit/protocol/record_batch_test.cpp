#include "protocol/record_batch.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/crc32c.hpp"

namespace kafkalite::protocol {
namespace {

using Bytes = std::vector<uint8_t>;
using OptionalBytes = std::optional<std::span<const uint8_t>>;

std::span<const uint8_t> asBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::string asString(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Big-endian field writer for hand-built expected bytes.
void putBigEndian(Bytes& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Bit-at-a-time CRC32C, independent of the table and instruction paths.
uint32_t referenceCrc32c(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

// Every record of a view, failing the test on a decode error.
std::vector<RecordView> readAll(const RecordBatchView& view) {
  std::vector<RecordView> records;
  RecordCursor cursor = view.records();
  RecordView r;
  while (cursor.next(r)) records.push_back(r);
  EXPECT_FALSE(cursor.failed()) << cursor.error().message();
  return records;
}

std::vector<RecordHeaderView> headersOf(const RecordView& record) {
  std::vector<RecordHeaderView> headers;
  RecordHeaderCursor cursor = record.headers();
  RecordHeaderView h;
  while (cursor.next(h)) headers.push_back(h);
  EXPECT_FALSE(cursor.failed()) << cursor.error().message();
  return headers;
}

TEST(BatchAttributesTest, EveryBitPatternRoundTrips) {
  for (int bits = std::numeric_limits<int16_t>::min(); bits <= std::numeric_limits<int16_t>::max(); ++bits) {
    ASSERT_EQ(BatchAttributes::fromBits(static_cast<int16_t>(bits)).toBits(), bits);
  }
}

TEST(BatchAttributesTest, NamedBitsHaveKafkasPositions) {
  EXPECT_EQ(BatchAttributes{}.toBits(), 0);
  EXPECT_EQ(BatchAttributes{.compression = CompressionType::Zstd}.toBits(), 4);
  EXPECT_EQ(BatchAttributes{.timestampType = TimestampType::LogAppendTime}.toBits(), 0x08);
  EXPECT_EQ(BatchAttributes{.transactional = true}.toBits(), 0x10);
  EXPECT_EQ(BatchAttributes{.control = true}.toBits(), 0x20);
  EXPECT_EQ(BatchAttributes{.deleteHorizon = true}.toBits(), 0x40);
  const BatchAttributes all = BatchAttributes::fromBits(0x7b);
  EXPECT_EQ(all.compression, CompressionType::Lz4);
  EXPECT_EQ(all.timestampType, TimestampType::LogAppendTime);
  EXPECT_TRUE(all.transactional && all.control && all.deleteHorizon);
  EXPECT_EQ(all.reservedBits, 0);
}

TEST(RecordBatchTest, BuildParseRoundTrip) {
  const std::string bigValue(1000, 'x');
  const std::vector<RecordHeaderView> headers = {{"trace", asBytes("abc")}, {"nullable", std::nullopt}, {"", asBytes("")}};
  const int64_t base = 1'700'000'000'000;
  RecordBatchBuilder builder;
  builder.begin(base, BatchAttributes{.timestampType = TimestampType::CreateTime, .transactional = true}, 4242, 7,
                100, 9);
  ASSERT_TRUE(builder.append(base, asBytes("key-0"), asBytes("value-0")));
  ASSERT_TRUE(builder.append(base + 5, std::nullopt, asBytes(bigValue), headers));
  ASSERT_TRUE(builder.append(base - 3, asBytes("tombstone"), std::nullopt));
  ASSERT_TRUE(builder.append(base + (int64_t{1} << 40), asBytes(""), asBytes("")));
  EXPECT_EQ(builder.recordCount(), 4);
  const std::span<const uint8_t> bytes = builder.finish(1'000'000);

  DecodeError error;
  const auto view = RecordBatchView::parse(bytes, error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_EQ(view->bytes().size(), bytes.size());
  EXPECT_EQ(view->baseOffset(), 1'000'000);
  EXPECT_EQ(view->batchLength(), static_cast<int32_t>(bytes.size() - 12));
  EXPECT_EQ(view->partitionLeaderEpoch(), 9);
  EXPECT_EQ(view->magic(), 2);
  EXPECT_TRUE(view->crcValid());
  EXPECT_EQ(view->crc(), referenceCrc32c(bytes.subspan(21)));
  EXPECT_TRUE(view->isTransactional());
  EXPECT_FALSE(view->isCompressed());
  EXPECT_FALSE(view->isControl());
  EXPECT_EQ(view->lastOffsetDelta(), 3);
  EXPECT_EQ(view->lastOffset(), 1'000'003);
  EXPECT_EQ(view->baseTimestamp(), base);
  EXPECT_EQ(view->maxTimestamp(), base + (int64_t{1} << 40));
  EXPECT_EQ(view->producerId(), 4242);
  EXPECT_EQ(view->producerEpoch(), 7);
  EXPECT_EQ(view->baseSequence(), 100);
  EXPECT_EQ(view->lastSequence(), 103);
  EXPECT_EQ(view->recordsCount(), 4);

  const std::vector<RecordView> records = readAll(*view);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(asString(*records[0].key), "key-0");
  EXPECT_EQ(asString(*records[0].value), "value-0");
  EXPECT_EQ(view->timestampOf(records[0]), base);
  EXPECT_EQ(records[0].headerCount, 0);

  EXPECT_FALSE(records[1].key.has_value());
  EXPECT_EQ(asString(*records[1].value), bigValue);
  EXPECT_EQ(view->offsetOf(records[1]), 1'000'001);
  EXPECT_EQ(view->timestampOf(records[1]), base + 5);
  const std::vector<RecordHeaderView> readHeaders = headersOf(records[1]);
  ASSERT_EQ(readHeaders.size(), 3u);
  EXPECT_EQ(readHeaders[0].key, "trace");
  EXPECT_EQ(asString(*readHeaders[0].value), "abc");
  EXPECT_EQ(readHeaders[1].key, "nullable");
  EXPECT_FALSE(readHeaders[1].value.has_value());
  EXPECT_EQ(readHeaders[2].key, "");
  ASSERT_TRUE(readHeaders[2].value.has_value());
  EXPECT_TRUE(readHeaders[2].value->empty());

  EXPECT_EQ(asString(*records[2].key), "tombstone");
  EXPECT_FALSE(records[2].value.has_value());
  EXPECT_EQ(records[2].timestampDelta, -3);
  EXPECT_EQ(view->timestampOf(records[2]), base - 3);

  ASSERT_TRUE(records[3].key.has_value() && records[3].value.has_value());
  EXPECT_TRUE(records[3].key->empty() && records[3].value->empty());
  EXPECT_EQ(records[3].offsetDelta, 3);
  EXPECT_EQ(view->timestampOf(records[3]), base + (int64_t{1} << 40));
}

TEST(RecordBatchTest, EveryAttributeBitSurvivesABatch) {
  RecordBatchBuilder builder;
  for (int bit = 0; bit < 16; ++bit) {
    const auto bits = static_cast<int16_t>(1u << bit);
    builder.begin(0, BatchAttributes::fromBits(bits));
    ASSERT_TRUE(builder.append(0, std::nullopt, asBytes("v")));
    DecodeError error;
    const auto view = RecordBatchView::parse(builder.finish(), error);
    ASSERT_TRUE(view) << error.message();
    EXPECT_EQ(view->attributeBits(), bits);
    EXPECT_EQ(view->attributes(), BatchAttributes::fromBits(bits));
    EXPECT_TRUE(view->crcValid());
  }
}

TEST(RecordBatchTest, LogAppendTimeRecordsTakeTheBatchMaxTimestamp) {
  RecordBatchBuilder builder;
  builder.begin(10, BatchAttributes{.timestampType = TimestampType::LogAppendTime});
  ASSERT_TRUE(builder.append(30, std::nullopt, asBytes("a")));
  ASSERT_TRUE(builder.append(20, std::nullopt, asBytes("b")));
  DecodeError error;
  const auto view = RecordBatchView::parse(builder.finish(), error);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->maxTimestamp(), 30);
  for (const RecordView& r : readAll(*view)) EXPECT_EQ(view->timestampOf(r), 30);
}

// One record written field by field from interop.md section 6.
TEST(RecordBatchTest, GoldenBytesOfAOneRecordBatch) {
  const int64_t base = 0x0102030405;
  RecordBatchBuilder builder;
  builder.begin(base, BatchAttributes{}, 0x1234, 2, 10, 7);
  const RecordHeaderView header{"h", asBytes("v")};
  ASSERT_TRUE(builder.append(base + 3, asBytes("k"), asBytes("hello"), std::span(&header, 1)));
  const std::span<const uint8_t> actual = builder.finish(5);

  // length 16 (zigzag 0x20) | attributes 0 | timestampDelta 3 (0x06) | offsetDelta 0 |
  // keyLen 1 (0x02) "k" | valueLen 5 (0x0a) "hello" | 1 header (0x02) |
  // keyLen 1 "h" | valueLen 1 "v"
  const Bytes record = {0x20, 0x00, 0x06, 0x00, 0x02, 'k', 0x0a, 'h', 'e', 'l', 'l', 'o', 0x02, 0x02, 'h', 0x02, 'v'};
  Bytes expected;
  putBigEndian(expected, 5, 8);                   // baseOffset
  putBigEndian(expected, 49 + record.size(), 4);  // batchLength
  putBigEndian(expected, 7, 4);                   // partitionLeaderEpoch
  expected.push_back(2);                          // magic
  putBigEndian(expected, 0, 4);                   // crc, filled in below
  putBigEndian(expected, 0, 2);                   // attributes
  putBigEndian(expected, 0, 4);                   // lastOffsetDelta
  putBigEndian(expected, base, 8);                // baseTimestamp
  putBigEndian(expected, base + 3, 8);            // maxTimestamp
  putBigEndian(expected, 0x1234, 8);              // producerId
  putBigEndian(expected, 2, 2);                   // producerEpoch
  putBigEndian(expected, 10, 4);                  // baseSequence
  putBigEndian(expected, 1, 4);                   // recordsCount
  ASSERT_EQ(expected.size(), 61u);
  expected.insert(expected.end(), record.begin(), record.end());
  const uint32_t crc = referenceCrc32c(std::span(expected).subspan(21));
  for (int i = 0; i < 4; ++i) expected[17 + i] = static_cast<uint8_t>(crc >> (8 * (3 - i)));

  EXPECT_EQ(Bytes(actual.begin(), actual.end()), expected);
}

TEST(RecordBatchTest, CrcDetectsEveryFlippedByteItCovers) {
  RecordBatchBuilder builder;
  builder.begin(1, BatchAttributes{}, 1, 1, 1);
  ASSERT_TRUE(builder.append(2, asBytes("key"), asBytes("value")));
  const std::span<const uint8_t> finished = builder.finish();
  for (std::size_t i = 0; i < finished.size(); ++i) {
    Bytes copy(finished.begin(), finished.end());
    copy[i] ^= 0x01;
    DecodeError error;
    const auto view = RecordBatchView::parse(copy, error);
    if (i >= 8 && i < 12) continue;  // batchLength: changes what the CRC spans
    if (!view) {
      // Only a wrong magic or an impossible recordsCount stops the parse.
      EXPECT_TRUE(i == 16 || (i >= 57 && i < 61)) << "byte " << i << ": " << error.message();
      continue;
    }
    // baseOffset (0-7) and partitionLeaderEpoch (12-15) are outside the CRC by
    // design; from the CRC field itself (17) on, every byte counts.
    EXPECT_EQ(view->crcValid(), i < 17) << "byte " << i;
  }
}

TEST(RecordBatchTest, InPlaceRewritesKeepTheCrcValid) {
  RecordBatchBuilder builder;
  builder.begin(1);
  ASSERT_TRUE(builder.append(2, asBytes("key"), asBytes("value")));
  ASSERT_TRUE(builder.append(3, asBytes("key"), asBytes("value")));
  const std::span<const uint8_t> finished = builder.finish();
  Bytes batch(finished.begin(), finished.end());
  DecodeError error;
  const uint32_t originalCrc = RecordBatchView::parse(batch, error)->crc();

  ASSERT_TRUE(RecordBatchBuilder::setBaseOffset(batch, 987654321));
  ASSERT_TRUE(RecordBatchBuilder::setPartitionLeaderEpoch(batch, 12));
  auto view = RecordBatchView::parse(batch, error);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->baseOffset(), 987654321);
  EXPECT_EQ(view->partitionLeaderEpoch(), 12);
  EXPECT_EQ(view->crc(), originalCrc);
  EXPECT_TRUE(view->crcValid());

  ASSERT_TRUE(RecordBatchBuilder::setProducerState(batch, 77, 3, std::numeric_limits<int32_t>::max()));
  view = RecordBatchView::parse(batch, error);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->producerId(), 77);
  EXPECT_EQ(view->producerEpoch(), 3);
  EXPECT_EQ(view->baseSequence(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(view->lastSequence(), 0);  // wraps past INT32_MAX
  EXPECT_NE(view->crc(), originalCrc);
  EXPECT_TRUE(view->crcValid());

  Bytes shortBatch(batch.begin(), batch.begin() + 60);
  Bytes truncated(batch.begin(), batch.end() - 1);
  EXPECT_FALSE(RecordBatchBuilder::setBaseOffset(shortBatch, 1));
  EXPECT_FALSE(RecordBatchBuilder::setPartitionLeaderEpoch(shortBatch, 1));
  EXPECT_FALSE(RecordBatchBuilder::setProducerState(truncated, 1, 1, 1));
}

// Without a Decompressor the header of a compressed batch reads and its records do not
// (records(Decompressor&) reads them: compressed_batch_test.cpp).
TEST(RecordBatchTest, CompressedBatchHeaderIsReadableButRecordsNeedADecompressor) {
  RecordBatchBuilder builder;
  builder.begin(5, BatchAttributes{.compression = CompressionType::Gzip}, 9, 1, 0);
  ASSERT_TRUE(builder.append(5, std::nullopt, asBytes("pretend-compressed")));
  DecodeError error;
  const auto view = RecordBatchView::parse(builder.finish(), error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_TRUE(view->isCompressed());
  EXPECT_EQ(view->compression(), CompressionType::Gzip);
  EXPECT_EQ(view->producerId(), 9);
  EXPECT_TRUE(view->crcValid());
  RecordCursor cursor = view->records();
  RecordView r;
  EXPECT_FALSE(cursor.next(r));
  ASSERT_TRUE(cursor.failed());
  EXPECT_EQ(cursor.error().reason, "compressed records: walk them with records(Decompressor&)");
}

TEST(RecordBatchBuilderTest, ReuseKeepsTheBuffer) {
  RecordBatchBuilder builder;
  const std::string value(100, 'v');
  for (int round = 0; round < 3; ++round) {
    builder.begin(0);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(builder.append(i, std::nullopt, asBytes(value)));
    builder.finish();
  }
  const std::size_t capacity = builder.capacity();
  const uint8_t* data = builder.finish().data();
  builder.reset();
  EXPECT_EQ(builder.sizeInBytes(), 0u);
  builder.begin(0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(builder.append(i, std::nullopt, asBytes(value)));
  EXPECT_EQ(builder.capacity(), capacity);
  EXPECT_EQ(builder.finish().data(), data);
}

TEST(RecordBatchBuilderTest, EstimatedSizeIsExactWithTimestampAndBoundsWithout) {
  RecordBatchBuilder builder;
  const RecordHeaderView header{"name", std::nullopt};
  EXPECT_EQ(builder.estimatedSizeAfter(3, 200, {}, 50), 61u + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 2 + 200 + 1);
  builder.begin(50);
  for (int i = 0; i < 200; ++i) {
    const int64_t timestamp = 50 + int64_t{i} * 1'000'003;
    const std::size_t exact = builder.estimatedSizeAfter(3, 200, std::span(&header, 1), timestamp);
    const std::size_t bound = builder.estimatedSizeAfter(3, 200, std::span(&header, 1));
    ASSERT_TRUE(builder.append(timestamp, asBytes("key"), asBytes(std::string(200, 'x')), std::span(&header, 1)));
    ASSERT_EQ(builder.sizeInBytes(), exact) << i;
    ASSERT_GE(bound, exact);
  }
}

TEST(RecordBatchBuilderTest, AppendWithoutBeginFailsAndFinishIsEmpty) {
  RecordBatchBuilder builder;
  EXPECT_FALSE(builder.append(0, std::nullopt, std::nullopt));
  EXPECT_TRUE(builder.finish().empty());
}

TEST(RecordBatchBuilderTest, EmptyBatchIsValid) {
  RecordBatchBuilder builder;
  builder.begin(77);
  DecodeError error;
  const auto view = RecordBatchView::parse(builder.finish(3), error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_EQ(view->batchLength(), 49);
  EXPECT_EQ(view->recordsCount(), 0);
  EXPECT_EQ(view->lastOffsetDelta(), -1);
  EXPECT_EQ(view->maxTimestamp(), 77);
  EXPECT_TRUE(view->crcValid());
  EXPECT_TRUE(readAll(*view).empty());
}

TEST(RecordBatchBuilderTest, TakeBytesMovesTheBatchOut) {
  RecordBatchBuilder builder;
  builder.begin(0);
  ASSERT_TRUE(builder.append(0, asBytes("k"), asBytes("v")));
  const std::span<const uint8_t> finished = builder.finish();
  const Bytes expected(finished.begin(), finished.end());
  EXPECT_EQ(builder.takeBytes(), expected);
  EXPECT_EQ(builder.sizeInBytes(), 0u);
  EXPECT_FALSE(builder.append(0, std::nullopt, std::nullopt));
}

}  // namespace
}  // namespace kafkalite::protocol
