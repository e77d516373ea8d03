#pragma once
/// \file
/// Sender: turns ready batches into ProduceRequests and responses into completions, and
/// keeps the metadata fresh (spec 8.4, 7.2-7.4).
///
/// Each runOnce(now):
/// 1. expires requests past their deadline (request.timeout.ms after they were handed to
///    the connection) — after first reading every answer that has already arrived on
///    that connection (BrokerConnection::deliverReceived), so an I/O thread that was held
///    up (a slow callback) never expires a request whose answer it simply had not read
///    yet (Java's NetworkClient handles completed receives before timed-out requests).
///    An expired request fails with REQUEST_TIMED_OUT, retriable, and its connection is
///    closed (responses are ordered, so nothing later on it can be trusted); the other
///    requests on it fail with Disconnected;
/// 2. sends a Metadata request if one is due (MetadataCache) and none is in flight;
/// 3. ready() → for each ready leader: connects if needed; a connection that failed to
///    connect fails its batches' attempt (retriable ConnectionFailed); a Ready connection
///    below max.in.flight.requests.per.connection gets drain()'s batches as one
///    ProduceRequest {acks, timeout_ms = request.timeout.ms} (with max.in.flight = 1 the
///    partitions are muted until the answer, so a retry keeps its place);
/// 4. returns when it must run next.
///
/// Outcomes per batch: success → every record's callback with its offset (acks = 0: when
/// the request is written, offset -1); MESSAGE_TOO_LARGE → a batch of several records is
/// split in two and both halves go again at once (a single record fails); retriable error
/// (isRetriable: NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT,
/// disconnects, client-side timeouts, ...) → back to the head of its partition's queue,
/// sent again after retry.backoff.ms and a metadata refresh, at most
/// message.send.max.retries times, then the records fail with the last error; other
/// errors fail the records at once.
///
/// delivery.timeout.ms, when set, bounds the time from send() to the callback wherever the
/// record is: waiting for its topic's metadata (ProducerCore), queued, backing off, or in
/// flight. An in-flight batch past it has its records failed with TimedOut at once; its
/// bytes stay with the request until the connection is done with them.
///
/// enable.idempotence (spec 8.5, 8.6; sender_idempotence.cpp): before the first
/// ProduceRequest the Sender asks any broker for a producer id (InitProducerId,
/// transactional id null), reconnecting as needed and retrying after retry.backoff.ms;
/// meanwhile nothing is sent. Each batch gets its partition's next sequence when drained
/// for its first send, so retries carry the same bytes and the broker answers a duplicate
/// with the original offset. One batch per partition is in flight at a time. As Java's
/// producer since KIP-360: OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID are retried
/// after an epoch bump (InitProducerId v3+ with the current id and epoch; a new id from
/// older brokers or at the last epoch), the failing partition starting again at sequence 0;
/// a batch that leaves a gap in its partition's sequence (it failed for good or expired
/// after its sequence was sent) bumps the epoch too, so the partition's next batch is not
/// refused. While a bump is pending nothing is sent.
///
/// Threading: owned by the I/O thread; handlers run there too.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "client/broker_connection.hpp"
#include "client/clock.hpp"
#include "client/events.hpp"
#include "client/latency_histogram.hpp"
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
  bool measureRtt = false;                   ///< statistics.interval.ms > 0: keep round-trip times
  std::vector<BrokerAddress> bootstrapServers;

  /// The sender settings of a producer configuration.
  static SenderConfig from(const ProducerConfig& config);
};

/// What the Sender counts (statistics; I/O thread). Cumulative unless noted.
struct SenderCounters {
  struct Broker {
    int64_t tx = 0;           ///< requests sent
    int64_t txBytes = 0;      ///< their bytes
    int64_t rx = 0;           ///< responses received
    int64_t rxBytes = 0;      ///< their body bytes
    int64_t reqTimeouts = 0;  ///< requests timed out by the client
    int64_t txRetries = 0;    ///< batches sent again (their second or later attempt)
    LatencyHistogram rtt;     ///< Produce round-trip times of the current window (microseconds)
  };
  int64_t tx = 0, txBytes = 0, rx = 0, rxBytes = 0;
  int64_t txMsgs = 0, txMsgBytes = 0;    ///< records sent (every attempt), and their batches' bytes
  int64_t ackedMsgs = 0, ackedBytes = 0;    ///< records completed successfully; keys, values, headers
  int64_t failedMsgs = 0, failedBytes = 0;  ///< records completed with an error
  int64_t retriedMsgs = 0, retriedBytes = 0;  ///< records re-enqueued for another attempt
  int64_t producerIdAssignments = 0;  ///< producer ids and epochs received (idempotence)
  std::map<int32_t, Broker> brokers;
};

class Sender {
 public:
  Sender(SenderConfig config, const Clock& clock, MetadataCache& metadata, RecordAccumulator& accumulator,
         RecordHandoff& handoff, ConnectionFactory& connections, const Events& events = Events::none());
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

  /// Completes every record of `batch` with `error` (or success: offsets from
  /// `baseOffset`, -1 = unknown) and recycles the batch.
  void completeBatch(ProducerBatch* batch, std::error_code error, int64_t baseOffset, int64_t logAppendTimeMs);

  /// Close: every request in flight fails with `error`, connections close.
  void abortInFlight(std::error_code error);

