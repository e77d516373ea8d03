#pragma once
/// \file
/// RecordAccumulator: per-partition queues of ProducerBatch, as Java's (spec 8.1-8.3).
///
/// append() adds a record to its partition's last batch, or starts a new one when that
/// batch holds batch.num.messages records or the record would take it past batch.size
/// bytes (or message.max.bytes). ready() looks at the head batch of every partition and
/// names the leaders that have something to send; drain() takes, round-robin from where
/// it stopped last time, one head batch per partition led by a node, up to a request size.
///
/// A head batch is sendable (spec 8.2) when its partition has a known leader, is not
/// muted (max.in.flight = 1 while a request for it is in flight) and is not backing off
/// after a failure (retry.backoff.ms, then a metadata refresh), and one of: it is full or
/// another batch queues behind it; queue.buffering.max.ms has passed since its first
/// record; a retried batch's backoff is over; the hand-off queue is exhausted (senders
/// wait for slots); the producer is flushing or closing.
///
/// Batches are recycled, so their RecordBatchBuilder buffers are reused: once warm,
/// appending allocates nothing. trimPool() (called about once a second) frees the buffers
/// of pooled batches beyond what the last period needed at its peak, so a burst's memory
/// is given back once the burst is over.
///
/// Compression (compression.type): drain() and split() close a batch and compress it on
/// the I/O thread with one BatchCompressor whose buffers are reused, so a warm producer
/// allocates nothing per batch either. batch.size then bounds the compressed batch: as
/// Java's producer, a batch is full when its uncompressed records times the topic's
/// estimated compression ratio (times 1.05) would pass it; the estimate starts at 1 and
/// follows each compressed batch (Java's CompressionRatioEstimator: up at once by at least
/// 0.05 when a batch compressed worse, down by at most 0.005 when better).
///
/// Idempotence (spec 8.5-8.6): a batch gets its partition's next sequence when drain()
/// takes it for its first send, under the identity (producer id and epoch) its partition
/// counts under. When the producer's identity changes (a new id, or an epoch bump after a
/// sequence error, KIP-360), a partition moves to it — starting again at sequence 0 — as
/// soon as nothing of it is in flight or waiting for a retry under the old one; a
/// partition marked by resequence() also re-stamps its retried batches, in order, from 0.
/// A batch split after MESSAGE_TOO_LARGE keeps its sequence range: its halves take its
/// base sequence and the one after their first half.
///
/// Threading: owned by the I/O thread; not synchronised.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/metadata_cache.hpp"
#include "client/producer_batch.hpp"
#include "client/record_handoff.hpp"
#include "protocol/compressed_batch.hpp"
#include "protocol/compression.hpp"

namespace kafkalite::client {

/// The settings the accumulator applies.
struct AccumulatorConfig {
  int32_t batchNumMessages = 200;     ///< batch.num.messages
  int32_t batchSizeBytes = 1000000;   ///< batch.size
  int32_t lingerMs = 1000;            ///< queue.buffering.max.ms
  int32_t retryBackoffMs = 100;       ///< retry.backoff.ms
  int32_t messageMaxBytes = 1000000;  ///< message.max.bytes: largest batch, and drain's request budget
  bool guaranteeOrder = false;        ///< max.in.flight.requests.per.connection = 1: mute drained partitions
  protocol::CompressionType compression = protocol::CompressionType::None;  ///< compression.type
  std::optional<int32_t> compressionLevel;  ///< compression.level; the codec's default when unset

  /// The accumulator settings of a producer configuration.
  static AccumulatorConfig from(const ProducerConfig& config) noexcept;
};

/// One partition's batches, oldest first, and what it counts (I/O thread).
struct PartitionQueue {
  std::deque<ProducerBatch*> batches;
  bool muted = false;  ///< a batch of it is in flight and order must be kept
  int32_t leaderlessAnswers = 0;  ///< metadata answers in a row without a leader for it
  // Idempotence: the identity its sequences count under, and the next base sequence.
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  int32_t nextSequence = 0;
  bool resequence = false;  ///< move to the new identity at once, re-stamping retried batches
  // Statistics (cumulative).
  int64_t sentRecords = 0;  ///< records in batches drained for sending (every attempt)
  int64_t sentBytes = 0;    ///< their record batch bytes
  int64_t appendedRecords = 0;  ///< records appended
};

class RecordAccumulator {
 public:
  using PartitionQueue = client::PartitionQueue;
  /// One topic's partition queues. A deque, so growing it (the topic gained partitions)
  /// keeps references to the queues valid.
  struct TopicQueues {
    explicit TopicQueues(std::string n) : name(std::move(n)) {}
    const std::string name;
    std::deque<PartitionQueue> partitions;
    int64_t lastAppendMs = 0;   ///< enqueue time of the last record appended
    int64_t outstanding = 0;    ///< batches allocated and not yet deallocated
    /// Compressed / uncompressed records size, as estimated from its last batches (1
    /// without compression).
    double compressionRatio = 1.0;
  };

