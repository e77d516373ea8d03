#pragma once
/// \file
/// Partition: one broker's replica of a topic partition — leader or follower —
/// with the leader's view of its followers, the ISR, the high watermark and the
/// leader epoch (broker-spec §2, §3). Pure logic: no sockets, no clock of its own
/// (every call that depends on time takes `nowMs`).
///
/// ISR changes: the leader proposes them (maybeShrinkIsr / the expansion returned by
/// updateFollowerFetchState); the cluster's controller commits them synchronously
/// and the leader applies the result with applyIsr(). So an ISR change is never
/// "pending" here and the maximal ISR of spec 3.3/3.4 is the ISR itself.
///
/// Time: `nowMs` is milliseconds on one monotonic clock whose zero lies more than
/// replicaLagTimeMaxMs in the past (Kafka uses wall-clock time): lastCaughtUpTimeMs 0 means
/// "never caught up" only because now − 0 exceeds the lag (spec 2.6, 3.2).
///
/// Threading: owned by one broker; touched only on its event-loop thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kafkalite/error.hpp"
#include "mockbroker/log.hpp"
#include "mockbroker/topic_partition.hpp"

namespace kafkalite::mock {

struct PartitionConfig {
  int32_t minInsyncReplicas = 1;
  int64_t replicaLagTimeMaxMs = 30000;  ///< spec 3.2
  /// Spec 2.3 (Kafka 3.7+, KAFKA-15583): the HW does not advance while |ISR| < effective min ISR.
  bool hwRequiresMinIsr = true;
};

/// What the controller decided for a partition (Kafka's LeaderAndIsr).
struct LeaderAndIsr {
  int32_t leader = -1;
  int32_t leaderEpoch = 0;
  std::vector<int32_t> isr;
  std::vector<int32_t> replicas;  ///< assignment order
  /// Replicas whose broker is down: not ISR-eligible (Kafka's fenced or shutting-down
  /// brokers), so they never hold back the HW as "caught up" (spec 2.2).
  std::vector<int32_t> offlineReplicas;
};

/// The leader's view of one follower (spec 2.1). logEndOffset -1 = unknown (spec 2.6).
struct FollowerState {
  int32_t brokerId = -1;
  int64_t logEndOffset = -1;
  int64_t lastFetchLeaderLogEndOffset = -1;
  int64_t lastFetchTimeMs = 0;
  int64_t lastCaughtUpTimeMs = 0;
};

/// An OffsetForLeaderEpoch answer for one partition.
struct EpochEndOffsetResult {
  ErrorCode error = ErrorCode::NONE;
  int32_t leaderEpoch = -1;
  int64_t endOffset = -1;
};

/// Which offsets a reader may see (spec 4.1).
enum class FetchIsolation { LogEnd, HighWatermark, TxnCommitted };

class Partition {
 public:
  Partition(TopicPartition tp, int32_t localBrokerId, PartitionConfig config, Log& log);

  [[nodiscard]] const TopicPartition& topicPartition() const noexcept;
  [[nodiscard]] bool isLeader() const noexcept;
  [[nodiscard]] int32_t leaderId() const noexcept;
  [[nodiscard]] int32_t leaderEpoch() const noexcept;
  /// The LEO when this replica last became leader (spec 2.6); until the HW reaches it the
  /// HW may lag what earlier leaders acknowledged (ListOffsets answers OFFSET_NOT_AVAILABLE).
  [[nodiscard]] int64_t leaderEpochStartOffset() const noexcept { return leaderEpochStartOffset_; }
  [[nodiscard]] const std::vector<int32_t>& replicas() const noexcept;
  [[nodiscard]] const std::vector<int32_t>& isr() const noexcept;
  [[nodiscard]] int64_t highWatermark() const noexcept;
  [[nodiscard]] int64_t logEndOffset() const noexcept;
  [[nodiscard]] int64_t logStartOffset() const noexcept;
  /// Last stable offset: there are no transactions in the mock, so it equals the HW.
  [[nodiscard]] int64_t lastStableOffset() const noexcept { return highWatermark(); }
  [[nodiscard]] const std::vector<FollowerState>& followers() const noexcept;
  [[nodiscard]] Log& log() noexcept;
  [[nodiscard]] const Log& log() const noexcept;
  [[nodiscard]] const PartitionConfig& config() const noexcept;

  /// min(min.insync.replicas, replication factor) (spec 1.2).
  [[nodiscard]] int32_t effectiveMinIsr() const noexcept;

  /// A topic config change (min.insync.replicas, ...): takes effect at once. Returns true
  /// if the leader's HW rose (a lower min ISR releases a held-back HW, spec 2.3).
  bool updateConfig(const PartitionConfig& config, int64_t nowMs);

