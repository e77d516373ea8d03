// Compressed record batches through the in-process cluster: every codec produced, replicated
// and fetched as it arrived; Kafka's LogValidator refusals (corrupt streams, lying counts,
// decompression bombs) that leave other clients unharmed; the Produce and Fetch version
// rules for zstd; LogAppendTime; ListOffsets and the record views inside compressed batches.

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <string>
#include <vector>

#include "protocol/crc32c.hpp"
#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::CompressionType;
using Bytes = std::vector<uint8_t>;

constexpr CompressionType kCodecs[] = {CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4,
                                       CompressionType::Zstd};

std::string name(CompressionType type) { return std::string(protocol::compressionTypeName(type)); }

BatchOptions withCodec(CompressionType codec, std::optional<int64_t> baseTimestamp = std::nullopt,
                       protocol::TimestampType timestampType = protocol::TimestampType::CreateTime) {
  BatchOptions o;
  o.compression = codec;
  o.baseTimestamp = baseTimestamp;
  o.timestampType = timestampType;
  return o;
}

MockClusterOptions options(int32_t brokers, int16_t rf) {
  MockClusterOptions o;
  o.brokers = brokers;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"c", 1, rf, std::nullopt}};
  return o;
}

std::vector<TestRecord> sampleRecords(const std::string& prefix, int n) {
  std::vector<TestRecord> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(TestRecord{prefix + "-key-" + std::to_string(i),
                             prefix + " value " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog",
                             std::nullopt,
                             {{"trace", "t-" + std::to_string(i)}, {"empty", std::nullopt}}});
  }
  return out;
}

// The header of one record holding `valueSize` bytes (key null, no headers), as it
// precedes the value in a batch's records section.
Bytes recordPrefix(std::size_t valueSize) {
  Bytes out(32);
  const std::size_t body = 1 + 1 + 1 + 1 + protocol::varintSize(static_cast<int32_t>(valueSize)) + valueSize + 1;
  uint8_t* p = protocol::putUvarint(out.data(), protocol::zigzag32(static_cast<int32_t>(body)));
  *p++ = 0;                                // attributes
  *p++ = 0;                                // timestampDelta
  *p++ = 0;                                // offsetDelta
  *p++ = 1;                                // key: null (zigzag -1)
  p = protocol::putUvarint(p, protocol::zigzag32(static_cast<int32_t>(valueSize)));
  out.resize(static_cast<std::size_t>(p - out.data()));
  return out;
}

// A one-record batch whose record claims `valueSize` zero bytes, compressed by streaming so
// that the plaintext never exists here: a decompression bomb of `valueSize` bytes.
Bytes bombBatch(CompressionType codec, std::size_t valueSize) {
  const Bytes prefix = recordPrefix(valueSize);
  const Bytes zeros(1 << 20, 0);
  Bytes compressed;
  if (codec == CompressionType::Zstd) {
    // As the Java producer's stream writes it: no content size in the frame header.
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
    Bytes chunk(ZSTD_CStreamOutSize());
    auto feed = [&](std::span<const uint8_t> in, ZSTD_EndDirective mode) {
      ZSTD_inBuffer input{in.data(), in.size(), 0};
      for (;;) {
        ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
        const std::size_t left = ZSTD_compressStream2(cctx, &output, &input, mode);
        compressed.insert(compressed.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(output.pos));
        if (mode == ZSTD_e_end ? left == 0 : input.pos == input.size) break;
      }
    };
    feed(prefix, ZSTD_e_continue);
    for (std::size_t done = 0; done < valueSize; done += zeros.size()) {
      feed(std::span<const uint8_t>(zeros).first(std::min(zeros.size(), valueSize - done)), ZSTD_e_continue);
    }
    const uint8_t headerCount = 0;
    feed(std::span<const uint8_t>(&headerCount, 1), ZSTD_e_end);
    ZSTD_freeCCtx(cctx);
  } else {
    z_stream s{};
    deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE);  // run-length matches: the best ratio on zeros, quickly
    Bytes chunk(1 << 16);
    auto feed = [&](std::span<const uint8_t> in, int flush) {
      s.next_in = const_cast<Bytef*>(in.data());
      s.avail_in = static_cast<uInt>(in.size());
      do {
        s.next_out = chunk.data();
        s.avail_out = static_cast<uInt>(chunk.size());
        deflate(&s, flush);
        compressed.insert(compressed.end(), chunk.begin(), chunk.end() - s.avail_out);
      } while (s.avail_out == 0);
    };
    feed(prefix, Z_NO_FLUSH);
    for (std::size_t done = 0; done < valueSize; done += zeros.size()) {
      feed(std::span<const uint8_t>(zeros).first(std::min(zeros.size(), valueSize - done)), Z_NO_FLUSH);
    }
    const uint8_t headerCount = 0;
    feed(std::span<const uint8_t>(&headerCount, 1), Z_FINISH);
    deflateEnd(&s);
  }
  // The header of a one-record batch, then the compressed records; then the CRC.
  Bytes batch = makeBatch({TestRecord{std::nullopt, std::string("x"), std::nullopt, {}}});
  batch.resize(protocol::kRecordBatchHeaderSize);
  batch.insert(batch.end(), compressed.begin(), compressed.end());
  protocol::detail::storeBigEndian(batch.data() + 8, batch.size() - 12, 4);
  protocol::detail::storeBigEndian(batch.data() + 21, static_cast<uint64_t>(codec), 2);
  protocol::detail::storeBigEndian(batch.data() + 17, protocol::crc32c(std::span<const uint8_t>(batch).subspan(21)), 4);
  return batch;
}

