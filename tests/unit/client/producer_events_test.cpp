// What the producer tells the application besides records' outcomes, stepped by hand: the
// log callback (connection, metadata, retry and epoch-bump events, filtered by log_level),
// the error callback (every broker down, a producer id refused), and the statistics
// document (parsed with nlohmann::json, counts checked against what was sent).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/client/idempotence_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

struct Logged {
  LogLevel level;
  std::string facility;
  std::string message;
};

class ProducerEventsTest : public IdempotenceFixture {
 protected:
  ProducerEventsTest() {
    config.enableIdempotence = false;
    config.requestRequiredAcks = 1;
  }
  /// Events passing every line up to `level` and every error to the vectors below.
  void listen(int32_t level = 7) {
    events = Events(
        level, [this](LogLevel l, std::string_view f, std::string_view m) { logged.push_back({l, std::string(f), std::string(m)}); },
        [this](std::error_code ec, std::string_view reason) { errors.emplace_back(ec, std::string(reason)); });
  }
  [[nodiscard]] bool loggedAbout(std::string_view facility, std::string_view text) const {
    for (const Logged& l : logged) {
      if (l.facility == facility && l.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<Logged> logged;
  std::vector<std::pair<std::error_code, std::string>> errors;
};

TEST_F(ProducerEventsTest, EveryBrokerDownIsReportedOnceToTheErrorCallback) {
  config.messageSendMaxRetries = 100;
  factory.defaultOutcome = ConnectOutcome::Fail;
  listen();
  start();
  send("t", "a");
  for (int i = 0; i < 5; ++i) {
    runOnce();
    clock.advance(100);
  }
  ASSERT_EQ(errors.size(), 1u) << "once, not once per attempt";
  EXPECT_EQ(errors[0].first, make_error_code(ClientError::AllBrokersDown));
  EXPECT_TRUE(loggedAbout("METADATA", "metadata request failed"));
  // A broker answering again re-arms it.
  factory.defaultOutcome = ConnectOutcome::Ready;
  forEachConnection([](MockConnection& c) { c.setOutcome(ConnectOutcome::Ready); });
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  forEachConnection([](MockConnection& c) { c.setOutcome(ConnectOutcome::Fail); });
  forEachConnection([](MockConnection& c) { c.close(); });
  factory.defaultOutcome = ConnectOutcome::Fail;
  for (int i = 0; i < 5; ++i) {
    core->metadata().requestUpdate(0);
    runOnce();
    clock.advance(100);
  }
  EXPECT_EQ(errors.size(), 2u);
}

TEST_F(ProducerEventsTest, ARefusedProducerIdIsAnErrorAndAnEpochBumpIsLogged) {
  config.enableIdempotence = true;
  config.requestRequiredAcks = -1;
  listen(6);
  start();
  send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(-1, -1, static_cast<int16_t>(ErrorCode::CLUSTER_AUTHORIZATION_FAILED)));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, make_error_code(ErrorCode::CLUSTER_AUTHORIZATION_FAILED));
  EXPECT_EQ(outcomes[0].error, make_error_code(ErrorCode::CLUSTER_AUTHORIZATION_FAILED));
  // The next records ask again; a sequence error then bumps the epoch, logged at info.
  clock.advance(100);
  send("t", "b");
  runOnce();
  ASSERT_TRUE(answerInitProducerId(5, 0));
  runOnce();
  answerProduce(1, pendingProduce(1)->first, static_cast<int16_t>(ErrorCode::UNKNOWN_PRODUCER_ID));
  EXPECT_TRUE(loggedAbout("IDEMPOTENCE", "bumping the epoch"));
  for (const Logged& l : logged) EXPECT_LE(static_cast<int>(l.level), 6) << "log_level 6: no debug lines";
}

TEST_F(ProducerEventsTest, RetriesAndRequestTimeoutsAreLogged) {
  config.queueBufferingMaxMs = 0;
  listen(7);
  start();
  send("t", "a");
  answerMetadata(metadataResponse(1, {{"t", {1}}}));
  EXPECT_TRUE(loggedAbout("METADATA", "metadata from broker"));
  runOnce();
  clock.advance(1500);
  runOnce();
  EXPECT_TRUE(loggedAbout("REQTIMEOUT", "no answer within request.timeout.ms"));
  EXPECT_TRUE(loggedAbout("RETRY", "records retried"));
}

TEST_F(ProducerEventsTest, StatisticsCountWhatWasSentAckedFailedAndRetried) {
  config.enableIdempotence = true;
  config.requestRequiredAcks = -1;
  config.queueBufferingMaxMs = 0;
  config.statisticsIntervalMs = 1000;
  start();
  for (int i = 0; i < 3; ++i) send("t", "p0-" + std::to_string(i), 0);
  for (int i = 0; i < 2; ++i) send("t", "p1-" + std::to_string(i), 1);
  answerMetadata(metadataResponse(1, {{"t", {1, 1}}}));
  runOnce();
  ASSERT_TRUE(answerInitProducerId(9, 0));
  runOnce();
  auto produce = pendingProduce(1);
  ASSERT_TRUE(produce);
  // Partition 0 succeeds; partition 1 fails once (retried) and then succeeds.
  protocol::ProduceResponse response = produceResponse(produce->second, 0);
  for (auto& p : response.responses.at(0).partitionResponses) {
    if (p.index == 1) {
      p.errorCode = static_cast<int16_t>(ErrorCode::NOT_LEADER_OR_FOLLOWER);
      p.baseOffset = -1;
    }
  }
  broker(1)->respond(produce->first, encodeBody(response, broker(1)->sent()[produce->first].header.apiVersion));
  const std::size_t pending = send("t", "waiting", 0);  // queued when the document is made
  (void)pending;
  nlohmann::json doc = nlohmann::json::parse(core->statistics(clock.peekMs()));
  EXPECT_EQ(doc["type"], "producer");
  EXPECT_EQ(doc["msg_cnt"], 3) << "two retried, one queued";
  EXPECT_EQ(doc["txmsgs"], 5);
  EXPECT_EQ(doc["acked_msgs"], 3);
  EXPECT_EQ(doc["failed_msgs"], 0);
  EXPECT_EQ(doc["retried_msgs"], 2);
  EXPECT_EQ(doc["retried_msg_bytes"], 8);
  EXPECT_EQ(doc["msgs_inflight"], 0);
  EXPECT_EQ(doc["msg_size"], 8 + 7);
  const auto& p0 = doc["topics"]["t"]["partitions"]["0"];
  EXPECT_EQ(p0["msgq_cnt"], 1);
  EXPECT_EQ(p0["batches"], 1);
  EXPECT_EQ(p0["txmsgs"], 3);
  EXPECT_EQ(p0["msgs"], 4);
  EXPECT_EQ(p0["next_seq"], 3);
  EXPECT_EQ(p0["leader"], 1);
  EXPECT_EQ(doc["topics"]["t"]["partitions"]["1"]["msgq_cnt"], 2);
  EXPECT_EQ(doc["eos"]["producer_id"], 9);
  EXPECT_EQ(doc["eos"]["idemp_state"], "Assigned");
  ASSERT_TRUE(doc["brokers"].is_object());
  bool sawBroker1 = false;
  for (const auto& [name, b] : doc["brokers"].items()) {
    if (b["nodeid"] != 1) continue;
    sawBroker1 = true;
    EXPECT_EQ(b["state"], "UP");
    EXPECT_EQ(b["tx"], 1);
    EXPECT_EQ(b["rx"], 1);
    EXPECT_EQ(b["rtt"]["cnt"], 1);
  }
  EXPECT_TRUE(sawBroker1);

  // Everything delivered: the counts add up to what was sent.
  clock.advance(100);
  answerMetadata(metadataResponse(1, {{"t", {1, 1}}}));
  runOnce();
  while (const auto next = pendingProduce(1)) answerProduce(1, next->first, 0, 10);
  runOnce();
  while (const auto next = pendingProduce(1)) answerProduce(1, next->first, 0, 20);
  doc = nlohmann::json::parse(core->statistics(clock.peekMs()));
  EXPECT_EQ(doc["msg_cnt"], 0);
  EXPECT_EQ(doc["msg_size"], 0);
  EXPECT_EQ(doc["acked_msgs"], 6);
  EXPECT_EQ(doc["acked_msg_bytes"], 3 * 4 + 2 * 4 + 7);
  EXPECT_EQ(doc["topics"]["t"]["partitions"]["1"]["next_seq"], 2);
}

}  // namespace
}  // namespace kafkalite::client::testing
