#include "mockbroker/log_validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "batch_fixtures.hpp"
#include "mockbroker/log.hpp"
#include "protocol/compression.hpp"

// Kafka's LogValidator (storage/.../log/LogValidator.java) on the leader's append path,
// through Log::appendAsLeader.
namespace kafkalite::mock {
namespace {

using namespace fixtures;
using protocol::CompressionType;
using protocol::TimestampType;
using Bytes = std::vector<uint8_t>;

constexpr CompressionType kCodecs[] = {CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                       CompressionType::Zstd};
constexpr int64_t kNow = 1'700'000'000'000;

std::string name(CompressionType type) { return std::string(protocol::compressionTypeName(type)); }

struct ReadRecord {
  int64_t offset;
  int64_t timestamp;
  std::string key;  ///< "" for a null key
  bool operator==(const ReadRecord&) const = default;
};

std::vector<ReadRecord> recordsOf(std::span<const uint8_t> batch) {
  protocol::Decompressor decompressor;
  const auto view = viewOf(batch);
  EXPECT_TRUE(view);
  std::vector<ReadRecord> out;
  auto cursor = view->records(decompressor);
  protocol::RecordView r;
  while (cursor.next(r)) {
    out.push_back({view->offsetOf(r), view->timestampOf(r), r.key ? std::string(r.key->begin(), r.key->end()) : ""});
  }
  EXPECT_FALSE(cursor.failed()) << cursor.error().message();
  return out;
}

// The uncompressed batch's records with their offset deltas all set to 0 (as old clients
// wrote inner offsets wrongly). Needs records whose length, timestamp delta and offset
// delta each take one byte, as makeBatch's small records do.
Bytes withZeroOffsetDeltas(Bytes batch) {
  std::size_t at = protocol::kRecordBatchHeaderSize;
  while (at < batch.size()) {
    const std::size_t length = protocol::unzigzag32(batch[at]);
    EXPECT_LT(batch[at], 0x80);
    batch[at + 3] = 0;  // length, attributes, timestampDelta, then offsetDelta
    at += 1 + length;
  }
  EXPECT_EQ(at, batch.size());
  fixCrc(batch);
  return batch;
}

// Rewrites recordsCount and lastOffsetDelta together (so the header agrees with itself).
void setCount(Bytes& batch, int32_t count) {
  storeBigEndian(batch, 57, static_cast<uint32_t>(count), 4);
  storeBigEndian(batch, 23, static_cast<uint32_t>(count - 1), 4);
  fixCrc(batch);
}

TEST(LogValidatorTest, CompressedBatchIsStoredInItsCodecWithoutRecompression) {
  for (const auto codec : kCodecs) {
    Log log;
    ASSERT_EQ(log.appendAsLeader(makeBatch(2), 0, nullptr, kNow).error, ErrorCode::NONE);
    const Bytes batch = makeBatch(BatchSpec{.records = 5, .valueSize = 200, .attributes = {.compression = codec}});
    const auto info = log.appendAsLeader(batch, 3, nullptr, kNow);
    ASSERT_EQ(info.error, ErrorCode::NONE) << name(codec) << ": " << info.errorMessage;
    EXPECT_EQ(info.firstOffset, 2);
    EXPECT_EQ(info.lastOffset, 6);
    EXPECT_EQ(info.logAppendTime, -1);
    const auto& stored = log.batches().back().bytes;
    // Only baseOffset and the leader epoch (outside the CRC) are the broker's.
    ASSERT_EQ(stored.size(), batch.size());
    EXPECT_TRUE(std::equal(batch.begin() + 16, batch.end(), stored.begin() + 16)) << name(codec);
    EXPECT_EQ(viewOf(stored)->compression(), codec);
    EXPECT_EQ(recordsOf(stored).size(), 5u);
    EXPECT_EQ(recordsOf(stored).front().offset, 2);
  }
}

// DefaultRecordBatch's iterator: exactly recordsCount records, nothing after the last.
TEST(LogValidatorTest, CompressedRecordCountThatLiesIsInvalidRecord) {
  for (const auto codec : kCodecs) {
    Log log;
    Bytes more = makeBatch(BatchSpec{.records = 3, .attributes = {.compression = codec}});
    setCount(more, 4);
    auto info = log.appendAsLeader(more, 0, nullptr, kNow);
    EXPECT_EQ(info.error, ErrorCode::INVALID_RECORD) << name(codec);
    EXPECT_NE(info.errorMessage.find("records[3]"), std::string::npos) << info.errorMessage;

    Bytes fewer = makeBatch(BatchSpec{.records = 3, .attributes = {.compression = codec}});
    setCount(fewer, 2);
    info = log.appendAsLeader(fewer, 0, nullptr, kNow);
    EXPECT_EQ(info.error, ErrorCode::INVALID_RECORD) << name(codec);
    EXPECT_NE(info.errorMessage.find("after the last of 2 records"), std::string::npos) << info.errorMessage;
    EXPECT_EQ(log.logEndOffset(), 0);
  }
}

// Compressed records the codec cannot read, behind a valid CRC: CORRUPT_MESSAGE (Kafka
// itself answers UNKNOWN_SERVER_ERROR here, its decompressor's IOException becoming a
// KafkaException), and nothing is appended.
TEST(LogValidatorTest, UndecodableCompressedRecordsAreCorruptMessage) {
  for (const auto codec : kCodecs) {
    Log log;
    Bytes batch = makeBatch(BatchSpec{.records = 20, .valueSize = 100, .attributes = {.compression = codec}});
    for (std::size_t i = protocol::kRecordBatchHeaderSize + 20; i < batch.size(); i += 7) batch[i] ^= 0x5a;
    fixCrc(batch);
    const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
    EXPECT_EQ(info.error, ErrorCode::CORRUPT_MESSAGE) << name(codec) << ": " << info.errorMessage;
    EXPECT_NE(info.errorMessage.find(name(codec)), std::string::npos) << info.errorMessage;

    Bytes cut = makeBatch(BatchSpec{.records = 20, .valueSize = 100, .attributes = {.compression = codec}});
    cut.resize(cut.size() - 5);
    storeBigEndian(cut, 8, cut.size() - 12, 4);
    fixCrc(cut);
    EXPECT_EQ(log.appendAsLeader(cut, 0, nullptr, kNow).error, ErrorCode::CORRUPT_MESSAGE) << name(codec);
    EXPECT_EQ(log.logEndOffset(), 0);
    EXPECT_TRUE(log.batches().empty());
  }
}

// A decompression bomb: a small batch whose records decompress past the bound is refused
// before the memory is taken; the same batch passes under a larger bound.
TEST(LogValidatorTest, DecompressionBombIsMessageTooLarge) {
  for (const auto codec : kCodecs) {
    LogConfig config;
    config.maxDecompressedBatchBytes = 1 << 20;
    Log log(config);
    const Bytes bomb = makeBatch(BatchSpec{.records = 1, .valueSize = 4 << 20, .attributes = {.compression = codec}});
    ASSERT_LT(bomb.size(), 300'000u) << name(codec);
    const auto info = log.appendAsLeader(bomb, 0, nullptr, kNow);
    EXPECT_EQ(info.error, ErrorCode::MESSAGE_TOO_LARGE) << name(codec) << ": " << info.errorMessage;
    EXPECT_NE(info.errorMessage.find("more than 1048576 bytes"), std::string::npos) << info.errorMessage;
    EXPECT_EQ(log.logEndOffset(), 0);

    config.maxDecompressedBatchBytes = 8 << 20;
    Log roomy(config);
    EXPECT_EQ(roomy.appendAsLeader(bomb, 0, nullptr, kNow).error, ErrorCode::NONE) << name(codec);
  }
}

TEST(LogValidatorTest, UnknownCodecIsUnsupportedCompressionType) {
  Log log;
  Bytes batch = makeBatch(3);
  storeBigEndian(batch, 21, 6, 2);  // codec bits 6
  fixCrc(batch);
  const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
  EXPECT_EQ(info.error, ErrorCode::UNSUPPORTED_COMPRESSION_TYPE);
  EXPECT_EQ(info.errorMessage, "Unknown compression type id: 6");
}

// LogValidator: inner offsets that are not 0, 1, 2, ... make a compressed batch be rebuilt
// with consecutive ones, in the same codec; an uncompressed batch is stored as it came
// (Kafka's assignOffsetsNonCompressed does not look at them).
TEST(LogValidatorTest, CompressedBatchWithWrongInnerOffsetsIsRewrittenInItsCodec) {
  const Bytes plain = withZeroOffsetDeltas(makeBatch(BatchSpec{.records = 3, .baseTimestamp = kNow}));
  for (const auto codec : kCodecs) {
    Log log;
    const Bytes batch = compressed(plain, codec);
    ASSERT_FALSE(batch.empty());
    EXPECT_EQ(recordsOf(batch), (std::vector<ReadRecord>{{0, kNow, "k0"}, {0, kNow + 1, "k1"}, {0, kNow + 2, "k2"}}));
    const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
    ASSERT_EQ(info.error, ErrorCode::NONE) << info.errorMessage;
    const auto& stored = log.batches().back().bytes;
    const auto view = viewOf(stored);
    EXPECT_EQ(view->compression(), codec);
    EXPECT_TRUE(view->crcValid());
    EXPECT_EQ(recordsOf(stored), (std::vector<ReadRecord>{{0, kNow, "k0"}, {1, kNow + 1, "k1"}, {2, kNow + 2, "k2"}}));
  }
  Log log;
  ASSERT_EQ(log.appendAsLeader(plain, 0, nullptr, kNow).error, ErrorCode::NONE);
  EXPECT_TRUE(std::equal(plain.begin() + 16, plain.end(), log.batches().back().bytes.begin() + 16));
}

// message.timestamp.type=LogAppendTime: the broker's time in maxTimestamp, the attribute
// bit set, a new CRC; compressed records stay as they were sent.
TEST(LogValidatorTest, LogAppendTimeIsStampedIntoTheBatch) {
  LogConfig config;
  config.messageTimestampType = TimestampType::LogAppendTime;
  for (const auto codec : {CompressionType::None, CompressionType::Gzip, CompressionType::Snappy,
                           CompressionType::Lz4, CompressionType::Zstd}) {
    Log log(config);
    const Bytes batch = makeBatch(BatchSpec{.records = 3, .baseTimestamp = 1000, .attributes = {.compression = codec}});
    const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
    ASSERT_EQ(info.error, ErrorCode::NONE) << info.errorMessage;
    EXPECT_EQ(info.logAppendTime, kNow);
    EXPECT_EQ(info.maxTimestamp, kNow);
    const auto& stored = log.batches().back().bytes;
    const auto view = viewOf(stored);
    EXPECT_EQ(view->timestampType(), TimestampType::LogAppendTime);
    EXPECT_EQ(view->maxTimestamp(), kNow);
    EXPECT_EQ(view->compression(), codec);
    EXPECT_TRUE(view->crcValid());
    EXPECT_TRUE(std::equal(batch.begin() + protocol::kRecordBatchHeaderSize, batch.end(),
                           stored.begin() + protocol::kRecordBatchHeaderSize));
    for (const auto& r : recordsOf(stored)) EXPECT_EQ(r.timestamp, kNow);
    EXPECT_EQ(log.offsetForTimestamp(kNow), (TimestampAndOffset{kNow, 0, 0}));
  }
}

// CreateTime: the header's maxTimestamp becomes the records' largest (Kafka's setMaxTimestamp),
// whatever the producer wrote.
TEST(LogValidatorTest, CreateTimeMaxTimestampIsTheRecordsLargest) {
  for (const auto codec : {CompressionType::None, CompressionType::Zstd}) {
    Log log;
    Bytes batch = makeBatch(BatchSpec{.records = 3, .baseTimestamp = 5000, .timestampStep = 10,
                                      .attributes = {.compression = codec}});
    storeBigEndian(batch, 35, 1, 8);  // maxTimestamp 1: a lie
    fixCrc(batch);
    const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
    ASSERT_EQ(info.error, ErrorCode::NONE);
    EXPECT_EQ(info.maxTimestamp, 5020);
    const auto view = viewOf(log.batches().back().bytes);
    EXPECT_EQ(view->maxTimestamp(), 5020);
    EXPECT_TRUE(view->crcValid());
    EXPECT_EQ(log.batches().back().maxTimestamp, 5020);
  }
}

// validateTimestamp: a producer may not set LogAppendTime on a LogAppendTime topic (every
// record is reported); on a CreateTime topic the batch becomes CreateTime.
TEST(LogValidatorTest, ProducerSetLogAppendTime) {
  LogConfig config;
  config.messageTimestampType = TimestampType::LogAppendTime;
  Log appendTimeLog(config);
  const Bytes batch = makeBatch(BatchSpec{.records = 2, .attributes = {.compression = CompressionType::Lz4,
                                                                        .timestampType = TimestampType::LogAppendTime}});
  const auto info = appendTimeLog.appendAsLeader(batch, 0, nullptr, kNow);
  EXPECT_EQ(info.error, ErrorCode::INVALID_TIMESTAMP);
  EXPECT_EQ(info.errorMessage, "One or more records have been rejected due to invalid timestamp");
  ASSERT_EQ(info.recordErrors.size(), 2u);
  EXPECT_EQ(info.recordErrors[1].batchIndex, 1);
  EXPECT_NE(info.recordErrors[0].message.find("Producer should not set timestamp type to LogAppendTime"),
            std::string::npos);

  Log createTimeLog;
  ASSERT_EQ(createTimeLog.appendAsLeader(batch, 0, nullptr, kNow).error, ErrorCode::NONE);
  EXPECT_EQ(viewOf(createTimeLog.batches().back().bytes)->timestampType(), TimestampType::CreateTime);
}

// message.timestamp.before.max.ms / after.max.ms bound CreateTime timestamps, per record.
TEST(LogValidatorTest, TimestampsOutsideTheConfiguredWindowAreInvalidTimestamp) {
  LogConfig config;
  config.messageTimestampBeforeMaxMs = 60'000;
  config.messageTimestampAfterMaxMs = 1'000;
  Log log(config);
  // Records at now - 120 s, now - 30 s, now + 60 s: the first and the last are out.
  const Bytes batch = makeBatch(BatchSpec{.records = 3, .baseTimestamp = kNow - 120'000, .timestampStep = 90'000,
                                          .attributes = {.compression = CompressionType::Gzip}});
  const auto info = log.appendAsLeader(batch, 0, nullptr, kNow);
  EXPECT_EQ(info.error, ErrorCode::INVALID_TIMESTAMP);
  ASSERT_EQ(info.recordErrors.size(), 2u);
  EXPECT_EQ(info.recordErrors[0].batchIndex, 0);
  EXPECT_EQ(info.recordErrors[1].batchIndex, 2);
  EXPECT_NE(info.recordErrors[0].message.find("is out of range"), std::string::npos) << info.recordErrors[0].message;
  EXPECT_EQ(log.logEndOffset(), 0);
  EXPECT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = kNow}), 0, nullptr, kNow).error,
            ErrorCode::NONE);
}