void refreshCrc(Bytes& batch) {
  protocol::detail::storeBigEndian(batch.data() + 17, protocol::crc32c(std::span<const uint8_t>(batch).subspan(21)), 4);
}

// Peak resident memory of this process (VmHWM), in bytes.
std::size_t peakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Every codec, acks=-1 on three replicas: each batch is stored and replicated in the codec it
// came in (followers hold the leader's bytes), and a consumer fetch returns every record
// with its key, value and headers.
TEST(Compression, EveryCodecIsReplicatedAndFetchedAsItArrived) {
  MockCluster cluster(options(3, 3));
  const int32_t leader = cluster.partition("c", 0).leader;
  auto client = connectTo(cluster, leader);
  std::vector<FetchedRecord> expected;
  int64_t offset = 0;
  std::vector<Bytes> sent;
  for (const auto codec : kCodecs) {
    const auto records = sampleRecords(name(codec), 20);
    sent.push_back(makeBatch(records, withCodec(codec)));
    const auto r = produce(*client, "c", 0, sent.back(), -1);
    ASSERT_EQ(describe(r), "NONE baseOffset=" + std::to_string(offset)) << name(codec);
    for (const auto& rec : records) {
      expected.push_back(FetchedRecord{offset++, 0, rec.key, rec.value, -1, -1, rec.headers, codec, {}});
    }
  }
  ASSERT_TRUE(waitFullyReplicated(cluster, "c", 0));

  const auto reply = client->roundTrip(fetchRequest("c", 0, 0, 0, 1), 11);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "c", 0);
  ASSERT_NE(p, nullptr);
  std::string error;
  auto fetched = decodeRecords(p->records.bytes, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(fetched.size(), expected.size());
  for (std::size_t i = 0; i < fetched.size(); ++i) {
    EXPECT_EQ(fetched[i].offset, expected[i].offset);
    EXPECT_EQ(fetched[i].key, expected[i].key);
    EXPECT_EQ(fetched[i].value, expected[i].value);
    EXPECT_EQ(fetched[i].headers, expected[i].headers);
    EXPECT_EQ(fetched[i].compression, expected[i].compression) << "offset " << i;
  }
  // The fetched batches are the produced ones, byte for byte after the broker's fields.
  protocol::RecordBatchIterator it(p->records.bytes);
  protocol::RecordBatchView view;
  for (const auto& batch : sent) {
    ASSERT_TRUE(it.next(view));
    EXPECT_TRUE(std::equal(batch.begin() + 16, batch.end(), view.bytes().begin() + 16, view.bytes().end()));
  }
  // Every replica's record view reads inside the compressed batches.
  for (int32_t broker = 1; broker <= 3; ++broker) {
    const auto stored = cluster.records("c", 0, broker);
    ASSERT_EQ(stored.size(), expected.size()) << "broker " << broker;
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].value, expected[i].value);
  }
}

