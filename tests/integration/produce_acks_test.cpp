// Produce path of the mock cluster (broker-spec.md section 1 and 8.6), driven with exact
// requests over a plain socket: acks 1, 0 and invalid values, rejected versions, unknown
// topics, corrupt and oversized batches, and idempotent producer sequence checks.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::ProduceRequest;

MockClusterOptions oneBroker(int32_t partitions = 1) {
  MockClusterOptions o;
  o.brokers = 1;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"t", partitions, 1, std::nullopt}};
  return o;
}

// spec 1.3, 1.4: acks=1 is answered right after the leader's local append, with the
// offsets the records got, even while no follower replicates.
TEST(ProduceAcks, Acks1AnswersAfterLocalAppendWithOffsets_Spec1_3_1_4) {
  MockClusterOptions o;
  o.brokers = 3;
  o.topics = {TopicSpec{"t", 1, 3, std::nullopt}};
  MockCluster cluster(o);
  const auto view = cluster.partition("t", 0);
  for (int32_t f : followersOf(view)) cluster.stallFollower(f);
  auto client = connectTo(cluster, view.leader);

  const auto first = makeValueBatch(numberedValues("a", 3));
  const auto r1 = produce(*client, "t", 0, first, /*acks=*/1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  EXPECT_EQ(errName(r1.errorCode), "NONE");
  EXPECT_EQ(r1.baseOffset, 0);
  EXPECT_EQ(r1.logStartOffset, 0);

  const auto second = makeValueBatch(numberedValues("b", 2));
  const auto r2 = produce(*client, "t", 0, second, /*acks=*/1);
  ASSERT_TRUE(r2.answered()) << r2.detail;
  EXPECT_EQ(errName(r2.errorCode), "NONE");
  EXPECT_EQ(r2.baseOffset, 3);

  const auto records = cluster.records("t", 0, view.leader);
  ASSERT_EQ(records.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(records[static_cast<size_t>(i)].offset, i);
  EXPECT_EQ(storedValues(records), (std::vector<std::string>{"a-0", "a-1", "a-2", "b-0", "b-1"}));
  // Nobody replicated, yet both were answered: acks=1 does not wait for the ISR.
  EXPECT_EQ(cluster.partition("t", 0).isr.size(), 3u) << describe(cluster.partition("t", 0));
}

// spec 1.9: acks=0 gets no response at all; the next request on the same connection is
// the next one answered.
TEST(ProduceAcks, Acks0SendsNoResponseAndNextRequestIsAnswered_Spec1_9) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch(numberedValues("z", 3));
  const int32_t produceId = client->send(produceRequest("t", 0, batch, /*acks=*/0), 7);
  ASSERT_GE(produceId, 0) << client->lastError();
  const auto meta = client->roundTrip(metadataRequest(std::vector<std::string>{"t"}), 1);
  ASSERT_TRUE(meta.ok()) << meta.error << " (a response to the acks=0 produce would carry id " << produceId << ")";
  EXPECT_FALSE(client->responsePending());
  ASSERT_TRUE(waitUntil([&] { return cluster.records("t", 0, 1).size() == 3; }));
  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), numberedValues("z", 3));
}

// spec 1.9: with acks=0 a partition error closes the connection, so the client refreshes
// its metadata.
TEST(ProduceAcks, Acks0WithPartitionErrorClosesConnection_Spec1_9) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch({"x"});
  ASSERT_GE(client->send(produceRequest("no-such-topic", 0, batch, /*acks=*/0), 7), 0);
  std::vector<RawFrame> frames;
  EXPECT_TRUE(client->waitClosed(scaledTimeout(std::chrono::seconds(10)), &frames));
  EXPECT_TRUE(frames.empty()) << "acks=0 must never be answered";
}

// spec 1.1: acks outside {-1, 0, 1} appends nothing and fails every partition.
TEST(ProduceAcks, InvalidRequiredAcksFailsEveryPartition_Spec1_1) {
  MockCluster cluster(oneBroker(2));
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch({"v"});
  for (int16_t acks : {int16_t{2}, int16_t{-2}, int16_t{5}}) {
    ProduceRequest req = produceRequest("t", 0, batch, acks);
    auto second = req.topicData[0].partitionData[0];
    second.index = 1;
    req.topicData[0].partitionData.push_back(second);
    const auto reply = client->roundTrip(req, 7);
    ASSERT_TRUE(reply.ok()) << "acks=" << acks << ": " << reply.error;
    for (int32_t p : {0, 1}) {
      const auto* part = findPartition(reply.body, "t", p);
      ASSERT_NE(part, nullptr) << "acks=" << acks << " partition " << p;
      EXPECT_EQ(errName(part->errorCode), "INVALID_REQUIRED_ACKS") << "acks=" << acks << " partition " << p;
    }
  }
  EXPECT_TRUE(cluster.records("t", 0, 1).empty());
  EXPECT_TRUE(cluster.records("t", 1, 1).empty());
}

