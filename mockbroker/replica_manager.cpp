#include "mockbroker/replica_manager.hpp"

#include <algorithm>
#include <chrono>

#include "mockbroker/purgatory/delayed_fetch.hpp"
#include "mockbroker/purgatory/delayed_produce.hpp"

namespace kafkalite::mock {

namespace {
// Record timestamps are wall-clock milliseconds; retention.ms compares against them.
int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ReplicaManager::ReplicaManager(int32_t brokerId, const MockClusterOptions& options, BrokerStorage& storage,
                               Controller& controller, std::function<int64_t()> nowMs,
                               std::function<void(const TopicPartition&, int32_t)> followerChanged)
    : brokerId_(brokerId),
      options_(options),
      storage_(storage),
      controller_(controller),
      nowMs_(std::move(nowMs)),
      followerChanged_(std::move(followerChanged)),
      producePurgatory_(std::make_unique<DelayedOperationPurgatory<TopicPartition, TopicPartitionHash, DelayedProduce>>(
          "Produce", nowMs_())),
      fetchPurgatory_(std::make_unique<DelayedOperationPurgatory<TopicPartition, TopicPartitionHash, DelayedFetch>>(
          "Fetch", nowMs_())),
      nextIsrCheckMs_(nowMs_() + std::max<int64_t>(1, options.replicaLagTimeMaxMs / 2)),
      nextRetentionCheckMs_(nowMs_() + std::max<int64_t>(1, options.retentionCheckIntervalMs)) {}

ReplicaManager::~ReplicaManager() { shutdown(); }

void ReplicaManager::shutdown() {
  producePurgatory_->shutdown();
  fetchPurgatory_->shutdown();
}

Partition* ReplicaManager::partition(const TopicPartition& tp) {
  const auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second.get();
}
const Partition* ReplicaManager::partition(const TopicPartition& tp) const {
  const auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second.get();
}

ReplicaManager::PartitionOrError ReplicaManager::getPartitionOrError(const TopicPartition& tp) const {
  if (const auto it = partitions_.find(tp); it != partitions_.end()) return {it->second.get(), ErrorCode::NONE};
  // Kafka: NOT_LEADER_OR_FOLLOWER when the metadata knows the partition (so the client
  // refreshes it and finds the replicas), UNKNOWN_TOPIC_OR_PARTITION when it does not.
  return {nullptr, controller_.partition(tp) ? ErrorCode::NOT_LEADER_OR_FOLLOWER : ErrorCode::UNKNOWN_TOPIC_OR_PARTITION};
}

ReplicaManager::PartitionOrError ReplicaManager::getLeaderPartitionOrError(const TopicPartition& tp) const {
  PartitionOrError result = getPartitionOrError(tp);
  if (result.partition != nullptr && !result.partition->isLeader()) return {nullptr, ErrorCode::NOT_LEADER_OR_FOLLOWER};
  return result;
}

void ReplicaManager::onHighWatermarkIncreased(const TopicPartition& tp) {
  // spec 2.4
  producePurgatory_->checkAndComplete(tp);
  fetchPurgatory_->checkAndComplete(tp);
}

void ReplicaManager::onLogEndOffsetIncreased(const TopicPartition& tp) { fetchPurgatory_->checkAndComplete(tp); }

void ReplicaManager::becomeLeaderOrFollower(const TopicPartition& tp, const LeaderAndIsr& state,
                                            const TopicConfig& config) {
  PartitionConfig pc;
  pc.minInsyncReplicas = config.minInsyncReplicas;
  pc.replicaLagTimeMaxMs = options_.replicaLagTimeMaxMs;
  pc.hwRequiresMinIsr = options_.hwRequiresMinIsr;
  LogConfig lc = storage_.logConfig;
  lc.retentionBytes = config.retentionBytes;
  lc.retentionMs = config.retentionMs;
  lc.deleteEnabled = config.cleanupDelete;
  lc.compact = config.cleanupCompact;
  lc.messageTimestampType =
      config.logAppendTime ? protocol::TimestampType::LogAppendTime : protocol::TimestampType::CreateTime;
  lc.messageTimestampBeforeMaxMs = config.messageTimestampBeforeMaxMs;
  lc.messageTimestampAfterMaxMs = config.messageTimestampAfterMaxMs;
  lc.compressionType = brokerCompressionTypeForName(config.compressionType).value_or(BrokerCompressionType::Producer);
  lc.maxMessageBytes = config.maxMessageBytes;
  auto& slot = partitions_[tp];
  const int64_t now = nowMs_();
  bool configRaisedHw = false;
  if (!slot) {
    slot = std::make_unique<Partition>(tp, brokerId_, pc, storage_.logFor(tp));
  } else if (state.leaderEpoch >= slot->leaderEpoch()) {
    configRaisedHw = slot->updateConfig(pc, now);
  }
  Partition& partition = *slot;
  if (state.leaderEpoch < partition.leaderEpoch()) return;  // a stale decision
  const LogConfig previous = partition.log().config();
  partition.log().setConfig(lc);  // retention with the new limits, bounded by the HW
  if (previous.retentionMs != lc.retentionMs || previous.deleteEnabled != lc.deleteEnabled) {
    // A changed retention.ms applies at once, not only at the next periodic check.
    partition.log().applyTimeRetention(wallClockMs());
  }
  if (configRaisedHw) onHighWatermarkIncreased(tp);

  if (state.leader == brokerId_) {
    if (partition.isLeader() && state.leaderEpoch == partition.leaderEpoch()) {
      // Same epoch: the controller removed a dead follower from the ISR, or a replica's
      // broker went down or came back.
      const bool offlineRaised = partition.setOfflineReplicas(state.offlineReplicas, now);
      if (partition.applyIsr(state.isr, now) || offlineRaised) onHighWatermarkIncreased(tp);
      return;
    }
    followerChanged_(tp, -1);
    partition.makeLeader(state, now);  // spec 2.6
    onHighWatermarkIncreased(tp);
    // Kafka's KafkaApis.handleLeaderAndIsr: a new leader of a __consumer_offsets partition
    // coordinates its groups (GroupCoordinator.onElection).
    if (tp.topic == kGroupMetadataTopicName && groupMetadataListener_) groupMetadataListener_(tp.partition, true, state.leaderEpoch);
    return;
  }
  const bool wasLeader = partition.isLeader();
  const bool changed = partition.makeFollower(state);
  if (wasLeader) {
    // spec 6.4: waiting produces answer NOT_LEADER_OR_FOLLOWER, waiting fetches return now.
    producePurgatory_->checkAndComplete(tp);
    fetchPurgatory_->checkAndComplete(tp);
  }
  if (changed || wasLeader) followerChanged_(tp, state.leader);
  if (tp.topic == kGroupMetadataTopicName && groupMetadataListener_) groupMetadataListener_(tp.partition, false, state.leaderEpoch);
}

EpochEndOffsetResult ReplicaManager::lastOffsetForLeaderEpoch(const TopicPartition& tp, int32_t currentLeaderEpoch,
                                                              int32_t leaderEpoch) const {
  const Partition* partition = this->partition(tp);
  if (partition == nullptr) {
    return {controller_.topicExists(tp.topic) ? ErrorCode::NOT_LEADER_OR_FOLLOWER : ErrorCode::UNKNOWN_TOPIC_OR_PARTITION};
  }
  return partition->lastOffsetForLeaderEpoch(currentLeaderEpoch, leaderEpoch);
}

void ReplicaManager::stopReplica(const TopicPartition& tp, bool deletePartition) {
  followerChanged_(tp, -1);
  partitions_.erase(tp);  // before its log: the partition refers to it
  if (deletePartition) storage_.logs.erase(tp);
  // spec 1.7(a), 4.5: what waits on it completes now, seeing it gone.
  producePurgatory_->checkAndComplete(tp);
  fetchPurgatory_->checkAndComplete(tp);
}

void ReplicaManager::appendRecords(int32_t timeoutMs, int16_t requiredAcks,
                                   const std::vector<std::pair<TopicPartition, std::span<const uint8_t>>>& entries,
                                   ProduceCallback callback, std::shared_ptr<const void> recordsOwner,
                                   bool internalTopicsAllowed) {
  const int64_t now = nowMs_();
  std::vector<DelayedProduce::PartitionStatus> statuses;
  statuses.reserve(entries.size());
  bool anySuccess = false;
  for (const auto& [tp, records] : entries) {
    DelayedProduce::PartitionStatus status;
    status.result.tp = tp;
    const auto [partition, error] = getPartitionOrError(tp);
    if (!internalTopicsAllowed && isInternalTopic(tp.topic)) {
      status.result.error = ErrorCode::INVALID_TOPIC_EXCEPTION;  // Kafka's appendToLocalLog
      status.result.errorMessage = "Cannot append to internal topic " + tp.topic;
    } else if (partition == nullptr) {
      status.result.error = error;  // spec 1.2: unknown, or not hosted here
    } else {
      auto result = partition->appendRecordsToLeader(records, requiredAcks, now, recordsOwner);
      status.result.error = result.info.error;
      status.result.errorMessage = result.info.errorMessage;
      status.result.recordErrors = std::move(result.info.recordErrors);
      if (result.info.error == ErrorCode::NONE) {
        // Offsets only for an append (or a duplicate's original one); a failure before the
        // append leaves them -1 (Kafka's LogAppendInfo.UNKNOWN_LOG_APPEND_INFO).
        status.result.logStartOffset = partition->logStartOffset();
        status.result.baseOffset = result.info.firstOffset;
        status.result.logAppendTime = result.info.logAppendTime;
        status.requiredOffset = result.info.lastOffset + 1;  // spec 1.3
        anySuccess = true;
        if (!result.info.duplicate) onLogEndOffsetIncreased(tp);  // wakes followers (spec 2.4)
        if (result.highWatermarkIncreased) onHighWatermarkIncreased(tp);
      }
    }
    statuses.push_back(std::move(status));
  }
  if (requiredAcks != -1 || !anySuccess) {
    // spec 1.4: acks 0/1, or acks=-1 with nothing to wait for.
    std::vector<ProducePartitionResult> results;
    for (auto& s : statuses) results.push_back(std::move(s.result));
    callback(std::move(results));
    return;
  }
  // spec 1.5: one DelayedProduce, watched on each partition.
  // The timer's clock moves only when advanced: bring it to now so the delay counts from now.
  producePurgatory_->advanceClock(now);
  auto op = std::make_shared<DelayedProduce>(timeoutMs, std::move(statuses), *this, std::move(callback));
  const auto keys = op->keys();
  if (!producePurgatory_->tryCompleteElseWatch(op, std::span<const TopicPartition>(keys)) && wakeup_) {
    wakeup_(now + timeoutMs);
  }
}

std::vector<FetchPartitionResult> ReplicaManager::readFromLocalLog(const FetchParams& params,
                                                                  std::size_t* bytesRead) const {
  std::vector<FetchPartitionResult> results;
  results.reserve(params.partitions.size());
  std::size_t total = 0;
  const auto responseLimit = static_cast<std::size_t>(std::max(params.maxBytes, 0));
  for (const auto& p : params.partitions) {
    FetchPartitionResult r;
    r.tp = p.tp;
    const auto [partition, error] = getPartitionOrError(p.tp);
    if (partition == nullptr) {
      r.error = error;
      results.push_back(std::move(r));
      continue;
    }
    r.highWatermark = partition->highWatermark();
    r.lastStableOffset = partition->lastStableOffset();
    r.logStartOffset = partition->logStartOffset();
    if (!partition->isLeader()) {
      // No fetch-from-follower: consumers and followers read from the leader (spec 4.1).
      r.error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
    } else if (const ErrorCode epochError = partition->checkCurrentLeaderEpoch(p.currentLeaderEpoch);
               epochError != ErrorCode::NONE) {
      r.error = epochError;  // spec 2.7
    } else if (params.isFromFollower() &&
               std::find(partition->replicas().begin(), partition->replicas().end(), params.replicaId) ==
                   partition->replicas().end()) {
      // spec 4.1: a fetch from a broker that is not an assigned replica.
      r.error = p.currentLeaderEpoch >= 0 ? ErrorCode::UNKNOWN_LEADER_EPOCH : ErrorCode::NOT_LEADER_OR_FOLLOWER;
    } else if (params.isFromFollower() && p.lastFetchedEpoch >= 0 &&
               (r.divergingEpoch = partition->divergingEpoch(p.lastFetchedEpoch, p.fetchOffset))) {
      // The follower's log diverges from ours: it truncates before fetching again.
    } else {
      // Kafka fills the response up to max_bytes but always returns at least one batch first.
      const std::size_t room = total >= responseLimit ? 0 : responseLimit - total;
      const std::size_t limit = std::min(static_cast<std::size_t>(std::max(p.partitionMaxBytes, 0)), room);
      const LogReadInfo read = partition->read(p.fetchOffset, total == 0 ? std::max<std::size_t>(limit, 1) : limit,
                                               params.isolation);
      r.error = read.error;
      if (read.error == ErrorCode::NONE && (limit > 0 || total == 0)) {
        // No copy: the response references the log's batches and keeps them alive.
        r.batches = read.batches;
        r.owners = read.owners;
        r.recordBytes = read.bytes;
        total += read.bytes;
      }
    }
    results.push_back(std::move(r));
  }
  if (bytesRead) *bytesRead = total;
  return results;
}

void ReplicaManager::fetchMessages(FetchParams params, FetchCallback callback) {
  const int64_t now = nowMs_();
  std::size_t bytesRead = 0;
  auto results = readFromLocalLog(params, &bytesRead);
  bool anyError = false;
  bool anyDiverging = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    anyError |= r.error != ErrorCode::NONE;
    anyDiverging |= r.divergingEpoch.has_value();
    if (!params.isFromFollower() || r.error != ErrorCode::NONE || r.divergingEpoch) continue;
    // spec 4.2: a follower fetch moves that follower's LEO and ISR state.
    Partition* partition = this->partition(r.tp);
    auto update = partition->updateFollowerFetchState(params.replicaId, params.partitions[i].fetchOffset, now);
    if (update.proposedIsr) proposeIsr(*partition, *update.proposedIsr);  // spec 3.4
    if (update.highWatermarkIncreased) onHighWatermarkIncreased(r.tp);
  }
  // spec 4.4: answer now?
  if (params.maxWaitMs <= 0 || params.partitions.empty() || bytesRead >= static_cast<std::size_t>(std::max(params.minBytes, 0)) ||
      anyError || anyDiverging) {
    callback(std::move(results));
    return;
  }
  std::vector<TopicPartition> keys;
  for (const auto& p : params.partitions) keys.push_back(p.tp);
  const int32_t delay = params.maxWaitMs;
  fetchPurgatory_->advanceClock(now);
  auto op = std::make_shared<DelayedFetch>(delay, std::move(params), *this, std::move(callback));
  if (!fetchPurgatory_->tryCompleteElseWatch(op, std::span<const TopicPartition>(keys)) && wakeup_) {
    wakeup_(now + delay);
  }
}

void ReplicaManager::proposeIsr(Partition& partition, const std::vector<int32_t>& isr) {
  // AlterPartition to the controller; committed synchronously, then applied (see partition.hpp).
  if (!controller_.alterPartitionIsr(partition.topicPartition(), brokerId_, partition.leaderEpoch(), isr)) return;
  if (partition.applyIsr(isr, nowMs_())) onHighWatermarkIncreased(partition.topicPartition());
}

void ReplicaManager::maybeShrinkIsr() {
  // spec 3.3: the isr-expiration task.
  const int64_t now = nowMs_();
  for (auto& [tp, partition] : partitions_) {
    if (!partition->isLeader()) continue;
    if (auto shrunk = partition->maybeShrinkIsr(now)) proposeIsr(*partition, *shrunk);
  }
}

void ReplicaManager::tick() {
  const int64_t now = nowMs_();
  producePurgatory_->advanceClock(now);
  fetchPurgatory_->advanceClock(now);
  if (now >= nextIsrCheckMs_) {
    nextIsrCheckMs_ = now + std::max<int64_t>(1, options_.replicaLagTimeMaxMs / 2);
    maybeShrinkIsr();
  }
  if (now >= nextRetentionCheckMs_) {
    // Kafka's log-retention task (log.retention.check.interval.ms): retention.ms.
    nextRetentionCheckMs_ = now + std::max<int64_t>(1, options_.retentionCheckIntervalMs);
    const int64_t wallNow = wallClockMs();
    for (auto& [tp, partition] : partitions_) partition->log().applyTimeRetention(wallNow);
  }
}

int64_t ReplicaManager::nextTickMs() {
  int64_t next = std::min(nextIsrCheckMs_, nextRetentionCheckMs_);
  if (auto t = producePurgatory_->nextExpirationMs()) next = std::min(next, *t);
  if (auto t = fetchPurgatory_->nextExpirationMs()) next = std::min(next, *t);
  return next;
}

}  // namespace kafkalite::mock
