#pragma once
/// \file
/// GroupCoordinator (Kafka's kafka.coordinator.group.GroupCoordinator, the "classic"
/// protocol): group membership — JoinGroup, SyncGroup, Heartbeat, LeaveGroup, static
/// members, rebalances — and committed offsets, for the groups whose __consumer_offsets
/// partition this broker leads (see GroupMetadataManager).
///
/// Timers: DelayedJoin / InitialDelayedJoin / DelayedSync wait in a "Rebalance"
/// purgatory and DelayedHeartbeat in a "Heartbeat" purgatory, on the broker's timing
/// wheels; the broker's event loop calls tick() and arms its timer for nextTickMs().
///
/// Every handler answers through its callback or return value with Kafka's error codes;
/// bad input (unknown group or member, stale generation, protocol mismatch, session
/// timeout out of range, too much metadata) touches no other group.
///
/// Threading: one per broker, created, called and destroyed on its event loop.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/group/group_metadata.hpp"
#include "mockbroker/group/group_metadata_manager.hpp"
#include "mockbroker/purgatory/delayed_heartbeat.hpp"
#include "mockbroker/purgatory/delayed_join.hpp"

namespace kafkalite::mock {

class ReplicaManager;

/// A JoinGroup as the coordinator takes it (the handler fills it from any version).
struct JoinGroupParams {
  std::string groupId;
  std::string memberId;  ///< "" for a new member
  std::optional<std::string> groupInstanceId;
  bool requireKnownMemberId = false;  ///< v4+ without an instance id: MEMBER_ID_REQUIRED first
  std::string clientId;
  std::string clientHost;
  int32_t rebalanceTimeoutMs = 0;
  int32_t sessionTimeoutMs = 0;
  std::string protocolType;
  GroupProtocols protocols;
};

/// One member to remove by LeaveGroup: by member id, or by instance id with member id "".
struct LeaveMemberIdentity {
  std::string memberId;
  std::optional<std::string> groupInstanceId;
};
struct LeaveMemberResponse {
  std::string memberId;
  std::optional<std::string> groupInstanceId;
  ErrorCode error = ErrorCode::NONE;
};
struct LeaveGroupResult {
  ErrorCode topLevelError = ErrorCode::NONE;
  std::vector<LeaveMemberResponse> members;
};

/// A group as ListGroups shows it.
struct GroupOverview {
  std::string groupId;
  std::string protocolType;
  std::string state;
};

/// A group as DescribeGroups shows it: metadata and assignments only while Stable.
struct GroupSummary {
  struct Member {
    std::string memberId;
    std::optional<std::string> groupInstanceId;
    std::string clientId;
    std::string clientHost;
    protocol::Bytes metadata;
    protocol::Bytes assignment;
  };
  std::string state;
  std::string protocolType;
  std::string protocol;
  std::vector<Member> members;
};

class GroupCoordinator {
 public:
  using OffsetFetchResult = std::vector<std::pair<TopicPartition, GroupMetadataManager::PartitionData>>;
  using CommitCallback = GroupMetadataManager::CommitCallback;

  /// `nowMs`: the monotonic clock of the purgatories; `wallClockMs`: timestamps written
  /// into __consumer_offsets.
  GroupCoordinator(const MockClusterOptions& options, ReplicaManager& replicaManager, std::function<int64_t()> nowMs,
                   std::function<int64_t()> wallClockMs);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  /// `wakeup(atMs)` is called when an operation is parked, so the loop ticks by then.
  void setWakeup(std::function<void(int64_t)> wakeup) { wakeup_ = std::move(wakeup); }
  /// Drops every group and delayed operation unanswered (the broker stops).
  void shutdown();

  // ---- requests (Kafka's handle* methods) --------------------------------------------
  void handleJoinGroup(JoinGroupParams params, JoinCallback callback);
  void handleSyncGroup(const std::string& groupId, int32_t generationId, const std::string& memberId,
                       const std::optional<std::string>& groupInstanceId,
                       std::map<std::string, protocol::Bytes> groupAssignment, SyncCallback callback);
  [[nodiscard]] ErrorCode handleHeartbeat(const std::string& groupId, const std::string& memberId,
                                          const std::optional<std::string>& groupInstanceId, int32_t generationId);
  [[nodiscard]] LeaveGroupResult handleLeaveGroup(const std::string& groupId,
                                                  const std::vector<LeaveMemberIdentity>& members);
  void handleCommitOffsets(const std::string& groupId, const std::string& memberId,
                           const std::optional<std::string>& groupInstanceId, int32_t generationId,
                           std::vector<std::pair<TopicPartition, OffsetAndMetadata>> offsets, CommitCallback callback);
  [[nodiscard]] std::pair<ErrorCode, OffsetFetchResult> handleFetchOffsets(
      const std::string& groupId, bool requireStable, const std::optional<std::vector<TopicPartition>>& partitions);
  [[nodiscard]] std::pair<ErrorCode, std::vector<GroupOverview>> handleListGroups(const std::set<std::string>& states);
  [[nodiscard]] std::pair<ErrorCode, GroupSummary> handleDescribeGroup(const std::string& groupId);
  [[nodiscard]] std::map<std::string, ErrorCode> handleDeleteGroups(const std::vector<std::string>& groupIds);
  [[nodiscard]] std::pair<ErrorCode, std::map<TopicPartition, ErrorCode>> handleDeleteOffsets(
      const std::string& groupId, const std::vector<TopicPartition>& partitions);

