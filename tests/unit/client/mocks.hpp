#pragma once
// GoogleMock doubles for what the producer's core is given: the clock and the broker
// connections (with their factory). Built with gmock's "delegate to a fake" pattern: by
// default each mock behaves as its fake (a ManualClock; a FakeConnection the test
// answers, fakes.hpp), and a test adds EXPECT_CALLs only where the calls are the check:
// send(_, false, _) for acks = 0, close() exactly once after a request timeout, no
// Metadata send while the refresh interval is negative, connect() spaced by the backoff.
// Tests hold them as NiceMock: the Sender asks state(), inFlight() and the time all the
// time, and those calls are noise unless a test says otherwise.
//
// Matchers read a RequestFrame as a broker would: the header decoded from its bytes.
//
// Threading: gmock mocks accept calls from any thread, and MockClock's time is atomic,
// but expectations are set and time moved by the test thread. MockConnection and
// MockConnectionFactory: one test thread, like the fake they delegate to.

#include <gmock/gmock.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/broker_connection.hpp"
#include "client/clock.hpp"
#include "unit/client/fakes.hpp"

namespace kafkalite::client::testing {

/// A Clock whose readings are mock calls, answered by default from a ManualClock.
class MockClock : public Clock {
 public:
  static constexpr int64_t kWallOrigin = ManualClock::kWallOrigin;

  explicit MockClock(int64_t startMs = 1000) : time_(startMs) {
    ON_CALL(*this, nowMs()).WillByDefault([this] { return time_.nowMs(); });
    ON_CALL(*this, wallClockMs()).WillByDefault([this] { return time_.wallClockMs(); });
  }

  MOCK_METHOD(int64_t, nowMs, (), (const, noexcept, override));
  MOCK_METHOD(int64_t, wallClockMs, (), (const, noexcept, override));

  /// Moves time forward by `ms` (>= 0).
  void advance(int64_t ms) noexcept { time_.advance(ms); }
  /// Sets the monotonic time; callers keep it non-decreasing.
  void set(int64_t ms) noexcept { time_.set(ms); }
  /// The monotonic time, read without a mock call (the test's own bookkeeping, so that
  /// expectations on nowMs() count only the code under test).
  [[nodiscard]] int64_t peekMs() const noexcept { return time_.nowMs(); }
  [[nodiscard]] int64_t peekWallMs() const noexcept { return time_.wallClockMs(); }

 private:
  ManualClock time_;
};

/// A BrokerConnection whose every method is a mock, behaving by default as a
/// FakeConnection; the fake's test controls are forwarded.
class MockConnection : public BrokerConnection {
 public:
  MockConnection(int32_t node, ConnectOutcome outcome) : fake_(node, outcome) {
    using ::testing::_;
    ON_CALL(*this, nodeId()).WillByDefault([this] { return fake_.nodeId(); });
    ON_CALL(*this, state()).WillByDefault([this] { return fake_.state(); });
    ON_CALL(*this, lastError()).WillByDefault([this] { return fake_.lastError(); });
    ON_CALL(*this, connect()).WillByDefault([this] { fake_.connect(); });
    ON_CALL(*this, apiVersion(_)).WillByDefault([this](protocol::ApiKey key) { return fake_.apiVersion(key); });
    ON_CALL(*this, inFlight()).WillByDefault([this] { return fake_.inFlight(); });
    ON_CALL(*this, send(_, _, _))
        .WillByDefault([this](RequestFrame frame, bool expectResponse, ResponseHandler handler) {
          fake_.send(std::move(frame), expectResponse, std::move(handler));
        });
    ON_CALL(*this, close()).WillByDefault([this] { fake_.close(); });
    ON_CALL(*this, deliverReceived()).WillByDefault([this] { fake_.deliverReceived(); });
  }

  MOCK_METHOD(int32_t, nodeId, (), (const, noexcept, override));
  MOCK_METHOD(ConnectionState, state, (), (const, noexcept, override));
  MOCK_METHOD(std::error_code, lastError, (), (const, noexcept, override));
  MOCK_METHOD(void, connect, (), (override));
  MOCK_METHOD(int16_t, apiVersion, (protocol::ApiKey key), (const, noexcept, override));
  MOCK_METHOD(std::size_t, inFlight, (), (const, noexcept, override));
  MOCK_METHOD(void, send, (RequestFrame frame, bool expectResponse, ResponseHandler handler), (override));
  MOCK_METHOD(void, close, (), (override));
  MOCK_METHOD(void, deliverReceived, (), (override));

