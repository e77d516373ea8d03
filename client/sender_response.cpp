// Sender: Produce answers and what they do to batches (the send path is in sender.cpp).
#include <algorithm>

#include "client/decode_response.hpp"
#include "client/sender.hpp"
#include "protocol/messages/produce.hpp"

namespace kafkalite::client {

namespace {

// Refusals of a batch's producer state that a new epoch (KIP-360) resolves.
bool isSequenceError(const std::error_code& error) noexcept {
  return error == ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER || error == ErrorCode::UNKNOWN_PRODUCER_ID;
}

// Another producer holds a newer epoch of this id: ours cannot be used again.
bool isFencingError(const std::error_code& error) noexcept {
  return error == ErrorCode::INVALID_PRODUCER_EPOCH || error == ErrorCode::PRODUCER_FENCED;
}

}  // namespace

void Sender::handleProduceResponse(int32_t correlationId, std::error_code error, std::span<const uint8_t> body) {
  const auto it = inFlight_.find(correlationId);
  if (it == inFlight_.end()) return;  // already failed (timeout, close)
  InFlightProduce request = std::move(it->second);
  inFlight_.erase(it);
  const int64_t nowMs = clock_.nowMs();
  for (ProducerBatch* b : request.batches) accumulator_.unmute(*b);
  if (!error) {
    SenderCounters::Broker& broker = counters_.brokers[request.node];
    ++broker.rx;
    broker.rxBytes += static_cast<int64_t>(body.size());
    ++counters_.rx;
    counters_.rxBytes += static_cast<int64_t>(body.size());
    if (config_.measureRtt && config_.acks != 0) broker.rtt.record(clock_.nowUs() - request.sentUs);
  }

  protocol::ProduceResponse response;
  if (!error && config_.acks != 0 && decodeResponse(events_, request.node, body, request.version, response)) {
    error = ClientError::Malformed;
  }
  for (ProducerBatch* b : request.batches) {
    if (error) {
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
    completePartition(b, static_cast<ErrorCode>(found->errorCode), found->baseOffset, found->logAppendTimeMs, nowMs);
  }
  wake();
}

void Sender::completePartition(ProducerBatch* batch, ErrorCode code, int64_t baseOffset, int64_t logAppendTimeMs,
                               int64_t nowMs) {
  if (code == ErrorCode::NONE) {
    completeBatch(batch, {}, baseOffset, logAppendTimeMs);  // also a batch whose records expired: no gap
  } else if (code == ErrorCode::DUPLICATE_SEQUENCE_NUMBER) {
    completeBatch(batch, {}, -1, -1);  // spec 8.7: success, offset unknown
  } else if (code == ErrorCode::MESSAGE_TOO_LARGE && !batch->recordsCompleted && accumulator_.split(batch)) {
    // As Java's Sender: the broker's limit is below ours; the halves go again at once
    // (a single record that is still too large fails below, on its own).
    events_.logWith(LogLevel::Info, "RETRY", [&] {
      return batch->topic() + "-" + std::to_string(batch->partition()) +
             ": MESSAGE_TOO_LARGE, batch split in two and sent again";
    });
  } else {
    failBatch(batch, code, nowMs);
  }
}

void Sender::failBatch(ProducerBatch* batch, std::error_code error, int64_t nowMs) {
  if (batch->recordsCompleted) {
    // delivery.timeout.ms failed its records already; the attempt failed, so its sequence
    // is a gap now unless a retry fills it, and none will.
    if (config_.idempotent && batch->hasSequence()) requestEpochBump(*batch, "a batch expired in flight and failed");
    accumulator_.deallocate(batch);
    return;
  }
  batch->lastError = error;
  const bool deliveryExpired =
      config_.deliveryTimeoutMs && nowMs - batch->createdMs >= static_cast<int64_t>(*config_.deliveryTimeoutMs);
  const bool withinLimits = batch->attempts <= config_.retries && !deliveryExpired;
  bool retry = withinLimits && isRetriable(error);
  if (config_.idempotent && withinLimits && isSequenceError(error)) {
    // KIP-360: the broker lost or refused this producer's state for the partition; under a
    // bumped epoch the partition starts again at sequence 0 and the batch is retried.
    requestEpochBump(*batch, error == ErrorCode::UNKNOWN_PRODUCER_ID ? "UNKNOWN_PRODUCER_ID" : "OUT_OF_ORDER_SEQUENCE_NUMBER");
    retry = true;
  }
  if (retry) {
    counters_.retriedMsgs += batch->recordCount();
    counters_.retriedBytes += batch->recordBytes;
    events_.logWith(LogLevel::Debug, "RETRY", [&] {
      return batch->topic() + "-" + std::to_string(batch->partition()) + ": " + std::to_string(batch->recordCount()) +
             " records retried (attempt " + std::to_string(batch->attempts) + " failed: " + error.message() + ")";
    });
    // Spec 7.2 / 8.5: back to the head of its queue; after retry.backoff.ms and a
    // metadata refresh (to find a new leader) it goes again.
    accumulator_.reenqueue(batch, nowMs, metadata_.refreshAttempts());
    metadata_.requestUpdate(nowMs + config_.retryBackoffMs);
    return;
  }
  if (config_.idempotent && batch->hasSequence()) {
    // A sequenced batch that fails for good leaves a gap in its partition's sequence.
    if (isFencingError(error)) {
      events_.error("IDEMPOTENCE", error, "the producer's epoch was fenced; continuing under a new producer id");
      producerId_ = -1;
      producerEpoch_ = -1;
      bumpRequired_ = false;
      accumulator_.setProducerIdentity(-1, -1);
      accumulator_.resequence(*batch);
    } else {
      if (isSequenceError(error)) {
        events_.error("IDEMPOTENCE", error, batch->topic() + "-" + std::to_string(batch->partition()) +
                                                ": records failed with a sequence error after their retries");
      }
      requestEpochBump(*batch, "a sequenced batch failed for good");
    }
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
  (error ? counters_.failedMsgs : counters_.ackedMsgs) += batch->recordCount();
  (error ? counters_.failedBytes : counters_.ackedBytes) += batch->recordBytes;
  handoff_.deferBytes(batch->recordBytes);
  handoff_.releaseDeferred();
  batch->recordsCompleted = true;
}

}  // namespace kafkalite::client
