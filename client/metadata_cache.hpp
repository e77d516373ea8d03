#pragma once
/// \file
/// MetadataCache: what the producer knows of the cluster (brokers, and for each topic it
/// sends to, the partitions with their leaders), and when it must ask again.
///
/// When a refresh is due (topic.metadata.refresh.interval.ms, spec 7.3):
/// - a topic the producer has not asked about yet: now;
/// - after a failed send, or an answer that left a topic or leader unknown
///   (requestUpdate): retry.backoff.ms later (spec 7.2);
/// - after a failed Metadata attempt (updateFailed): retry.backoff.ms later;
/// - interval > 0: when the last refresh is older than the interval;
/// - interval = 0: before every send pass (markSendPass() makes the next pass with
///   something to send ask first and wait for the answer; the Sender requests it);
/// - interval < 0: only after failures and for unknown topics.
///
/// Threading: owned by the I/O thread (the Sender); not synchronised.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/producer_config.hpp"
#include "protocol/messages/metadata.hpp"

namespace kafkalite::client {

/// One partition as the last Metadata response described it.
struct PartitionMetadata {
  int32_t partition = -1;
  int32_t leader = -1;  ///< -1: no leader
  int32_t leaderEpoch = -1;
  ErrorCode error = ErrorCode::NONE;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

/// One topic as the last Metadata response described it.
struct TopicMetadata {
  ErrorCode error = ErrorCode::NONE;  ///< topic-level error; partitions is empty unless NONE
  std::vector<PartitionMetadata> partitions;  ///< indexed by partition number
};

class MetadataCache {
 public:
  /// `refreshIntervalMs` is topic.metadata.refresh.interval.ms.
  explicit MetadataCache(int32_t refreshIntervalMs) noexcept : refreshIntervalMs_(refreshIntervalMs) {}

  /// Stores a Metadata response received at `nowMs`: replaces the broker list and the
  /// topics it describes, and counts as a refresh.
  void update(const protocol::MetadataResponse& response, int64_t nowMs);
  /// A Metadata request failed (no answer) at `nowMs`: the next one goes retryBackoffMs later.
  void updateFailed(int64_t nowMs, int32_t retryBackoffMs) noexcept;

  /// Adds `topic` to the topics the producer asks about; a new topic makes a refresh due now.
  void addTopic(const std::string& topic);
  /// The topics the producer asks about.
  [[nodiscard]] const std::set<std::string>& topics() const noexcept { return interest_; }
  /// Stops asking about `topic` and forgets what is known of it (metadata.max.idle.ms);
  /// pointers to its TopicMetadata become invalid.
  void removeTopic(const std::string& topic) {
    interest_.erase(topic);
    topics_.erase(topic);
  }

  /// After a failed send: refresh, but not before `notBeforeMs` (spec 7.2).
  void requestUpdate(int64_t notBeforeMs) noexcept;
  /// interval = 0: a send pass happened; the next one waits for a fresh refresh.
  void markSendPass() noexcept {
    if (refreshIntervalMs_ == 0) sendPassSinceRefresh_ = true;
  }
  /// interval = 0 and a send pass happened since the last refresh: sending waits.
  [[nodiscard]] bool sendPassNeedsRefresh() const noexcept { return refreshIntervalMs_ == 0 && sendPassSinceRefresh_; }
  /// When the next refresh is due (<= nowMs: now), or std::nullopt when none is.
  [[nodiscard]] std::optional<int64_t> nextUpdateMs(int64_t nowMs) const noexcept;
  /// True if a requested or periodic update is pending (a retried batch waits for it).
  [[nodiscard]] bool updateRequested() const noexcept { return requestedAtMs_.has_value(); }

  /// The topic, or nullptr if no answer has described it yet.
  [[nodiscard]] const TopicMetadata* topic(const std::string& name) const;
  /// The leader of a partition, -1 if unknown or leaderless.
  [[nodiscard]] int32_t leaderFor(const std::string& topic, int32_t partition) const;
  /// A broker's address, if the last answer listed it.
  [[nodiscard]] const BrokerAddress* broker(int32_t nodeId) const;
  /// Every broker of the last answer.
  [[nodiscard]] const std::map<int32_t, BrokerAddress>& brokers() const noexcept { return brokers_; }
  /// Counts successful refreshes (0 before the first).
  [[nodiscard]] uint64_t version() const noexcept { return version_; }
  /// Counts ended refreshes, successful or failed: a retried batch waits for the one after
  /// its failure (spec 7.2: backoff, refresh, then the retry pass).
  [[nodiscard]] uint64_t refreshAttempts() const noexcept { return refreshAttempts_; }
  /// Monotonic time of the last successful refresh; nullopt before the first.
  [[nodiscard]] std::optional<int64_t> lastRefreshMs() const noexcept { return lastRefreshMs_; }

 private:
  int32_t refreshIntervalMs_;
  std::set<std::string> interest_;
  std::unordered_map<std::string, TopicMetadata> topics_;
  std::map<int32_t, BrokerAddress> brokers_;
  uint64_t version_ = 0;
  uint64_t refreshAttempts_ = 0;
  std::optional<int64_t> lastRefreshMs_;
  std::optional<int64_t> requestedAtMs_;  // an update is wanted from this time on
  bool sendPassSinceRefresh_ = false;
};

}  // namespace kafkalite::client
