#pragma once
// Fakes for stepping the producer by hand, as Kafka's SenderTest does: a connection that
// records every request and is answered by the test, and helpers to decode what was sent
// and encode canned answers. The GoogleMock doubles in mocks.hpp delegate to these by
// default (gmock's "delegate to a fake" pattern); tests use the mocks.
//
// Threading: one test thread; nothing here is synchronised.

#include <gmock/gmock.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/broker_connection.hpp"
#include "protocol/headers.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/messages/produce.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::client::testing {

/// One request as a broker would read it: the frame's bytes and its decoded header.
struct SentRequest {
  protocol::RequestHeader header;
  std::vector<uint8_t> frame;  // flattened, size prefix included
  std::size_t pieces = 0;      // scatter-gather pieces of the original frame
  bool expectResponse = true;
  ResponseHandler handler;
  bool done = false;
  bool headerValid = false;

  /// Flattens `frame` and decodes its header from the bytes (not from the frame's fields).
  static SentRequest of(const RequestFrame& frame) {
    SentRequest s;
    s.frame = frame.flatten();
    s.pieces = frame.pieceCount();
    if (s.frame.size() >= 4) {
      protocol::Reader in(std::span<const uint8_t>(s.frame).subspan(4));
      s.headerValid = protocol::decodeRequestHeader(in, s.header);
    }
    return s;
  }

  /// The body after the header.
  [[nodiscard]] std::span<const uint8_t> body() const {
    protocol::Reader in(std::span<const uint8_t>(frame).subspan(4));
    protocol::RequestHeader h;
    protocol::decodeRequestHeader(in, h);
    return {in.position(), in.remaining()};
  }
  /// The body decoded as `M`, if it decodes.
  template <class M>
  [[nodiscard]] std::optional<M> tryDecode() const {
    M m;
    if (!headerValid || protocol::decode(body(), header.apiVersion, m)) return std::nullopt;
    return m;
  }
  /// The body decoded as `M`; a decode failure fails the test.
  template <class M>
  [[nodiscard]] M decode() const {
    M m;
    const auto error = protocol::decode(body(), header.apiVersion, m);
    EXPECT_FALSE(error) << (error ? error->message() : "");
    return m;
  }
};

/// How a fake connection reacts to connect().
enum class ConnectOutcome { Ready, Pending, Fail };

/// A connection that keeps what it is sent for the test to answer. It does not model the
/// reconnect backoff: connect() on a Failed connection applies the outcome at once.
class FakeConnection final : public BrokerConnection {
 public:
  FakeConnection(int32_t node, ConnectOutcome outcome) : node_(node), outcome_(outcome) {}

  [[nodiscard]] int32_t nodeId() const noexcept override { return node_; }
  [[nodiscard]] ConnectionState state() const noexcept override { return state_; }
  [[nodiscard]] std::error_code lastError() const noexcept override { return lastError_; }
  void connect() override {
    if (state_ == ConnectionState::Ready || state_ == ConnectionState::Connecting) return;
    if (outcome_ == ConnectOutcome::Ready) {
      state_ = ConnectionState::Ready;
    } else if (outcome_ == ConnectOutcome::Pending) {
      state_ = ConnectionState::Connecting;
    } else {
      state_ = ConnectionState::Failed;
      lastError_ = ClientError::ConnectionFailed;
    }
  }
  [[nodiscard]] int16_t apiVersion(protocol::ApiKey key) const noexcept override {
    if (state_ != ConnectionState::Ready) return -1;
    return key == protocol::ApiKey::Produce ? produceVersion : metadataVersion;
  }
  [[nodiscard]] std::size_t inFlight() const noexcept override {
    std::size_t n = 0;
    for (const auto& s : sent) n += s.done ? 0 : 1;
    return n;
  }
  void send(RequestFrame frame, bool expectResponse, ResponseHandler handler) override {
    SentRequest s = SentRequest::of(frame);
    EXPECT_TRUE(s.headerValid);
    s.expectResponse = expectResponse;
    s.handler = std::move(handler);
    sent.push_back(std::move(s));
  }
  void close() override {
    state_ = ConnectionState::Disconnected;
    for (auto& s : sent) s.done = true;  // the Sender has failed them already
    arrived_.clear();
  }
  /// Delivers, in order, the answers arrive() left unread.
  void deliverReceived() override {
    while (!arrived_.empty()) {
      auto [i, body] = std::move(arrived_.front());
      arrived_.erase(arrived_.begin());
      respond(i, body);
    }
  }