  enum class AppendStatus : uint8_t {
    Appended,            ///< the record is in a batch; the slot's record body was released
    AbortedForNewBatch,  ///< abortOnNewBatch and a new batch was needed: nothing was done
    TooLarge,            ///< even alone the record exceeds message.max.bytes: nothing was done
  };

  /// What ready() found.
  struct ReadyResult {
    std::vector<int32_t> readyNodes;  ///< leaders with a sendable head batch, each once
    int64_t nextReadyCheckMs = INT64_MAX;  ///< when a batch not sendable yet becomes so
    bool unknownLeaders = false;      ///< some batch waits for a partition without a known leader
  };

  explicit RecordAccumulator(const AccumulatorConfig& config) : config_(config) {}
  ~RecordAccumulator();
  RecordAccumulator(const RecordAccumulator&) = delete;
  RecordAccumulator& operator=(const RecordAccumulator&) = delete;

  /// The queues of `topic`, created on first use. The reference stays valid.
  TopicQueues& topic(const std::string& name);

  /// Appends the record in `slot` to partition `partition` of `topic`: its key, value and
  /// headers are serialized into the batch and released, and its callback (or promise)
  /// moves into the batch; the caller may then recycle the slot. With
  /// `abortOnNewBatch` (a keyless record and a sticky partitioner) it returns
  /// AbortedForNewBatch instead of starting a new batch, so the caller can move the sticky
  /// partition first (Java's abortOnNewBatch).
  AppendStatus append(TopicQueues& topic, int32_t partition, RecordSlot& slot,
                      bool abortOnNewBatch);

  /// Spec 8.2; `exhausted` = the hand-off queue has no free slot.
  void ready(const MetadataCache& metadata, int64_t nowMs, bool exhausted, ReadyResult& out);

  /// Spec 8.3: takes the sendable head batches of the partitions `node` leads (as seen by
  /// the last ready()), at most one per partition, round-robin, up to `maxBytes` in total
  /// (at least one batch), closes them, mutes their partitions when order is guaranteed,
  /// and appends them to `out`.
  void drain(const MetadataCache& metadata, int32_t node, int64_t nowMs, std::vector<ProducerBatch*>& out);

  /// After drain(): whether a partition `node` leads (as seen by the last ready()) still
  /// has a head batch ready to send by ready()'s rules, so another request may go now.
  [[nodiscard]] bool hasSendable(const MetadataCache& metadata, int32_t node, int64_t nowMs, bool exhausted) const;

  /// A sent batch failed and will be retried: back to the head of its partition's queue
  /// (spec 8.5), not sendable before nowMs + retry.backoff.ms nor before the metadata
  /// refresh after `metadataAttempts` (MetadataCache::refreshAttempts()) has ended.
  void reenqueue(ProducerBatch* batch, int64_t nowMs, uint64_t metadataAttempts);

  /// The broker refused `batch` as too large (MESSAGE_TOO_LARGE): splits it into two
  /// batches of half its records each, which go back to the head of its partition's
  /// queue, in order, ready to send at once (as Java's splitAndReenqueue). They keep its
  /// records' completions, bytes, creation time and, when it had one, its sequence range.
  /// Returns false, changing nothing, for a batch of one record.
  bool split(ProducerBatch* batch);

  /// The request carrying `batch` has ended: its partition may send again.
  void unmute(const ProducerBatch& batch);

  /// Closes `batch` and, with compression.type set, compresses it (see the file comment).
  /// Idempotent.
  void closeBatch(ProducerBatch& batch);

  /// The most uncompressed bytes a batch of `topic` may reach: min(batch.size,
  /// message.max.bytes), scaled by the topic's compression ratio estimate.
  [[nodiscard]] std::size_t batchLimit(const TopicQueues& topic) const noexcept;

  /// Returns a completed batch for reuse.
  void deallocate(ProducerBatch* batch) noexcept;

  /// Flushing or closing: every batch is sendable at once, whatever its linger.
  void setFlushing(bool flushing) noexcept { flushing_ = flushing; }

  /// Idempotence: the identity batches are stamped with from now on (see the file
  /// comment); -1 (the default) = not idempotent.
  void setProducerIdentity(int64_t producerId, int16_t producerEpoch) noexcept {
    producerId_ = producerId;
    producerEpoch_ = producerEpoch;
  }
  /// Idempotence: `batch`'s partition moves to the next identity at once, re-stamping its
  /// queued batches from sequence 0 (after a sequence error or a gap in its sequence).
  void resequence(const ProducerBatch& batch) noexcept {
    if (batch.queue() != nullptr) batch.queue()->resequence = true;
  }
  [[nodiscard]] bool flushing() const noexcept { return flushing_; }