// cleanup.policy=compact: every record needs a key.
TEST(LogValidatorTest, CompactedTopicRefusesKeylessRecords) {
  LogConfig config;
  config.compact = true;
  Log log(config);
  const auto info =
      log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .attributes = {.compression = CompressionType::Snappy},
                                             .keys = false}),
                         0, nullptr, kNow);
  EXPECT_EQ(info.error, ErrorCode::INVALID_RECORD);
  ASSERT_EQ(info.recordErrors.size(), 2u);
  EXPECT_EQ(info.recordErrors[0].message, "Compacted topic cannot accept message without key");
  EXPECT_NE(info.errorMessage.find("2 record errors"), std::string::npos) << info.errorMessage;
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 0, nullptr, kNow).error, ErrorCode::NONE);
}

// spec 8.6 with compressed batches: a retried batch is a duplicate answered with the
// original offsets, after validation (Kafka validates before the producer state).
TEST(LogValidatorTest, CompressedDuplicateGetsTheOriginalOffsets) {
  Log log;
  const Bytes batch = makeBatch(BatchSpec{.records = 4, .producerId = 9, .producerEpoch = 0, .baseSequence = 0,
                                          .attributes = {.compression = CompressionType::Zstd}});
  ASSERT_EQ(log.appendAsLeader(batch, 0, nullptr, kNow).error, ErrorCode::NONE);
  const auto again = log.appendAsLeader(batch, 0, nullptr, kNow);
  EXPECT_EQ(again.error, ErrorCode::NONE);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.firstOffset, 0);
  EXPECT_EQ(log.logEndOffset(), 4);
}

TEST(LogValidatorTest, BrokerCompressionTypeNamesAreKafkas) {
  for (const char* n : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}) {
    const auto type = brokerCompressionTypeForName(n);
    ASSERT_TRUE(type) << n;
    EXPECT_EQ(brokerCompressionTypeName(*type), n);
  }
  EXPECT_FALSE(brokerCompressionTypeForName("none"));
  EXPECT_FALSE(brokerCompressionTypeForName("Producer"));
}

}  // namespace
}  // namespace kafkalite::mock
