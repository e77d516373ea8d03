// compression.type in the accumulator: drained batches are compressed with the codec
// (attributes bits 0-2) and read back to the same records, idempotence stamps a compressed
// batch with a valid CRC, a split compressed batch yields compressed halves, and
// batch.size bounds the compressed batch through Java's ratio estimate
// (MemoryRecordsBuilder.estimatedBytesWritten, CompressionRatioEstimator).

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "protocol/compression.hpp"
#include "protocol/record_batch.hpp"
#include "unit/client/accumulator_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

using protocol::CompressionType;

// Log-line-like values: compress several times over, yet differ from record to record.
std::string textValue(std::minstd_rand& rng) {
  static const char* const kWords[] = {"user", "order", "status", "ok", "GET", "/api/v1/items", "latency", "ms"};
  std::string v;
  while (v.size() < 100) {
    v += kWords[rng() % 8];
    v += ' ';
    v += std::to_string(rng() % 1000);
    v += ' ';
  }
  return v;
}

std::string randomValue(std::minstd_rand& rng) {
  std::string v(100, '\0');
  for (char& c : v) c = static_cast<char>(rng() >> 5);
  return v;
}

// The values of a batch's records, decompressing as a consumer does.
std::vector<std::string> valuesOf(std::span<const uint8_t> bytes) {
  protocol::DecodeError error;
  const auto view = protocol::RecordBatchView::parse(bytes, error);
  EXPECT_TRUE(view) << error.message();
  if (!view) return {};
  EXPECT_TRUE(view->crcValid());
  protocol::Decompressor decompressor;
  auto cursor = view->records(decompressor);
  std::vector<std::string> out;
  protocol::RecordView record;
  while (cursor.next(record)) out.emplace_back(record.value->begin(), record.value->end());
  EXPECT_FALSE(cursor.failed()) << cursor.error().message();
  return out;
}

class AccumulatorCompressionTest : public RecordAccumulatorTest,
                                   public ::testing::WithParamInterface<CompressionType> {};

TEST_P(AccumulatorCompressionTest, DrainedBatchIsCompressedAndReadsBack) {
  config.compression = GetParam();
  config.batchNumMessages = 50;
  start();
  std::minstd_rand rng(1);
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back(textValue(rng));
    ASSERT_EQ(append(0, sent.back(), 0), RecordAccumulator::AppendStatus::Appended);
  }
  ready(0);
  const auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  const ProducerBatch& b = *batches[0];
  ASSERT_TRUE(b.compressed());
  protocol::DecodeError error;
  const auto view = protocol::RecordBatchView::parse(b.bytes(), error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_EQ(view->compression(), GetParam());
  EXPECT_EQ(view->recordsCount(), 50);
  EXPECT_LT(b.bytes().size(), b.plainBytes().size() * 7 / 10) << "log-like text compresses";
  EXPECT_EQ(valuesOf(b.bytes()), sent);
}

TEST_P(AccumulatorCompressionTest, IdempotenceStampsTheCompressedBatch) {
  config.compression = GetParam();
  config.guaranteeOrder = true;
  start();
  acc->setProducerIdentity(4711, 3);
  for (int i = 0; i < 3; ++i) append(0, "record-" + std::to_string(i), 0);
  ready(0);
  const auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  protocol::DecodeError error;
  const auto view = protocol::RecordBatchView::parse(batches[0]->bytes(), error);
  ASSERT_TRUE(view) << error.message();
  EXPECT_EQ(view->producerId(), 4711);
  EXPECT_EQ(view->producerEpoch(), 3);
  EXPECT_EQ(view->baseSequence(), 0);
  EXPECT_TRUE(view->crcValid()) << "the header change after compression recomputes the CRC";
  EXPECT_EQ(valuesOf(batches[0]->bytes()), (std::vector<std::string>{"record-0", "record-1", "record-2"}));
}

TEST_P(AccumulatorCompressionTest, SplitHalvesAreCompressedToo) {
  config.compression = GetParam();
  config.batchNumMessages = 4;
  start();
  for (int i = 0; i < 4; ++i) append(0, "v" + std::to_string(i), 0);
  ready(0);
  auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_TRUE(acc->split(batches[0]));
  std::vector<std::string> values;
  for (int i = 0; i < 2; ++i) {
    ready(0);
    batches = drain(1, 0);
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_TRUE(batches[0]->compressed());
    for (auto& v : valuesOf(batches[0]->bytes())) values.push_back(v);
    acc->unmute(*batches[0]);
  }
  EXPECT_EQ(values, (std::vector<std::string>{"v0", "v1", "v2", "v3"}));
}

INSTANTIATE_TEST_SUITE_P(Codecs, AccumulatorCompressionTest,
                         ::testing::Values(CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                           CompressionType::Zstd),
                         [](const auto& info) { return std::string(protocol::compressionTypeName(info.param)); });

// batch.size bounds the compressed batch: compressible records fill batches well past
// batch.size uncompressed once the ratio estimate has learnt from the batches before.
TEST_F(RecordAccumulatorTest, BatchSizeBoundsTheCompressedBatch) {
  config.compression = CompressionType::Lz4;
  config.batchNumMessages = 100000;
  config.batchSizeBytes = 4000;
  config.messageMaxBytes = 1000000;
  handoffSlots = 8000;
  start();
  std::minstd_rand rng(7);
  std::vector<std::pair<int32_t, std::size_t>> batches;
  for (int round = 0; round < 40; ++round) {  // the estimate learns from each drained batch
    for (int i = 0; i < 200; ++i) ASSERT_EQ(append(0, textValue(rng), 0), RecordAccumulator::AppendStatus::Appended);
    for (const auto& b : drainAll(0)) batches.push_back(b);
  }
  int32_t total = 0;
  int32_t most = 0;
  for (const auto& [records, bytes] : batches) {
    EXPECT_LE(bytes, 4000u) << records << " records";
    total += records;
    most = std::max(most, records);
  }
  EXPECT_EQ(total, 8000);
  // ~120-byte records: about 32 fit in 4000 bytes uncompressed, as in the first batch
  // (estimate 1); at the learnt ratio (lz4 halves these records) a batch holds far more.
  EXPECT_LE(batches.front().first, 34);
  EXPECT_GT(most, 3 * batches.front().first / 2);
}

// Incompressible records: the estimate rises above 1 at once (Java's deterioration
// step), and no compressed batch passes batch.size.
TEST_F(RecordAccumulatorTest, IncompressibleRecordsStayWithinBatchSize) {
  config.compression = CompressionType::Zstd;
  config.batchNumMessages = 100000;
  config.batchSizeBytes = 4000;
  handoffSlots = 600;
  start();
  std::minstd_rand rng(9);
  for (int i = 0; i < 600; ++i) ASSERT_EQ(append(0, randomValue(rng), 0), RecordAccumulator::AppendStatus::Appended);
  const auto batches = drainAll(0);
  int32_t total = 0;
  for (const auto& [records, bytes] : batches) {
    EXPECT_LE(bytes, 4000u) << records << " records";
    total += records;
  }
  EXPECT_EQ(total, 600);
}

}  // namespace
}  // namespace kafkalite::client::testing
