// Golden bytes from a real client. librdkafka (the C library kcat is built on)
// connects to a plain listening socket; the test answers with responses built by
// our codec, captures the first request of each API, and checks that
//  - our decoder reads every field of it (spot-checked field by field), and
//  - our encoder, given what was decoded, writes the captured frame back byte for byte.
// The socket advertises the broker's version ranges, so the client picks the versions it
// sends to kafkalite's broker: support/rdkafka_versions.hpp lists them for Debian's
// librdkafka 2.0.2 (ApiVersions v3, Metadata v4, InitProducerId v4, Produce v7,
// FindCoordinator v2, ListOffsets v2, Fetch v11) and 2.15.1 (Metadata v12, Produce v9,
// ListOffsets v7, Fetch v12); this file builds once per version (tests/CMakeLists.txt).
// The producer runs idempotent with acks=all and then asks for all topics' metadata; a
// consumer with a group and an assigned partition adds FindCoordinator, ListOffsets and
// Fetch, and must receive the produced record from our Fetch response.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"
#include "protocol/record_batch.hpp"
#include "support/rdkafka_versions.hpp"
#include "unit/protocol/golden/golden_capture.hpp"
#include "support/sniff_server.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::protocol {
namespace {

constexpr int64_t kProducerId = 4242;
const std::string kTopic = "golden";
using kafkalite::testing::kRdkafkaSends;

std::string asString(std::span<const uint8_t> s) { return {reinterpret_cast<const char*>(s.data()), s.size()}; }

class GoldenBroker {
 public:
  GoldenBroker()
      : server_([this](const RequestHeader& h, std::span<const uint8_t> frame, std::span<const uint8_t> body) {
          return handle(h, frame, body);
        }) {}

  uint16_t port() const { return server_.port(); }

