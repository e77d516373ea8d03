#include "mockbroker/partition.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace kafkalite::mock {

Partition::Partition(TopicPartition tp, int32_t localBrokerId, PartitionConfig config, Log& log)
    : tp_(std::move(tp)),
      localBrokerId_(localBrokerId),
      config_(config),
      log_(log),
      highWatermark_(log.logStartOffset()) {
  log_.updateHighWatermark(highWatermark_);
}

const TopicPartition& Partition::topicPartition() const noexcept { return tp_; }
bool Partition::isLeader() const noexcept { return leaderId_ == localBrokerId_; }
int32_t Partition::leaderId() const noexcept { return leaderId_; }
int32_t Partition::leaderEpoch() const noexcept { return leaderEpoch_; }
const std::vector<int32_t>& Partition::replicas() const noexcept { return replicas_; }
const std::vector<int32_t>& Partition::isr() const noexcept { return isr_; }
int64_t Partition::highWatermark() const noexcept { return highWatermark_; }
int64_t Partition::logEndOffset() const noexcept { return log_.logEndOffset(); }
int64_t Partition::logStartOffset() const noexcept { return log_.logStartOffset(); }
const std::vector<FollowerState>& Partition::followers() const noexcept { return followers_; }
Log& Partition::log() noexcept { return log_; }
const Log& Partition::log() const noexcept { return log_; }
const PartitionConfig& Partition::config() const noexcept { return config_; }

int32_t Partition::effectiveMinIsr() const noexcept {
  // spec 1.2: min(min.insync.replicas, replication factor); an unknown assignment counts as no cap.
  if (replicas_.empty()) return config_.minInsyncReplicas;
  return std::min(config_.minInsyncReplicas, static_cast<int32_t>(replicas_.size()));
}

bool Partition::makeLeader(const LeaderAndIsr& state, int64_t nowMs) {
  if (state.leaderEpoch < leaderEpoch_) return false;
  const bool isNewLeader = !isLeader();
  const bool isNewLeaderEpoch = state.leaderEpoch > leaderEpoch_;

  // Kafka's updateAssignmentAndIsr: keep the states of replicas still assigned, add the new ones.
  std::vector<FollowerState> next;
  for (const int32_t id : state.replicas) {
    if (id == localBrokerId_) continue;
    const FollowerState* existing = follower(id);
    next.push_back(existing != nullptr ? *existing : FollowerState{.brokerId = id});
  }
  followers_ = std::move(next);
  replicas_ = state.replicas;
  isr_ = state.isr;
  offlineReplicas_ = state.offlineReplicas;
  leaderId_ = localBrokerId_;

  // spec 2.6 (Kafka resets only on a new epoch; a follower promoted at its own epoch is reset too,
  // else it would keep no epoch start offset).
  if (isNewLeaderEpoch || isNewLeader) {
    leaderEpoch_ = state.leaderEpoch;
    leaderEpochStartOffset_ = log_.logEndOffset();
    for (FollowerState& f : followers_) {
      const bool inSync = inIsr(f.brokerId);
      // Kafka's Replica.resetReplicaState.
      f.lastCaughtUpTimeMs = inSync ? nowMs : 0;
      if (isNewLeader) {
        f.logEndOffset = -1;  // unknown: the HW waits for every ISR follower to fetch
        f.lastFetchLeaderLogEndOffset = -1;
        f.lastFetchTimeMs = 0;
      } else {
        f.lastFetchLeaderLogEndOffset = leaderEpochStartOffset_;
        f.lastFetchTimeMs = inSync ? nowMs : 0;
      }
    }
  }
  // spec 2.2: recomputed on makeLeader (the ISR may be the leader alone).
  maybeIncrementLeaderHighWatermark(nowMs);
  return isNewLeader;
}

bool Partition::makeFollower(const LeaderAndIsr& state) {
  if (state.leaderEpoch < leaderEpoch_) return false;
  const bool changed = state.leader != leaderId_ || state.leaderEpoch != leaderEpoch_;
  leaderId_ = state.leader;
  leaderEpoch_ = state.leaderEpoch;
  replicas_ = state.replicas;
  // spec 6.3: a follower clears its local ISR and forgets the leader's view of followers.
  isr_.clear();
  followers_.clear();
  return changed;
}

