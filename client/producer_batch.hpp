#pragma once
/// \file
/// ProducerBatch: the records of one partition that travel together in one record batch
/// v2, from their first append until the broker's answer completes them.
///
/// Threading: owned by the I/O thread (RecordAccumulator, then Sender); not synchronised.

#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "client/record_handoff.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::client {

struct PartitionQueue;

class ProducerBatch {
 public:
  /// Prepares a recycled or new batch for `topic` (a stable string owned by the
  /// accumulator) and `partition` (whose queue is `queue`), first record enqueued at
  /// `firstRecordMs`.
  void reset(const std::string* topic, int32_t partition, PartitionQueue* queue, int64_t firstRecordMs) noexcept {
    topic_ = topic;
    partition_ = partition;
    queue_ = queue;
    createdMs = firstRecordMs;
    retryAtMs = 0;
    awaitMetadataAttempt = 0;
    attempts = 0;
    lastError.clear();
    full = false;
    recordsCompleted = false;
    recordBytes = 0;
    producerId_ = -1;
    producerEpoch_ = -1;
    baseSequence_ = -1;
    closed_ = false;
    compressed_ = false;
    bytes_ = {};
    plain_ = {};
    records.clear();
  }

  [[nodiscard]] const std::string& topic() const noexcept { return *topic_; }
  [[nodiscard]] int32_t partition() const noexcept { return partition_; }
  /// Its partition's queue in the accumulator (stable while the batch exists).
  [[nodiscard]] PartitionQueue* queue() const noexcept { return queue_; }
  [[nodiscard]] int32_t recordCount() const noexcept { return static_cast<int32_t>(records.size()); }

  /// Finishes the record batch (header, CRC); no more appends. Idempotent.
  void close() {
    if (closed_) return;
    closed_ = true;
    plain_ = bytes_ = builder.finish(0);
  }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  /// The finished record batch (after close()) as it is sent, compressed or not; sent as
  /// is, also on retries.
  [[nodiscard]] std::span<const uint8_t> bytes() const noexcept { return bytes_; }
  /// The finished batch before compression (after close()): what split() reads.
  [[nodiscard]] std::span<const uint8_t> plainBytes() const noexcept { return plain_; }
  /// After close(): `batch` (the compressed form of plainBytes(), from a BatchCompressor)
  /// is what is sent from now on. It is copied into the batch's own buffer, whose
  /// capacity is kept across the batch's lives.
  void setCompressed(std::span<const uint8_t> batch) {
    compressedBytes_.assign(batch.begin(), batch.end());
    compressed_ = true;
    bytes_ = compressedBytes_;
  }
  [[nodiscard]] bool compressed() const noexcept { return compressed_; }

  /// Idempotence: gives the batch a producer id, epoch and base sequence (spec 8.6), written
  /// into its header (again, with the CRC, if it is closed already). Only while no request
  /// holds the bytes.
  void stamp(int64_t producerId, int16_t producerEpoch, int32_t baseSequence) {
    producerId_ = producerId;
    producerEpoch_ = producerEpoch;
    baseSequence_ = baseSequence;
    builder.assignProducer(producerId, producerEpoch, baseSequence);
    if (!closed_) return;
    plain_ = builder.finish(0);
    if (!compressed_) {
      bytes_ = plain_;
      return;
    }
    // The same fields, outside the compressed records, with a new CRC.
    (void)protocol::RecordBatchBuilder::setProducerState(compressedBytes_, producerId, producerEpoch, baseSequence);
  }
  /// Whether stamp() gave it a sequence.
  [[nodiscard]] bool hasSequence() const noexcept { return baseSequence_ >= 0; }
  [[nodiscard]] int64_t producerId() const noexcept { return producerId_; }
  [[nodiscard]] int16_t producerEpoch() const noexcept { return producerEpoch_; }
  [[nodiscard]] int32_t baseSequence() const noexcept { return baseSequence_; }

  /// Heap bytes the batch keeps between uses (its builder buffer and completion list).
  [[nodiscard]] std::size_t heapBytes() const noexcept {
    return builder.capacity() + records.capacity() * sizeof(PendingRecord) + compressedBytes_.capacity();
  }
  /// Frees those buffers (a pooled batch above the pool's size).
  void releaseMemory() noexcept {
    builder = protocol::RecordBatchBuilder();
    std::vector<PendingRecord>().swap(records);
    std::vector<uint8_t>().swap(compressedBytes_);
  }

  protocol::RecordBatchBuilder builder;  ///< reused across the batch's lives: no allocation once warm
  std::vector<PendingRecord> records;    ///< each record's completion, in offset order (capacity kept)
  int64_t createdMs = 0;                 ///< enqueue time of the first record (linger starts here)
  int64_t retryAtMs = 0;                 ///< not sent again before this time (retry.backoff.ms)
  uint64_t awaitMetadataAttempt = 0;     ///< after a failure: wait until refreshAttempts() exceeds this
  int32_t attempts = 0;                  ///< times sent so far
  std::error_code lastError;             ///< why the last attempt failed
  bool full = false;                     ///< batch.num.messages reached, or a record did not fit
  bool recordsCompleted = false;         ///< callbacks done (delivery.timeout.ms in flight); bytes still sent
  int64_t recordBytes = 0;               ///< keys, values and headers: what the records count against the byte bound

 private:
  const std::string* topic_ = nullptr;
  int32_t partition_ = -1;
  PartitionQueue* queue_ = nullptr;
  int64_t producerId_ = -1;
  int16_t producerEpoch_ = -1;
  int32_t baseSequence_ = -1;
  bool closed_ = false;
  bool compressed_ = false;
  std::span<const uint8_t> bytes_;           ///< what is sent: plain_ or compressedBytes_
  std::span<const uint8_t> plain_;           ///< the builder's finished batch
  std::vector<uint8_t> compressedBytes_;     ///< the compressed batch (capacity kept)
};

}  // namespace kafkalite::client
