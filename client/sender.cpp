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
  c.bootstrapServers = config.bootstrapServers;
  return c;
}

Sender::Sender(SenderConfig config, const Clock& clock, MetadataCache& metadata, RecordAccumulator& accumulator,
               RecordHandoff& handoff, ConnectionFactory& connections)
    : config_(std::move(config)),
      clock_(clock),
      metadata_(metadata),
      accumulator_(accumulator),
      handoff_(handoff),
      factory_(connections) {}

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
    accumulator_.expire(nowMs, *config_.deliveryTimeoutMs, [&](ProducerBatch* b) {
      if (config_.idempotent && b->attempts > 0) forgetProducerId();  // a sent sequence dropped
      completeBatch(b, ClientError::TimedOut, -1, -1);
    });
    expireInFlight(nowMs);
  }

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

void Sender::expireRequests(int64_t nowMs) {
  std::vector<int32_t> nodes;
  for (const auto& [id, request] : inFlight_) {
    if (request.deadlineMs <= nowMs) nodes.push_back(request.node);
  }
  if (metadataInFlight_ && metadataInFlight_->deadlineMs <= nowMs) nodes.push_back(metadataInFlight_->node);
  if (initInFlight_ && initInFlight_->deadlineMs <= nowMs) nodes.push_back(initInFlight_->node);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  for (const int32_t node : nodes) failConnection(node, nowMs);
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
  entry.batches = batches;
  for (ProducerBatch* b : batches) ++b->attempts;
  connection.send(std::move(frame), config_.acks != 0,
                  [this, correlationId](std::error_code ec, std::span<const uint8_t> body) {
                    handleProduceResponse(correlationId, ec, body);
                  });
}

void Sender::handleProduceResponse(int32_t correlationId, std::error_code error, std::span<const uint8_t> body) {
  const auto it = inFlight_.find(correlationId);
  if (it == inFlight_.end()) return;  // already failed (timeout, close)
  InFlightProduce request = std::move(it->second);
  inFlight_.erase(it);
  const int64_t nowMs = clock_.nowMs();
  for (ProducerBatch* b : request.batches) accumulator_.unmute(*b);

  protocol::ProduceResponse response;
  if (!error && config_.acks != 0 && decodeResponse(logger_, request.node, body, request.version, response)) {
    error = ClientError::Malformed;
  }
  for (ProducerBatch* b : request.batches) {
    if (error || b->recordsCompleted) {
      failBatch(b, error, nowMs);
      continue;
    }
    if (config_.acks == 0) {  // written; nothing more will come (spec 7.4)
      completeBatch(b, {}, -1, -1);
      continue;
    }
    const protocol::ProduceResponse::TopicProduceResponse::PartitionProduceResponse* found = nullptr;
    for (const auto& t : response.responses) {
      if (t.name != b->topic()) continue;
      for (const auto& p : t.partitionResponses) {
        if (p.index == b->partition()) found = &p;
      }
    }
    if (found == nullptr) {
      failBatch(b, ClientError::Malformed, nowMs);
      continue;
    }
    const auto code = static_cast<ErrorCode>(found->errorCode);
    if (code == ErrorCode::NONE) {
      completeBatch(b, {}, found->baseOffset, found->logAppendTimeMs);
    } else if (code == ErrorCode::DUPLICATE_SEQUENCE_NUMBER) {
      completeBatch(b, {}, -1, -1);  // spec 8.7: success, offset unknown
    } else {
      failBatch(b, code, nowMs);
    }
  }
  wake();
}

void Sender::failBatch(ProducerBatch* batch, std::error_code error, int64_t nowMs) {
  if (batch->recordsCompleted) {  // delivery.timeout.ms failed its records already
    if (config_.idempotent) forgetProducerId();  // its sequence may be a gap now
    accumulator_.deallocate(batch);
    return;
  }
  batch->lastError = error;
  const bool deliveryExpired =
      config_.deliveryTimeoutMs && nowMs - batch->createdMs >= static_cast<int64_t>(*config_.deliveryTimeoutMs);
  const bool retry = isRetriable(error) && batch->attempts <= config_.retries && !deliveryExpired;
  // Idempotence: a sent batch that fails for good may leave a gap in its partition's
  // sequence (or the broker no longer knows the id): later batches go under a new id.
  if (!retry && config_.idempotent && batch->attempts > 0) forgetProducerId();
  if (retry) {
    // Spec 7.2 / 8.5: back to the head of its queue; after retry.backoff.ms and a
    // metadata refresh (to find a new leader) it goes again.
    accumulator_.reenqueue(batch, nowMs, metadata_.refreshAttempts());
    metadata_.requestUpdate(nowMs + config_.retryBackoffMs);
    return;
  }
  completeBatch(batch, deliveryExpired && isRetriable(error) ? std::error_code(ClientError::TimedOut) : error, -1, -1);
}

void Sender::completeBatch(ProducerBatch* batch, std::error_code error, int64_t baseOffset, int64_t logAppendTimeMs) {
  if (!batch->recordsCompleted) completeRecords(batch, error, baseOffset, logAppendTimeMs);
  accumulator_.deallocate(batch);
}

void Sender::completeRecords(ProducerBatch* batch, std::error_code error, int64_t baseOffset,
                             int64_t logAppendTimeMs) {
  RecordMetadata& md = scratchMetadata_;
  md.topic = batch->topic();
  md.partition = batch->partition();
  int64_t offset = error || baseOffset < 0 ? -1 : baseOffset;
  for (PendingRecord& record : batch->records) {
    md.offset = offset;
    md.timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : record.timestampMs;
    handoff_.completeDeferred(record, error, md);
    if (offset >= 0) ++offset;
  }
  handoff_.releaseDeferred();
  batch->recordsCompleted = true;
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