Partition::AppendResult Partition::appendRecordsToLeader(std::span<const uint8_t> records, int16_t requiredAcks,
                                                         int64_t nowMs, std::shared_ptr<const void> owner) {
  AppendResult result;
  // spec 1.2: not leader, then min ISR (acks = -1 only), both before any append.
  if (!isLeader()) {
    result.info.error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
    result.info.errorMessage = "Leader not local for partition " + tp_.toString();
    return result;
  }
  if (requiredAcks == -1 && static_cast<int32_t>(isr_.size()) < effectiveMinIsr()) {
    result.info.error = ErrorCode::NOT_ENOUGH_REPLICAS;
    result.info.errorMessage = "The size of the current ISR " + std::to_string(isr_.size()) +
                               " is insufficient to satisfy the min.isr requirement of " +
                               std::to_string(effectiveMinIsr()) + " for partition " + tp_.toString();
    return result;
  }
  result.info = log_.appendAsLeader(records, leaderEpoch_, std::move(owner));
  if (result.info.error == ErrorCode::NONE) {
    // spec 2.2: a leader append can raise the HW when the ISR is the leader alone.
    result.highWatermarkIncreased = maybeIncrementLeaderHighWatermark(nowMs);
  }
  return result;
}

Partition::FollowerFetchResult Partition::updateFollowerFetchState(int32_t replicaId, int64_t fetchOffset,
                                                                   int64_t nowMs) {
  return updateFollowerFetchState(replicaId, fetchOffset, nowMs, -1);
}

Partition::FollowerFetchResult Partition::updateFollowerFetchState(int32_t replicaId, int64_t fetchOffset,
                                                                   int64_t nowMs, int32_t currentLeaderEpoch) {
  FollowerFetchResult result;
  if (!isLeader()) {
    result.error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
    return result;
  }
  FollowerState* f = follower(replicaId);
  if (f == nullptr) {
    // spec 4.1: a sender that is not an assigned replica.
    result.error = currentLeaderEpoch != -1 ? ErrorCode::UNKNOWN_LEADER_EPOCH : ErrorCode::NOT_LEADER_OR_FOLLOWER;
    return result;
  }
  const int64_t leaderEndOffset = log_.logEndOffset();
  const int64_t previousEndOffset = f->logEndOffset;
  // spec 3.1 (Kafka's Replica.updateFetchStateOrThrow).
  if (fetchOffset >= leaderEndOffset) {
    f->lastCaughtUpTimeMs = std::max(f->lastCaughtUpTimeMs, nowMs);
  } else if (fetchOffset >= f->lastFetchLeaderLogEndOffset) {
    f->lastCaughtUpTimeMs = std::max(f->lastCaughtUpTimeMs, f->lastFetchTimeMs);
  }
  // spec 2.1: the follower's LEO is the offset it fetches from.
  f->logEndOffset = fetchOffset;
  f->lastFetchLeaderLogEndOffset = std::max(leaderEndOffset, f->lastFetchLeaderLogEndOffset);
  f->lastFetchTimeMs = nowMs;

  // spec 3.4: a non-ISR follower joins once its LEO reaches both the HW and the epoch start.
  if (!inIsr(replicaId) && fetchOffset >= highWatermark_ && fetchOffset >= leaderEpochStartOffset_) {
    std::vector<int32_t> proposed = isr_;
    proposed.push_back(replicaId);
    result.proposedIsr = std::move(proposed);
  }
  // spec 2.2: recomputed when a follower's LEO changes.
  if (previousEndOffset != fetchOffset) result.highWatermarkIncreased = maybeIncrementLeaderHighWatermark(nowMs);
  return result;
}

std::optional<std::vector<int32_t>> Partition::maybeShrinkIsr(int64_t nowMs) const {
  if (!isLeader()) return std::nullopt;
  std::vector<int32_t> kept;
  bool removed = false;
  for (const int32_t id : isr_) {
    // spec 3.3: the leader is never a candidate; a member with no follower state is out of sync.
    const FollowerState* f = follower(id);
    if (id != localBrokerId_ && (f == nullptr || !isCaughtUp(*f, nowMs))) {
      removed = true;
    } else {
      kept.push_back(id);
    }
  }
  if (!removed || kept.empty()) return std::nullopt;
  return kept;
}

bool Partition::setOfflineReplicas(const std::vector<int32_t>& offline, int64_t nowMs) {
  offlineReplicas_ = offline;
  return maybeIncrementLeaderHighWatermark(nowMs);
}

bool Partition::applyIsr(const std::vector<int32_t>& isr, int64_t nowMs) {
  isr_ = isr;
  // spec 2.2 / 3.3: an ISR change recomputes the HW, which can complete waiting produces.
  return maybeIncrementLeaderHighWatermark(nowMs);
}

std::pair<bool, ErrorCode> Partition::checkEnoughReplicasReachOffset(int64_t requiredOffset) const {
  if (!isLeader()) return {false, ErrorCode::NOT_LEADER_OR_FOLLOWER};
  if (highWatermark_ < requiredOffset) return {false, ErrorCode::NONE};
  // spec 1.7(c): done; the data stays even if the ISR shrank below min ISR meanwhile.
  if (static_cast<int32_t>(isr_.size()) >= effectiveMinIsr()) return {true, ErrorCode::NONE};
  return {true, ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND};
}

