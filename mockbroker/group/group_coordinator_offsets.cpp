// GroupCoordinator: committed offsets (OffsetCommit, OffsetFetch, OffsetDelete), group
// administration (ListGroups, DescribeGroups, DeleteGroups), loading and unloading groups
// as leadership of __consumer_offsets partitions moves, and the control surface.
#include <algorithm>
#include <cctype>

#include "mockbroker/group/consumer_protocol.hpp"
#include "mockbroker/group/group_coordinator.hpp"

namespace kafkalite::mock {

// ---- OffsetCommit / OffsetFetch -----------------------------------------------------

std::optional<ErrorCode> GroupCoordinator::validateOffsetCommit(GroupMetadata& group, int32_t generationId,
                                                                const std::string& memberId,
                                                                const std::optional<std::string>& groupInstanceId) const {
  if (group.is(GroupState::Dead)) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  // Generation -1: an admin client or a consumer without group management; it may commit
  // while the group has no members.
  if (generationId < 0 && group.is(GroupState::Empty)) return std::nullopt;
  if (generationId >= 0 || !memberId.empty() || groupInstanceId) {
    if (const auto error = validateCurrentMember(group, memberId, groupInstanceId)) return error;
    if (generationId != group.generationId) return ErrorCode::ILLEGAL_GENERATION;
    return std::nullopt;
  }
  if (!group.is(GroupState::Empty)) return ErrorCode::UNKNOWN_MEMBER_ID;  // only members commit then
  return std::nullopt;
}

void GroupCoordinator::handleCommitOffsets(const std::string& groupId, const std::string& memberId,
                                           const std::optional<std::string>& groupInstanceId, int32_t generationId,
                                           std::vector<std::pair<TopicPartition, OffsetAndMetadata>> offsets,
                                           CommitCallback callback) {
  advanceClocks();
  // Kafka's GroupCoordinatorAdapter: no commit timestamp (every version but v1) means now.
  for (auto& [tp, o] : offsets) {
    if (o.commitTimestampMs < 0) o.commitTimestampMs = wallClockMs_();
  }
  auto all = [&offsets](ErrorCode error) {
    std::map<TopicPartition, ErrorCode> status;
    for (const auto& [tp, o] : offsets) status[tp] = error;
    return status;
  };
  if (const auto error = validateGroupStatus(groupId, true)) {
    callback(all(*error));
    return;
  }
  auto group = groupManager_.getGroup(groupId);
  if (!group) {
    if (generationId >= 0) {
      callback(all(ErrorCode::ILLEGAL_GENERATION));  // a stale generation of a group that is gone
      return;
    }
    // A "simple" group: Kafka used only to store offsets.
    group = groupManager_.addGroup(std::make_shared<GroupMetadata>(groupId, GroupState::Empty, wallClockMs_()));
  }
  if (const auto error = validateOffsetCommit(*group, generationId, memberId, groupInstanceId)) {
    callback(all(*error));
    return;
  }
  switch (group->state()) {
    case GroupState::Empty: groupManager_.storeOffsets(group, offsets, std::move(callback)); return;
    case GroupState::Stable:
    case GroupState::PreparingRebalance:
      // A commit during a rebalance is allowed; the heartbeat answer tells the member to rejoin.
      completeAndScheduleNextHeartbeatExpiration(group, group->get(memberId));
      groupManager_.storeOffsets(group, offsets, std::move(callback));
      return;
    case GroupState::CompletingRebalance:
      // The member has its JoinGroup answer but no assignment yet.
      callback(all(ErrorCode::REBALANCE_IN_PROGRESS));
      return;
    case GroupState::Dead: callback(all(ErrorCode::COORDINATOR_NOT_AVAILABLE)); return;
  }
}

std::pair<ErrorCode, GroupCoordinator::OffsetFetchResult> GroupCoordinator::handleFetchOffsets(
    const std::string& groupId, bool requireStable, const std::optional<std::vector<TopicPartition>>& partitions) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, true)) return {*error, {}};
  // Whatever the group's state: offsets may be stored by clients without group management.
  return {ErrorCode::NONE, groupManager_.getOffsets(groupId, requireStable, partitions)};
}

// ---- ListGroups / DescribeGroups / DeleteGroups / OffsetDelete ----------------------

std::pair<ErrorCode, std::vector<GroupOverview>> GroupCoordinator::handleListGroups(const std::set<std::string>& states) {
  advanceClocks();
  if (!active_) return {ErrorCode::COORDINATOR_NOT_AVAILABLE, {}};
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  std::set<std::string> wanted;
  for (const auto& s : states) wanted.insert(lower(s));
  std::vector<GroupOverview> out;
  for (const auto& group : groupManager_.currentGroups()) {
    const std::string state(groupStateName(group->state()));
    if (!wanted.empty() && !wanted.contains(lower(state))) continue;
    out.push_back({group->groupId(), group->protocolType.value_or(""), state});
  }
  return {ErrorCode::NONE, out};
}

