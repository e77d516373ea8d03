#pragma once
// A ProducerCore driven by hand: records go straight from a RecordHandoff slot into
// onRecord(), runOnce() is called by the test with a MockClock it steps, and every
// connection is a MockConnection (delegating to a FakeConnection) the test answers.
// Outcomes are collected per record in send order.
//
// Threading: one test thread.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/producer_core.hpp"
#include "client/record_handoff.hpp"
#include "unit/client/mocks.hpp"

namespace kafkalite::client::testing {

struct Outcome {
  int calls = 0;
  std::error_code error;
  RecordMetadata metadata;
};

class CoreFixture : public ::testing::Test {
 protected:
  CoreFixture() {
    config.bootstrapServers = {BrokerAddress{"bootstrap", 9092}};
    config.queueBufferingMaxMs = 1000;
    config.retryBackoffMs = 100;
    config.requestTimeoutMs = 1500;
    // Connections are made as needed; expectConnection() adds a specific expectation,
    // which gmock tries before this one.
    EXPECT_CALL(factory, create(::testing::_, ::testing::_)).Times(::testing::AnyNumber());
  }

  /// Builds the core from `config` (call after adjusting it).
  void start(int32_t slots = 1000) {
    handoff = std::make_unique<RecordHandoff>(slots, config.queueBufferingMaxBytes);
    core = std::make_unique<ProducerCore>(config, clock, *handoff, factory, events);
  }

  /// Hands one record to the core (as the I/O thread's drain would); returns its index in
  /// `outcomes`.
  std::size_t send(const std::string& topic, std::optional<std::string> value, std::optional<int32_t> partition = 0,
                   std::optional<std::string> key = std::nullopt) {
    ProducerRecord record(topic, std::move(key), std::move(value));
    record.partition = partition;
    const int64_t bytes = RecordSlot::recordBytes(record);
    const uint32_t slot = handoff->acquire(0, false, bytes);
    RecordSlot& s = handoff->slot(slot);
    s.setRecord(std::move(record));
    s.oversized = !handoff->charged(bytes);
    s.enqueuedMs = clock.peekMs();
    s.timestampMs = clock.peekWallMs();
    const std::size_t index = outcomes.size();
    outcomes.emplace_back();
    s.callback = [this, index](std::error_code ec, const RecordMetadata& md) {
      ++outcomes[index].calls;
      outcomes[index].error = ec;
      outcomes[index].metadata = md;
    };
    core->onRecord(slot);
    return index;
  }

  /// One pass at the clock's time (read without a mock call, as the owner's timer would).
  int64_t runOnce() { return core->runOnce(clock.peekMs()); }

  /// start(), one record for "t"-0 and metadata naming broker 1 its leader.
  std::size_t startWithOneRecord() {
    start();
    const std::size_t r = send("t", "v0");
    answerMetadata(metadataResponse(1, {{"t", {1}}}));
    return r;
  }

  /// The next connection the Sender makes to `node` gets `setup` (expectations) before the
  /// Sender first uses it; exactly one such connection must be made.
  void expectConnection(int32_t node, std::function<void(MockConnection&)> setup) {
    EXPECT_CALL(factory, create(node, ::testing::_))
        .WillOnce([this, setup](int32_t nodeId, const BrokerAddress& address) -> std::unique_ptr<BrokerConnection> {
          auto c = factory.makeConnection(nodeId, address);
          setup(*c);
          return c;
        });
  }

  /// Calls fn(connection) for every connection made so far.
  void forEachConnection(const std::function<void(MockConnection&)>& fn) {
    for (const auto& [node, conns] : factory.created)
      for (MockConnection* c : conns) fn(*c);
  }

  /// Runs a pass and answers the Metadata request it sends (on whichever connection) with
  /// `response`. Fails the test if no Metadata request is pending.
  void answerMetadata(const protocol::MetadataResponse& response) {
    runOnce();
    for (const auto& [node, conns] : factory.created) {
      for (MockConnection* c : conns) {
        if (const auto i = c->pending(protocol::ApiKey::Metadata)) {
          c->respond(*i, encodeBody(response, c->sent()[*i].header.apiVersion));
          return;
        }
      }
    }
    ADD_FAILURE() << "no Metadata request pending";
  }

  /// The bootstrap connection, and brokers' connections by id.
  MockConnection* bootstrap() const { return factory.latest(-1); }
  MockConnection* broker(int32_t id) const { return factory.latest(id); }

  /// The last unanswered Produce request to `broker`, decoded, and its index.
  std::optional<std::pair<std::size_t, protocol::ProduceRequest>> pendingProduce(int32_t brokerId) const {
    MockConnection* c = broker(brokerId);
    if (c == nullptr) return std::nullopt;
    const auto i = c->pending(protocol::ApiKey::Produce);
    if (!i) return std::nullopt;
    return std::make_pair(*i, c->sent()[*i].decode<protocol::ProduceRequest>());
  }

  /// Answers Produce request `i` of `brokerId` with `error` everywhere (offsets from `base`).
  void answerProduce(int32_t brokerId, std::size_t i, int16_t error, int64_t base = 0) {
    MockConnection* c = broker(brokerId);
    const auto request = c->sent()[i].decode<protocol::ProduceRequest>();
    std::map<std::pair<std::string, int32_t>, int64_t> offsets;
    for (const auto& t : request.topicData)
      for (const auto& p : t.partitionData) offsets[{t.name, p.index}] = base;
    c->respond(i, encodeBody(produceResponse(request, error, offsets), c->sent()[i].header.apiVersion));
  }

  std::size_t produceCount(int32_t brokerId) const {
    MockConnection* c = broker(brokerId);
    return c == nullptr ? 0 : c->requests(protocol::ApiKey::Produce).size();
  }
  std::size_t metadataCount() const {
    std::size_t n = 0;
    for (const auto& [node, conns] : factory.created)
      for (MockConnection* c : conns) n += c->requests(protocol::ApiKey::Metadata).size();
    return n;
  }

  // The clock and factory outlive the core: it reads the clock, and the connections it
  // owns (verified by gmock when destroyed) are reached through factory.created.
  ::testing::NiceMock<MockClock> clock;
  ProducerConfig config;
  Events events;  ///< the log and error callbacks the core reports to (none by default)
  ::testing::NiceMock<MockConnectionFactory> factory;
  std::unique_ptr<RecordHandoff> handoff;
  std::unique_ptr<ProducerCore> core;
  std::vector<Outcome> outcomes;
};

}  // namespace kafkalite::client::testing