ErrorCode Partition::checkCurrentLeaderEpoch(int32_t requestEpoch) const noexcept {
  // spec 2.7
  if (requestEpoch == -1 || requestEpoch == leaderEpoch_) return ErrorCode::NONE;
  return requestEpoch < leaderEpoch_ ? ErrorCode::FENCED_LEADER_EPOCH : ErrorCode::UNKNOWN_LEADER_EPOCH;
}

std::optional<EpochEndOffset> Partition::divergingEpoch(int32_t lastFetchedEpoch, int64_t fetchOffset) const {
  if (lastFetchedEpoch < 0 || fetchOffset < log_.logStartOffset()) return std::nullopt;
  auto end = log_.endOffsetForEpoch(lastFetchedEpoch);
  if (!end) {
    // Kafka's endOffsetFor: an epoch below every cached one ends where the oldest one starts.
    const auto earliest = log_.earliestEpochEntry();
    if (!earliest) return std::nullopt;
    end = EpochEndOffset{lastFetchedEpoch, earliest->second};
  }
  // Kafka's Partition.fetchRecords (KIP-595 validation).
  if (end->epoch < lastFetchedEpoch || end->endOffset < fetchOffset) return end;
  return std::nullopt;
}

EpochEndOffsetResult Partition::lastOffsetForLeaderEpoch(int32_t currentLeaderEpoch, int32_t leaderEpoch) const {
  if (const ErrorCode error = checkCurrentLeaderEpoch(currentLeaderEpoch); error != ErrorCode::NONE) return {error};
  if (!isLeader()) return {ErrorCode::NOT_LEADER_OR_FOLLOWER};
  if (leaderEpoch < 0) return {};
  // Kafka's leader puts its epoch into the cache when it becomes leader (at its LEO); here
  // the log's cache gets it with the first append, so the current epoch is added on top.
  const auto lastCached = log_.endOffsetForEpoch(std::numeric_limits<int32_t>::max());
  const int32_t latest = std::max(leaderEpoch_, lastCached ? lastCached->epoch : -1);
  if (latest < 0 || leaderEpoch > latest) return {};
  if (leaderEpoch == latest) return {ErrorCode::NONE, leaderEpoch, log_.logEndOffset()};
  // A cached epoch at or below: it ends where the next one starts. When that next one is
  // the leader's uncached epoch, its start offset is the LEO, which endOffsetForEpoch gives.
  if (const auto floor = log_.endOffsetForEpoch(leaderEpoch)) return {ErrorCode::NONE, floor->epoch, floor->endOffset};
  // Older than everything cached: the requested epoch, ending where the oldest known starts.
  if (const auto earliest = log_.earliestEpochEntry()) return {ErrorCode::NONE, leaderEpoch, earliest->second};
  return {ErrorCode::NONE, leaderEpoch, leaderEpochStartOffset_};
}

LogReadInfo Partition::read(int64_t fetchOffset, std::size_t maxBytes, FetchIsolation isolation) const {
  return log_.read(fetchOffset, maxBytes, maxReadableOffset(isolation));
}

std::size_t Partition::bytesAvailable(int64_t fetchOffset, std::size_t maxBytes, FetchIsolation isolation) const {
  const int64_t end = maxReadableOffset(isolation);
  if (fetchOffset < log_.logStartOffset() || fetchOffset >= end) return 0;
  const auto& batches = log_.batches();
  auto it = std::partition_point(batches.begin(), batches.end(),
                                 [fetchOffset](const StoredBatch& b) { return b.lastOffset < fetchOffset; });
  std::size_t bytes = 0;
  for (; it != batches.end() && it->lastOffset < end && bytes < maxBytes; ++it) bytes += it->bytes.size();
  return std::min(bytes, maxBytes);
}

LogAppendInfo Partition::appendRecordsAsFollower(std::span<const uint8_t> records, std::shared_ptr<const void> owner) {
  return log_.appendAsFollower(records, std::move(owner));
}

void Partition::updateFollowerHighWatermark(int64_t leaderHighWatermark, int64_t leaderLogStartOffset) {
  // spec 2.5: min(leader HW, local LEO), never below the log start; a follower's HW may fall.
  setHighWatermark(std::max(std::min(leaderHighWatermark, log_.logEndOffset()), log_.logStartOffset()));
  // Kafka's ReplicaFetcherThread.processPartitionData: the leader's log start, which never
  // passes the HW (UnifiedLog.maybeIncrementLogStartOffset), so that this replica's earliest
  // offset does not move backwards if it leads next.
  if (leaderLogStartOffset > log_.logStartOffset()) log_.advanceLogStartOffset(std::min(leaderLogStartOffset, highWatermark_));
}