// interop.md section 5: Produce is advertised from v0 but v0-2 are rejected (Kafka 4.0,
// apache/kafka#18727), by UNSUPPORTED_VERSION or by closing the connection.
TEST(ProduceAcks, ProduceV2IsRejected_InteropMd5) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch({"old"});
  // A v2 body is a v3 body without the leading transactional_id (null: int16 -1).
  std::vector<uint8_t> body;
  ASSERT_FALSE(protocol::encode(produceRequest("t", 0, batch, 1), 3, body).has_value());
  ASSERT_GE(body.size(), 2u);
  ASSERT_EQ(body[0], 0xff);
  ASSERT_EQ(body[1], 0xff);
  body.erase(body.begin(), body.begin() + 2);
  std::vector<uint8_t> frame;
  const std::size_t start = protocol::beginFrame(frame);
  {
    protocol::VectorSink sink(frame);
    protocol::encodeRequestHeader(sink, protocol::RequestHeader{protocol::ApiKey::Produce, 2, 77, "old-client", {}});
  }
  frame.insert(frame.end(), body.begin(), body.end());
  protocol::finishFrame(frame, start);
  ASSERT_TRUE(client->sendRaw(frame));

  RawFrame reply = client->readFrame();
  if (reply.status == ReadStatus::Ok) {
    // The v2 response layout equals v3's.
    protocol::Reader reader(reply.bytes);
    protocol::ResponseHeader header;
    ASSERT_TRUE(protocol::decodeResponseHeader(reader, header, 0));
    EXPECT_EQ(header.correlationId, 77);
    protocol::ProduceResponse response;
    const auto bodyBytes = std::span<const uint8_t>(reply.bytes).subspan(reply.bytes.size() - reader.remaining());
    const auto err = protocol::decode(bodyBytes, 3, response);
    ASSERT_FALSE(err.has_value()) << err->message();
    const auto* p = findPartition(response, "t", 0);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(errName(p->errorCode), "UNSUPPORTED_VERSION");
  } else {
    EXPECT_EQ(reply.status, ReadStatus::Closed) << "neither answered nor closed: " << toString(reply.status);
  }
  EXPECT_TRUE(cluster.records("t", 0, 1).empty()) << "a rejected version must append nothing";
}

// spec 1.2 (first check) and 1.4 (acks=-1 with every partition failed answers at once).
TEST(ProduceAcks, UnknownTopicOrPartitionWithAutoCreateOff_Spec1_2) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch({"v"});
  for (int16_t acks : {int16_t{1}, int16_t{-1}}) {
    const auto unknownTopic = produce(*client, "no-such-topic", 0, batch, acks, /*timeoutMs=*/60000);
    ASSERT_TRUE(unknownTopic.answered()) << "acks=" << acks << ": " << unknownTopic.detail;
    EXPECT_EQ(errName(unknownTopic.errorCode), "UNKNOWN_TOPIC_OR_PARTITION") << "acks=" << acks;
    const auto unknownPartition = produce(*client, "t", 5, batch, acks, /*timeoutMs=*/60000);
    ASSERT_TRUE(unknownPartition.answered()) << "acks=" << acks << ": " << unknownPartition.detail;
    EXPECT_EQ(errName(unknownPartition.errorCode), "UNKNOWN_TOPIC_OR_PARTITION") << "acks=" << acks;
  }
  for (const auto& p : cluster.partitions()) EXPECT_NE(p.topic, "no-such-topic");
  EXPECT_THROW((void)cluster.partition("no-such-topic", 0), std::out_of_range);
}

