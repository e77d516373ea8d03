// AsioBrokerConnection over real loopback sockets against a scripted broker: ApiVersions
// v3 first and the v0 fallback on error 35, version negotiation, client.id in every
// header, responses matched in order, acks=0 completion on write, failures and the
// reconnect backoff. The io_context runs on the test thread in bounded steps.

#include "client/asio_broker_connection.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "protocol/messages/api_versions.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/messages/produce.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::client {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct Seen {
  protocol::RequestHeader header;
  std::vector<uint8_t> body;
};

// Accepts connections and answers each request with answer(header, body): a whole
// response frame, or nothing (no answer; a closed connection when closeInstead is set).
class ScriptedBroker {
 public:
  using Answer = std::function<std::optional<std::vector<uint8_t>>(const protocol::RequestHeader&,
                                                                   std::span<const uint8_t>)>;
  ScriptedBroker(asio::io_context& io, Answer answer) : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), answer_(std::move(answer)) {
    accept();
  }
  [[nodiscard]] uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void closeClients() {
    for (auto& s : sockets_) {
      boost::system::error_code ignored;
      s->close(ignored);
    }
  }
  std::vector<Seen> seen;

 private:
  struct Session {
    std::shared_ptr<tcp::socket> socket;
    uint8_t size[4];
    std::vector<uint8_t> frame;
  };
  void accept() {
    auto socket = std::make_shared<tcp::socket>(io_);
    acceptor_.async_accept(*socket, [this, socket](boost::system::error_code ec) {
      if (ec) return;
      sockets_.push_back(socket);
      read(std::make_shared<Session>(Session{socket, {}, {}}));
      accept();
    });
  }
  void read(std::shared_ptr<Session> s) {
    asio::async_read(*s->socket, asio::buffer(s->size), [this, s](boost::system::error_code ec, std::size_t) {
      if (ec) return;
      s->frame.resize(protocol::detail::loadBigEndian(s->size, 4));
      asio::async_read(*s->socket, asio::buffer(s->frame), [this, s](boost::system::error_code e, std::size_t) {
        if (e) return;
        protocol::Reader in(s->frame);
        Seen entry;
        ASSERT_TRUE(protocol::decodeRequestHeader(in, entry.header));
        entry.body.assign(in.position(), in.position() + in.remaining());
        seen.push_back(entry);
        if (auto reply = answer_(entry.header, entry.body)) {
          auto out = std::make_shared<std::vector<uint8_t>>(std::move(*reply));
          asio::async_write(*s->socket, asio::buffer(*out), [out](boost::system::error_code, std::size_t) {});
        }
        read(s);
      });
    });
  }
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Answer answer_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
};

// ApiVersions answers listing Produce and Metadata with these ranges.
std::vector<uint8_t> apiVersionsFrame(int32_t correlationId, int16_t version, int16_t produceMin, int16_t produceMax,
                                      int16_t errorCode = 0) {
  protocol::ApiVersionsResponse r;
  r.errorCode = errorCode;
  r.apiKeys = {{0, produceMin, produceMax, {}}, {3, 0, 12, {}}, {18, 0, 3, {}}};
  std::vector<uint8_t> out;
  EXPECT_FALSE(protocol::encodeResponseFrame(correlationId, version, r, out));
  return out;
}

class ConnectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<AsioBrokerConnection> connect(uint16_t port) {
    AsioConnectionOptions options;
    options.clientId = "my-client";
    options.connectTimeoutMs = 10000;
    options.reconnectBackoffMs = 100;
    auto c = std::make_unique<AsioBrokerConnection>(io, clock, options, 1, BrokerAddress{"127.0.0.1", port},
                                                    [this] { ++events; });
    c->connect();
    return c;
  }
  // Runs the io_context until `done()` or the (scaled) deadline; bounded.
  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kafkalite::testing::scaledTimeout(10s);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.run_one_for(10ms);
    }
    return true;
  }

  asio::io_context io;
  ManualClock clock;
  int events = 0;
};

TEST_F(ConnectionTest, ApiVersionsV3FirstThenTheHighestCommonVersions) {
  ScriptedBroker broker(io, [](const protocol::RequestHeader& h, std::span<const uint8_t>) {
    return std::optional(apiVersionsFrame(h.correlationId, h.apiVersion, 0, 7));
  });
  auto c = connect(broker.port());
  EXPECT_EQ(c->state(), ConnectionState::Connecting);
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Ready; })) << c->lastError().message();
  ASSERT_EQ(broker.seen.size(), 1u);
  EXPECT_EQ(broker.seen[0].header.apiKey, protocol::ApiKey::ApiVersions);
  EXPECT_EQ(broker.seen[0].header.apiVersion, 3);
  EXPECT_EQ(broker.seen[0].header.clientId, "my-client");
  EXPECT_EQ(c->apiVersion(protocol::ApiKey::Produce), 7);
  EXPECT_EQ(c->apiVersion(protocol::ApiKey::Metadata), 12);
  EXPECT_GE(events, 1);
}

