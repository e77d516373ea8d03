// GroupCoordinator: construction, timers, validation and JoinGroup, after Kafka's
// GroupCoordinator.scala. Rebalances, SyncGroup, Heartbeat, LeaveGroup and sessions are in
// group_coordinator_rebalance.cpp; offsets, group administration and the control surface in
// group_coordinator_offsets.cpp.
#include "mockbroker/group/group_coordinator.hpp"

#include <algorithm>
#include <cstdio>

#include "mockbroker/replica_manager.hpp"

namespace kafkalite::mock {

GroupCoordinator::GroupCoordinator(const MockClusterOptions& options, ReplicaManager& replicaManager,
                                   std::function<int64_t()> nowMs, std::function<int64_t()> wallClockMs)
    : options_(options),
      config_(options.groupCoordinator),
      nowMs_(std::move(nowMs)),
      wallClockMs_(std::move(wallClockMs)),
      groupManager_(config_, replicaManager, wallClockMs_),
      rebalancePurgatory_(std::make_unique<RebalancePurgatory>("Rebalance", nowMs_())),
      heartbeatPurgatory_(std::make_unique<HeartbeatPurgatory>("Heartbeat", nowMs_())),
      random_(std::random_device{}()) {}

GroupCoordinator::~GroupCoordinator() { shutdown(); }

void GroupCoordinator::shutdown() {
  active_ = false;
  rebalancePurgatory_->shutdown();
  heartbeatPurgatory_->shutdown();
  groupManager_.shutdown();
}

void GroupCoordinator::advanceClocks() {
  const int64_t now = nowMs_();
  rebalancePurgatory_->advanceClock(now);
  heartbeatPurgatory_->advanceClock(now);
}

void GroupCoordinator::tick() { advanceClocks(); }

std::optional<int64_t> GroupCoordinator::nextTickMs() {
  auto a = rebalancePurgatory_->nextExpirationMs();
  auto b = heartbeatPurgatory_->nextExpirationMs();
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

void GroupCoordinator::watchRebalance(std::shared_ptr<DelayedOperation> op, const GroupKey& key) {
  const int64_t due = rebalancePurgatory_->currentTimeMs() + op->delayMs();
  if (!rebalancePurgatory_->tryCompleteElseWatch(op, key) && !op->isCompleted() && wakeup_) wakeup_(due);
}

void GroupCoordinator::watchHeartbeat(std::shared_ptr<DelayedHeartbeat> op, const MemberKey& key) {
  const int64_t due = heartbeatPurgatory_->currentTimeMs() + op->delayMs();
  if (!heartbeatPurgatory_->tryCompleteElseWatch(op, key) && !op->isCompleted() && wakeup_) wakeup_(due);
}

std::string GroupCoordinator::newMemberId(const std::string& prefix) {
  // Kafka: clientId (or group.instance.id) + "-" + a random UUID.
  const uint64_t hi = (random_() & 0xffffffffffff0fffULL) | 0x4000ULL;
  const uint64_t lo = (random_() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char uuid[37];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return prefix + "-" + uuid;
}

std::optional<ErrorCode> GroupCoordinator::validateGroupStatus(const std::string& groupId, bool emptyIdAllowed) const {
  // Kafka's isValidGroupId: OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups
  // accept the empty group id; the membership APIs need one.
  if (!emptyIdAllowed && groupId.empty()) return ErrorCode::INVALID_GROUP_ID;
  if (!active_) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (!groupManager_.isGroupLocal(groupId)) return ErrorCode::NOT_COORDINATOR;
  return std::nullopt;
}

bool GroupCoordinator::acceptJoiningMember(const GroupMetadata& group, const std::string& memberId) const {
  auto& g = const_cast<GroupMetadata&>(group);
  switch (group.state()) {
    case GroupState::Empty:
    case GroupState::Dead: return true;
    case GroupState::PreparingRebalance:
      return (g.has(memberId) && g.get(memberId).isAwaitingJoin()) ||
             group.numAwaiting() < static_cast<std::size_t>(std::max(0, config_.maxSize));
    case GroupState::CompletingRebalance:
    case GroupState::Stable:
      return g.has(memberId) || group.size() < static_cast<std::size_t>(std::max(0, config_.maxSize));
  }
  return false;
}

// ---- JoinGroup ----------------------------------------------------------------------

void GroupCoordinator::handleJoinGroup(JoinGroupParams params, JoinCallback callback) {
  advanceClocks();
  if (const auto error = validateGroupStatus(params.groupId, false)) {
    callback(JoinGroupResult::failed(params.memberId, *error));
    return;
  }
  if (params.sessionTimeoutMs < config_.minSessionTimeoutMs || params.sessionTimeoutMs > config_.maxSessionTimeoutMs) {
    callback(JoinGroupResult::failed(params.memberId, ErrorCode::INVALID_SESSION_TIMEOUT));
    return;
  }
  const bool isUnknownMember = params.memberId.empty();
  // A group is created by a member without an id; a member id for an unknown group is stale.
  const auto group = groupManager_.getOrMaybeCreateGroup(params.groupId, isUnknownMember);
  if (!group) {
    callback(JoinGroupResult::failed(params.memberId, ErrorCode::UNKNOWN_MEMBER_ID));
    return;
  }
  if (!acceptJoiningMember(*group, params.memberId)) {
    group->remove(params.memberId);
    callback(JoinGroupResult::failed("", ErrorCode::GROUP_MAX_SIZE_REACHED));
  } else if (isUnknownMember) {
    doNewMemberJoinGroup(group, params, callback);
  } else {
    doCurrentMemberJoinGroup(group, params, callback);
  }
  if (group->is(GroupState::PreparingRebalance)) rebalancePurgatory_->checkAndComplete(GroupKey::join(group->groupId()));
}

void GroupCoordinator::doNewMemberJoinGroup(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params,
                                            JoinCallback& callback) {
  std::set<std::string> names;
  for (const auto& [name, metadata] : params.protocols) names.insert(name);
  if (group->is(GroupState::Dead)) {
    // Unloaded or deleted meanwhile: the member finds the coordinator again.
    callback(JoinGroupResult::failed("", ErrorCode::COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group->supportsProtocols(params.protocolType, names)) {
    callback(JoinGroupResult::failed("", ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  const std::string memberId = newMemberId(params.groupInstanceId ? *params.groupInstanceId : params.clientId);
  if (params.groupInstanceId) {
    // A static member: replaces the member its instance id maps to, or joins.
    if (const auto old = group->currentStaticMemberId(*params.groupInstanceId)) {
      updateStaticMemberAndRebalance(group, *old, memberId, params, callback);
    } else {
      addMemberAndRebalance(group, params, memberId, std::move(callback));
    }
  } else if (params.requireKnownMemberId) {
    // KIP-394: hand out the id and expect a second JoinGroup with it within the session timeout.
    group->addPendingMember(memberId);
    addPendingMemberExpiration(group, memberId, params.sessionTimeoutMs);
    callback(JoinGroupResult::failed(memberId, ErrorCode::MEMBER_ID_REQUIRED));
  } else {
    addMemberAndRebalance(group, params, memberId, std::move(callback));
  }
}

std::optional<ErrorCode> GroupCoordinator::validateCurrentMember(
    GroupMetadata& group, const std::string& memberId, const std::optional<std::string>& groupInstanceId) const {
  if (groupInstanceId) {
    const auto current = group.currentStaticMemberId(*groupInstanceId);
    if (!current) return ErrorCode::UNKNOWN_MEMBER_ID;
    if (*current != memberId) return ErrorCode::FENCED_INSTANCE_ID;
  }
  if (!group.has(memberId)) return ErrorCode::UNKNOWN_MEMBER_ID;
  return std::nullopt;
}

void GroupCoordinator::doCurrentMemberJoinGroup(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params,
                                                JoinCallback& callback) {
  const std::string memberId = params.memberId;
  std::set<std::string> names;
  for (const auto& [name, metadata] : params.protocols) names.insert(name);
  if (group->is(GroupState::Dead)) {
    callback(JoinGroupResult::failed(memberId, ErrorCode::COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group->supportsProtocols(params.protocolType, names)) {
    callback(JoinGroupResult::failed(memberId, ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  if (group->isPendingMember(memberId)) {
    // The second JoinGroup of KIP-394. A pending member is never static: Kafka fails such a
    // request with an internal error.
    if (params.groupInstanceId) {
      callback(JoinGroupResult::failed(memberId, ErrorCode::UNKNOWN_SERVER_ERROR));
      return;
    }
    addMemberAndRebalance(group, params, memberId, std::move(callback));
    return;
  }
  if (const auto error = validateCurrentMember(*group, memberId, params.groupInstanceId)) {
    callback(JoinGroupResult::failed(memberId, *error));
    return;
  }
  MemberMetadata& member = group->get(memberId);
  auto currentGeneration = [&](bool withMembers) {
    JoinGroupResult r;
    if (withMembers) r.members = group->currentMemberMetadata();
    r.memberId = memberId;
    r.generationId = group->generationId;
    r.protocolType = group->protocolType;
    r.protocolName = group->protocolName;
    r.leaderId = group->leaderId().value_or("");
    return r;
  };
  switch (group->state()) {
    case GroupState::PreparingRebalance:
      updateMemberAndRebalance(group, member, params, std::move(callback));
      return;
    case GroupState::CompletingRebalance:
      if (member.matches(params.protocols)) {
        // The same metadata again (the member missed its JoinGroup answer): the current generation.
        callback(currentGeneration(group->isLeader(memberId)));
      } else {
        updateMemberAndRebalance(group, member, params, std::move(callback));
      }
      return;
    case GroupState::Stable:
      if (group->isLeader(memberId) || !member.matches(params.protocols)) {
        // The leader rejoins to trigger a rebalance (e.g. topic metadata changed); a member
        // with new metadata needs one.
        updateMemberAndRebalance(group, member, params, std::move(callback));
      } else {
        callback(currentGeneration(false));
      }
      return;
    case GroupState::Empty:
    case GroupState::Dead:
      callback(JoinGroupResult::failed(memberId, ErrorCode::UNKNOWN_MEMBER_ID));
      return;
  }
}

void GroupCoordinator::updateStaticMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group,
                                                      const std::string& oldMemberId, const std::string& newMemberId,
                                                      JoinGroupParams& params, JoinCallback& callback) {
  const std::string currentLeader = group->leaderId().value_or("");
  const std::string instanceId = *params.groupInstanceId;
  MemberMetadata& member = group->replaceStaticMember(instanceId, oldMemberId, newMemberId);
  // The old id's heartbeat expires without effect; the new id gets its own session.
  completeAndScheduleNextHeartbeatExpiration(group, member);
  const GroupProtocols oldProtocols = member.supportedProtocols;
  const int32_t oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
  const int32_t oldSessionTimeoutMs = member.sessionTimeoutMs;
  const JoinCallback responseCallback = callback;
  group->updateMember(member, params.protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs, std::move(callback));
  switch (group->state()) {
    case GroupState::Stable: {
      if (group->protocolName != group->selectProtocol()) {
        maybePrepareRebalance(group);  // the chosen protocol would change: rebalance
        return;
      }
      // KIP-345: a static member restarting in a Stable group without protocol changes keeps
      // its assignment; the group is stored with its new member id, without a rebalance.
      std::map<std::string, protocol::Bytes> assignment;
      for (const MemberMetadata* m : group->allMemberMetadata()) assignment[m->memberId] = m->assignment;
      groupManager_.storeGroup(group, assignment, [this, group, instanceId, oldMemberId, newMemberId, currentLeader,
                                                   oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs,
                                                   responseCallback](ErrorCode error) {
        if (!group->has(newMemberId)) return;  // removed meanwhile; its join was answered then
        MemberMetadata& m = group->get(newMemberId);
        if (error != ErrorCode::NONE) {
          // Not persisted: the old member id comes back.
          group->updateMember(m, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, nullptr);
          MemberMetadata& old = group->replaceStaticMember(instanceId, newMemberId, oldMemberId);
          completeAndScheduleNextHeartbeatExpiration(group, old);
          JoinGroupResult r = JoinGroupResult::failed("", error);
          r.generationId = group->generationId;
          r.protocolType = group->protocolType;
          r.protocolName = group->protocolName;
          r.leaderId = currentLeader;
          responseCallback(r);
          return;
        }
        // Before JoinGroup v9 the old leader id is returned, so that a restarted static leader
        // does not run an assignment a Stable group would not hand out.
        JoinGroupResult r;
        r.memberId = newMemberId;
        r.generationId = group->generationId;
        r.protocolType = group->protocolType;
        r.protocolName = group->protocolName;
        r.leaderId = currentLeader;
        group->maybeInvokeJoinCallback(m, r);
      });
      return;
    }
    case GroupState::CompletingRebalance:
      // The old id may already be in the leader's assignment: rebalance again.
      prepareRebalance(group);
      return;
    case GroupState::PreparingRebalance:
    case GroupState::Empty:
    case GroupState::Dead: return;
  }
}

void GroupCoordinator::addMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group, JoinGroupParams& params,
                                             const std::string& memberId, JoinCallback callback) {
  auto member = std::make_unique<MemberMetadata>();
  member->memberId = memberId;
  member->groupInstanceId = params.groupInstanceId;
  member->clientId = params.clientId;
  member->clientHost = params.clientHost;
  member->rebalanceTimeoutMs = params.rebalanceTimeoutMs;
  member->sessionTimeoutMs = params.sessionTimeoutMs;
  member->protocolType = params.protocolType;
  member->supportedProtocols = params.protocols;
  member->isNew = true;
  // A member joining during the initial rebalance delay may extend it (InitialDelayedJoin).
  if (group->is(GroupState::PreparingRebalance) && group->generationId == 0) group->newMemberAdded = true;
  group->add(std::move(member), std::move(callback));
  // New members cannot heartbeat yet; their JoinGroup is dropped after this long instead, so
  // clients that gave up do not linger in the rebalance.
  completeAndScheduleNextExpiration(group, group->get(memberId), kNewMemberJoinTimeoutMs);
  maybePrepareRebalance(group);
}

void GroupCoordinator::updateMemberAndRebalance(const std::shared_ptr<GroupMetadata>& group, MemberMetadata& member,
                                                JoinGroupParams& params, JoinCallback callback) {
  // A JoinGroup the member sent before (on another connection) is not left unanswered.
  group->maybeInvokeJoinCallback(member, JoinGroupResult::failed(member.memberId, ErrorCode::REBALANCE_IN_PROGRESS));
  group->updateMember(member, params.protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs, std::move(callback));
  maybePrepareRebalance(group);
}

}  // namespace kafkalite::mock