std::pair<ErrorCode, GroupSummary> GroupCoordinator::handleDescribeGroup(const std::string& groupId) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, true)) return {*error, GroupSummary{}};
  const auto group = groupManager_.getGroup(groupId);
  GroupSummary summary;
  if (!group) {
    summary.state = "Dead";  // Kafka answers an unknown group as a Dead one, without error
    return {ErrorCode::NONE, summary};
  }
  summary.state = std::string(groupStateName(group->state()));
  summary.protocolType = group->protocolType.value_or("");
  const bool stable = group->is(GroupState::Stable);
  if (stable) summary.protocol = group->protocolName.value_or("");
  for (const MemberMetadata* m : group->allMemberMetadata()) {
    GroupSummary::Member member{m->memberId, m->groupInstanceId, m->clientId, m->clientHost, {}, {}};
    if (stable) {
      // Metadata and assignments only for a Stable group.
      if (const protocol::Bytes* metadata = m->metadata(summary.protocol)) member.metadata = *metadata;
      member.assignment = m->assignment;
    }
    summary.members.push_back(std::move(member));
  }
  return {ErrorCode::NONE, summary};
}

std::map<std::string, ErrorCode> GroupCoordinator::handleDeleteGroups(const std::vector<std::string>& groupIds) {
  advanceClocks();
  std::map<std::string, ErrorCode> errors;
  std::vector<std::shared_ptr<GroupMetadata>> eligible;
  for (const auto& groupId : groupIds) {
    if (errors.contains(groupId)) continue;
    if (const auto error = validateGroupStatus(groupId, true)) {
      errors[groupId] = *error;
      continue;
    }
    const auto group = groupManager_.getGroup(groupId);
    if (!group || group->is(GroupState::Dead)) {
      errors[groupId] = groupManager_.groupNotExists(groupId) ? ErrorCode::GROUP_ID_NOT_FOUND : ErrorCode::NOT_COORDINATOR;
    } else if (group->is(GroupState::Empty)) {
      group->transitionTo(GroupState::Dead, wallClockMs_());
      eligible.push_back(group);
      errors[groupId] = ErrorCode::NONE;
    } else {
      errors[groupId] = ErrorCode::NON_EMPTY_GROUP;
    }
  }
  if (!eligible.empty()) {
    groupManager_.cleanupGroupMetadata(eligible, [](GroupMetadata& g) { return g.removeAllOffsets(); });
  }
  return errors;
}

std::pair<ErrorCode, std::map<TopicPartition, ErrorCode>> GroupCoordinator::handleDeleteOffsets(
    const std::string& groupId, const std::vector<TopicPartition>& partitions) {
  advanceClocks();
  if (const auto error = validateGroupStatus(groupId, false)) return {*error, {}};
  const auto group = groupManager_.getGroup(groupId);
  if (!group || group->is(GroupState::Dead)) {
    return {groupManager_.groupNotExists(groupId) ? ErrorCode::GROUP_ID_NOT_FOUND : ErrorCode::NOT_COORDINATOR, {}};
  }
  std::map<TopicPartition, ErrorCode> partitionErrors;
  std::vector<TopicPartition> eligible;
  if (group->is(GroupState::Empty)) {
    eligible = partitions;
  } else if (group->isConsumerGroup()) {
    // KIP-496: offsets of topics the members consume stay.
    for (const auto& tp : partitions) {
      if (group->isSubscribedToTopic(tp.topic)) {
        partitionErrors[tp] = ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC;
      } else {
        eligible.push_back(tp);
      }
    }
  } else {
    return {ErrorCode::NON_EMPTY_GROUP, {}};
  }
  if (!eligible.empty()) {
    groupManager_.cleanupGroupMetadata({group}, [&eligible](GroupMetadata& g) { return g.removeOffsets(eligible); });
    for (const auto& tp : eligible) partitionErrors[tp] = ErrorCode::NONE;
  }
  return {ErrorCode::NONE, partitionErrors};
}

// ---- leadership of __consumer_offsets -----------------------------------------------

void GroupCoordinator::onElection(int32_t offsetsPartition, int32_t coordinatorEpoch) {
  advanceClocks();
  groupManager_.loadGroupsAndOffsets(offsetsPartition, coordinatorEpoch, [this](GroupMetadata& g) { onGroupLoaded(g); });
}

