#pragma once
/// \file
/// ProducerCore: what the I/O thread does with records between the hand-off queue and
/// the Sender. It chooses each record's partition from the metadata (records of a topic
/// whose metadata is not known yet wait, in order, until it is), appends it to the
/// RecordAccumulator, and runs the Sender. It owns the accumulator, the metadata cache and
/// the Sender, and is driven by hand in unit tests (onRecord, runOnce) or by the
/// io_context in Producer::Impl.
///
/// Records waiting for metadata (spec 7.2): every Metadata answer that still does not
/// describe their topic usably (a retriable topic error such as UNKNOWN_TOPIC_OR_PARTITION
/// or LEADER_NOT_AVAILABLE while it is auto-created), and every failed Metadata attempt,
/// counts one attempt; after message.send.max.retries + 1 attempts they fail with the last
/// error. A non-retriable topic error (e.g. TOPIC_AUTHORIZATION_FAILED) fails them at once.
/// Batches of a partition that stays without a leader fail the same way. With
/// delivery.timeout.ms set, a waiting record past it fails with TimedOut.
///
/// A record for a partition at or above the topic's cached partition count waits too, for
/// a fresh answer (the topic may have grown); only if that answer still has no such
/// partition does it fail with UnknownPartition (as Java's waitOnMetadata).
///
/// Housekeeping, about once a second (housekeeping(), on the owner's timer): topics unused
/// for metadata.max.idle.ms
/// with nothing pending leave the Metadata requests; pooled batch buffers beyond the last
/// second's peak are freed; and once a burst is over (little is pending) and enough has
/// been freed, malloc_trim gives the heap's free pages back to the system.
///
/// Threading: the I/O thread only.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/clock.hpp"
#include "client/events.hpp"
#include "client/metadata_cache.hpp"
#include "client/partitioner.hpp"
#include "client/record_accumulator.hpp"
#include "client/record_handoff.hpp"
#include "client/sender.hpp"

namespace kafkalite::client {

class ProducerCore {
 public:
  ProducerCore(const ProducerConfig& config, const Clock& clock, RecordHandoff& handoff, ConnectionFactory& factory,
               const Events& events = Events::none());
  ProducerCore(const ProducerCore&) = delete;
  ProducerCore& operator=(const ProducerCore&) = delete;

  /// A record arrived from the hand-off queue in slot `index`.
  void onRecord(uint32_t index);
  /// One Sender pass; returns when to run again at the latest (INT64_MAX: on events only).
  int64_t runOnce(int64_t nowMs);
  /// Flush or close: send everything at once, whatever its linger.
  void setFlushing(bool flushing) noexcept { accumulator_.setFlushing(flushing); }
  /// Close after its timeout: queued and metadata-waiting records fail with ProducerClosed,
  /// records in flight with TimedOut; connections close.
  void abortAll();

  /// Asks for `topic`'s metadata (a refresh is due now if it is new).
  void addTopic(const std::string& topic) { metadata_.addTopic(topic); }
  /// Called after every Metadata answer or failed attempt (partitionsFor waits on it).
  void setMetadataObserver(std::function<void()> observer) { metadataObserver_ = std::move(observer); }

  [[nodiscard]] MetadataCache& metadata() noexcept { return metadata_; }
  [[nodiscard]] RecordAccumulator& accumulator() noexcept { return accumulator_; }
  [[nodiscard]] Sender& sender() noexcept { return sender_; }
  /// Records waiting for their topic's metadata.
  [[nodiscard]] std::size_t waitingForMetadata() const noexcept;

  /// The statistics document at `nowMs` (producer_statistics.cpp; fields in
  /// docs/producer.md). Resets the round-trip-time windows.
  [[nodiscard]] std::string statistics(int64_t nowMs);

  /// The housekeeping period (see the file comment).
  static constexpr int64_t kHousekeepingMs = 1000;
  /// malloc_trim once this much was freed since the last trim ...
  static constexpr std::size_t kTrimAfterFreedBytes = 8 * 1024 * 1024;
  /// ... and at most this many bytes (or an eighth of the bound) are pending.
  static constexpr int64_t kTrimPendingBytes = 8 * 1024 * 1024;
  /// Housekeeping (see the file comment); the owner calls it every kHousekeepingMs.
  void housekeeping(int64_t nowMs);
  /// What housekeeping has freed (tests and statistics): batch buffers and copy buffers.
  [[nodiscard]] std::size_t releasedHeapBytes() const noexcept { return releasedHeapBytesTotal_; }
  /// Times housekeeping called malloc_trim.
  [[nodiscard]] int64_t heapTrims() const noexcept { return heapTrims_; }

 private:
  struct Waiting {
    std::deque<uint32_t> slots;  // in arrival order
    int32_t attempts = 0;
    std::error_code lastError;
    // A record for a partition the cached metadata lacks waits for an answer newer than
    // this metadata version (one requested after it started waiting); -1: any answer.
    int64_t freshAfterVersion = -1;
  };

  /// `sameTopicAsLast`: the caller knows the record's topic is the previous record's, whose
  /// accumulator queues and partitioner are at hand. `fresh`: `topic` was just answered,
  /// so a partition it lacks does not exist (else the record waits for a fresh answer).
  void route(uint32_t index, const TopicMetadata& topic, bool sameTopicAsLast, bool fresh = false);
  void onMetadata(int64_t nowMs, std::error_code error);
  void fail(uint32_t index, std::error_code error);
  /// delivery.timeout.ms for records waiting for metadata; returns the next expiry.
  int64_t expireWaiting(int64_t nowMs);
  Partitioner& partitionerFor(const std::string& topic);

  const ProducerConfig config_;
  const Clock& clock_;
  const Events& events_;
  RecordHandoff& handoff_;
  MetadataCache metadata_;
  RecordAccumulator accumulator_;
  Sender sender_;
  std::unordered_map<std::string, Waiting> waiting_;
  std::unordered_map<std::string, std::unique_ptr<Partitioner>> partitioners_;
  RecordAccumulator::TopicQueues* lastTopic_ = nullptr;  // the topic of the previous record
  Partitioner* lastPartitioner_ = nullptr;                // and its partitioner
  // The previous record's topic and its metadata, valid while the metadata version is
  // unchanged (a record whose topic waits for metadata clears it).
  const TopicMetadata* routeCache_ = nullptr;
  uint64_t routeCacheVersion_ = 0;
  std::string routeCacheTopic_;
  std::function<void()> metadataObserver_;
  // Housekeeping.
  std::size_t freedSinceTrim_ = 0;
  std::size_t releasedHeapBytesTotal_ = 0;
  int64_t heapTrims_ = 0;
  int64_t startedMs_ = 0;
};

}  // namespace kafkalite::client
