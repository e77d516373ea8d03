// GroupCoordinator: rebalances (DelayedJoin, DelayedSync and what they complete), SyncGroup,
// Heartbeat, LeaveGroup and member sessions (DelayedHeartbeat), after Kafka's
// GroupCoordinator.scala.
#include <algorithm>

#include "mockbroker/group/group_coordinator.hpp"

namespace kafkalite::mock {

void GroupCoordinator::maybePrepareRebalance(const std::shared_ptr<GroupMetadata>& group) {
  if (group->canRebalance()) prepareRebalance(group);
}

void GroupCoordinator::prepareRebalance(const std::shared_ptr<GroupMetadata>& group) {
  // Members waiting for their assignment must join again.
  if (group->is(GroupState::CompletingRebalance)) resetAndPropagateAssignmentError(*group, ErrorCode::REBALANCE_IN_PROGRESS);
  removeSyncExpiration(*group);
  std::shared_ptr<DelayedOperation> op;
  if (group->is(GroupState::Empty)) {
    const int64_t delay = std::max(0, config_.initialRebalanceDelayMs);
    op = std::make_shared<InitialDelayedJoin>(*this, group, delay, delay,
                                              std::max<int64_t>(group->rebalanceTimeoutMs() - delay, 0));
  } else {
    op = std::make_shared<DelayedJoin>(*this, group, group->rebalanceTimeoutMs());
  }
  group->transitionTo(GroupState::PreparingRebalance, wallClockMs_());
  watchRebalance(std::move(op), GroupKey::join(group->groupId()));
}

void GroupCoordinator::removeMemberAndUpdateGroup(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member) {
  // A new member may time out with its JoinGroup still waiting: answer it first, so that a
  // live client simply joins again.
  group->maybeInvokeJoinCallback(member, JoinGroupResult::failed("", ErrorCode::UNKNOWN_MEMBER_ID));
  const std::string memberId = member.memberId;
  group->remove(memberId);
  switch (group->state()) {
    case GroupState::Dead:
    case GroupState::Empty: return;
    case GroupState::Stable:
    case GroupState::CompletingRebalance: maybePrepareRebalance(group); return;
    case GroupState::PreparingRebalance: rebalancePurgatory_->checkAndComplete(GroupKey::join(group->groupId())); return;
  }
}

void GroupCoordinator::removePendingMemberAndUpdateGroup(const std::shared_ptr<GroupMetadata>& group,
                                                         const std::string& memberId) {
  group->remove(memberId);
  if (group->is(GroupState::PreparingRebalance)) rebalancePurgatory_->checkAndComplete(GroupKey::join(group->groupId()));
}

bool GroupCoordinator::tryCompleteJoin(GroupMetadata& group, DelayedOperation& op) {
  return group.hasAllMembersJoined() && op.forceComplete();
}

void GroupCoordinator::onCompleteJoin(const std::shared_ptr<GroupMetadata>& group) {
  // Dynamic members that did not rejoin in time leave; static ones stay (they may come back).
  for (const std::string& memberId : group->notYetRejoinedMembers()) {
    if (group->get(memberId).isStaticMember()) continue;
    group->remove(memberId);
    removeHeartbeatForLeavingMember(*group, memberId);
  }
  if (group->is(GroupState::Dead)) return;
  if (!group->maybeElectNewJoinedLeader() && group->size() > 0) {
    // Nobody rejoined: wait again until the sessions of the silent members expire.
    watchRebalance(std::make_shared<DelayedJoin>(*this, group, group->rebalanceTimeoutMs()),
                   GroupKey::join(group->groupId()));
    return;
  }
  group->initNextGeneration(wallClockMs_());
  if (group->is(GroupState::Empty)) {
    // Nothing waits for this write; if it is lost, the previous generation comes back and expires.
    groupManager_.storeGroup(group, {}, [](ErrorCode) {});
    return;
  }
  for (MemberMetadata* member : group->allMemberMetadata()) {
    JoinGroupResult r;
    if (group->isLeader(member->memberId)) r.members = group->currentMemberMetadata();
    r.memberId = member->memberId;
    r.generationId = group->generationId;
    r.protocolType = group->protocolType;
    r.protocolName = group->protocolName;
    r.leaderId = group->leaderId().value_or("");
    group->maybeInvokeJoinCallback(*member, r);
    completeAndScheduleNextHeartbeatExpiration(group, *member);
    member->isNew = false;
    group->addPendingSyncMember(member->memberId);
  }
  schedulePendingSync(group);
}

void GroupCoordinator::removeSyncExpiration(GroupMetadata& group) {
  group.clearPendingSyncMembers();
  rebalancePurgatory_->checkAndComplete(GroupKey::sync(group.groupId()));
}

void GroupCoordinator::schedulePendingSync(const std::shared_ptr<GroupMetadata>& group) {
  watchRebalance(std::make_shared<DelayedSync>(*this, group, group->generationId, group->rebalanceTimeoutMs()),
                 GroupKey::sync(group->groupId()));
}

bool GroupCoordinator::tryCompletePendingSync(GroupMetadata& group, int32_t generationId, DelayedOperation& op) {
  if (generationId != group.generationId) return op.forceComplete();
  switch (group.state()) {
    case GroupState::Dead:
    case GroupState::Empty:
    case GroupState::PreparingRebalance: return op.forceComplete();
    case GroupState::CompletingRebalance:
    case GroupState::Stable: return group.hasReceivedSyncFromAllMembers() && op.forceComplete();
  }
  return false;
}

void GroupCoordinator::onExpirePendingSync(const std::shared_ptr<GroupMetadata>& group, int32_t generationId) {
  if (generationId != group->generationId) return;
  if (!group->is(GroupState::CompletingRebalance) && !group->is(GroupState::Stable)) return;
  if (group->hasReceivedSyncFromAllMembers()) return;
  // Members that got their JoinGroup answer but never sent SyncGroup are gone.
  for (const std::string& memberId : group->allPendingSyncMembers()) {
    group->remove(memberId);
    removeHeartbeatForLeavingMember(*group, memberId);
  }
  prepareRebalance(group);
}

// ---- SyncGroup ----------------------------------------------------------------------

void GroupCoordinator::handleSyncGroup(const std::string& groupId, int32_t generationId, const std::string& memberId,
                                       const std::optional<std::string>& groupInstanceId,
                                       std::map<std::string, protocol::Bytes> groupAssignment, SyncCallback callback) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, false)) {
    callback(SyncGroupResult::failed(*error));
    return;
  }
  const auto group = groupManager_.getGroup(groupId);
  if (!group) {
    callback(SyncGroupResult::failed(ErrorCode::UNKNOWN_MEMBER_ID));
    return;
  }
  if (group->is(GroupState::Dead)) {
    callback(SyncGroupResult::failed(ErrorCode::COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (auto error = validateCurrentMember(*group, memberId, groupInstanceId)) {
    callback(SyncGroupResult::failed(*error));
    return;
  }
  if (generationId != group->generationId) {
    callback(SyncGroupResult::failed(ErrorCode::ILLEGAL_GENERATION));
    return;
  }
  switch (group->state()) {
    case GroupState::Empty: callback(SyncGroupResult::failed(ErrorCode::UNKNOWN_MEMBER_ID)); return;
    case GroupState::PreparingRebalance: callback(SyncGroupResult::failed(ErrorCode::REBALANCE_IN_PROGRESS)); return;
    case GroupState::CompletingRebalance: {
      MemberMetadata& member = group->get(memberId);
      group->maybeInvokeSyncCallback(member, SyncGroupResult::failed(ErrorCode::REBALANCE_IN_PROGRESS));  // an older one
      member.awaitingSyncCallback = std::move(callback);
      group->removePendingSyncMember(memberId);
      rebalancePurgatory_->checkAndComplete(GroupKey::sync(groupId));
      if (!group->isLeader(memberId)) return;
      // The leader's assignments: members it left out get an empty one. Stored first, then
      // handed to every member waiting in SyncGroup.
      for (const std::string& id : group->allMembers()) groupAssignment.try_emplace(id);
      groupManager_.storeGroup(group, groupAssignment, [this, group, generationId, groupAssignment](ErrorCode error) {
        // A member may have joined meanwhile: only the same generation still completing counts.
        if (!group->is(GroupState::CompletingRebalance) || generationId != group->generationId) return;
        if (error != ErrorCode::NONE) {
          resetAndPropagateAssignmentError(*group, error);
          maybePrepareRebalance(group);
        } else {
          setAndPropagateAssignment(*group, groupAssignment);
          group->transitionTo(GroupState::Stable, wallClockMs_());
        }
      });
      return;
    }
    case GroupState::Stable: {
      group->removePendingSyncMember(memberId);
      rebalancePurgatory_->checkAndComplete(GroupKey::sync(groupId));
      MemberMetadata& member = group->get(memberId);
      callback(SyncGroupResult{group->protocolType, group->protocolName, member.assignment, ErrorCode::NONE});
      completeAndScheduleNextHeartbeatExpiration(group, member);
      return;
    }
    case GroupState::Dead: return;
  }
}

void GroupCoordinator::setAndPropagateAssignment(GroupMetadata& group,
                                                 const std::map<std::string, protocol::Bytes>& assignment) {
  for (MemberMetadata* member : group.allMemberMetadata()) {
    const auto it = assignment.find(member->memberId);
    member->assignment = it == assignment.end() ? protocol::Bytes{} : it->second;
  }
  propagateAssignment(group, ErrorCode::NONE);
}

void GroupCoordinator::resetAndPropagateAssignmentError(GroupMetadata& group, ErrorCode error) {
  for (MemberMetadata* member : group.allMemberMetadata()) member->assignment.clear();
  propagateAssignment(group, error);
}

void GroupCoordinator::propagateAssignment(GroupMetadata& group, ErrorCode error) {
  const auto shared = group.shared_from_this();
  for (MemberMetadata* member : group.allMemberMetadata()) {
    SyncGroupResult r;
    if (error == ErrorCode::NONE) {
      r.protocolType = group.protocolType;
      r.protocolName = group.protocolName;
    }
    r.assignment = member->assignment;
    r.error = error;
    // A member's session restarts once it has its assignment: an expiry while the group
    // waited for the leader or the write was ignored.
    if (group.maybeInvokeSyncCallback(*member, r)) completeAndScheduleNextHeartbeatExpiration(shared, *member);
  }
}

// ---- Heartbeat and LeaveGroup -------------------------------------------------------

ErrorCode GroupCoordinator::handleHeartbeat(const std::string& groupId, const std::string& memberId,
                                            const std::optional<std::string>& groupInstanceId, int32_t generationId) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, false)) return *error;
  const auto group = groupManager_.getGroup(groupId);
  if (!group) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (group->is(GroupState::Dead)) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (const auto error = validateCurrentMember(*group, memberId, groupInstanceId)) return *error;
  if (generationId != group->generationId) return ErrorCode::ILLEGAL_GENERATION;
  switch (group->state()) {
    case GroupState::Empty:
    case GroupState::Dead: return ErrorCode::UNKNOWN_MEMBER_ID;
    case GroupState::CompletingRebalance:
    case GroupState::Stable:
      // Members may heartbeat as soon as they have their JoinGroup answer.
      completeAndScheduleNextHeartbeatExpiration(group, group->get(memberId));
      return ErrorCode::NONE;
    case GroupState::PreparingRebalance:
      completeAndScheduleNextHeartbeatExpiration(group, group->get(memberId));
      return ErrorCode::REBALANCE_IN_PROGRESS;
  }
  return ErrorCode::NONE;
}

