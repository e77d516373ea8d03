#include "protocol/record_batch.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// Malformed input: truncations, mutations, absurd header claims, and walks over
// several batches. Every case must end in a clean error, never in a crash or an
// over-read (run under the asan preset to check the latter).

namespace kafkalite::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

std::span<const uint8_t> asBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

void putBigEndian(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

Bytes sampleBatch(int64_t baseOffset = 0, int records = 4) {
  RecordBatchBuilder builder;
  const std::vector<RecordHeaderView> headers = {{"h1", asBytes("one")}, {"h2", std::nullopt}};
  builder.begin(1000, BatchAttributes{}, 5, 1, 0, 3);
  for (int i = 0; i < records; ++i) {
    const std::string value = "value-" + std::to_string(i);
    const bool withHeaders = i % 2 == 1;
    EXPECT_TRUE(builder.append(1000 + i, i == 0 ? std::nullopt : std::optional(asBytes("key")), asBytes(value),
                               withHeaders ? std::span(headers) : std::span<const RecordHeaderView>()));
  }
  const auto bytes = builder.finish(baseOffset);
  return {bytes.begin(), bytes.end()};
}

// Walks everything the view offers; returns the number of records read, or -1
// if the walk ended in an error.
int walk(const RecordBatchView& view) {
  (void)view.crcValid();
  RecordCursor cursor = view.records();
  RecordView record;
  int count = 0;
  while (cursor.next(record)) {
    ++count;
    RecordHeaderCursor headers = record.headers();
    RecordHeaderView header;
    int headerCount = 0;
    while (headers.next(header)) ++headerCount;
    EXPECT_FALSE(headers.failed());
    EXPECT_EQ(headerCount, record.headerCount);
  }
  if (cursor.failed()) {
    EXPECT_FALSE(cursor.error().reason.empty());
    return -1;
  }
  EXPECT_EQ(count, view.recordsCount());
  return count;
}

TEST(RecordBatchRobustnessTest, EveryTruncationIsACleanError) {
  const Bytes batch = sampleBatch();
  for (std::size_t length = 0; length < batch.size(); ++length) {
    // An exactly sized copy, so the sanitizer sees any read past the end.
    const Bytes prefix(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(length));
    DecodeError error;
    EXPECT_FALSE(RecordBatchView::parse(prefix, error)) << "length " << length;
    EXPECT_NE(error.reason.find("truncated"), std::string::npos) << error.message();
  }
}

TEST(RecordBatchRobustnessTest, TruncatedRecordsBehindAConsistentHeaderAreACleanError) {
  const Bytes batch = sampleBatch();
  for (std::size_t length = kRecordBatchHeaderSize; length < batch.size(); ++length) {
    // Shrink batchLength with the bytes, so the framing passes and the damage
    // is found by the record walk.
    Bytes prefix(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(length));
    putBigEndian(prefix.data() + 8, length - kRecordBatchLogOverhead, 4);
    DecodeError error;
    const auto view = RecordBatchView::parse(prefix, error);
    if (!view) continue;  // recordsCount no longer fits the bytes
    EXPECT_EQ(walk(*view), -1) << "length " << length;
  }
}

TEST(RecordBatchRobustnessTest, RandomMutationsNeverCrash) {
  const Bytes original = sampleBatch(0, 6);
  std::mt19937 rng(20240611);
  int parsed = 0;
  int walkedCleanly = 0;
  for (int round = 0; round < 5000; ++round) {
    Bytes mutated = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      // Mostly the records, sometimes the header, so both get exercised.
      const std::size_t at = rng() % 4 == 0 ? rng() % kRecordBatchHeaderSize : rng() % mutated.size();
      mutated[at] = static_cast<uint8_t>(rng());
    }
    if (rng() % 8 == 0) mutated.resize(rng() % mutated.size());
    DecodeError error;
    const auto view = RecordBatchView::parse(mutated, error);
    if (!view) {
      EXPECT_FALSE(error.reason.empty());
      continue;
    }
    ++parsed;
    ASSERT_LE(view->bytes().size(), mutated.size());
    if (walk(*view) >= 0) ++walkedCleanly;
  }
  // The mutations must reach the record walk, not only the framing checks.
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(walkedCleanly, 100);
}