  /// Produce requests in flight (all connections).
  [[nodiscard]] std::size_t inFlightRequests() const noexcept { return inFlight_.size(); }
  /// Whether a Metadata request is out (its answer may predate what happens now).
  [[nodiscard]] bool metadataInFlight() const noexcept { return metadataInFlight_.has_value(); }
  /// A connection, if one was made (tests).
  [[nodiscard]] BrokerConnection* connection(int32_t nodeId) const;
  /// Every connection, by node id (statistics).
  [[nodiscard]] const std::unordered_map<int32_t, std::unique_ptr<BrokerConnection>>& connections() const noexcept {
    return connections_;
  }
  /// Calls fn(node, batch) for every batch of every Produce request in flight (statistics).
  template <class F>
  void forEachInFlightBatch(F&& fn) const {
    for (const auto& [id, request] : inFlight_) {
      for (const ProducerBatch* b : request.batches) fn(request.node, *b);
    }
  }
  /// The counters (statistics; ProducerCore adds the records it fails itself).
  [[nodiscard]] SenderCounters& counters() noexcept { return counters_; }
  [[nodiscard]] const SenderCounters& counters() const noexcept { return counters_; }
  /// Idempotence: the current producer id and epoch (-1 when none), and what the Sender is
  /// doing about them: "Disabled", "RequestPID" (waiting for one), "Bumping" (an epoch
  /// bump is pending), "Assigned".
  [[nodiscard]] int64_t producerId() const noexcept { return producerId_; }
  [[nodiscard]] int16_t producerEpoch() const noexcept { return producerEpoch_; }
  [[nodiscard]] const char* idempotenceState() const noexcept;

 private:
  struct InFlightProduce {
    int32_t node = -1;
    int16_t version = 0;
    int64_t deadlineMs = 0;
    int64_t sentUs = 0;  // for the round-trip time (measureRtt)
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
  // Every address the producer knows (brokers of the last answer, else bootstrap ones).
  [[nodiscard]] std::vector<int32_t> candidates() const;
  // ClientError::AllBrokersDown once, when every known address has failed to connect;
  // again only after a connection became Ready in between.
  void checkAllBrokersDown();

  // sender_idempotence.cpp: the producer id of an idempotent producer.
  [[nodiscard]] bool haveProducerId() const noexcept {
    return !config_.idempotent || (producerId_ >= 0 && !bumpRequired_);
  }
  void maybeInitProducerId(int64_t nowMs);
  BrokerConnection* initConnection(int64_t nowMs);
  void handleInitProducerIdResponse(int32_t correlationId, int16_t version, std::error_code error,
                                    std::span<const uint8_t> body);
  void initProducerIdFailed(int64_t nowMs, std::error_code error);
  // A sequence problem of `batch` (its sequence may be a gap, or the broker refused it):
  // the current epoch is bumped unless `batch` went under an older identity.
  void requestEpochBump(const ProducerBatch& batch, std::string_view why);

  // sender.cpp: the produce path.
  void expireRequests(int64_t nowMs);
  void failConnection(int32_t node, int64_t nowMs);
  void sendProduceRequest(BrokerConnection& connection, std::vector<ProducerBatch*>& batches, int64_t nowMs);
  void expireInFlight(int64_t nowMs);
  void expireQueued(int64_t nowMs);
  [[nodiscard]] int64_t nextWakeup(int64_t nowMs, int64_t next) const;
  [[nodiscard]] static std::error_code failureAt(int64_t deadlineMs, int64_t nowMs) noexcept;
  [[nodiscard]] BrokerConnection* readyConnection() const;
  void wake();

  // sender_response.cpp: answers and what they do to batches.
  void handleProduceResponse(int32_t correlationId, std::error_code error, std::span<const uint8_t> body);
  void completePartition(ProducerBatch* batch, ErrorCode code, int64_t baseOffset, int64_t logAppendTimeMs,
                         int64_t nowMs);
  void failBatch(ProducerBatch* batch, std::error_code error, int64_t nowMs);
  // The records' callbacks only (the batch stays with its request); sets recordsCompleted.
  void completeRecords(ProducerBatch* batch, std::error_code error, int64_t baseOffset, int64_t logAppendTimeMs);

  SenderConfig config_;
  const Clock& clock_;
  MetadataCache& metadata_;
  RecordAccumulator& accumulator_;
  RecordHandoff& handoff_;
  ConnectionFactory& factory_;
  const Events& events_;
  std::unordered_map<int32_t, std::unique_ptr<BrokerConnection>> connections_;
  std::unordered_map<int32_t, BrokerAddress> connectionAddress_;
  std::map<int32_t, InFlightProduce> inFlight_;  // by correlation id
  std::optional<InFlightMetadata> metadataInFlight_;
  std::optional<InFlightMetadata> initInFlight_;  // InitProducerId
  // Idempotence.
  int64_t producerId_ = -1;       // -1 until InitProducerId answers
  int16_t producerEpoch_ = -1;
  bool bumpRequired_ = false;     // the epoch must be bumped before anything more is sent
  int64_t initRetryAtMs_ = 0;     // no InitProducerId before this time
  int32_t initNode_ = 0;          // candidate being connected to for InitProducerId (0 = none)
  int32_t initAttempts_ = 0;      // failed InitProducerId attempts in a row
  std::size_t initCandidate_ = 0;  // round-robin over candidates
  // Metadata.
  int32_t metadataNode_ = 0;         // candidate being connected to for metadata (0 = none)
  bool metadataAwaitsConnection_ = false;  // a refresh is due but its connection is Connecting
  std::size_t metadataCandidate_ = 0;  // round-robin over candidates
  bool allBrokersDownReported_ = false;
  int32_t nextCorrelationId_ = 1;
  RecordAccumulator::ReadyResult ready_;
  std::vector<ProducerBatch*> drained_;
  RecordMetadata scratchMetadata_;
  SenderCounters counters_;
  std::function<void(int64_t, std::error_code)> metadataListener_;
  std::function<void()> wakeup_;
};

}  // namespace kafkalite::client