void GroupCoordinator::onResignation(int32_t offsetsPartition, std::optional<int32_t> coordinatorEpoch) {
  advanceClocks();
  groupManager_.removeGroupsForPartition(offsetsPartition, coordinatorEpoch,
                                         [this](GroupMetadata& g) { onGroupUnloaded(g); });
}

void GroupCoordinator::onGroupLoaded(GroupMetadata& group) {
  const auto shared = group.shared_from_this();
  if (group.size() > static_cast<std::size_t>(std::max(0, config_.maxSize))) prepareRebalance(shared);
  // Every member of a loaded group gets a full session to find its new coordinator.
  for (MemberMetadata* member : group.allMemberMetadata()) completeAndScheduleNextHeartbeatExpiration(shared, *member);
}

void GroupCoordinator::onGroupUnloaded(GroupMetadata& group) {
  const GroupState previous = group.state();
  group.transitionTo(GroupState::Dead, wallClockMs_());
  switch (previous) {
    case GroupState::Empty:
    case GroupState::Dead: break;
    case GroupState::PreparingRebalance:
      for (MemberMetadata* member : group.allMemberMetadata()) {
        group.maybeInvokeJoinCallback(*member, JoinGroupResult::failed(member->memberId, ErrorCode::NOT_COORDINATOR));
      }
      rebalancePurgatory_->checkAndComplete(GroupKey::join(group.groupId()));
      break;
    case GroupState::Stable:
    case GroupState::CompletingRebalance:
      for (MemberMetadata* member : group.allMemberMetadata()) {
        group.maybeInvokeSyncCallback(*member, SyncGroupResult::failed(ErrorCode::NOT_COORDINATOR));
        heartbeatPurgatory_->checkAndComplete(MemberKey{group.groupId(), member->memberId});
      }
      break;
  }
  removeSyncExpiration(group);
}

// ---- control surface ----------------------------------------------------------------

std::vector<GroupView> GroupCoordinator::groupViews() {
  std::vector<GroupView> out;
  for (const auto& group : groupManager_.currentGroups()) {
    if (group->is(GroupState::Dead)) continue;
    GroupView v;
    v.groupId = group->groupId();
    v.state = std::string(groupStateName(group->state()));
    v.generationId = group->generationId;
    v.protocolType = group->protocolType.value_or("");
    v.protocol = group->protocolName.value_or("");
    v.leaderId = group->leaderId().value_or("");
    for (const MemberMetadata* m : group->allMemberMetadata()) {
      GroupMemberView mv;
      mv.memberId = m->memberId;
      mv.groupInstanceId = m->groupInstanceId;
      mv.clientId = m->clientId;
      mv.clientHost = m->clientHost;
      mv.sessionTimeoutMs = m->sessionTimeoutMs;
      mv.rebalanceTimeoutMs = m->rebalanceTimeoutMs;
      for (const auto& [name, metadata] : m->supportedProtocols) mv.protocols.push_back(name);
      mv.assignment.assign(m->assignment.begin(), m->assignment.end());
      if (group->isConsumerGroup()) {
        if (auto parsed = parseConsumerAssignment(m->assignment)) mv.assignedPartitions = std::move(*parsed);
      }
      v.members.push_back(std::move(mv));
    }
    for (const auto& [tp, o] : group->allOffsets()) {
      v.offsets.push_back(CommittedOffsetView{tp.topic, tp.partition, o.committedOffset, o.leaderEpoch, o.metadata, -1, -1});
    }
    out.push_back(std::move(v));
  }
  return out;
}

bool GroupCoordinator::expireMemberSession(const std::string& groupId, const std::string& memberId) {
  advanceClocks();
  const auto group = groupManager_.getGroup(groupId);
  if (!group || group->is(GroupState::Dead)) return false;
  if (group->isPendingMember(memberId)) {
    removePendingMemberAndUpdateGroup(group, memberId);
    heartbeatPurgatory_->checkAndComplete(MemberKey{groupId, memberId});
    return true;
  }
  if (!group->has(memberId)) return false;
  removeMemberAndUpdateGroup(group, group->get(memberId));
  removeHeartbeatForLeavingMember(*group, memberId);
  return true;
}

GroupCoordinator::RebalanceOutcome GroupCoordinator::forceRebalance(const std::string& groupId) {
  advanceClocks();
  const auto group = groupManager_.getGroup(groupId);
  if (!group || group->is(GroupState::Dead)) return RebalanceOutcome::UnknownGroup;
  if (group->size() == 0) return RebalanceOutcome::NoMembers;
  if (group->is(GroupState::PreparingRebalance)) return RebalanceOutcome::AlreadyRebalancing;
  prepareRebalance(group);
  return RebalanceOutcome::Started;
}

}  // namespace kafkalite::mock