  struct DeleteRecordsResult {
    ErrorCode error = ErrorCode::NONE;
    std::string message;
    int64_t lowWatermark = -1;  ///< the log start offset afterwards
  };
  /// DeleteRecords on the leader: moves the log start to `offset` (-1 = the HW), never
  /// above the HW (OFFSET_OUT_OF_RANGE), and not on a topic whose cleanup.policy has no
  /// delete (POLICY_VIOLATION). NOT_LEADER_OR_FOLLOWER when this replica does not lead.
  DeleteRecordsResult deleteRecordsOnLeader(int64_t offset);

  /// Becomes (or stays) leader per spec 2.6: epoch and epoch start offset set, follower
  /// states reset (lastCaughtUp = now for ISR members, else 0; LEOs unknown when newly
  /// leader), HW recomputed. Kafka resets only on a higher epoch; here a follower promoted at
  /// the epoch it already knows is reset too. The same epoch on a leader only updates the
  /// assignment and ISR (new replicas start unknown, unassigned ones are dropped).
  /// Returns true if this broker was not leader before.
  /// A state whose epoch is below the current one is ignored (returns false).
  bool makeLeader(const LeaderAndIsr& state, int64_t nowMs);
  /// Becomes (or stays) follower of state.leader (spec 6.3). Returns true if the leader or
  /// epoch changed (the replica fetcher must re-point). Follower states are cleared.
  bool makeFollower(const LeaderAndIsr& state);

  struct AppendResult {
    LogAppendInfo info;
    bool highWatermarkIncreased = false;
  };
  /// Leader append per spec 1.2: NOT_LEADER_OR_FOLLOWER when not leader; with acks = -1
  /// and |ISR| < effectiveMinIsr → NOT_ENOUGH_REPLICAS before appending; else Log::appendAsLeader
  /// and the HW is recomputed (spec 2.2: matters when the ISR is the leader alone). Retention
  /// runs after every append and HW increase, never past the HW (Log::applyRetention).
  /// `owner`: as for Log::appendAsLeader.
  AppendResult appendRecordsToLeader(std::span<const uint8_t> records, int16_t requiredAcks, int64_t nowMs,
                                     std::shared_ptr<const void> owner = nullptr);

  struct FollowerFetchResult {
    ErrorCode error = ErrorCode::NONE;  ///< NOT_LEADER_OR_FOLLOWER / UNKNOWN_LEADER_EPOCH (spec 4.1)
    bool highWatermarkIncreased = false;
    /// Set when the follower qualifies to join the ISR (spec 3.4): the ISR to propose.
    std::optional<std::vector<int32_t>> proposedIsr;
  };
  /// A follower fetch at `fetchOffset` (= its LEO) reached the leader at `nowMs`:
  /// updates its state (spec 2.1, 3.1), checks ISR expansion (spec 3.4) and recomputes
  /// the HW (spec 2.2).
  FollowerFetchResult updateFollowerFetchState(int32_t replicaId, int64_t fetchOffset, int64_t nowMs);
  /// As above, for a fetch that carried `currentLeaderEpoch` (-1 = not given): an unassigned
  /// replica then gets UNKNOWN_LEADER_EPOCH rather than NOT_LEADER_OR_FOLLOWER (spec 4.1).
  /// The epoch itself is checked by checkCurrentLeaderEpoch (spec 2.7), which the caller runs first.
  FollowerFetchResult updateFollowerFetchState(int32_t replicaId, int64_t fetchOffset, int64_t nowMs,
                                               int32_t currentLeaderEpoch);

  /// Spec 3.3: followers in the ISR that are not caught up (spec 3.2) at `nowMs`. Returns the
  /// ISR to propose without them, or nullopt when nothing changes. The last ISR member
  /// (the leader) is never removed.
  [[nodiscard]] std::optional<std::vector<int32_t>> maybeShrinkIsr(int64_t nowMs) const;
  /// The controller committed `isr`: apply it and recompute the HW. Returns true if the HW rose.
  bool applyIsr(const std::vector<int32_t>& isr, int64_t nowMs);
  /// The controller's view of which replicas are down changed (same leader epoch): they stop
  /// counting as ISR-eligible. Returns true if the HW rose.
  bool setOfflineReplicas(const std::vector<int32_t>& offline, int64_t nowMs);

  /// Spec 1.7(c): whether the HW reached `requiredOffset`, and then NONE or
  /// NOT_ENOUGH_REPLICAS_AFTER_APPEND (|ISR| < effectiveMinIsr).
  [[nodiscard]] std::pair<bool, ErrorCode> checkEnoughReplicasReachOffset(int64_t requiredOffset) const;