  /// The fake behind the defaults, and its controls (see FakeConnection).
  [[nodiscard]] FakeConnection& fake() noexcept { return fake_; }
  [[nodiscard]] const std::vector<SentRequest>& sent() const noexcept { return fake_.sent; }
  void setOutcome(ConnectOutcome outcome) { fake_.setOutcome(outcome); }
  void finishConnecting(bool ok) { fake_.finishConnecting(ok); }
  void respond(std::size_t i, std::span<const uint8_t> body) { fake_.respond(i, body); }
  void fail(std::size_t i, std::error_code error = ClientError::Disconnected) { fake_.fail(i, error); }
  void arrive(std::size_t i, std::vector<uint8_t> body) { fake_.arrive(i, std::move(body)); }
  [[nodiscard]] std::vector<std::size_t> requests(protocol::ApiKey key) const { return fake_.requests(key); }
  [[nodiscard]] std::optional<std::size_t> pending(protocol::ApiKey key) const { return fake_.pending(key); }

 private:
  FakeConnection fake_;
};

/// A ConnectionFactory whose create() is a mock; by default it makes NiceMock
/// MockConnections (makeConnection) and keeps a pointer to each.
class MockConnectionFactory : public ConnectionFactory {
 public:
  MockConnectionFactory() {
    ON_CALL(*this, create(::testing::_, ::testing::_))
        .WillByDefault([this](int32_t nodeId, const BrokerAddress& address) -> std::unique_ptr<BrokerConnection> {
          return makeConnection(nodeId, address);
        });
  }

  MOCK_METHOD(std::unique_ptr<BrokerConnection>, create, (int32_t nodeId, const BrokerAddress& address), (override));

  /// What create() does by default: a connection to `nodeId` that reacts to connect()
  /// per `outcomes` (else `defaultOutcome`), remembered in `created`. A test that sets
  /// expectations on a connection before the Sender uses it calls this from its own
  /// create() action.
  std::unique_ptr<::testing::NiceMock<MockConnection>> makeConnection(int32_t nodeId, const BrokerAddress& address) {
    auto c = std::make_unique<::testing::NiceMock<MockConnection>>(nodeId, outcomeFor(nodeId));
    created[nodeId].push_back(c.get());
    addresses[nodeId] = address;
    return c;
  }
  /// The newest connection to `node` (nullptr if none was made).
  [[nodiscard]] MockConnection* latest(int32_t node) const {
    const auto it = created.find(node);
    return it == created.end() || it->second.empty() ? nullptr : it->second.back();
  }
  [[nodiscard]] ConnectOutcome outcomeFor(int32_t node) const {
    const auto it = outcomes.find(node);
    return it == outcomes.end() ? defaultOutcome : it->second;
  }

  ConnectOutcome defaultOutcome = ConnectOutcome::Ready;
  std::map<int32_t, ConnectOutcome> outcomes;
  // Raw pointers stay valid while the Sender owns the connections (the test's lifetime).
  std::map<int32_t, std::vector<MockConnection*>> created;
  std::map<int32_t, BrokerAddress> addresses;
};

/// A RequestFrame whose bytes carry a request header of API `key`.
MATCHER_P(IsApiKey, key,
          std::string(negation ? "isn't" : "is") + " a " + std::string(protocol::apiKeyName(key)) + " request") {
  const SentRequest s = SentRequest::of(arg);
  if (!s.headerValid) {
    *result_listener << "whose header does not decode";
    return false;
  }
  *result_listener << "of API key " << protocol::apiKeyName(s.header.apiKey);
  return s.header.apiKey == key;
}

/// A RequestFrame carrying a ProduceRequest with this acks.
MATCHER_P(HasAcks, acks, "is a ProduceRequest with acks " + ::testing::PrintToString(acks)) {
  const SentRequest s = SentRequest::of(arg);
  if (s.header.apiKey != protocol::ApiKey::Produce) return false;
  const auto request = s.tryDecode<protocol::ProduceRequest>();
  if (!request) return false;
  *result_listener << "with acks " << request->acks;
  return request->acks == acks;
}

/// A RequestFrame carrying a ProduceRequest whose records for `topic`-`partition` have
/// exactly these values, in order.
MATCHER_P3(ProducesValues, topic, partition, values,
           "is a ProduceRequest with " + std::string(topic) + "-" + ::testing::PrintToString(partition) + " values " +
               ::testing::PrintToString(values)) {
  const SentRequest s = SentRequest::of(arg);
  if (s.header.apiKey != protocol::ApiKey::Produce) return false;
  const auto request = s.tryDecode<protocol::ProduceRequest>();
  if (!request) return false;
  auto all = valuesOf(*request);
  const auto& got = all[{std::string(topic), partition}];
  *result_listener << "with values " << ::testing::PrintToString(got);
  return got == std::vector<std::string>(values);
}

}  // namespace kafkalite::client::testing