LeaveGroupResult GroupCoordinator::handleLeaveGroup(const std::string& groupId,
                                                    const std::vector<LeaveMemberIdentity>& members) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, false)) return {*error, {}};
  const auto group = groupManager_.getGroup(groupId);
  LeaveGroupResult result;
  if (!group) {
    for (const auto& m : members) result.members.push_back({m.memberId, m.groupInstanceId, ErrorCode::UNKNOWN_MEMBER_ID});
    return result;
  }
  if (group->is(GroupState::Dead)) return {ErrorCode::COORDINATOR_NOT_AVAILABLE, {}};
  auto removeCurrentMember = [&](const std::string& memberId) {
    removeMemberAndUpdateGroup(group, group->get(memberId));
    removeHeartbeatForLeavingMember(*group, memberId);
  };
  for (const auto& m : members) {
    ErrorCode error = ErrorCode::NONE;
    if (m.memberId.empty()) {
      // Administrative removal of a static member by its instance id (KIP-345).
      const auto current = m.groupInstanceId ? group->currentStaticMemberId(*m.groupInstanceId) : std::nullopt;
      if (current) {
        removeCurrentMember(*current);
      } else {
        error = ErrorCode::UNKNOWN_MEMBER_ID;
      }
    } else if (group->isPendingMember(m.memberId)) {
      removePendingMemberAndUpdateGroup(group, m.memberId);
      heartbeatPurgatory_->checkAndComplete(MemberKey{groupId, m.memberId});
    } else if (const auto invalid = validateCurrentMember(*group, m.memberId, m.groupInstanceId)) {
      error = *invalid;
    } else {
      removeCurrentMember(m.memberId);
    }
    result.members.push_back({m.memberId, m.groupInstanceId, error});
  }
  return result;
}

