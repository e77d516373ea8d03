// Sender: connections and Metadata requests (the produce path is in sender.cpp).
#include <algorithm>

#include "client/decode_response.hpp"
#include "client/sender.hpp"
#include "protocol/messages/metadata.hpp"

namespace kafkalite::client {

BrokerConnection* Sender::connectionFor(int32_t node) {
  const BrokerAddress* address = nullptr;
  if (node < 0) {
    const auto index = static_cast<std::size_t>(-node - 1);
    if (index < config_.bootstrapServers.size()) address = &config_.bootstrapServers[index];
  } else {
    address = metadata_.broker(node);
  }
  if (address == nullptr) return nullptr;
  if (const auto it = connections_.find(node); it != connections_.end()) {
    if (connectionAddress_[node] == *address) return it->second.get();
    // The broker moved (restarted elsewhere): what is in flight on the old address fails.
    failConnection(node, clock_.nowMs());
    connections_.erase(node);
  }
  connectionAddress_[node] = *address;
  auto& conn = connections_[node];
  conn = factory_.create(node, *address);
  return conn.get();
}

BrokerConnection* Sender::readyConnection() const {
  // Any broker we already talk to will do; prefer a known broker to a bootstrap address.
  BrokerConnection* best = nullptr;
  for (const auto& [node, conn] : connections_) {
    if (conn->state() != ConnectionState::Ready) continue;
    if (best == nullptr || (best->nodeId() < 0 && node >= 0) || conn->inFlight() < best->inFlight()) {
      best = conn.get();
    }
  }
  return best;
}

std::vector<int32_t> Sender::candidates() const {
  // The known brokers, then the bootstrap addresses.
  std::vector<int32_t> nodes;
  for (const auto& [node, address] : metadata_.brokers()) nodes.push_back(node);
  for (std::size_t i = 0; i < config_.bootstrapServers.size(); ++i) nodes.push_back(-static_cast<int32_t>(i) - 1);
  return nodes;
}

void Sender::checkAllBrokersDown() {
  // Down: every address the producer knows has a connection that failed to connect (the
  // known brokers, or only the bootstrap addresses before the first answer).
  std::vector<int32_t> nodes;
  for (const auto& [node, address] : metadata_.brokers()) nodes.push_back(node);
  if (nodes.empty()) nodes = candidates();
  bool allDown = !nodes.empty();
  for (const int32_t node : nodes) {
    const BrokerConnection* conn = connection(node);
    if (conn == nullptr || conn->state() != ConnectionState::Failed) allDown = false;
  }
  if (!allDown || allBrokersDownReported_) return;
  allBrokersDownReported_ = true;
  events_.error("BROKERS", ClientError::AllBrokersDown,
                "all " + std::to_string(nodes.size()) + " known brokers are down (connections failed)");
}

BrokerConnection* Sender::metadataConnection(int64_t nowMs) {
  if (BrokerConnection* ready = readyConnection()) return ready;

  // Otherwise connect to a candidate: the known brokers, then the bootstrap addresses.
  const std::vector<int32_t> candidates = this->candidates();
  if (metadataNode_ != 0 && std::find(candidates.begin(), candidates.end(), metadataNode_) != candidates.end()) {
    BrokerConnection* conn = connectionFor(metadataNode_);
    if (conn != nullptr) {
      if (conn->state() == ConnectionState::Disconnected) conn->connect();
      if (conn->state() == ConnectionState::Connecting) {
        metadataAwaitsConnection_ = true;  // its state change wakes the Sender
        return nullptr;
      }
      if (conn->state() == ConnectionState::Ready) return conn;
    }
    metadataNode_ = 0;  // it failed: that was one attempt (spec 7.2)
    metadataAttemptFailed(nowMs, conn != nullptr && conn->lastError() ? conn->lastError()
                                                                      : std::error_code(ClientError::ConnectionFailed));
    checkAllBrokersDown();
    return nullptr;
  }
  for (std::size_t tried = 0; tried < candidates.size(); ++tried) {
    const int32_t node = candidates[metadataCandidate_++ % candidates.size()];
    BrokerConnection* conn = connectionFor(node);
    if (conn == nullptr) continue;
    conn->connect();
    if (conn->state() == ConnectionState::Failed) continue;  // still backing off
    metadataNode_ = node;
    if (conn->state() == ConnectionState::Ready) return conn;
    metadataAwaitsConnection_ = true;
    return nullptr;
  }
  metadataAttemptFailed(nowMs, ClientError::ConnectionFailed);  // nobody can be reached right now
  checkAllBrokersDown();
  return nullptr;
}

void Sender::maybeUpdateMetadata(int64_t nowMs) {
  metadataAwaitsConnection_ = false;
  if (metadataInFlight_) return;
  const auto due = metadata_.nextUpdateMs(nowMs);
  if (!due || *due > nowMs) return;
  BrokerConnection* conn = metadataConnection(nowMs);
  if (conn == nullptr) return;
  metadataNode_ = 0;
  const int16_t version = std::min(conn->apiVersion(protocol::ApiKey::Metadata), kMetadataMaxVersion);
  protocol::MetadataRequest request;
  request.topics.emplace();
  for (const auto& topic : metadata_.topics()) {
    protocol::MetadataRequest::MetadataRequestTopic t;
    t.name = topic;
    request.topics->push_back(std::move(t));
  }
  request.allowAutoTopicCreation = true;
  const int32_t correlationId = nextCorrelationId_++;
  RequestFrame frame;
  if (version < 0 ||
      RequestFrame::encode(protocol::RequestHeader{protocol::ApiKey::Metadata, version, correlationId, config_.clientId, {}},
                           request, frame)) {
    metadataAttemptFailed(nowMs, ClientError::UnsupportedVersion);
    return;
  }
  metadataInFlight_ = InFlightMetadata{correlationId, conn->nodeId(), nowMs + config_.requestTimeoutMs};
  conn->send(std::move(frame), true, [this, correlationId, version](std::error_code ec, std::span<const uint8_t> body) {
    handleMetadataResponse(correlationId, version, ec, body);
  });
}

void Sender::handleMetadataResponse(int32_t correlationId, int16_t version, std::error_code error,
                                    std::span<const uint8_t> body) {
  if (!metadataInFlight_ || metadataInFlight_->correlationId != correlationId) return;  // timed out already
  const int32_t node = metadataInFlight_->node;
  metadataInFlight_.reset();
  const int64_t nowMs = clock_.nowMs();
  protocol::MetadataResponse response;
  if (!error && decodeResponse(events_, node, body, version, response)) error = ClientError::Malformed;
  if (error) {
    metadataAttemptFailed(nowMs, error);
  } else {
    allBrokersDownReported_ = false;  // a broker answered
    metadata_.update(response, nowMs);
    events_.logWith(LogLevel::Debug, "METADATA", [&] {
      std::string line = "metadata from broker " + std::to_string(node) + ": " +
                         std::to_string(response.brokers.size()) + " brokers;";
      for (const auto& t : response.topics) {
        line += " " + t.name.value_or("?") + " (" + std::to_string(t.partitions.size()) + " partitions";
        if (t.errorCode != 0) line += ", " + std::string(errorName(static_cast<ErrorCode>(t.errorCode)));
        line += ")";
      }
      return line;
    });
    if (metadataListener_) metadataListener_(nowMs, {});
  }
  wake();
}

void Sender::metadataAttemptFailed(int64_t nowMs, std::error_code error) {
  events_.logWith(LogLevel::Info, "METADATA",
                  [&] { return "metadata request failed: " + error.message() + "; asking again after the backoff"; });
  metadata_.updateFailed(nowMs, config_.retryBackoffMs);
  if (metadataListener_) metadataListener_(nowMs, error);
}

}  // namespace kafkalite::client
