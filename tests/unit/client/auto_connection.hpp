#pragma once
// Fake connections for the whole producer on its real I/O thread, without sockets: a
// broker on the producer's io_context that either never connects (to fill the queue) or
// answers every request like a one-broker cluster. Used by producer_test.cpp and the
// lifecycle and memory tests.
//
// Threading: the producer's I/O thread (the factory's offsets map is the I/O thread's).

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/asio.hpp"
#include "client/broker_connection.hpp"
#include "client/producer_impl.hpp"
#include "unit/client/fakes.hpp"

namespace kafkalite::client::testing {

// A broker on the producer's io_context: Metadata names broker 1 leader of every
// partition of `partitions` topics; Produce succeeds with per-partition offsets. Answers
// are posted, never given inside send(). connectable = false: stays Connecting forever.
class AutoConnection final : public BrokerConnection {
 public:
  AutoConnection(boost::asio::io_context& io, int32_t node, bool connectable, int32_t partitions,
                 std::map<std::pair<std::string, int32_t>, int64_t>& offsets)
      : io_(io), node_(node), connectable_(connectable), partitions_(partitions), offsets_(offsets) {}
  [[nodiscard]] int32_t nodeId() const noexcept override { return node_; }
  [[nodiscard]] ConnectionState state() const noexcept override { return state_; }
  [[nodiscard]] std::error_code lastError() const noexcept override { return {}; }
  void connect() override {
    if (state_ == ConnectionState::Disconnected) state_ = connectable_ ? ConnectionState::Ready : ConnectionState::Connecting;
  }
  [[nodiscard]] int16_t apiVersion(protocol::ApiKey key) const noexcept override {
    return key == protocol::ApiKey::Produce ? 9 : 12;
  }
  [[nodiscard]] std::size_t inFlight() const noexcept override { return inFlight_; }
  void send(RequestFrame frame, bool expectResponse, ResponseHandler handler) override {
    const auto bytes = frame.flatten();
    protocol::Reader in(std::span<const uint8_t>(bytes).subspan(4));
    protocol::RequestHeader header;
    EXPECT_TRUE(protocol::decodeRequestHeader(in, header));
    const std::span<const uint8_t> body(in.position(), in.remaining());
    std::vector<uint8_t> answer;
    if (header.apiKey == protocol::ApiKey::Metadata) {
      protocol::MetadataRequest request;
      EXPECT_FALSE(protocol::decode(body, header.apiVersion, request));
      std::vector<TopicLayout> topics;
      for (const auto& t : *request.topics) topics.push_back({*t.name, std::vector<int32_t>(static_cast<std::size_t>(partitions_), 1)});
      answer = encodeBody(metadataResponse(1, topics), header.apiVersion);
    } else if (expectResponse) {
      protocol::ProduceRequest request;
      EXPECT_FALSE(protocol::decode(body, header.apiVersion, request));
      std::map<std::pair<std::string, int32_t>, int64_t> base;
      for (const auto& [tp, values] : valuesOf(request)) {
        base[tp] = offsets_[tp];
        offsets_[tp] += static_cast<int64_t>(values.size());
      }
      answer = encodeBody(produceResponse(request, 0, base), header.apiVersion);
    }
    ++inFlight_;
    boost::asio::post(io_, [this, answer = std::move(answer), handler = std::move(handler)] {
      --inFlight_;
      handler({}, answer);
    });
  }
  void close() override { state_ = ConnectionState::Disconnected; }
  void deliverReceived() override {}  // answers are posted, never left unread

 private:
  boost::asio::io_context& io_;
  int32_t node_;
  bool connectable_;
  int32_t partitions_;
  std::map<std::pair<std::string, int32_t>, int64_t>& offsets_;
  ConnectionState state_ = ConnectionState::Disconnected;
  std::size_t inFlight_ = 0;
};

class AutoFactory final : public ConnectionFactory {
 public:
  AutoFactory(boost::asio::io_context& io, bool connectable, int32_t partitions)
      : io_(io), connectable_(connectable), partitions_(partitions) {}
  [[nodiscard]] std::unique_ptr<BrokerConnection> create(int32_t nodeId, const BrokerAddress&) override {
    return std::make_unique<AutoConnection>(io_, nodeId, connectable_, partitions_, offsets_);
  }

 private:
  boost::asio::io_context& io_;
  bool connectable_;
  int32_t partitions_;
  std::map<std::pair<std::string, int32_t>, int64_t> offsets_;  // the I/O thread's
};

/// A Producer over AutoFactory connections (`connectable` false: they never connect).
inline std::unique_ptr<Producer> makeAutoProducer(const ProducerConfig& config, bool connectable, int32_t partitions = 3,
                                                  ProducerCallbacks callbacks = {}) {
  auto impl = std::make_unique<Producer::Impl>(
      config, nullptr,
      [connectable, partitions](boost::asio::io_context& io, const Clock&, std::function<void()>) {
        return std::make_unique<AutoFactory>(io, connectable, partitions);
      },
      std::move(callbacks));
  return std::make_unique<Producer>(std::move(impl));
}

}  // namespace kafkalite::client::testing