  /// Test controls.
  void setOutcome(ConnectOutcome outcome) { outcome_ = outcome; }
  void finishConnecting(bool ok) {
    state_ = ok ? ConnectionState::Ready : ConnectionState::Failed;
    if (!ok) lastError_ = ClientError::ConnectionFailed;
  }
  /// Answers request `i` with an encoded body.
  void respond(std::size_t i, std::span<const uint8_t> body) {
    ASSERT_LT(i, sent.size());
    ASSERT_FALSE(sent[i].done);
    sent[i].done = true;
    auto handler = std::move(sent[i].handler);  // `sent` may grow while it runs
    handler({}, body);
  }
  /// Request `i`'s answer has arrived but is not read yet: it sits in the socket until
  /// deliverReceived() (as when the I/O thread was busy elsewhere).
  void arrive(std::size_t i, std::vector<uint8_t> body) { arrived_.emplace_back(i, std::move(body)); }
  /// Fails request `i` (a disconnect, as the Asio connection reports it).
  void fail(std::size_t i, std::error_code error = ClientError::Disconnected) {
    ASSERT_LT(i, sent.size());
    sent[i].done = true;
    auto handler = std::move(sent[i].handler);
    handler(error, {});
  }
  /// Indices of requests of `key` in send order.
  [[nodiscard]] std::vector<std::size_t> requests(protocol::ApiKey key) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < sent.size(); ++i)
      if (sent[i].header.apiKey == key) out.push_back(i);
    return out;
  }
  /// Index of the last unanswered request of `key`, if any.
  [[nodiscard]] std::optional<std::size_t> pending(protocol::ApiKey key) const {
    for (std::size_t i = sent.size(); i-- > 0;)
      if (sent[i].header.apiKey == key && !sent[i].done) return i;
    return std::nullopt;
  }

  std::vector<SentRequest> sent;
  int16_t produceVersion = 7;
  int16_t metadataVersion = 4;

 private:
  int32_t node_;
  ConnectOutcome outcome_;
  ConnectionState state_ = ConnectionState::Disconnected;
  std::error_code lastError_;
  std::vector<std::pair<std::size_t, std::vector<uint8_t>>> arrived_;  // answers not read yet
};

/// Body bytes of a response message at `version`.
template <class M>
std::vector<uint8_t> encodeBody(const M& message, int16_t version) {
  std::vector<uint8_t> out;
  const auto error = protocol::encode(message, version, out);
  EXPECT_FALSE(error) << (error ? error->message() : "");
  return out;
}

/// One topic for metadataResponse: partition p is led by leaders[p] (-1 = no leader).
struct TopicLayout {
  std::string name;
  std::vector<int32_t> leaders;
  int16_t error = 0;
};

/// A Metadata answer listing brokers 1..brokers on 127.0.0.1:9091.. and the topics.
inline protocol::MetadataResponse metadataResponse(int32_t brokers, const std::vector<TopicLayout>& topics) {
  protocol::MetadataResponse r;
  for (int32_t b = 1; b <= brokers; ++b) r.brokers.push_back({b, "127.0.0.1", 9090 + b, std::nullopt, {}});
  r.controllerId = 1;
  for (const auto& t : topics) {
    protocol::MetadataResponse::MetadataResponseTopic topic;
    topic.name = t.name;
    topic.errorCode = t.error;
    for (std::size_t p = 0; p < t.leaders.size(); ++p) {
      protocol::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition part;
      part.partitionIndex = static_cast<int32_t>(p);
      part.leaderId = t.leaders[p];
      part.errorCode = t.leaders[p] < 0 ? static_cast<int16_t>(5) : static_cast<int16_t>(0);
      part.replicaNodes = {t.leaders[p]};
      part.isrNodes = {t.leaders[p]};
      topic.partitions.push_back(part);
    }
    r.topics.push_back(std::move(topic));
  }
  return r;
}

/// A Produce answer: for each (topic, partition) of `request`, `error` and base offset
/// `baseOffsets[topic-partition]` (0 when not given).
inline protocol::ProduceResponse produceResponse(const protocol::ProduceRequest& request, int16_t error,
                                                 const std::map<std::pair<std::string, int32_t>, int64_t>& baseOffsets = {}) {
  protocol::ProduceResponse r;
  for (const auto& t : request.topicData) {
    protocol::ProduceResponse::TopicProduceResponse topic;
    topic.name = t.name;
    for (const auto& p : t.partitionData) {
      protocol::ProduceResponse::TopicProduceResponse::PartitionProduceResponse part;
      part.index = p.index;
      part.errorCode = error;
      const auto it = baseOffsets.find({t.name, p.index});
      part.baseOffset = error != 0 ? -1 : (it == baseOffsets.end() ? 0 : it->second);
      topic.partitionResponses.push_back(part);
    }
    r.responses.push_back(std::move(topic));
  }
  return r;
}

/// The values of every record in a Produce request, per (topic, partition), in order.
inline std::map<std::pair<std::string, int32_t>, std::vector<std::string>> valuesOf(
    const protocol::ProduceRequest& request) {
  std::map<std::pair<std::string, int32_t>, std::vector<std::string>> out;
  for (const auto& t : request.topicData) {
    for (const auto& p : t.partitionData) {
      protocol::RecordBatchIterator batches(p.records.bytes);
      protocol::RecordBatchView batch;
      while (batches.next(batch)) {
        auto cursor = batch.records();
        protocol::RecordView record;
        while (cursor.next(record)) {
          out[{t.name, p.index}].push_back(
              record.value ? std::string(reinterpret_cast<const char*>(record.value->data()), record.value->size())
                           : std::string("<null>"));
        }
      }
    }
  }
  return out;
}

}  // namespace kafkalite::client::testing