  /// Frees the buffers of pooled batches beyond the most batches outstanding at once since
  /// the last call; returns the heap bytes freed. Called about once a second.
  std::size_t trimPool() noexcept;
  /// Heap bytes the pooled (free) batches keep.
  [[nodiscard]] std::size_t pooledBytes() const noexcept;
  /// Batches allocated and not yet deallocated.
  [[nodiscard]] int64_t outstandingBatches() const noexcept { return outstanding_; }

  /// metadata.max.idle.ms: whether `topic` had no record appended for `idleMs` at `nowMs`
  /// and nothing of it is pending (no batch allocated). A topic without queues is idle.
  [[nodiscard]] bool idle(const std::string& topic, int64_t nowMs, int64_t idleMs) const;
  /// Forgets an idle topic's queues (references to them become invalid).
  void removeTopic(const std::string& topic);
  /// Every topic's queues (statistics).
  [[nodiscard]] const std::unordered_map<std::string, std::unique_ptr<TopicQueues>>& topics() const noexcept {
    return topics_;
  }

  /// Calls `fail(batch)` for every batch still queued (not in flight) and removes them;
  /// `fail` completes the records and deallocates the batch.
  template <class F>
  void abortQueued(F&& fail) {
    for (auto& [name, topic] : topics_) {
      for (auto& pq : topic->partitions) {
        while (!pq.batches.empty()) {
          ProducerBatch* b = pq.batches.front();
          pq.batches.pop_front();
          fail(b);
        }
      }
    }
  }

  /// Calls `fail(batch)` for each queued batch whose first record is older than
  /// `deliveryTimeoutMs` at `nowMs` (delivery.timeout.ms, spec 8.4 step 5), and removes it.
  template <class F>
  void expire(int64_t nowMs, int64_t deliveryTimeoutMs, F&& fail) {
    for (auto& [name, topic] : topics_) {
      for (auto& pq : topic->partitions) {
        while (!pq.batches.empty() && nowMs - pq.batches.front()->createdMs >= deliveryTimeoutMs) {
          ProducerBatch* b = pq.batches.front();
          pq.batches.pop_front();
          fail(b);
        }
      }
    }
  }

  /// Calls `fn(topicName, partition, queue)` for each partition with queued batches and
  /// no known leader; `fn` may pop (and complete) its batches.
  template <class F>
  void forEachLeaderless(const MetadataCache& metadata, F&& fn) {
    for (auto& [name, topic] : topics_) {
      for (std::size_t p = 0; p < topic->partitions.size(); ++p) {
        PartitionQueue& pq = topic->partitions[p];
        if (pq.batches.empty()) continue;
        if (metadata.leaderFor(name, static_cast<int32_t>(p)) >= 0) {
          pq.leaderlessAnswers = 0;
          continue;
        }
        fn(name, static_cast<int32_t>(p), pq);
      }
    }
  }

  /// True if no batch is queued.
  [[nodiscard]] bool empty() const noexcept;

 private:
  ProducerBatch* allocate(TopicQueues& topic, int32_t partition, int64_t createdMs);
  void assignSequence(PartitionQueue& pq, ProducerBatch& head);
  [[nodiscard]] bool backingOff(const ProducerBatch& b, const MetadataCache& metadata, int64_t nowMs) const noexcept;
  [[nodiscard]] bool sendable(const PartitionQueue& pq, int64_t nowMs, bool exhausted) const noexcept;

  protocol::BatchCompressor compressor_;  // compression.type: one per producer, on the I/O thread
  protocol::CodecError compressError_;
  AccumulatorConfig config_;
  bool flushing_ = false;
  int64_t outstanding_ = 0;         // batches allocated and not deallocated
  int64_t peakOutstanding_ = 0;     // most at once since the last trimPool()
  int64_t producerId_ = -1;
  int16_t producerEpoch_ = -1;
  std::unordered_map<std::string, std::unique_ptr<TopicQueues>> topics_;
  std::vector<std::unique_ptr<ProducerBatch>> all_;  // owns every batch ever made
  std::vector<ProducerBatch*> free_;
  std::vector<protocol::RecordHeaderView> headerScratch_;
  // From the last ready(): per node, the partitions it leads that have batches.
  std::unordered_map<int32_t, std::vector<PartitionQueue*>> nodeQueues_;
  std::unordered_map<int32_t, std::size_t> drainIndex_;
};

}  // namespace kafkalite::client