TEST_F(ConnectionTest, FallsBackToV0OnUnsupportedVersion) {
  ScriptedBroker broker(io, [](const protocol::RequestHeader& h, std::span<const uint8_t>) {
    // Kafka's answer to a version it does not know: error 35 in a v0 body.
    if (h.apiVersion > 0) return std::optional(apiVersionsFrame(h.correlationId, 0, 0, 9, 35));
    return std::optional(apiVersionsFrame(h.correlationId, 0, 3, 9));
  });
  auto c = connect(broker.port());
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Ready; })) << c->lastError().message();
  ASSERT_EQ(broker.seen.size(), 2u);
  EXPECT_EQ(broker.seen[0].header.apiVersion, 3);
  EXPECT_EQ(broker.seen[1].header.apiVersion, 0);
  EXPECT_EQ(c->apiVersion(protocol::ApiKey::Produce), 9);
}

TEST_F(ConnectionTest, NoCommonProduceVersionFailsTheConnection) {
  ScriptedBroker broker(io, [](const protocol::RequestHeader& h, std::span<const uint8_t>) {
    return std::optional(apiVersionsFrame(h.correlationId, h.apiVersion, 0, 2));  // before record batches v2
  });
  auto c = connect(broker.port());
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Failed; }));
  EXPECT_EQ(c->lastError(), make_error_code(ClientError::UnsupportedVersion));
}

TEST_F(ConnectionTest, RefusedConnectFailsAndBacksOff) {
  uint16_t port = 0;
  {
    tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  auto c = connect(port);
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Failed; }));
  EXPECT_EQ(c->lastError(), make_error_code(ClientError::ConnectionFailed));
  c->connect();
  EXPECT_EQ(c->state(), ConnectionState::Failed) << "within retry.backoff.ms nothing happens";
  clock.advance(100);
  c->connect();
  EXPECT_EQ(c->state(), ConnectionState::Connecting);
}

TEST_F(ConnectionTest, ResponsesMatchRequestsInOrderAndAcksZeroCompletesOnWrite) {
  ScriptedBroker broker(io, [](const protocol::RequestHeader& h, std::span<const uint8_t>) -> std::optional<std::vector<uint8_t>> {
    if (h.apiKey == protocol::ApiKey::ApiVersions) return apiVersionsFrame(h.correlationId, h.apiVersion, 3, 9);
    if (h.apiKey == protocol::ApiKey::Produce) return std::nullopt;  // acks = 0: no answer
    protocol::MetadataResponse r;
    r.controllerId = h.correlationId;  // lets the test see which request was answered
    std::vector<uint8_t> out;
    EXPECT_FALSE(protocol::encodeResponseFrame(h.correlationId, h.apiVersion, r, out));
    return out;
  });
  auto c = connect(broker.port());
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Ready; }));
  std::vector<int32_t> answered;
  bool written = false;
  auto metadata = [&](int32_t id) {
    RequestFrame frame;
    EXPECT_FALSE(RequestFrame::encode(protocol::RequestHeader{protocol::ApiKey::Metadata, 12, id, std::string("my-client"), {}},
                                      protocol::MetadataRequest{}, frame));
    c->send(std::move(frame), true, [&answered](std::error_code ec, std::span<const uint8_t> body) {
      ASSERT_FALSE(ec) << ec.message();
      protocol::MetadataResponse r;
      ASSERT_FALSE(protocol::decode(body, 12, r));
      answered.push_back(r.controllerId);
    });
  };
  metadata(11);
  RequestFrame produce;
  protocol::ProduceRequest p;
  ASSERT_FALSE(RequestFrame::encode(protocol::RequestHeader{protocol::ApiKey::Produce, 9, 12, std::string("my-client"), {}}, p, produce));
  c->send(std::move(produce), false, [&](std::error_code ec, std::span<const uint8_t> body) {
    EXPECT_FALSE(ec);
    EXPECT_TRUE(body.empty());
    written = true;
  });
  metadata(13);
  ASSERT_TRUE(runUntil([&] { return answered.size() == 2 && written; }));
  EXPECT_EQ(answered, (std::vector<int32_t>{11, 13}));
  for (const auto& s : broker.seen) EXPECT_EQ(s.header.clientId, "my-client");
  EXPECT_EQ(c->inFlight(), 0u);
}

TEST_F(ConnectionTest, DroppedConnectionFailsWhatIsInFlight) {
  ScriptedBroker broker(io, [](const protocol::RequestHeader& h, std::span<const uint8_t>) -> std::optional<std::vector<uint8_t>> {
    if (h.apiKey == protocol::ApiKey::ApiVersions) return apiVersionsFrame(h.correlationId, h.apiVersion, 3, 9);
    return std::nullopt;  // never answers
  });
  auto c = connect(broker.port());
  ASSERT_TRUE(runUntil([&] { return c->state() == ConnectionState::Ready; }));
  std::optional<std::error_code> outcome;
  RequestFrame frame;
  ASSERT_FALSE(RequestFrame::encode(protocol::RequestHeader{protocol::ApiKey::Metadata, 12, 5, std::string("c"), {}},
                                    protocol::MetadataRequest{}, frame));
  c->send(std::move(frame), true, [&](std::error_code ec, std::span<const uint8_t>) { outcome = ec; });
  ASSERT_TRUE(runUntil([&] { return broker.seen.size() == 2; }));
  broker.closeClients();
  ASSERT_TRUE(runUntil([&] { return outcome.has_value(); }));
  EXPECT_EQ(*outcome, make_error_code(ClientError::Disconnected));
  EXPECT_EQ(c->state(), ConnectionState::Disconnected) << "a drop after Ready may reconnect at once";
}

}  // namespace
}  // namespace kafkalite::client