TEST(RecordBatchRobustnessTest, HugeClaimsAreRejectedWithoutReadingThem) {
  Bytes batch = sampleBatch();
  DecodeError error;

  Bytes hugeLength = batch;
  putBigEndian(hugeLength.data() + 8, std::numeric_limits<int32_t>::max(), 4);
  EXPECT_FALSE(RecordBatchView::parse(hugeLength, error));
  EXPECT_NE(error.reason.find("truncated"), std::string::npos) << error.message();

  Bytes negativeLength = batch;
  putBigEndian(negativeLength.data() + 8, 0x80000000u, 4);
  EXPECT_FALSE(RecordBatchView::parse(negativeLength, error));
  EXPECT_EQ(error.path, "batchLength");

  Bytes hugeCount = batch;
  putBigEndian(hugeCount.data() + 57, std::numeric_limits<int32_t>::max(), 4);
  EXPECT_FALSE(RecordBatchView::parse(hugeCount, error));
  EXPECT_EQ(error.path, "recordsCount");

  Bytes negativeCount = batch;
  putBigEndian(negativeCount.data() + 57, 0x80000000u, 4);
  EXPECT_FALSE(RecordBatchView::parse(negativeCount, error));
  EXPECT_EQ(error.path, "recordsCount");

  // A compressed batch's count cannot be bounded before decompression; its
  // records are not walked, so the claim costs nothing.
  Bytes compressedHugeCount = hugeCount;
  compressedHugeCount[22] |= 0x01;
  const auto view = RecordBatchView::parse(compressedHugeCount, error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_EQ(walk(*view), -1);

  Bytes wrongMagic = batch;
  wrongMagic[16] = 1;
  EXPECT_FALSE(RecordBatchView::parse(wrongMagic, error));
  EXPECT_EQ(error.path, "magic");
}

TEST(RecordBatchRobustnessTest, RecordLengthMustMatchItsFields) {
  RecordBatchBuilder builder;
  builder.begin(0);
  ASSERT_TRUE(builder.append(0, asBytes("k"), asBytes("v")));
  const auto finished = builder.finish();
  // Record: length 8 (0x10) | attr | tsDelta | offsetDelta | 0x02 'k' | 0x02 'v' | 0 headers.
  Bytes batch(finished.begin(), finished.end());
  ASSERT_EQ(batch[61], 0x10);

  // Claim one byte more, and supply it, so only the length check can object.
  Bytes longer = batch;
  longer[61] = 0x12;
  longer.push_back(0);
  putBigEndian(longer.data() + 8, longer.size() - 12, 4);
  DecodeError error;
  auto view = RecordBatchView::parse(longer, error);
  ASSERT_TRUE(view) << error.message();
  RecordCursor cursor = view->records();
  RecordView record;
  EXPECT_FALSE(cursor.next(record));
  EXPECT_EQ(cursor.error().path, "records[0]");

  // Claim one byte less: the header count no longer fits.
  Bytes shorter = batch;
  shorter[61] = 0x0e;
  view = RecordBatchView::parse(shorter, error);
  ASSERT_TRUE(view);
  cursor = view->records();
  EXPECT_FALSE(cursor.next(record));
  EXPECT_EQ(cursor.error().path, "records[0].headerCount");
}

TEST(RecordBatchRobustnessTest, RecordsCountMustMatchTheRecords) {
  Bytes batch = sampleBatch(0, 3);
  DecodeError error;
  RecordView record;

  Bytes tooMany = batch;
  putBigEndian(tooMany.data() + 57, 4, 4);
  auto view = RecordBatchView::parse(tooMany, error);
  ASSERT_TRUE(view);
  EXPECT_EQ(walk(*view), -1);

  Bytes tooFew = batch;
  putBigEndian(tooFew.data() + 57, 2, 4);
  view = RecordBatchView::parse(tooFew, error);
  ASSERT_TRUE(view);
  RecordCursor cursor = view->records();
  EXPECT_TRUE(cursor.next(record));
  EXPECT_TRUE(cursor.next(record));
  EXPECT_FALSE(cursor.next(record));
  ASSERT_TRUE(cursor.failed());
  EXPECT_NE(cursor.error().reason.find("after the last of 2 records"), std::string::npos) << cursor.error().message();
}

TEST(RecordBatchIteratorTest, WalksConcatenatedBatchesAndReportsAPartialTail) {
  Bytes blob;
  for (int64_t base : {0, 4, 8}) {
    const Bytes batch = sampleBatch(base);
    blob.insert(blob.end(), batch.begin(), batch.end());
  }
  const Bytes fourth = sampleBatch(12);
  for (std::size_t tail : {std::size_t{5}, std::size_t{30}, fourth.size() - 1}) {
    Bytes withTail = blob;
    withTail.insert(withTail.end(), fourth.begin(), fourth.begin() + static_cast<std::ptrdiff_t>(tail));
    RecordBatchIterator it(withTail);
    RecordBatchView view;
    for (int64_t expectedBase : {0, 4, 8}) {
      ASSERT_TRUE(it.next(view)) << it.error().message();
      EXPECT_EQ(view.baseOffset(), expectedBase);
      EXPECT_TRUE(view.crcValid());
      EXPECT_EQ(walk(view), 4);
    }
    EXPECT_FALSE(it.next(view));
    EXPECT_TRUE(it.partialTail()) << "tail " << tail;
    EXPECT_FALSE(it.failed());
    EXPECT_EQ(it.remainingBytes().size(), tail);
    EXPECT_EQ(it.batchesRead(), 3u);
    EXPECT_FALSE(it.next(view));
  }

  RecordBatchIterator exact(blob);
  RecordBatchView view;
  int batches = 0;
  while (exact.next(view)) ++batches;
  EXPECT_EQ(batches, 3);
  EXPECT_FALSE(exact.partialTail());
  EXPECT_FALSE(exact.failed());
}

TEST(RecordBatchIteratorTest, StopsAtACorruptBatch) {
  Bytes blob;
  for (int64_t base : {0, 4}) {
    const Bytes batch = sampleBatch(base);
    blob.insert(blob.end(), batch.begin(), batch.end());
  }
  const std::size_t second = sampleBatch().size();
  blob[second + 16] = 1;  // magic of the second batch
  RecordBatchIterator it(blob);
  RecordBatchView view;
  EXPECT_TRUE(it.next(view));
  EXPECT_FALSE(it.next(view));
  EXPECT_TRUE(it.failed());
  EXPECT_FALSE(it.partialTail());
  EXPECT_EQ(it.error().path, "batches[1].magic");
  EXPECT_EQ(it.remainingBytes().size(), blob.size() - second);
}

TEST(RecordBatchIteratorTest, EmptyBlobHasNoBatches) {
  RecordBatchIterator it({});
  RecordBatchView view;
  EXPECT_FALSE(it.next(view));
  EXPECT_FALSE(it.partialTail());
  EXPECT_FALSE(it.failed());
}

}  // namespace
}  // namespace kafkalite::protocol