  bool waitFor(std::initializer_list<ApiKey> keys, std::chrono::milliseconds timeout) {
    return captured_.waitFor(keys, timeout);
  }
  std::vector<uint8_t> frame(ApiKey key) { return captured_.frame(key); }
  /// The first Metadata request for all topics (a null topic array), if one came.
  std::optional<std::vector<uint8_t>> allTopicsMetadataFrame() {
    std::lock_guard lock(mutex_);
    return allTopicsMetadata_;
  }
  /// Writes each captured frame (without its size prefix) to `dir`/librdkafka-<Api>-v<version>:
  /// scripts/fuzz-seeds.sh keeps them as seeds of the fuzz targets.
  void saveCaptures(const std::string& dir) {
    for (const auto& [key, frame] : captured_.all()) {
      Reader in(frame);
      RequestHeader h;
      if (!decodeRequestHeader(in, h)) continue;
      std::ofstream out(dir + "/librdkafka-" + std::string(apiKeyName(key)) + "-v" + std::to_string(h.apiVersion),
                        std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    }
  }
  RequestHeader header(ApiKey key) {
    const auto f = frame(key);
    Reader in(f);
    RequestHeader h;
    decodeRequestHeader(in, h);
    return h;
  }

 private:
  std::optional<std::vector<uint8_t>> handle(const RequestHeader& h, std::span<const uint8_t> frame,
                                             std::span<const uint8_t> body) {
    captured_.store(h.apiKey, frame);
    std::vector<uint8_t> out;
    switch (h.apiKey) {
      case ApiKey::ApiVersions: {
        ApiVersionsResponse r;
        r.apiKeys = {{0, 3, 9, {}},  {1, 4, 12, {}},  {2, 1, 7, {}}, {3, 0, 12, {}},
                     {10, 0, 2, {}}, {18, 0, 3, {}}, {22, 0, 4, {}}};
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::Metadata: {
        MetadataRequest req;
        if (decode(body, h.apiVersion, req)) return std::nullopt;
        if (!req.topics) {
          std::lock_guard lock(mutex_);
          if (!allTopicsMetadata_) allTopicsMetadata_.emplace(frame.begin(), frame.end());
        }
        MetadataResponse r;
        r.brokers = {{1, "127.0.0.1", port(), std::nullopt, {}}};
        r.clusterId = "golden-cluster";
        r.controllerId = 1;
        MetadataResponse::MetadataResponseTopic topic;
        topic.name = kTopic;
        topic.partitions.push_back({});
        topic.partitions[0].leaderId = 1;
        topic.partitions[0].leaderEpoch = 0;
        topic.partitions[0].replicaNodes = {1};
        topic.partitions[0].isrNodes = {1};
        r.topics.push_back(topic);
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::InitProducerId: {
        InitProducerIdResponse r;
        r.producerId = kProducerId;
        r.producerEpoch = 0;
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::Produce: {
        ProduceRequest req;
        if (decode(body, h.apiVersion, req)) return std::nullopt;
        {
          // Keep the batch, with offset 0 assigned as a leader would, to serve it to the consumer.
          std::lock_guard lock(mutex_);
          const auto& records = req.topicData.at(0).partitionData.at(0).records.bytes;
          storedBatch_.assign(records.begin(), records.end());
          RecordBatchBuilder::setBaseOffset(storedBatch_, 0);
        }
        ProduceResponse r;
        r.responses.push_back({kTopic, {{}}, {}});
        r.responses[0].partitionResponses[0].index = 0;
        r.responses[0].partitionResponses[0].baseOffset = 0;
        r.responses[0].partitionResponses[0].logStartOffset = 0;
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::ListOffsets: {
        ListOffsetsRequest req;
        if (decode(body, h.apiVersion, req)) return std::nullopt;
        ListOffsetsResponse r;
        for (const auto& t : req.topics) {
          r.topics.push_back({t.name, {}, {}});
          for (const auto& p : t.partitions) {
            ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse pr;
            pr.partitionIndex = p.partitionIndex;
            pr.offset = p.timestamp == -2 ? 0 : 1;
            pr.leaderEpoch = 0;
            r.topics.back().partitions.push_back(pr);
          }
        }
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::Fetch: {
        FetchRequest req;
        if (decode(body, h.apiVersion, req)) return std::nullopt;
        std::lock_guard lock(mutex_);
        FetchResponse r;
        for (const auto& t : req.topics) {
          r.responses.push_back({t.topic, {}, {}});
          for (const auto& p : t.partitions) {
            FetchResponse::FetchableTopicResponse::PartitionData pd;
            pd.partitionIndex = p.partition;
            pd.highWatermark = storedBatch_.empty() ? 0 : 1;
            pd.lastStableOffset = pd.highWatermark;
            pd.logStartOffset = 0;
            // An empty record set, never null: librdkafka rejects a null one ("invalid MessageSetSize -1").
            pd.records = Records::of(p.fetchOffset == 0 ? std::span<const uint8_t>(storedBatch_)
                                                        : std::span<const uint8_t>());
            r.responses.back().partitions.push_back(pd);
          }
        }
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      case ApiKey::FindCoordinator: {
        FindCoordinatorResponse r;
        r.errorCode = 15;  // COORDINATOR_NOT_AVAILABLE: the capture needs no group
        r.nodeId = -1;
        r.host = "";
        r.port = -1;
        encodeResponseFrame(h.correlationId, h.apiVersion, r, out);
        break;
      }
      default:
        return std::nullopt;
    }
    return out;
  }

  CapturedRequests captured_;
  std::mutex mutex_;  // allTopicsMetadata_ and storedBatch_
  std::optional<std::vector<uint8_t>> allTopicsMetadata_;
  std::vector<uint8_t> storedBatch_;
  kafkalite::testing::SniffServer server_;
};

struct KafkaHandle {
  rd_kafka_t* rk = nullptr;
  ~KafkaHandle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

// Protocol errors librdkafka logs while parsing our responses ("PROTOERR").
std::mutex gLogMutex;
std::vector<std::string> gProtocolErrors;
void logCallback(const rd_kafka_t*, int, const char* fac, const char* buf) {
  if (std::string_view(fac) == "PROTOERR") {
    std::lock_guard lock(gLogMutex);
    gProtocolErrors.emplace_back(buf);
  }
}

void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[256];
  ASSERT_EQ(rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << key << ": " << err;
}

class LibrdkafkaGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = new GoldenBroker();
    produceAndConsume();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  static void produceAndConsume() {
    const std::string bootstrap = "127.0.0.1:" + std::to_string(broker_->port());
    const auto timeout = kafkalite::testing::scaledTimeout(std::chrono::seconds(20));
    {
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      set(conf, "bootstrap.servers", bootstrap);
      set(conf, "client.id", "golden-producer");
      set(conf, "acks", "all");
      set(conf, "enable.idempotence", "true");
      set(conf, "linger.ms", "0");
      rd_kafka_conf_set_log_cb(conf, logCallback);
      char err[256];
      KafkaHandle producer{rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)};
      ASSERT_NE(producer.rk, nullptr) << err;
      const rd_kafka_resp_err_t e = rd_kafka_producev(
          producer.rk, RD_KAFKA_V_TOPIC(kTopic.c_str()), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("key-1", 5),
          RD_KAFKA_V_VALUE(const_cast<char*>("value-1"), 7), RD_KAFKA_V_HEADER("h", "hv", 2),
          RD_KAFKA_V_TIMESTAMP(1700000000000), RD_KAFKA_V_END);
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
      EXPECT_EQ(rd_kafka_flush(producer.rk, static_cast<int>(timeout.count())), RD_KAFKA_RESP_ERR_NO_ERROR);
      const rd_kafka_metadata_t* md = nullptr;
      allTopicsResult_ = rd_kafka_metadata(producer.rk, /*all_topics=*/1, nullptr, &md, static_cast<int>(timeout.count()));
      if (md) {
        for (int i = 0; i < md->topic_cnt; ++i) allTopicsListed_.emplace_back(md->topics[i].topic);
        rd_kafka_metadata_destroy(md);
      }
    }
    ASSERT_TRUE(broker_->waitFor({ApiKey::ApiVersions, ApiKey::Metadata, ApiKey::InitProducerId, ApiKey::Produce},
                                 timeout));

    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "client.id", "golden-consumer");
    set(conf, "group.id", "golden-group");
    set(conf, "enable.auto.commit", "false");
    rd_kafka_conf_set_log_cb(conf, logCallback);
    char err[256];
    KafkaHandle consumer{rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err)};
    ASSERT_NE(consumer.rk, nullptr) << err;
    rd_kafka_poll_set_consumer(consumer.rk);
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assignment, kTopic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    ASSERT_EQ(rd_kafka_assign(consumer.rk, assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(assignment);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && consumedValue_.empty()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.rk, 100);
      if (!m) continue;
      if (!m->err) {
        consumedValue_.assign(static_cast<const char*>(m->payload), m->len);
        consumedKey_.assign(static_cast<const char*>(m->key), m->key_len);
        consumedOffset_ = m->offset;
      }
      rd_kafka_message_destroy(m);
    }
    broker_->waitFor({ApiKey::FindCoordinator, ApiKey::ListOffsets, ApiKey::Fetch}, timeout);
    rd_kafka_consumer_close(consumer.rk);
    if (const char* dir = std::getenv("KAFKALITE_GOLDEN_CAPTURE_DIR")) broker_->saveCaptures(dir);
  }

  static inline GoldenBroker* broker_ = nullptr;
  static inline std::string consumedKey_;
  static inline std::string consumedValue_;
  static inline int64_t consumedOffset_ = -1;
  static inline rd_kafka_resp_err_t allTopicsResult_ = RD_KAFKA_RESP_ERR__FAIL;
  static inline std::vector<std::string> allTopicsListed_;
};

TEST_F(LibrdkafkaGoldenTest, ClientParsedEveryResponseWithoutProtocolErrors) {
  std::lock_guard lock(gLogMutex);
  for (const auto& e : gProtocolErrors) ADD_FAILURE() << e;
}

TEST_F(LibrdkafkaGoldenTest, ApiVersions) {
  const auto h = broker_->header(ApiKey::ApiVersions);
  EXPECT_EQ(h.apiVersion, kRdkafkaSends.apiVersions);
  EXPECT_EQ(h.clientId, "golden-producer");  // request header v2 keeps client_id non-compact
  const auto r = decodeAndCheckReencode<ApiVersionsRequest>(broker_->frame(ApiKey::ApiVersions));
  EXPECT_EQ(r.clientSoftwareName, "librdkafka");
  EXPECT_FALSE(r.clientSoftwareVersion.empty());
}

TEST_F(LibrdkafkaGoldenTest, Metadata) {
  EXPECT_EQ(broker_->header(ApiKey::Metadata).apiVersion, kRdkafkaSends.metadata);
  const auto r = decodeAndCheckReencode<MetadataRequest>(broker_->frame(ApiKey::Metadata));
  // librdkafka's first Metadata asks for the topics it knows of (or all, as null).
  if (r.topics) {
    for (const auto& t : *r.topics) EXPECT_TRUE(t.name.has_value());
  }
}

// rd_kafka_metadata(all_topics=1). From v9 on, librdkafka 2.15 reserves 4 bytes for the
// topic array's count and leaves them 00 00 00 00 for "all topics": read in order, the
// first is the compact null array and the next three are taken for the remaining fields
// (allow_auto_topic_creation false, include_topic_authorized_operations false, no tagged
// fields), so the fields the client wrote (01 00 00) are left after the body's end. Kafka
// reads the body the same way and ignores what is left; so does our decoder. Below v9
// (librdkafka 2.0.2) the null array is an int32 -1 and nothing is left.
TEST_F(LibrdkafkaGoldenTest, AllTopicsMetadata) {
  EXPECT_EQ(allTopicsResult_, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(allTopicsResult_);
  EXPECT_EQ(allTopicsListed_, std::vector<std::string>{kTopic});
  const auto frame = broker_->allTopicsMetadataFrame();
  ASSERT_TRUE(frame) << "no Metadata request for all topics";
  Reader in(*frame);
  RequestHeader header;
  ASSERT_TRUE(decodeRequestHeader(in, header)) << in.error().message();
  EXPECT_EQ(header.apiVersion, kRdkafkaSends.metadata);
  MetadataRequest r;
  ASSERT_TRUE(decodeFrom(in, header.apiVersion, r)) << in.error().message();
  EXPECT_FALSE(r.topics.has_value());
  const std::vector<uint8_t> left(frame->end() - static_cast<std::ptrdiff_t>(in.remaining()), frame->end());
  if (header.apiVersion >= 9) {
    EXPECT_FALSE(r.allowAutoTopicCreation);
    EXPECT_FALSE(r.includeTopicAuthorizedOperations);
    EXPECT_EQ(left, (std::vector<uint8_t>{0x01, 0x00, 0x00}));
  } else {
    EXPECT_TRUE(left.empty());
  }
  // Our encoder writes back what was read: the captured frame without the bytes left over.
  std::vector<uint8_t> again;
  EXPECT_FALSE(encodeRequestFrame(header, r, again));
  EXPECT_EQ(std::vector<uint8_t>(again.begin() + 4, again.end()),
            std::vector<uint8_t>(frame->begin(), frame->end() - static_cast<std::ptrdiff_t>(left.size())));
}

TEST_F(LibrdkafkaGoldenTest, InitProducerId) {
  const auto h = broker_->header(ApiKey::InitProducerId);
  EXPECT_EQ(h.apiVersion, kRdkafkaSends.initProducerId);
  const auto r = decodeAndCheckReencode<InitProducerIdRequest>(broker_->frame(ApiKey::InitProducerId));
  EXPECT_FALSE(r.transactionalId.has_value());  // idempotent, not transactional
  EXPECT_EQ(r.producerId, -1);
  EXPECT_EQ(r.producerEpoch, -1);
}

TEST_F(LibrdkafkaGoldenTest, ProduceWithARealRecordBatch) {
  EXPECT_EQ(broker_->header(ApiKey::Produce).apiVersion, kRdkafkaSends.produce);
  const auto frame = broker_->frame(ApiKey::Produce);
  const auto r = decodeAndCheckReencode<ProduceRequest>(frame);
  EXPECT_EQ(r.acks, -1);
  EXPECT_FALSE(r.transactionalId.has_value());
  EXPECT_GT(r.timeoutMs, 0);
  ASSERT_EQ(r.topicData.size(), 1u);
  EXPECT_EQ(r.topicData[0].name, kTopic);
  ASSERT_EQ(r.topicData[0].partitionData.size(), 1u);
  EXPECT_EQ(r.topicData[0].partitionData[0].index, 0);

  DecodeError error;
  const auto batch = RecordBatchView::parse(r.topicData[0].partitionData[0].records.bytes, error);
  ASSERT_TRUE(batch) << error.message();
  EXPECT_EQ(batch->magic(), 2);
  EXPECT_TRUE(batch->crcValid());
  EXPECT_EQ(batch->producerId(), kProducerId);
  EXPECT_EQ(batch->producerEpoch(), 0);
  EXPECT_EQ(batch->baseSequence(), 0);
  EXPECT_EQ(batch->recordsCount(), 1);
  EXPECT_EQ(batch->baseTimestamp(), 1700000000000);
  EXPECT_FALSE(batch->isCompressed());
  auto cursor = batch->records();
  RecordView record;
  ASSERT_TRUE(cursor.next(record)) << cursor.error().message();
  ASSERT_TRUE(record.key && record.value);
  EXPECT_EQ(asString(*record.key), "key-1");
  EXPECT_EQ(asString(*record.value), "value-1");
  EXPECT_EQ(record.offsetDelta, 0);
  ASSERT_EQ(record.headerCount, 1);
  auto headers = record.headers();
  RecordHeaderView header;
  ASSERT_TRUE(headers.next(header));
  EXPECT_EQ(header.key, "h");
  ASSERT_TRUE(header.value);
  EXPECT_EQ(asString(*header.value), "hv");
}

TEST_F(LibrdkafkaGoldenTest, FindCoordinator) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::FindCoordinator}, std::chrono::milliseconds(0)));
  EXPECT_EQ(broker_->header(ApiKey::FindCoordinator).apiVersion, kRdkafkaSends.findCoordinator);
  const auto r = decodeAndCheckReencode<FindCoordinatorRequest>(broker_->frame(ApiKey::FindCoordinator));
  EXPECT_EQ(r.key, "golden-group");
  EXPECT_EQ(r.keyType, 0);
}

TEST_F(LibrdkafkaGoldenTest, ListOffsets) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::ListOffsets}, std::chrono::milliseconds(0)));
  EXPECT_EQ(broker_->header(ApiKey::ListOffsets).apiVersion, kRdkafkaSends.listOffsets);
  const auto r = decodeAndCheckReencode<ListOffsetsRequest>(broker_->frame(ApiKey::ListOffsets));
  EXPECT_EQ(r.replicaId, -1);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, kTopic);
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].timestamp, -2);  // OFFSET_BEGINNING
}

TEST_F(LibrdkafkaGoldenTest, FetchAndTheConsumerReadsOurResponse) {
  ASSERT_TRUE(broker_->waitFor({ApiKey::Fetch}, std::chrono::milliseconds(0)));
  EXPECT_EQ(broker_->header(ApiKey::Fetch).apiVersion, kRdkafkaSends.fetch);
  const auto r = decodeAndCheckReencode<FetchRequest>(broker_->frame(ApiKey::Fetch));
  EXPECT_EQ(r.replicaId, -1);
  EXPECT_EQ(r.isolationLevel, 1);  // librdkafka defaults to read_committed
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].topic, kTopic);
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].fetchOffset, 0);
  // The record went producer → our Produce decoder → our Fetch encoder → consumer.
  EXPECT_EQ(consumedKey_, "key-1");
  EXPECT_EQ(consumedValue_, "value-1");
  EXPECT_EQ(consumedOffset_, 0);
}

}  // namespace
}  // namespace kafkalite::protocol
