// Sender: the producer id and epoch of an idempotent producer (enable.idempotence,
// spec 8.5-8.6, KIP-360).
#include <algorithm>
#include <limits>

#include "client/decode_response.hpp"
#include "client/sender.hpp"
#include "protocol/messages/init_producer_id.hpp"

namespace kafkalite::client {

namespace {
// InitProducerId carries the current id and epoch (an epoch bump) from this version on.
constexpr int16_t kInitProducerIdBumpVersion = 3;
}  // namespace

BrokerConnection* Sender::initConnection(int64_t nowMs) {
  // Any broker answers InitProducerId for a non-transactional producer (Java asks the least
  // loaded node): one we already talk to, else one we connect to now, in turn.
  if (BrokerConnection* ready = readyConnection()) {
    initNode_ = 0;
    return ready;
  }
  if (initNode_ != 0) {
    BrokerConnection* conn = connectionFor(initNode_);
    if (conn != nullptr && conn->state() == ConnectionState::Connecting) return nullptr;  // its state change wakes us
    if (conn != nullptr && conn->state() == ConnectionState::Ready) {
      initNode_ = 0;
      return conn;
    }
    initNode_ = 0;
    initProducerIdFailed(nowMs, conn != nullptr && conn->lastError() ? conn->lastError()
                                                                     : std::error_code(ClientError::ConnectionFailed));
    return nullptr;
  }
  const std::vector<int32_t> nodes = candidates();
  for (std::size_t tried = 0; tried < nodes.size(); ++tried) {
    const int32_t node = nodes[initCandidate_++ % nodes.size()];
    BrokerConnection* conn = connectionFor(node);
    if (conn == nullptr) continue;
    conn->connect();
    if (conn->state() == ConnectionState::Failed) continue;  // still backing off
    if (conn->state() == ConnectionState::Ready) return conn;
    initNode_ = node;
    return nullptr;
  }
  initProducerIdFailed(nowMs, ClientError::ConnectionFailed);  // nobody can be reached right now
  checkAllBrokersDown();
  return nullptr;
}

void Sender::maybeInitProducerId(int64_t nowMs) {
  if (initInFlight_ || nowMs < initRetryAtMs_) return;
  BrokerConnection* conn = initConnection(nowMs);
  if (conn == nullptr) return;
  const int16_t version = std::min(conn->apiVersion(protocol::ApiKey::InitProducerId), kInitProducerIdMaxVersion);
  if (version < 0) {
    initProducerIdFailed(nowMs, ClientError::UnsupportedVersion);
    return;
  }
  protocol::InitProducerIdRequest request;  // transactional id null: idempotence only
  request.transactionTimeoutMs = std::numeric_limits<int32_t>::max();
  if (bumpRequired_ && producerId_ >= 0 && producerEpoch_ < std::numeric_limits<int16_t>::max() &&
      version >= kInitProducerIdBumpVersion) {
    // KIP-360: keep the id, bump the epoch. (Older brokers, or the last epoch: a new id.)
    request.producerId = producerId_;
    request.producerEpoch = producerEpoch_;
  }
  const int32_t correlationId = nextCorrelationId_++;
  RequestFrame frame;
  if (RequestFrame::encode(
          protocol::RequestHeader{protocol::ApiKey::InitProducerId, version, correlationId, config_.clientId, {}},
          request, frame)) {
    initProducerIdFailed(nowMs, ClientError::Malformed);
    return;
  }
  events_.logWith(LogLevel::Debug, "IDEMPOTENCE", [&] {
    return std::string(request.producerId >= 0 ? "bumping the epoch of producer id " + std::to_string(producerId_)
                                               : std::string("asking for a producer id")) +
           " (InitProducerId v" + std::to_string(version) + " to broker " + std::to_string(conn->nodeId()) + ")";
  });
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
  if (!error && decodeResponse(events_, node, body, version, response)) error = ClientError::Malformed;
  if (!error && response.errorCode != 0) error = static_cast<ErrorCode>(response.errorCode);
  if (!error && response.producerId < 0) error = ClientError::Malformed;
  if (error) {
    const bool refusedBump = bumpRequired_ && producerId_ >= 0 &&
                             (error == ErrorCode::INVALID_PRODUCER_EPOCH || error == ErrorCode::PRODUCER_FENCED ||
                              error == ErrorCode::INVALID_PRODUCER_ID_MAPPING);
    if (refusedBump) {
      // The broker would not bump this id's epoch: ask for a new id instead, at once.
      events_.logWith(LogLevel::Warning, "IDEMPOTENCE", [&] {
        return "epoch bump refused (" + error.message() + "): asking for a new producer id";
      });
      producerId_ = -1;
      producerEpoch_ = -1;
      bumpRequired_ = false;
      accumulator_.setProducerIdentity(-1, -1);
    } else {
      initProducerIdFailed(nowMs, error);
    }
  } else {
    const bool bumped = response.producerId == producerId_;
    producerId_ = response.producerId;
    producerEpoch_ = response.producerEpoch;
    bumpRequired_ = false;
    initAttempts_ = 0;
    ++counters_.producerIdAssignments;
    accumulator_.setProducerIdentity(producerId_, producerEpoch_);
    events_.logWith(LogLevel::Info, "IDEMPOTENCE", [&] {
      return std::string(bumped ? "epoch bumped: producer id " : "producer id ") + std::to_string(producerId_) +
             ", epoch " + std::to_string(producerEpoch_);
    });
  }
  wake();
}

void Sender::initProducerIdFailed(int64_t nowMs, std::error_code error) {
  initRetryAtMs_ = nowMs + config_.retryBackoffMs;
  ++initAttempts_;
  events_.logWith(LogLevel::Warning, "IDEMPOTENCE", [&] {
    return "InitProducerId attempt " + std::to_string(initAttempts_) + " failed: " + error.message();
  });
  // Asked again after retry.backoff.ms, on whichever broker answers, up to the retries
  // (as a Metadata request for records waiting for their topic, spec 7.2).
  if (isRetriable(error) && initAttempts_ <= config_.retries) return;
  if (!isRetriable(error)) events_.error("IDEMPOTENCE", error, "the cluster refused a producer id");
  // Without a producer id nothing can be sent: what is queued fails with the reason, and
  // the next records ask again.
  initAttempts_ = 0;
  accumulator_.abortQueued([&](ProducerBatch* b) {
    accumulator_.unmute(*b);
    completeBatch(b, error, -1, -1);
  });
}

void Sender::requestEpochBump(const ProducerBatch& batch, std::string_view why) {
  if (!config_.idempotent) return;
  // The partition starts again at sequence 0 under the next identity, its queued batches
  // re-stamped in order.
  accumulator_.resequence(batch);
  // Only the current identity needs a bump: a batch that went under an older one (a bump
  // happened since) is fixed by its partition moving to the current one.
  if (bumpRequired_ || producerId_ < 0 || batch.producerId() != producerId_ || batch.producerEpoch() != producerEpoch_) {
    return;
  }
  bumpRequired_ = true;
  events_.logWith(LogLevel::Info, "IDEMPOTENCE", [&] {
    return batch.topic() + "-" + std::to_string(batch.partition()) + ": " + std::string(why) +
           "; bumping the epoch of producer id " + std::to_string(producerId_);
  });
}

}  // namespace kafkalite::client
