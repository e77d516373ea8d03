#pragma once
/// \file
/// ReplicaManager: a broker's partitions (leader and follower replicas), the
/// produce and fetch purgatories, and the periodic ISR shrink (spec 3.3).
/// appendRecords is spec §1, fetchMessages spec §4; leadership changes arrive from
/// the controller through becomeLeaderOrFollower (spec 6.3, 6.4).
///
/// Threading: owned by one broker; every member runs on its event-loop thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/log.hpp"
#include "mockbroker/partition.hpp"
#include "mockbroker/purgatory/delayed_fetch.hpp"
#include "mockbroker/purgatory/delayed_operation.hpp"
#include "mockbroker/purgatory/delayed_produce.hpp"
#include "mockbroker/replica_types.hpp"

namespace kafkalite::mock {

class ReplicaManager {
 public:
  /// `followerChanged(tp, leaderId)`: this broker now follows `leaderId` for tp (-1 = stop
  /// fetching tp); the broker's replica fetchers act on it.
  ReplicaManager(int32_t brokerId, const MockClusterOptions& options, BrokerStorage& storage, Controller& controller,
                 std::function<int64_t()> nowMs,
                 std::function<void(const TopicPartition&, int32_t leaderId)> followerChanged);
  ~ReplicaManager();

  /// LeaderAndIsr from the controller (spec 6.3): makeLeader / makeFollower, or an ISR update
  /// at the same epoch. Losing leadership completes waiting produces and fetches (spec 6.4).
  /// The topic's config takes effect at once on the partition and its log.
  void becomeLeaderOrFollower(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config);

  /// StopReplica from the controller: stops fetching `tp` and drops the partition; with
  /// `deletePartition` (topic deletion) its log goes too. Waiting produces and fetches on it
  /// complete now (spec 1.7(a), 4.5).
  void stopReplica(const TopicPartition& tp, bool deletePartition);

  /// Spec §1: appends each partition's records as leader; answers at once for acks 0/1 or when
  /// nothing needs waiting (1.4), else parks a DelayedProduce for `timeoutMs` (1.5).
  /// `recordsOwner`, when given, keeps every entry's records alive (the request frame):
  /// the logs then keep the batches in it instead of copying them.
  /// Internal topics (__consumer_offsets) take only the coordinator's appends
  /// (`internalTopicsAllowed`); anyone else's get INVALID_TOPIC_EXCEPTION, as in Kafka.
  void appendRecords(int32_t timeoutMs, int16_t requiredAcks,
                     const std::vector<std::pair<TopicPartition, std::span<const uint8_t>>>& entries,
                     ProduceCallback callback, std::shared_ptr<const void> recordsOwner = nullptr,
                     bool internalTopicsAllowed = false);

  /// Spec §4: reads now, updating follower state for a follower fetch (4.2), and answers at
  /// once when 4.4 says so; else parks a DelayedFetch for maxWaitMs.
  void fetchMessages(FetchParams params, FetchCallback callback);

  /// OffsetForLeaderEpoch for one partition (Kafka's ReplicaManager.lastOffsetForLeaderEpoch):
  /// NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION when not hosted here, else
  /// Partition::lastOffsetForLeaderEpoch.
  [[nodiscard]] EpochEndOffsetResult lastOffsetForLeaderEpoch(const TopicPartition& tp, int32_t currentLeaderEpoch,
                                                              int32_t leaderEpoch) const;

  /// Reads every partition of `params` (no follower-state update): the fetch response body.
  std::vector<FetchPartitionResult> readFromLocalLog(const FetchParams& params, std::size_t* bytesRead) const;

  /// Advances the purgatories' clocks and runs the ISR shrink when due.
  void tick();
  /// When tick() next has work (ms on the nowMs clock).
  [[nodiscard]] int64_t nextTickMs();

  [[nodiscard]] Partition* partition(const TopicPartition& tp);
  [[nodiscard]] const Partition* partition(const TopicPartition& tp) const;

  /// A hosted partition, or why there is none (Kafka's ReplicaManager.getPartitionOrError).
  struct PartitionOrError {
    Partition* partition = nullptr;     ///< set when error is NONE
    ErrorCode error = ErrorCode::NONE;
  };
  /// The one place that tells "unknown partition" from "not here": the replica this
  /// broker hosts; else UNKNOWN_TOPIC_OR_PARTITION when the cluster has no such partition
  /// (an unknown or deleted topic, or a partition index past its count; spec 1.7(a)), or
  /// NOT_LEADER_OR_FOLLOWER when it exists but this broker holds no replica of it. Every
  /// handler and DelayedProduce / DelayedFetch ask here.
  [[nodiscard]] PartitionOrError getPartitionOrError(const TopicPartition& tp) const;
  /// As getPartitionOrError, then NOT_LEADER_OR_FOLLOWER unless this broker leads it
  /// (Kafka's getPartitionOrException + leaderLogIfLocal).
  [[nodiscard]] PartitionOrError getLeaderPartitionOrError(const TopicPartition& tp) const;

  [[nodiscard]] const std::map<TopicPartition, std::unique_ptr<Partition>>& partitions() const noexcept {
    return partitions_;
  }
  [[nodiscard]] int32_t brokerId() const noexcept { return brokerId_; }
  [[nodiscard]] int64_t nowMs() const { return nowMs_(); }

  /// HW rose: complete produce and fetch waiters (spec 2.4). LEO rose: fetch waiters only.
  void onHighWatermarkIncreased(const TopicPartition& tp);
  void onLogEndOffsetIncreased(const TopicPartition& tp);

  /// `wakeup(atMs)` is called when a delayed operation is parked, with its expiry time,
  /// so the event loop can tick then.
  void setWakeup(std::function<void(int64_t)> wakeup) { wakeup_ = std::move(wakeup); }

  /// `listener(partition, isLeader, leaderEpoch)` hears every leadership change of this
  /// broker's __consumer_offsets replicas: the group coordinator's onElection / onResignation.
  void setGroupMetadataListener(std::function<void(int32_t, bool, int32_t)> listener) {
    groupMetadataListener_ = std::move(listener);
  }

  /// Drops every delayed operation without answering (the broker is going away).
  void shutdown();

 private:
  void maybeShrinkIsr();
  void proposeIsr(Partition& partition, const std::vector<int32_t>& isr);

  int32_t brokerId_;
  const MockClusterOptions& options_;
  BrokerStorage& storage_;
  Controller& controller_;
  std::function<int64_t()> nowMs_;
  std::function<void(const TopicPartition&, int32_t)> followerChanged_;
  std::map<TopicPartition, std::unique_ptr<Partition>> partitions_;
  std::unique_ptr<DelayedOperationPurgatory<TopicPartition, TopicPartitionHash, DelayedProduce>> producePurgatory_;
  std::unique_ptr<DelayedOperationPurgatory<TopicPartition, TopicPartitionHash, DelayedFetch>> fetchPurgatory_;
  int64_t nextIsrCheckMs_ = 0;
  int64_t nextRetentionCheckMs_ = 0;
  std::function<void(int64_t)> wakeup_;
  std::function<void(int32_t, bool, int32_t)> groupMetadataListener_;
};

}  // namespace kafkalite::mock