// auto.create.topics.enable: Kafka creates a topic when Metadata asks for it with
// allow_auto_topic_creation (v4+), with num.partitions partitions; never when the
// request forbids it.
TEST(ProduceAcks, MetadataAutoCreatesTopicWhenEnabled) {
  MockClusterOptions o = oneBroker();
  o.autoCreateTopics = true;
  o.defaultPartitions = 2;
  MockCluster cluster(o);
  auto client = connectTo(cluster, 1);

  const auto forbidden = client->roundTrip(metadataRequest(std::vector<std::string>{"not-created"}, false), 4);
  ASSERT_TRUE(forbidden.ok()) << forbidden.error;
  const auto* nt = findTopic(forbidden.body, "not-created");
  ASSERT_NE(nt, nullptr);
  EXPECT_EQ(errName(nt->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");

  const auto first = client->roundTrip(metadataRequest(std::vector<std::string>{"auto"}, true), 4);
  ASSERT_TRUE(first.ok()) << first.error;
  ASSERT_NE(findTopic(first.body, "auto"), nullptr);
  ASSERT_TRUE(waitUntil([&] {
    const auto reply = client->roundTrip(metadataRequest(std::vector<std::string>{"auto"}, true), 4);
    const auto* t = reply.ok() ? findTopic(reply.body, "auto") : nullptr;
    return t && t->errorCode == 0 && t->partitions.size() == 2 &&
           std::all_of(t->partitions.begin(), t->partitions.end(), [](const auto& p) { return p.leaderId == 1; });
  })) << "the auto-created topic never got two led partitions";
  EXPECT_EQ(cluster.partition("auto", 1).leader, 1);
  EXPECT_THROW((void)cluster.partition("not-created", 0), std::out_of_range);

  const auto batch = makeValueBatch({"hello"});
  const auto r = produce(*client, "auto", 1, batch, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(storedValues(cluster.records("auto", 1, 1)), std::vector<std::string>{"hello"});
}

// A batch whose CRC does not match is rejected whole with CORRUPT_MESSAGE.
TEST(ProduceAcks, CorruptCrcIsRejected) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  auto batch = makeValueBatch(numberedValues("c", 3));
  batch.back() ^= 0x5a;  // inside the CRC-covered records
  const auto bad = produce(*client, "t", 0, batch, 1);
  ASSERT_TRUE(bad.answered()) << bad.detail;
  EXPECT_EQ(errName(bad.errorCode), "CORRUPT_MESSAGE");
  EXPECT_TRUE(cluster.records("t", 0, 1).empty());

  const auto good = makeValueBatch({"ok"});
  const auto r = produce(*client, "t", 0, good, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(r.baseOffset, 0);
}

// message.max.bytes bounds the batch: a larger one gets MESSAGE_TOO_LARGE and nothing
// of it is appended.
TEST(ProduceAcks, BatchOverMessageMaxBytesIsRejected) {
  MockClusterOptions o = oneBroker();
  o.messageMaxBytes = 1024;
  MockCluster cluster(o);
  auto client = connectTo(cluster, 1);
  const auto big = makeValueBatch({std::string(2000, 'x')});
  const auto r = produce(*client, "t", 0, big, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "MESSAGE_TOO_LARGE");
  EXPECT_TRUE(cluster.records("t", 0, 1).empty());

  const auto small = makeValueBatch({std::string(100, 'y')});
  const auto ok = produce(*client, "t", 0, small, 1);
  ASSERT_TRUE(ok.answered()) << ok.detail;
  EXPECT_EQ(errName(ok.errorCode), "NONE");
  EXPECT_EQ(ok.baseOffset, 0);
}

// spec 8.6: a same-epoch exact duplicate of one of the last 5 batches is answered NONE
// with the original offsets and is not appended again.
TEST(ProduceAcks, IdempotentDuplicateGetsOriginalOffsets_Spec8_6) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const BatchOptions b0{std::nullopt, 4242, 0, 0};
  const auto first = makeValueBatch(numberedValues("i", 3), b0);
  const auto r1 = produce(*client, "t", 0, first, -1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  ASSERT_EQ(errName(r1.errorCode), "NONE");
  EXPECT_EQ(r1.baseOffset, 0);

  const auto dup = produce(*client, "t", 0, first, -1);  // a retry of the same bytes
  ASSERT_TRUE(dup.answered()) << dup.detail;
  EXPECT_EQ(errName(dup.errorCode), "NONE");
  EXPECT_EQ(dup.baseOffset, 0);

  const auto next = makeValueBatch(numberedValues("i", 2, 3), BatchOptions{std::nullopt, 4242, 0, 3});
  const auto r2 = produce(*client, "t", 0, next, -1);
  ASSERT_TRUE(r2.answered()) << r2.detail;
  EXPECT_EQ(errName(r2.errorCode), "NONE");
  EXPECT_EQ(r2.baseOffset, 3);

  const auto olderDup = produce(*client, "t", 0, first, -1);  // still among the last 5
  ASSERT_TRUE(olderDup.answered()) << olderDup.detail;
  EXPECT_EQ(errName(olderDup.errorCode), "NONE");
  EXPECT_EQ(olderDup.baseOffset, 0);

  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), numberedValues("i", 5));
}

// spec 8.6: sequence gaps, a new epoch not starting at 0, and an older epoch are refused.
TEST(ProduceAcks, OutOfOrderSequenceAndStaleEpochAreRejected_Spec8_6) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto first = makeValueBatch(numberedValues("s", 3), BatchOptions{std::nullopt, 77, 1, 0});
  const auto r1 = produce(*client, "t", 0, first, -1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  ASSERT_EQ(errName(r1.errorCode), "NONE");

  const auto gap = makeValueBatch({"gap"}, BatchOptions{std::nullopt, 77, 1, 5});  // expected 3
  const auto rGap = produce(*client, "t", 0, gap, -1);
  ASSERT_TRUE(rGap.answered()) << rGap.detail;
  EXPECT_EQ(errName(rGap.errorCode), "OUT_OF_ORDER_SEQUENCE_NUMBER");

  const auto newEpoch = makeValueBatch({"e2"}, BatchOptions{std::nullopt, 77, 2, 4});  // new epoch, seq != 0
  const auto rNew = produce(*client, "t", 0, newEpoch, -1);
  ASSERT_TRUE(rNew.answered()) << rNew.detail;
  EXPECT_EQ(errName(rNew.errorCode), "OUT_OF_ORDER_SEQUENCE_NUMBER");

  const auto stale = makeValueBatch({"e0"}, BatchOptions{std::nullopt, 77, 0, 3});  // epoch < current
  const auto rStale = produce(*client, "t", 0, stale, -1);
  ASSERT_TRUE(rStale.answered()) << rStale.detail;
  EXPECT_EQ(errName(rStale.errorCode), "INVALID_PRODUCER_EPOCH");

  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), numberedValues("s", 3));

  const auto inOrder = makeValueBatch({"s-3"}, BatchOptions{std::nullopt, 77, 1, 3});
  const auto rOk = produce(*client, "t", 0, inOrder, -1);
  ASSERT_TRUE(rOk.answered()) << rOk.detail;
  EXPECT_EQ(errName(rOk.errorCode), "NONE");
  EXPECT_EQ(rOk.baseOffset, 3);
}