void Partition::truncateTo(int64_t offset) {
  log_.truncateTo(offset);
  setHighWatermark(std::max(std::min(highWatermark_, log_.logEndOffset()), log_.logStartOffset()));
}

void Partition::truncateFullyAndStartAt(int64_t offset) {
  log_.truncateFullyAndStartAt(offset);
  setHighWatermark(offset);
}

bool Partition::maybeIncrementLeaderHighWatermark(int64_t nowMs) {
  if (!isLeader()) return false;
  // spec 2.3: with hw_requires_min_isr the HW stays while |ISR| < effective min ISR.
  if (config_.hwRequiresMinIsr && static_cast<int32_t>(isr_.size()) < effectiveMinIsr()) return false;
  // spec 2.2: min of the leader's LEO, every ISR member's LEO (unknown -1 blocks, spec 2.6)
  // and every caught-up replica not yet in the ISR.
  int64_t candidate = log_.logEndOffset();
  for (const FollowerState& f : followers_) {
    const bool eligible = std::find(offlineReplicas_.begin(), offlineReplicas_.end(), f.brokerId) == offlineReplicas_.end();
    if (f.logEndOffset < candidate && (inIsr(f.brokerId) || (eligible && isCaughtUp(f, nowMs)))) {
      candidate = f.logEndOffset;
    }
  }
  // spec 2.2: the HW only increases.
  if (candidate <= highWatermark_) return false;
  setHighWatermark(candidate);
  return true;
}

void Partition::setHighWatermark(int64_t highWatermark) {
  highWatermark_ = highWatermark;
  log_.updateHighWatermark(highWatermark);  // retention never passes it
}

bool Partition::updateConfig(const PartitionConfig& config, int64_t nowMs) {
  config_ = config;
  // spec 2.3: a lower min.insync.replicas may let a held-back HW advance at once.
  return maybeIncrementLeaderHighWatermark(nowMs);
}

Partition::DeleteRecordsResult Partition::deleteRecordsOnLeader(int64_t offset) {
  // Kafka's Partition.deleteRecordsOnLeader and UnifiedLog.maybeIncrementLogStartOffset.
  if (!isLeader()) return {ErrorCode::NOT_LEADER_OR_FOLLOWER, "Leader not local for partition " + tp_.toString(), -1};
  if (!log_.config().deleteEnabled) {
    return {ErrorCode::POLICY_VIOLATION,
            "Records of partition " + tp_.toString() + " can not be deleted due to the configured policy", -1};
  }
  const int64_t converted = offset == -1 ? highWatermark_ : offset;
  if (converted < 0) {
    return {ErrorCode::OFFSET_OUT_OF_RANGE,
            "The offset " + std::to_string(converted) + " for partition " + tp_.toString() + " is not valid", -1};
  }
  if (converted > highWatermark_) {
    return {ErrorCode::OFFSET_OUT_OF_RANGE, "Cannot increment the log start offset to " + std::to_string(converted) +
                                                " of partition " + tp_.toString() +
                                                " since it is larger than the high watermark " +
                                                std::to_string(highWatermark_),
            -1};
  }
  log_.advanceLogStartOffset(converted);
  return {ErrorCode::NONE, {}, log_.logStartOffset()};
}

bool Partition::isCaughtUp(const FollowerState& f, int64_t nowMs) const {
  // spec 3.2
  return f.logEndOffset == log_.logEndOffset() || nowMs - f.lastCaughtUpTimeMs <= config_.replicaLagTimeMaxMs;
}

FollowerState* Partition::follower(int32_t brokerId) {
  return const_cast<FollowerState*>(std::as_const(*this).follower(brokerId));
}

const FollowerState* Partition::follower(int32_t brokerId) const {
  const auto it = std::find_if(followers_.begin(), followers_.end(),
                               [brokerId](const FollowerState& f) { return f.brokerId == brokerId; });
  return it == followers_.end() ? nullptr : &*it;
}

bool Partition::inIsr(int32_t brokerId) const { return std::find(isr_.begin(), isr_.end(), brokerId) != isr_.end(); }

int64_t Partition::maxReadableOffset(FetchIsolation isolation) const {
  // spec 4.1 / 4.3: followers read to the LEO; consumers to the HW (the LSO equals it here).
  return isolation == FetchIsolation::LogEnd ? log_.logEndOffset() : highWatermark_;
}

}  // namespace kafkalite::mock