  /// Spec 2.7: FENCED_LEADER_EPOCH if `requestEpoch` is below ours, UNKNOWN_LEADER_EPOCH if
  /// above, NONE if equal or -1 (not given).
  [[nodiscard]] ErrorCode checkCurrentLeaderEpoch(int32_t requestEpoch) const noexcept;

  /// Follower fetch with last_fetched_epoch (Fetch v12+): the epoch/end offset at which the
  /// follower's log diverges from ours, or nullopt when it does not (KIP-320/595 validation:
  /// our end offset for `lastFetchedEpoch` has a smaller epoch or is below `fetchOffset`).
  /// As Kafka's endOffsetFor, an epoch older than every cached one ends where the oldest
  /// cached epoch starts. nullopt too when `lastFetchedEpoch` is -1 (not given), when
  /// `fetchOffset` is below the log start (the read answers OFFSET_OUT_OF_RANGE, as Kafka),
  /// or when the epoch cache is empty.
  [[nodiscard]] std::optional<EpochEndOffset> divergingEpoch(int32_t lastFetchedEpoch, int64_t fetchOffset) const;

  /// OffsetForLeaderEpoch (KIP-320, Kafka's Partition.lastOffsetForLeaderEpoch with
  /// LeaderEpochFileCache.endOffsetFor): FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for a
  /// stale or future `currentLeaderEpoch` (-1: not checked), NOT_LEADER_OR_FOLLOWER on a
  /// follower; else the largest epoch <= `leaderEpoch` and the offset where it ends (where
  /// the next epoch starts, or the LEO for the current one), counting the leader's own epoch
  /// from its start offset even before anything was written in it. An epoch above the
  /// current one, -1, or an empty history answers epoch -1 and offset -1.
  [[nodiscard]] EpochEndOffsetResult lastOffsetForLeaderEpoch(int32_t currentLeaderEpoch, int32_t leaderEpoch) const;

  /// Reads for a fetch: up to the LEO for LogEnd, up to the HW otherwise (spec 4.3).
  [[nodiscard]] LogReadInfo read(int64_t fetchOffset, std::size_t maxBytes, FetchIsolation isolation) const;
  /// Bytes available to a reader at `fetchOffset` under `isolation`, capped at `maxBytes`
  /// (DelayedFetch's min_bytes test, spec 4.5).
  [[nodiscard]] std::size_t bytesAvailable(int64_t fetchOffset, std::size_t maxBytes, FetchIsolation isolation) const;

  /// Follower side: append fetched batches (then retention, below the HW), then
  /// HW = min(leaderHW, LEO), not below the log start (spec 2.5), and the log start moves
  /// up to the leader's (`leaderLogStartOffset` from the fetch response; -1 = unknown),
  /// never past the HW.
  LogAppendInfo appendRecordsAsFollower(std::span<const uint8_t> records, std::shared_ptr<const void> owner = nullptr);
  void updateFollowerHighWatermark(int64_t leaderHighWatermark, int64_t leaderLogStartOffset = -1);
  /// Follower truncation after a divergence or OFFSET_OUT_OF_RANGE (spec 4.8); the HW never
  /// exceeds the LEO afterwards.
  void truncateTo(int64_t offset);
  void truncateFullyAndStartAt(int64_t offset);

 private:
  bool maybeIncrementLeaderHighWatermark(int64_t nowMs);
  // Every HW change goes through here: the log bounds retention by it.
  void setHighWatermark(int64_t highWatermark);
  [[nodiscard]] bool isCaughtUp(const FollowerState& f, int64_t nowMs) const;
  FollowerState* follower(int32_t brokerId);
  [[nodiscard]] const FollowerState* follower(int32_t brokerId) const;
  [[nodiscard]] bool inIsr(int32_t brokerId) const;
  // The end of what `isolation` may read: the LEO or the HW (spec 4.3, 4.5).
  [[nodiscard]] int64_t maxReadableOffset(FetchIsolation isolation) const;

  TopicPartition tp_;
  int32_t localBrokerId_;
  PartitionConfig config_;
  Log& log_;
  int32_t leaderId_ = -1;
  int32_t leaderEpoch_ = -1;
  int64_t leaderEpochStartOffset_ = 0;
  std::vector<int32_t> replicas_;
  std::vector<int32_t> isr_;
  std::vector<FollowerState> followers_;
  std::vector<int32_t> offlineReplicas_;
  int64_t highWatermark_ = 0;
};

}  // namespace kafkalite::mock