// interop.md sections 2 and 4: PID -1 is never sequence-checked, whatever epoch and
// sequence a client puts next to it (kafkajs sends epoch 0 and sequence 0).
TEST(ProduceAcks, NonIdempotentBatchesAreNeverDeduplicated) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto librdkafkaStyle = makeValueBatch({"r"}, BatchOptions{std::nullopt, -1, -1, -1});
  const auto kafkajsStyle = makeValueBatch({"j"}, BatchOptions{std::nullopt, -1, 0, 0});
  for (const auto* batch : {&librdkafkaStyle, &librdkafkaStyle, &kafkajsStyle, &kafkajsStyle}) {
    const auto r = produce(*client, "t", 0, *batch, 1);
    ASSERT_TRUE(r.answered()) << r.detail;
    EXPECT_EQ(errName(r.errorCode), "NONE");
  }
  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), (std::vector<std::string>{"r", "r", "j", "j"}));
}

// spec 2.2: with the leader as the only ISR member, its own append moves the HW, so
// acks=-1 is answered at once.
TEST(ProduceAcks, AcksAllOnSingleReplicaIsAnsweredAfterAppend_Spec2_2) {
  MockCluster cluster(oneBroker());
  auto client = connectTo(cluster, 1);
  const auto batch = makeValueBatch(numberedValues("one", 4));
  const auto r = produce(*client, "t", 0, batch, -1, /*timeoutMs=*/60000);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(errName(r.errorCode), "NONE");
  EXPECT_EQ(r.baseOffset, 0);
  EXPECT_EQ(leaderHighWatermark(cluster, "t", 0), 4) << describe(cluster.partition("t", 0));
}

}  // namespace
}  // namespace kafkalite::testing