  // ---- leadership of __consumer_offsets partitions ----------------------------------
  /// This broker became leader of `offsetsPartition`: load its groups and offsets.
  void onElection(int32_t offsetsPartition, int32_t coordinatorEpoch);
  /// It no longer leads it: unload its groups; their waiting requests get NOT_COORDINATOR.
  void onResignation(int32_t offsetsPartition, std::optional<int32_t> coordinatorEpoch);
  [[nodiscard]] int32_t partitionFor(const std::string& groupId) const { return groupManager_.partitionFor(groupId); }
  [[nodiscard]] bool isGroupLocal(const std::string& groupId) const { return groupManager_.isGroupLocal(groupId); }

  // ---- timers ------------------------------------------------------------------------
  /// Expires due delayed operations.
  void tick();
  /// When tick() next has work, or nullopt.
  [[nodiscard]] std::optional<int64_t> nextTickMs();

  // ---- control surface (MockCluster) -------------------------------------------------
  /// The groups this broker coordinates, without lag (the caller knows the high watermarks).
  [[nodiscard]] std::vector<GroupView> groupViews();
  /// Removes the member as a session expiry would. False if the group or member is unknown.
  bool expireMemberSession(const std::string& groupId, const std::string& memberId);
  enum class RebalanceOutcome { Started, AlreadyRebalancing, UnknownGroup, NoMembers };
  /// Starts a rebalance of a group with members, as a JoinGroup from its leader would.
  RebalanceOutcome forceRebalance(const std::string& groupId);

  // ---- called by the delayed operations ----------------------------------------------
  bool tryCompleteJoin(GroupMetadata& group, DelayedOperation& op);
  void onCompleteJoin(const std::shared_ptr<GroupMetadata>& group);
  bool tryCompletePendingSync(GroupMetadata& group, int32_t generationId, DelayedOperation& op);
  void onExpirePendingSync(const std::shared_ptr<GroupMetadata>& group, int32_t generationId);
  bool tryCompleteHeartbeat(GroupMetadata& group, const std::string& memberId, bool isPending, DelayedOperation& op);
  void onExpireHeartbeat(const std::shared_ptr<GroupMetadata>& group, const std::string& memberId, bool isPending);
  /// Parks a rebalance operation and asks the loop to tick when it is due.
  void watchRebalance(std::shared_ptr<DelayedOperation> op, const GroupKey& key);

  /// Kafka's NewMemberJoinTimeoutMs: a new member's JoinGroup is dropped after this long.
  static constexpr int32_t kNewMemberJoinTimeoutMs = 5 * 60 * 1000;

 private:
  [[nodiscard]] std::optional<ErrorCode> validateGroupStatus(const std::string& groupId, bool emptyIdAllowed) const;
  [[nodiscard]] bool acceptJoiningMember(const GroupMetadata& group, const std::string& memberId) const;
  void doNewMemberJoinGroup(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params, JoinCallback& callback);
  void doCurrentMemberJoinGroup(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params,
                                JoinCallback& callback);
  void updateStaticMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group, const std::string& oldMemberId,
                                      const std::string& newMemberId, JoinGroupParams& params, JoinCallback& callback);
  [[nodiscard]] std::optional<ErrorCode> validateCurrentMember(GroupMetadata& group, const std::string& memberId,
                                                               const std::optional<std::string>& groupInstanceId) const;
  void addMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params,
                             const std::string& memberId, JoinCallback callback);
  void updateMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member,
                                JoinGroupParams& params, JoinCallback callback);
  void maybePrepareRebalance(const std::shared_ptr<GroupMetadata>& group);
  void prepareRebalance(const std::shared_ptr<GroupMetadata>& group);
  void removeMemberAndUpdateGroup(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member);
  void removePendingMemberAndUpdateGroup(const std::shared_ptr<GroupMetadata>& group, const std::string& memberId);
  void setAndPropagateAssignment(GroupMetadata& group, const std::map<std::string, protocol::Bytes>& assignment);
  void resetAndPropagateAssignmentError(GroupMetadata& group, ErrorCode error);
  void propagateAssignment(GroupMetadata& group, ErrorCode error);
  void completeAndScheduleNextHeartbeatExpiration(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member);
  void completeAndScheduleNextExpiration(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member,
                                         int64_t timeoutMs);
  void addPendingMemberExpiration(const std::shared_ptr<GroupMetadata>& group, const std::string& memberId,
                                  int64_t timeoutMs);
  void removeHeartbeatForLeavingMember(const GroupMetadata& group, const std::string& memberId);
  void removeSyncExpiration(GroupMetadata& group);
  void schedulePendingSync(const std::shared_ptr<GroupMetadata>& group);
  [[nodiscard]] std::optional<ErrorCode> validateOffsetCommit(GroupMetadata& group, int32_t generationId,
                                                              const std::string& memberId,
                                                              const std::optional<std::string>& groupInstanceId) const;
  void onGroupLoaded(GroupMetadata& group);
  void onGroupUnloaded(GroupMetadata& group);
  /// Parks a session and asks the loop to tick when it is due.
  void watchHeartbeat(std::shared_ptr<DelayedHeartbeat> op, const MemberKey& key);
  /// Brings the purgatories' clocks to now; entry points call it before anything else.
  void advanceClocks();
  [[nodiscard]] std::string newMemberId(const std::string& prefix);

  const MockClusterOptions& options_;
  const GroupCoordinatorOptions& config_;
  std::function<int64_t()> nowMs_;
  std::function<int64_t()> wallClockMs_;
  GroupMetadataManager groupManager_;
  std::unique_ptr<RebalancePurgatory> rebalancePurgatory_;
  std::unique_ptr<HeartbeatPurgatory> heartbeatPurgatory_;
  std::function<void(int64_t)> wakeup_;
  std::mt19937_64 random_;
  bool active_ = true;
};

}  // namespace kafkalite::mock
