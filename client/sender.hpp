#pragma once
/// \file
/// Sender: turns ready batches into ProduceRequests and responses into completions, and
/// keeps the metadata fresh (spec 8.4, 7.2-7.4).
///
/// Each runOnce(now):
/// 1. expires requests past their deadline (request.timeout.ms after they were handed to
///    the connection): the request fails with REQUEST_TIMED_OUT, retriable, and its
///    connection is closed (responses are ordered, so nothing later on it can be
///    trusted); the other requests on it fail with Disconnected;
/// 2. sends a Metadata request if one is due (MetadataCache) and none is in flight;
/// 3. ready() → for each ready leader: connects if needed; a connection that failed to
///    connect fails its batches' attempt (retriable ConnectionFailed); a Ready connection
///    below max.in.flight.requests.per.connection gets drain()'s batches as one
///    ProduceRequest {acks, timeout_ms = request.timeout.ms} (with max.in.flight = 1 the
///    partitions are muted until the answer, so a retry keeps its place);
/// 4. returns when it must run next.
///
/// Outcomes per batch: success → every record's callback with its offset (acks = 0: when
/// the request is written, offset -1); retriable error (isRetriable: NOT_LEADER_OR_FOLLOWER,
/// NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, disconnects, client-side timeouts, ...) → back
/// to the head of its partition's queue, sent again after retry.backoff.ms and a metadata
/// refresh, at most message.send.max.retries times, then the records fail with the last
/// error; other errors fail the records at once.
///
/// request.timeout.ms is both the ProduceRequest's timeout_ms (how long the broker may hold
/// an acks=-1 answer, spec 7.4) and the client's deadline for the answer. The broker's clock
/// starts later than ours, so when replication is slower than request.timeout.ms the
/// client's deadline usually fires first; both outcomes are REQUEST_TIMED_OUT and retried.
///
/// delivery.timeout.ms, when set, bounds the time from send() to the callback wherever the
/// record is: waiting for its topic's metadata (ProducerCore), queued, backing off, or in
/// flight. An in-flight batch past it has its records failed with TimedOut at once; its
/// bytes stay with the request until the connection is done with them.
///
/// enable.idempotence (spec 8.5, 8.6): before the first ProduceRequest, and again after a
/// sequenced batch failed for good (its sequence may have left a gap), the Sender asks a
/// broker for a producer id (InitProducerId, transactional id null); meanwhile nothing is
/// sent. Each batch gets its partition's next sequence when it is closed for its first send
/// (RecordAccumulator), so retries carry the same bytes and the broker answers a duplicate
/// with the original offset instead of appending it again. One batch per partition is in
/// flight at a time. OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID and
/// INVALID_PRODUCER_EPOCH fail the batch.
///
/// Threading: owned by the I/O thread; handlers run there too.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/broker_connection.hpp"
#include "client/clock.hpp"
#include "client/logger.hpp"
#include "client/metadata_cache.hpp"
#include "client/record_accumulator.hpp"
#include "client/record_handoff.hpp"

namespace kafkalite::client {

struct SenderConfig {
  int16_t acks = 1;                    ///< request.required.acks
  int32_t requestTimeoutMs = 1500;     ///< request.timeout.ms
  int32_t retries = 3;                 ///< message.send.max.retries
  int32_t retryBackoffMs = 100;        ///< retry.backoff.ms
  int32_t maxInFlight = 5;             ///< max.in.flight.requests.per.connection
  std::string clientId = "console-producer";
  std::optional<int32_t> deliveryTimeoutMs;  ///< delivery.timeout.ms
  bool idempotent = false;                   ///< enable.idempotence
  std::vector<BrokerAddress> bootstrapServers;

  /// The sender settings of a producer configuration.
  static SenderConfig from(const ProducerConfig& config);
};

class Sender {
 public:
  Sender(SenderConfig config, const Clock& clock, MetadataCache& metadata, RecordAccumulator& accumulator,
         RecordHandoff& handoff, ConnectionFactory& connections);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  /// One pass (see the file comment). Returns the monotonic time at which to run again
  /// at the latest (INT64_MAX: only when something happens).
  int64_t runOnce(int64_t nowMs);

  /// Called after each Metadata answer (error empty) or failed attempt (why it failed).
  void setMetadataListener(std::function<void(int64_t nowMs, std::error_code error)> listener) {
    metadataListener_ = std::move(listener);
  }
  /// Called after each handled response or connection event: the owner runs runOnce soon.
  void setWakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }
  /// Where responses with bytes after their last field (debug) and undecodable ones
  /// (warn) are reported; by default nowhere.
  void setLogger(Logger logger) { logger_ = std::move(logger); }

