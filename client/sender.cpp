#include "client/sender.hpp"

#include <algorithm>

#include "protocol/messages/produce.hpp"

namespace kafkalite::client {

SenderConfig SenderConfig::from(const ProducerConfig& config) {
  SenderConfig c;
  c.acks = config.requestRequiredAcks;
  c.requestTimeoutMs = config.requestTimeoutMs;
  c.retries = config.messageSendMaxRetries;
  c.retryBackoffMs = config.retryBackoffMs;
  c.maxInFlight = config.maxInFlightRequestsPerConnection;
  c.clientId = config.clientId;
  c.deliveryTimeoutMs = config.deliveryTimeoutMs;
  c.idempotent = config.enableIdempotence;
  c.measureRtt = config.statisticsIntervalMs > 0;
  c.bootstrapServers = config.bootstrapServers;
  return c;
}

Sender::Sender(SenderConfig config, const Clock& clock, MetadataCache& metadata, RecordAccumulator& accumulator,
               RecordHandoff& handoff, ConnectionFactory& connections, const Events& events)
    : config_(std::move(config)),
      clock_(clock),
      metadata_(metadata),
      accumulator_(accumulator),
      handoff_(handoff),
      factory_(connections),
      events_(events) {}

Sender::~Sender() = default;

void Sender::wake() {
  if (wakeup_) wakeup_();
}

int64_t Sender::runOnce(int64_t nowMs) {
  expireRequests(nowMs);

  // Spec 8.4 step 1: which leaders have something to send.
  accumulator_.ready(metadata_, nowMs, handoff_.exhausted(), ready_);
  const auto last = metadata_.lastRefreshMs();
  // Ask again about leaders we do not know, but not more often than retry.backoff.ms.
  const int64_t askAgainAt = last ? std::max(nowMs, *last + config_.retryBackoffMs) : nowMs;
  if (ready_.unknownLeaders) metadata_.requestUpdate(askAgainAt);
  // topic.metadata.refresh.interval.ms = 0: a send pass is preceded by a refresh (7.3).
  if (metadata_.sendPassNeedsRefresh() && !ready_.readyNodes.empty()) metadata_.requestUpdate(nowMs);
  maybeUpdateMetadata(nowMs);
  if (!haveProducerId()) maybeInitProducerId(nowMs);

  int64_t next = ready_.nextReadyCheckMs;
  if (!metadata_.sendPassNeedsRefresh() && haveProducerId()) {
    bool sent = false;
    for (const int32_t node : ready_.readyNodes) {
      BrokerConnection* conn = connectionFor(node);
      if (conn == nullptr) {  // the leader is not in the broker list: ask again
        metadata_.requestUpdate(askAgainAt);
        continue;
      }
      if (conn->state() == ConnectionState::Disconnected || conn->state() == ConnectionState::Failed) {
        conn->connect();
      }
      if (conn->state() == ConnectionState::Failed) {
        // Spec 8.4 step 2 drops unconnected nodes; a node we cannot connect to costs the
        // batches waiting for it one attempt, so "all brokers down" ends (spec 7.2).
        drained_.clear();
        accumulator_.drain(metadata_, node, nowMs, drained_);
        for (ProducerBatch* b : drained_) {
          ++b->attempts;
          accumulator_.unmute(*b);
          failBatch(b, conn->lastError(), nowMs);
        }
        if (!drained_.empty()) next = std::min(next, nowMs + config_.retryBackoffMs);
        checkAllBrokersDown();
        continue;
      }
      if (conn->state() != ConnectionState::Ready) continue;
      // Fill the pipeline: one drain is capped at message.max.bytes, so while the broker
      // has room for more requests and batches are ready, send another (otherwise the
      // rest would wait for the next event, usually an answer: one request in flight).
      while (conn->inFlight() < static_cast<std::size_t>(config_.maxInFlight)) {
        drained_.clear();
        accumulator_.drain(metadata_, node, nowMs, drained_);  // spec 8.4 steps 3-4
        if (drained_.empty()) break;
        sendProduceRequest(*conn, drained_, nowMs);  // step 6
        sent = true;
        if (!accumulator_.hasSendable(metadata_, node, nowMs, handoff_.exhausted())) break;
      }
    }
    if (sent) metadata_.markSendPass();
  }

  // Step 5: delivery.timeout.ms, when set, bounds the time a record may wait.
  if (config_.deliveryTimeoutMs) {
    expireQueued(nowMs);
    expireInFlight(nowMs);
  }
  return nextWakeup(nowMs, next);
}

int64_t Sender::nextWakeup(int64_t nowMs, int64_t next) const {
  for (const auto& [id, request] : inFlight_) {
    next = std::min(next, request.deadlineMs);
    if (!config_.deliveryTimeoutMs) continue;
    for (const ProducerBatch* b : request.batches) {
      if (!b->recordsCompleted) next = std::min(next, b->createdMs + *config_.deliveryTimeoutMs);
    }
  }
  if (initInFlight_) {
    next = std::min(next, initInFlight_->deadlineMs);
  } else if (!haveProducerId() && initRetryAtMs_ > nowMs) {
    // Backing off after a failed InitProducerId. (Waiting for a connection instead is
    // woken by its state change.)
    next = std::min(next, initRetryAtMs_);
  }
  if (metadataInFlight_) {
    next = std::min(next, metadataInFlight_->deadlineMs);
  } else if (const auto due = metadata_.nextUpdateMs(nowMs); due && !metadataAwaitsConnection_) {
    // A refresh waiting for a connection is woken by its state change instead.
    next = std::min(next, std::max(*due, nowMs));
  }
  return next;
}

void Sender::expireQueued(int64_t nowMs) {
  accumulator_.expire(nowMs, *config_.deliveryTimeoutMs, [&](ProducerBatch* b) {
    // A sequence that went out (a retry waiting here) may be a gap now.
    if (config_.idempotent && b->hasSequence()) requestEpochBump(*b, "a batch expired after its sequence was sent");
    completeBatch(b, ClientError::TimedOut, -1, -1);
  });
}

void Sender::expireRequests(int64_t nowMs) {
  std::vector<int32_t> nodes;
  const auto expiredNodes = [&] {
    nodes.clear();
    for (const auto& [id, request] : inFlight_) {
      if (request.deadlineMs <= nowMs) nodes.push_back(request.node);
    }
    if (metadataInFlight_ && metadataInFlight_->deadlineMs <= nowMs) nodes.push_back(metadataInFlight_->node);
    if (initInFlight_ && initInFlight_->deadlineMs <= nowMs) nodes.push_back(initInFlight_->node);
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  };
  expiredNodes();
  if (nodes.empty()) return;
  // First read what has arrived: an answer waiting in the socket (the I/O thread was busy,
  // e.g. in a slow callback) completes its request instead of timing it out — and of
  // retrying a batch the broker has written, which would duplicate it.
  for (const int32_t node : nodes) {
    if (BrokerConnection* conn = connection(node)) conn->deliverReceived();
  }
  expiredNodes();
  for (const int32_t node : nodes) {
    events_.logWith(LogLevel::Warning, "REQTIMEOUT", [&] {
      return "a request to broker " + std::to_string(node) + " got no answer within request.timeout.ms (" +
             std::to_string(config_.requestTimeoutMs) + " ms): closing the connection, its requests are retried";
    });
    failConnection(node, nowMs);
  }
}

const char* Sender::idempotenceState() const noexcept {
  if (!config_.idempotent) return "Disabled";
  if (producerId_ < 0) return "RequestPID";
  return bumpRequired_ ? "Bumping" : "Assigned";
}

void Sender::expireInFlight(int64_t nowMs) {
  // As Java's Sender: records past delivery.timeout.ms fail now, even though their request
  // is still out; the batch's bytes may still be queued for writing, so the batch itself is
  // recycled only when the request completes.
  for (auto& [id, request] : inFlight_) {
    for (ProducerBatch* b : request.batches) {
      if (b->recordsCompleted || nowMs - b->createdMs < *config_.deliveryTimeoutMs) continue;
      completeRecords(b, ClientError::TimedOut, -1, -1);
    }
  }
}

std::error_code Sender::failureAt(int64_t deadlineMs, int64_t nowMs) noexcept {
  // Past its deadline the request timed out; before it, its connection went away under it.
  return deadlineMs <= nowMs ? std::error_code(ErrorCode::REQUEST_TIMED_OUT) : std::error_code(ClientError::Disconnected);
}

void Sender::failConnection(int32_t node, int64_t nowMs) {
  // Responses come in order, so after a timeout nothing later on this connection can be
  // matched with confidence: every request on it fails, the late one with REQUEST_TIMED_OUT.
  for (auto it = inFlight_.begin(); it != inFlight_.end();) {
    if (it->second.node != node) {
      ++it;
      continue;
    }
    InFlightProduce request = std::move(it->second);
    it = inFlight_.erase(it);
    const std::error_code error = failureAt(request.deadlineMs, nowMs);
    if (error == ErrorCode::REQUEST_TIMED_OUT) ++counters_.brokers[node].reqTimeouts;
    for (ProducerBatch* b : request.batches) {
      accumulator_.unmute(*b);
      failBatch(b, error, nowMs);
    }
  }
  if (metadataInFlight_ && metadataInFlight_->node == node) {
    const std::error_code error = failureAt(metadataInFlight_->deadlineMs, nowMs);
    metadataInFlight_.reset();
    metadataAttemptFailed(nowMs, error);
  }
  if (initInFlight_ && initInFlight_->node == node) {
    const std::error_code error = failureAt(initInFlight_->deadlineMs, nowMs);
    initInFlight_.reset();
    initProducerIdFailed(nowMs, error);
  }
  if (const auto it = connections_.find(node); it != connections_.end()) it->second->close();
}

void Sender::sendProduceRequest(BrokerConnection& connection, std::vector<ProducerBatch*>& batches, int64_t nowMs) {
  protocol::ProduceRequest request;
  request.acks = config_.acks;
  request.timeoutMs = config_.requestTimeoutMs;
  for (ProducerBatch* b : batches) {
    auto topic = std::find_if(request.topicData.begin(), request.topicData.end(),
                              [&](const auto& t) { return t.name == b->topic(); });
    if (topic == request.topicData.end()) {
      request.topicData.emplace_back();
      topic = std::prev(request.topicData.end());
      topic->name = b->topic();
    }
    topic->partitionData.push_back({b->partition(), protocol::Records::of(b->bytes()), {}});
  }
  const int16_t version = connection.apiVersion(protocol::ApiKey::Produce);
  const int32_t correlationId = nextCorrelationId_++;
  RequestFrame frame;
  const bool encoded =
      version >= 0 && !RequestFrame::encode(
                          protocol::RequestHeader{protocol::ApiKey::Produce, version, correlationId, config_.clientId, {}},
                          request, frame);
  if (!encoded) {
    for (ProducerBatch* b : batches) {
      accumulator_.unmute(*b);
      completeBatch(b, version < 0 ? ClientError::UnsupportedVersion : ClientError::Malformed, -1, -1);
    }
    return;
  }
  InFlightProduce& entry = inFlight_[correlationId];
  entry.node = connection.nodeId();
  entry.version = version;
  // acks = 0: the deadline is for the write only.
  entry.deadlineMs = nowMs + config_.requestTimeoutMs;
  if (config_.measureRtt) entry.sentUs = clock_.nowUs();
  entry.batches = batches;
  SenderCounters::Broker& broker = counters_.brokers[entry.node];
  ++broker.tx;
  broker.txBytes += static_cast<int64_t>(frame.size());
  ++counters_.tx;
  counters_.txBytes += static_cast<int64_t>(frame.size());
  for (ProducerBatch* b : batches) {
    if (b->attempts > 0) ++broker.txRetries;
    ++b->attempts;
    counters_.txMsgs += b->recordCount();
    counters_.txMsgBytes += static_cast<int64_t>(b->bytes().size());
  }
  connection.send(std::move(frame), config_.acks != 0,
                  [this, correlationId](std::error_code ec, std::span<const uint8_t> body) {
                    handleProduceResponse(correlationId, ec, body);
                  });
}

void Sender::abortInFlight(std::error_code error) {
  auto requests = std::move(inFlight_);
  inFlight_.clear();
  for (auto& [id, request] : requests) {
    for (ProducerBatch* b : request.batches) {
      accumulator_.unmute(*b);
      completeBatch(b, error, -1, -1);
    }
  }
  metadataInFlight_.reset();
  initInFlight_.reset();
  for (auto& [node, conn] : connections_) conn->close();
}

BrokerConnection* Sender::connection(int32_t nodeId) const {
  const auto it = connections_.find(nodeId);
  return it == connections_.end() ? nullptr : it->second.get();
}

}  // namespace kafkalite::client
