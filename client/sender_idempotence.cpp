// Sender: the producer id of an idempotent producer (enable.idempotence, spec 8.5-8.6).
#include <algorithm>
#include <limits>

#include "client/sender.hpp"
#include "protocol/messages/init_producer_id.hpp"

namespace kafkalite::client {

void Sender::maybeInitProducerId(int64_t nowMs) {
  if (initInFlight_ || nowMs < initRetryAtMs_) return;
  // Any broker answers InitProducerId for a non-transactional producer; use one we already
  // talk to (the metadata refresh opens the first connection). A connection's state
  // change wakes the Sender, so waiting here costs nothing.
  BrokerConnection* conn = readyConnection();
  if (conn == nullptr) {
    if (connections_.empty()) metadata_.requestUpdate(nowMs);  // opens a connection
    return;
  }
  const int16_t version = std::min(conn->apiVersion(protocol::ApiKey::InitProducerId), kInitProducerIdMaxVersion);
  if (version < 0) {
    initProducerIdFailed(nowMs, ClientError::UnsupportedVersion);
    return;
  }
  protocol::InitProducerIdRequest request;  // transactional id null: idempotence only
  request.transactionTimeoutMs = std::numeric_limits<int32_t>::max();
  const int32_t correlationId = nextCorrelationId_++;
  RequestFrame frame;
  if (RequestFrame::encode(
          protocol::RequestHeader{protocol::ApiKey::InitProducerId, version, correlationId, config_.clientId, {}},
          request, frame)) {
    initProducerIdFailed(nowMs, ClientError::Malformed);
    return;
  }
  initInFlight_ = InFlightMetadata{correlationId, conn->nodeId(), nowMs + config_.requestTimeoutMs};
  conn->send(std::move(frame), true, [this, correlationId, version](std::error_code ec, std::span<const uint8_t> body) {
    handleInitProducerIdResponse(correlationId, version, ec, body);
  });
}

void Sender::handleInitProducerIdResponse(int32_t correlationId, int16_t version, std::error_code error,
                                          std::span<const uint8_t> body) {
  if (!initInFlight_ || initInFlight_->correlationId != correlationId) return;  // timed out already
  const int32_t node = initInFlight_->node;
  initInFlight_.reset();
  const int64_t nowMs = clock_.nowMs();
  protocol::InitProducerIdResponse response;
  if (!error && decodeResponse(logger_, node, body, version, response)) error = ClientError::Malformed;
  if (!error && response.errorCode != 0) error = static_cast<ErrorCode>(response.errorCode);
  if (!error && response.producerId < 0) error = ClientError::Malformed;
  if (error) {
    initProducerIdFailed(nowMs, error);
  } else {
    producerId_ = response.producerId;
    producerEpoch_ = response.producerEpoch;
    accumulator_.setProducerIdentity(producerId_, producerEpoch_);
  }
  wake();
}

void Sender::initProducerIdFailed(int64_t nowMs, std::error_code error) {
  initRetryAtMs_ = nowMs + config_.retryBackoffMs;
  if (isRetriable(error)) return;  // asked again after retry.backoff.ms
  // Without a producer id nothing can be sent: what is queued fails with the reason, and
  // the next records ask again.
  accumulator_.abortQueued([&](ProducerBatch* b) {
    accumulator_.unmute(*b);
    completeBatch(b, error, -1, -1);
  });
}

void Sender::forgetProducerId() {
  producerId_ = -1;
  producerEpoch_ = -1;
  accumulator_.setProducerIdentity(-1, -1);
}

}  // namespace kafkalite::client