  /// Completes every record of `batch` with `error` (or success: offsets from
  /// `baseOffset`, -1 = unknown) and recycles the batch.
  void completeBatch(ProducerBatch* batch, std::error_code error, int64_t baseOffset, int64_t logAppendTimeMs);

  /// Close: every request in flight fails with `error`, connections close.
  void abortInFlight(std::error_code error);

  /// Produce requests in flight (all connections).
  [[nodiscard]] std::size_t inFlightRequests() const noexcept { return inFlight_.size(); }
  /// A connection, if one was made (tests).
  [[nodiscard]] BrokerConnection* connection(int32_t nodeId) const;

 private:
  struct InFlightProduce {
    int32_t node = -1;
    int16_t version = 0;
    int64_t deadlineMs = 0;
    std::vector<ProducerBatch*> batches;
  };
  struct InFlightMetadata {  // also an InitProducerId request
    int32_t correlationId = -1;
    int32_t node = -1;
    int64_t deadlineMs = 0;
  };

  // sender_metadata.cpp: connections and Metadata requests.
  BrokerConnection* connectionFor(int32_t node);
  void maybeUpdateMetadata(int64_t nowMs);
  BrokerConnection* metadataConnection(int64_t nowMs);
  void handleMetadataResponse(int32_t correlationId, int16_t version, std::error_code error,
                              std::span<const uint8_t> body);
  void metadataAttemptFailed(int64_t nowMs, std::error_code error);

  // sender_idempotence.cpp: the producer id of an idempotent producer.
  [[nodiscard]] bool haveProducerId() const noexcept { return !config_.idempotent || producerId_ >= 0; }
  void maybeInitProducerId(int64_t nowMs);
  void handleInitProducerIdResponse(int32_t correlationId, int16_t version, std::error_code error,
                                    std::span<const uint8_t> body);
  void initProducerIdFailed(int64_t nowMs, std::error_code error);
  void forgetProducerId();

  // sender.cpp: the produce path.
  void expireRequests(int64_t nowMs);
  void failConnection(int32_t node, int64_t nowMs);
  void sendProduceRequest(BrokerConnection& connection, std::vector<ProducerBatch*>& batches, int64_t nowMs);
  void handleProduceResponse(int32_t correlationId, std::error_code error, std::span<const uint8_t> body);
  void failBatch(ProducerBatch* batch, std::error_code error, int64_t nowMs);
  void expireInFlight(int64_t nowMs);
  // The records' callbacks only (the batch stays with its request); sets recordsCompleted.
  void completeRecords(ProducerBatch* batch, std::error_code error, int64_t baseOffset, int64_t logAppendTimeMs);
  [[nodiscard]] static std::error_code failureAt(int64_t deadlineMs, int64_t nowMs) noexcept;
  [[nodiscard]] BrokerConnection* readyConnection() const;
  void wake();

  SenderConfig config_;
  const Clock& clock_;
  MetadataCache& metadata_;
  RecordAccumulator& accumulator_;
  RecordHandoff& handoff_;
  ConnectionFactory& factory_;
  std::unordered_map<int32_t, std::unique_ptr<BrokerConnection>> connections_;
  std::unordered_map<int32_t, BrokerAddress> connectionAddress_;
  std::map<int32_t, InFlightProduce> inFlight_;  // by correlation id
  std::optional<InFlightMetadata> metadataInFlight_;
  std::optional<InFlightMetadata> initInFlight_;  // InitProducerId
  int64_t producerId_ = -1;                       // idempotence: -1 until InitProducerId answers
  int16_t producerEpoch_ = -1;
  int64_t initRetryAtMs_ = 0;                     // no InitProducerId before this time
  int32_t metadataNode_ = 0;         // candidate being connected to for metadata (0 = none)
  bool metadataAwaitsConnection_ = false;  // a refresh is due but its connection is Connecting
  std::size_t metadataCandidate_ = 0;  // round-robin over candidates
  int32_t nextCorrelationId_ = 1;
  RecordAccumulator::ReadyResult ready_;
  std::vector<ProducerBatch*> drained_;
  RecordMetadata scratchMetadata_;
  std::function<void(int64_t, std::error_code)> metadataListener_;
  std::function<void()> wakeup_;
  Logger logger_;
};

}  // namespace kafkalite::client