// Corrupt streams, lying counts and decompression bombs get their errors on their own
// connection; another client produces and fetches meanwhile, and nothing of the refused
// batches is stored. The bombs (1 GiB of zstd, 256 MiB of gzip) stop at the broker's bound
// (64 MiB) instead of taking the memory they claim.
TEST(Compression, BadCompressedBatchesAreRefusedWithoutHarmingOtherClients) {
  MockCluster cluster(options(1, 1));
  auto healthy = connectTo(cluster, 1);
  auto bad = connectTo(cluster, 1);
  int64_t next = 0;
  const auto produceHealthy = [&] {
    const auto batch = makeValueBatch({"ok-" + std::to_string(next)}, withCodec(CompressionType::Lz4));
    const auto r = produce(*healthy, "c", 0, batch, 1);
    EXPECT_EQ(describe(r), "NONE baseOffset=" + std::to_string(next));
    ++next;
  };
  produceHealthy();

  for (const auto codec : kCodecs) {
    // The compressed records cut short, behind a valid CRC.
    Bytes corrupt = makeBatch(sampleRecords("corrupt", 30), withCodec(codec));
    corrupt.resize(corrupt.size() - 5);
    protocol::detail::storeBigEndian(corrupt.data() + 8, corrupt.size() - 12, 4);
    refreshCrc(corrupt);
    EXPECT_EQ(describe(produce(*bad, "c", 0, corrupt, 1)), "CORRUPT_MESSAGE baseOffset=-1") << name(codec);
    produceHealthy();

    Bytes lying = makeBatch(sampleRecords("lying", 3), withCodec(codec));
    protocol::detail::storeBigEndian(lying.data() + 57, 5, 4);  // recordsCount 5
    protocol::detail::storeBigEndian(lying.data() + 23, 4, 4);  // lastOffsetDelta 4
    refreshCrc(lying);
    EXPECT_EQ(describe(produce(*bad, "c", 0, lying, 1)), "INVALID_RECORD baseOffset=-1") << name(codec);
    produceHealthy();
  }

  const std::size_t peakBefore = peakResidentBytes();
  for (const auto& [codec, size] : {std::pair{CompressionType::Zstd, std::size_t{1} << 30},
                                    std::pair{CompressionType::Gzip, std::size_t{256} << 20}}) {
    const Bytes bomb = bombBatch(codec, size);
    ASSERT_LT(bomb.size(), 1'000'000u) << name(codec) << " bomb of " << bomb.size() << " bytes";
    const auto r = produce(*bad, "c", 0, bomb, 1);
    EXPECT_EQ(describe(r), "MESSAGE_TOO_LARGE baseOffset=-1") << name(codec);
    produceHealthy();
  }
  // Generous: the bound is 64 MiB; a bomb that was not stopped would have taken 1 GiB.
  EXPECT_LT(peakResidentBytes() - peakBefore, std::size_t{512} << 20);

  // Produce v8+ names the problem.
  Bytes corrupt = makeBatch(sampleRecords("corrupt", 30), withCodec(CompressionType::Zstd));
  corrupt[protocol::kRecordBatchHeaderSize] ^= 0xff;  // the zstd magic
  refreshCrc(corrupt);
  const auto reply = bad->roundTrip(produceRequest("c", 0, corrupt, 1), 8);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "c", 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(errName(p->errorCode), "CORRUPT_MESSAGE");
  ASSERT_TRUE(p->errorMessage);
  EXPECT_NE(p->errorMessage->find("zstd"), std::string::npos) << *p->errorMessage;

  const auto stored = cluster.records("c", 0, 1);
  EXPECT_EQ(stored.size(), static_cast<std::size_t>(next));
  for (const auto& rec : stored) EXPECT_EQ(rec.value.value_or("").rfind("ok-", 0), 0u);
}

// ProduceRequest.validateRecords: zstd needs Produce v7 (librdkafka's ZSTD feature checks
// the same); other codecs go at any version from 3.
TEST(Compression, ZstdNeedsProduceV7) {
  MockCluster cluster(options(1, 1));
  auto client = connectTo(cluster, 1);
  const Bytes zstd = makeValueBatch({"z"}, withCodec(CompressionType::Zstd));
  for (int16_t version = 3; version <= 6; ++version) {
    const auto r = produce(*client, "c", 0, zstd, 1, 30000, version);
    EXPECT_EQ(describe(r), "UNSUPPORTED_COMPRESSION_TYPE baseOffset=-1") << "v" << version;
  }
  EXPECT_EQ(describe(produce(*client, "c", 0, zstd, 1, 30000, 7)), "NONE baseOffset=0");
  EXPECT_EQ(describe(produce(*client, "c", 0, zstd, 1, 30000, 9)), "NONE baseOffset=1");
  const Bytes gzip = makeValueBatch({"g"}, withCodec(CompressionType::Gzip));
  EXPECT_EQ(describe(produce(*client, "c", 0, gzip, 1, 30000, 3)), "NONE baseOffset=2");
}

