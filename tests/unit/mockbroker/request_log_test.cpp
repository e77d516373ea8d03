// The request log: a bounded ring per broker, filters, the answer a Responder reports,
// and the decoded summary of each API's request.
#include "mockbroker/request_log.hpp"

#include <gtest/gtest.h>

#include "batch_fixtures.hpp"
#include "mockbroker/request_summary.hpp"
#include "protocol/messages/all.hpp"

namespace kafkalite::mock {
namespace {

using protocol::ApiKey;

/// A request as the socket server hands it over: header and encoded body.
template <class M>
Request requestOf(const M& body, int16_t version, int32_t correlationId, std::string clientId = "c") {
  std::vector<uint8_t> bytes;
  EXPECT_FALSE(protocol::encode(body, version, bytes));
  auto frame = std::make_shared<uint8_t[]>(std::max<std::size_t>(bytes.size(), 1));
  std::copy(bytes.begin(), bytes.end(), frame.get());
  Request r;
  r.header = {M::kApiKey, version, correlationId, std::move(clientId), {}};
  r.frame = frame;
  r.body = std::span<const uint8_t>(frame.get(), bytes.size());
  r.connectionId = 42;
  r.clientAddress = "127.0.0.1:5555";
  return r;
}

protocol::MetadataRequest metadataFor(std::vector<std::string> topics) {
  protocol::MetadataRequest m;
  m.topics.emplace();
  for (auto& t : topics) m.topics->push_back({{}, t, {}});
  return m;
}

TEST(RequestSummaryTest, ProduceGivesAcksTimeoutRecordCountsAndProducerState) {
  const auto batch = fixtures::makeBatch(fixtures::BatchSpec{.records = 3, .producerId = 1000, .producerEpoch = 2, .baseSequence = 7});
  protocol::ProduceRequest produce;
  produce.acks = -1;
  produce.timeoutMs = 1500;
  produce.topicData.push_back({"orders", {{0, protocol::Records::of(batch), {}}, {4, protocol::Records::of(batch), {}}}, {}});
  std::vector<uint8_t> bytes;
  ASSERT_FALSE(protocol::encode(produce, 7, bytes));
  const auto s = summarizeRequest(ApiKey::Produce, 7, bytes);
  EXPECT_EQ(s.topics, (std::vector<std::string>{"orders"}));
  EXPECT_EQ(summaryLine(s.details),
            "acks=-1 timeout_ms=1500 records=orders-0:3,orders-4:3 producer_id=1000 producer_epoch=2 "
            "base_sequences=orders-0:7,orders-4:7");
}

TEST(RequestSummaryTest, MetadataAdminAndUndecodableBodies) {
  std::vector<uint8_t> bytes;
  protocol::MetadataRequest all;
  all.topics.reset();
  ASSERT_FALSE(protocol::encode(all, 4, bytes));
  EXPECT_EQ(summaryLine(summarizeRequest(ApiKey::Metadata, 4, bytes).details), "topics=* allow_auto_topic_creation=true");

  bytes.clear();
  protocol::CreateTopicsRequest create;
  create.topics.push_back({"t", 3, 2, {}, {{"retention.ms", std::string("1000"), {}}}, {}});
  create.timeoutMs = 5000;
  ASSERT_FALSE(protocol::encode(create, 5, bytes));
  const auto s = summarizeRequest(ApiKey::CreateTopics, 5, bytes);
  EXPECT_EQ(s.topics, (std::vector<std::string>{"t"}));
  EXPECT_EQ(summaryLine(s.details), "topics=t:3x2 configs=t:retention.ms=1000 timeout_ms=5000 validate_only=false");

  const std::vector<uint8_t> garbage = {0xff, 0xff};
  const auto bad = summarizeRequest(ApiKey::Fetch, 11, garbage);
  ASSERT_EQ(bad.details.size(), 1u);
  EXPECT_EQ(bad.details[0].first, "decode_error");
  EXPECT_TRUE(summarizeRequest(ApiKey::JoinGroup, 5, garbage).details.empty()) << "no summary for that API";
}

TEST(RequestLogTest, KeepsTheNewestPerBrokerAndFilters) {
  RequestLog log(2);
  log.record(1, requestOf(metadataFor({"a"}), 4, 1, "x"));
  log.record(1, requestOf(metadataFor({"b"}), 4, 2, "y"));
  log.record(2, requestOf(metadataFor({"a", "b"}), 4, 3, "x"));
  log.record(1, requestOf(protocol::ApiVersionsRequest{}, 2, 4, "x"));
  EXPECT_EQ(log.lastSequence(), 4u);

  const auto all = log.requests({});
  ASSERT_EQ(all.size(), 3u) << "broker 1 keeps its newest two";
  EXPECT_EQ(all[0].sequence, 2u);
  EXPECT_EQ(all[1].sequence, 3u);
  EXPECT_EQ(all[2].sequence, 4u);
  EXPECT_EQ(all[1].brokerId, 2);
  EXPECT_EQ(all[1].apiName, "Metadata");
  EXPECT_EQ(all[1].apiVersion, 4);
  EXPECT_EQ(all[1].correlationId, 3);
  EXPECT_EQ(all[1].clientId, "x");
  EXPECT_EQ(all[1].connectionId, 42u);
  EXPECT_EQ(all[1].clientAddress, "127.0.0.1:5555");
  EXPECT_EQ(all[1].detail("topics"), "a,b");
  EXPECT_EQ(all[1].outcome, RequestOutcome::Pending);

  RequestFilter f;
  f.apiKey = static_cast<int16_t>(ApiKey::Metadata);
  EXPECT_EQ(log.requests(f).size(), 2u);
  f.clientId = "x";
  EXPECT_EQ(log.requests(f).size(), 1u);
  RequestFilter byTopic;
  byTopic.topic = "b";
  EXPECT_EQ(log.requests(byTopic).size(), 2u);
  RequestFilter after;
  after.afterSequence = 3;
  EXPECT_EQ(log.requests(after).size(), 1u);
  RequestFilter broker;
  broker.brokerId = 2;
  EXPECT_EQ(log.requests(broker).size(), 1u);

  log.clear();
  EXPECT_TRUE(log.requests({}).empty());
  log.record(1, requestOf(metadataFor({"a"}), 4, 5));
  EXPECT_EQ(log.requests({}).at(0).sequence, 5u) << "sequences keep counting";
}

TEST(RequestLogTest, TheFirstAnswerIsRecorded) {
  RequestLog log(10);
  auto observer = log.record(1, requestOf(metadataFor({"a"}), 4, 1));
  ASSERT_NE(observer, nullptr);
  observer->ended(RequestOutcome::Answered, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  observer->ended(RequestOutcome::ConnectionClosed, ErrorCode::NONE);
  const auto r = log.requests({}).at(0);
  EXPECT_EQ(r.outcome, RequestOutcome::Answered);
  EXPECT_EQ(r.error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  ASSERT_TRUE(r.answeredAt.has_value());
  EXPECT_GE(*r.answeredAt, r.receivedAt);

  RequestLog off(0);
  EXPECT_EQ(off.record(1, requestOf(metadataFor({"a"}), 4, 1)), nullptr);
  EXPECT_TRUE(off.requests({}).empty());
}

}  // namespace
}  // namespace kafkalite::mock