// ---- sessions -----------------------------------------------------------------------

void GroupCoordinator::completeAndScheduleNextHeartbeatExpiration(const std::shared_ptr<GroupMetadata>& group,
                                                                  MemberMetadata& member) {
  completeAndScheduleNextExpiration(group, member, member.sessionTimeoutMs);
}

void GroupCoordinator::completeAndScheduleNextExpiration(const std::shared_ptr<GroupMetadata>& group,
                                                         MemberMetadata& member, int64_t timeoutMs) {
  const MemberKey key{group->groupId(), member.memberId};
  member.heartbeatSatisfied = true;
  heartbeatPurgatory_->checkAndComplete(key);
  member.heartbeatSatisfied = false;
  watchHeartbeat(std::make_shared<DelayedHeartbeat>(*this, group, member.memberId, false, timeoutMs), key);
}

void GroupCoordinator::addPendingMemberExpiration(const std::shared_ptr<GroupMetadata>& group,
                                                  const std::string& memberId, int64_t timeoutMs) {
  watchHeartbeat(std::make_shared<DelayedHeartbeat>(*this, group, memberId, true, timeoutMs),
                 MemberKey{group->groupId(), memberId});
}

void GroupCoordinator::removeHeartbeatForLeavingMember(const GroupMetadata& group, const std::string& memberId) {
  heartbeatPurgatory_->checkAndComplete(MemberKey{group.groupId(), memberId});
}

bool GroupCoordinator::tryCompleteHeartbeat(GroupMetadata& group, const std::string& memberId, bool isPending,
                                            DelayedOperation& op) {
  if (group.is(GroupState::Dead)) return op.forceComplete();
  if (isPending) return group.has(memberId) && op.forceComplete();  // it joined with its id
  if (!group.has(memberId) || group.get(memberId).hasSatisfiedHeartbeat()) return op.forceComplete();
  return false;
}

void GroupCoordinator::onExpireHeartbeat(const std::shared_ptr<GroupMetadata>& group, const std::string& memberId,
                                         bool isPending) {
  if (group->is(GroupState::Dead)) return;
  if (isPending) {
    removePendingMemberAndUpdateGroup(group, memberId);
    return;
  }
  if (!group->has(memberId)) return;
  MemberMetadata& member = group->get(memberId);
  if (!member.hasSatisfiedHeartbeat()) removeMemberAndUpdateGroup(group, member);
}

}  // namespace kafkalite::mock