// Kafka's KafkaApis: a topic whose compression.type is zstd is not served below Fetch v10.
// Batches keep the codec they came in: the gzip batch is fetched as gzip.
TEST(Compression, ZstdTopicRefusesFetchBelowV10) {
  auto o = options(1, 1);
  o.compressionType = "zstd";
  MockCluster cluster(o);
  auto client = connectTo(cluster, 1);
  const Bytes gzip = makeValueBatch({"g"}, withCodec(CompressionType::Gzip));
  ASSERT_EQ(describe(produce(*client, "c", 0, gzip, 1)), "NONE baseOffset=0");
  for (int16_t version : {4, 9}) {
    const auto reply = client->roundTrip(fetchRequest("c", 0, 0, 0, 1), version);
    ASSERT_TRUE(reply.ok()) << reply.error;
    const auto* p = findPartition(reply.body, "c", 0);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(errName(p->errorCode), "UNSUPPORTED_COMPRESSION_TYPE") << "v" << version;
    EXPECT_EQ(p->highWatermark, -1);
    EXPECT_TRUE(p->records.bytes.empty());
  }
  const auto reply = client->roundTrip(fetchRequest("c", 0, 0, 0, 1), 10);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "c", 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(errName(p->errorCode), "NONE");
  const auto records = decodeRecords(p->records.bytes);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].compression, CompressionType::Gzip);

  auto other = options(1, 1);
  other.compressionType = "snappy";
  MockCluster plain(other);
  auto c2 = connectTo(plain, 1);
  ASSERT_EQ(describe(produce(*c2, "c", 0, gzip, 1)), "NONE baseOffset=0");
  const auto v4 = c2->roundTrip(fetchRequest("c", 0, 0, 0, 1), 4);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(errName(findPartition(v4.body, "c", 0)->errorCode), "NONE");
}

// log.message.timestamp.type=LogAppendTime: the Produce response carries the append time,
// and the fetched (and replicated) batches carry it and the LogAppendTime attribute. A
// producer that sets LogAppendTime itself gets INVALID_TIMESTAMP with every record listed.
TEST(Compression, LogAppendTimeIsStampedAndAnswered) {
  auto o = options(2, 2);
  o.logMessageTimestampType = "LogAppendTime";
  MockCluster cluster(o);
  const int32_t leader = cluster.partition("c", 0).leader;
  auto client = connectTo(cluster, leader);
  const int64_t before = wallClockMs();
  const Bytes batch = makeBatch(sampleRecords("lat", 5), withCodec(CompressionType::Snappy, 1000));
  const auto reply = client->roundTrip(produceRequest("c", 0, batch, -1), 7);
  const int64_t after = wallClockMs();
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "c", 0);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(errName(p->errorCode), "NONE");
  EXPECT_GE(p->logAppendTimeMs, before);
  EXPECT_LE(p->logAppendTimeMs, after);
  ASSERT_TRUE(waitFullyReplicated(cluster, "c", 0));

  const auto fetch = client->roundTrip(fetchRequest("c", 0, 0, 0, 1), 11);
  ASSERT_TRUE(fetch.ok());
  const auto records = decodeRecords(findPartition(fetch.body, "c", 0)->records.bytes);
  ASSERT_EQ(records.size(), 5u);
  for (const auto& r : records) {
    EXPECT_EQ(r.timestamp, p->logAppendTimeMs);
    EXPECT_EQ(r.timestampType, protocol::TimestampType::LogAppendTime);
    EXPECT_EQ(r.compression, CompressionType::Snappy);
  }
  for (const auto& r : cluster.records("c", 0, leader == 1 ? 2 : 1)) EXPECT_EQ(r.timestamp, p->logAppendTimeMs);

  const Bytes producerSet = makeBatch(sampleRecords("set", 2),
                                      withCodec(CompressionType::Gzip, std::nullopt, protocol::TimestampType::LogAppendTime));
  const auto refused = client->roundTrip(produceRequest("c", 0, producerSet, 1), 8);
  ASSERT_TRUE(refused.ok());
  const auto* rp = findPartition(refused.body, "c", 0);
  ASSERT_NE(rp, nullptr);
  EXPECT_EQ(errName(rp->errorCode), "INVALID_TIMESTAMP");
  ASSERT_EQ(rp->recordErrors.size(), 2u);
  EXPECT_EQ(rp->recordErrors[1].batchIndex, 1);
}

// ListOffsets v1+ by timestamp finds records inside compressed batches.
TEST(Compression, ListOffsetsFindsRecordsInsideCompressedBatches) {
  MockCluster cluster(options(1, 1));
  auto client = connectTo(cluster, 1);
  std::vector<TestRecord> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back(TestRecord{std::nullopt, "v" + std::to_string(i), 10'000 + i * 100, {}});
  }
  const Bytes batch = makeBatch(records, withCodec(CompressionType::Zstd, 10'000));
  ASSERT_EQ(describe(produce(*client, "c", 0, batch, 1)), "NONE baseOffset=0");
  for (const auto& [timestamp, offset] : {std::pair<int64_t, int64_t>{10'450, 5}, {10'000, 0}, {10'900, 9}}) {
    const auto reply = client->roundTrip(listOffsetsRequest("c", 0, timestamp), 2);
    ASSERT_TRUE(reply.ok()) << reply.error;
    const auto* p = findPartition(reply.body, "c", 0);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(errName(p->errorCode), "NONE");
    EXPECT_EQ(p->offset, offset) << "timestamp " << timestamp;
    EXPECT_EQ(p->timestamp, 10'000 + offset * 100);
  }
}

}  // namespace
}  // namespace kafkalite::testing
