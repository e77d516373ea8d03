#include "mockbroker/group/group_metadata.hpp"

#include <algorithm>
#include <cassert>

#include "mockbroker/group/consumer_protocol.hpp"

namespace kafkalite::mock {

std::string_view groupStateName(GroupState state) noexcept {
  switch (state) {
    case GroupState::Empty: return "Empty";
    case GroupState::PreparingRebalance: return "PreparingRebalance";
    case GroupState::CompletingRebalance: return "CompletingRebalance";
    case GroupState::Stable: return "Stable";
    case GroupState::Dead: return "Dead";
  }
  return "Unknown";
}

namespace {

// Kafka's GroupState.validPreviousStates.
bool isValidTransition(GroupState from, GroupState to) {
  switch (to) {
    case GroupState::PreparingRebalance:
      return from == GroupState::Stable || from == GroupState::CompletingRebalance || from == GroupState::Empty;
    case GroupState::CompletingRebalance: return from == GroupState::PreparingRebalance;
    case GroupState::Stable: return from == GroupState::CompletingRebalance;
    case GroupState::Dead: return true;
    case GroupState::Empty: return from == GroupState::PreparingRebalance;
  }
  return false;
}

}  // namespace

// ---- MemberMetadata ---------------------------------------------------------------

const protocol::Bytes* MemberMetadata::metadata(std::string_view protocol) const {
  for (const auto& [name, bytes] : supportedProtocols) {
    if (name == protocol) return &bytes;
  }
  return nullptr;
}

bool MemberMetadata::hasSatisfiedHeartbeat() const noexcept {
  if (isNew) return heartbeatSatisfied;  // new members can expire while awaiting join
  if (isAwaitingJoin() || isAwaitingSync()) return true;
  return heartbeatSatisfied;
}

bool MemberMetadata::matches(const GroupProtocols& protocols) const { return protocols == supportedProtocols; }

std::string MemberMetadata::vote(const std::set<std::string>& candidates) const {
  for (const auto& [name, bytes] : supportedProtocols) {
    if (candidates.contains(name)) return name;
  }
  return {};
}

// ---- GroupMetadata ----------------------------------------------------------------

GroupMetadata::GroupMetadata(std::string groupId, GroupState initialState, int64_t nowMs)
    : currentStateTimestamp(nowMs), groupId_(std::move(groupId)), state_(initialState) {}

void GroupMetadata::add(std::unique_ptr<MemberMetadata> member, JoinCallback callback) {
  if (member->groupInstanceId) staticMembers_[*member->groupInstanceId] = member->memberId;
  if (members_.empty()) protocolType = member->protocolType;
  if (!leaderId_) leaderId_ = member->memberId;
  incSupportedProtocols(*member);
  member->awaitingJoinCallback = std::move(callback);
  if (member->isAwaitingJoin()) ++numMembersAwaitingJoin_;
  pendingMembers_.erase(member->memberId);
  const std::string id = member->memberId;
  members_[id] = std::move(member);
}

void GroupMetadata::remove(const std::string& memberId) {
  if (const auto it = members_.find(memberId); it != members_.end()) {
    decSupportedProtocols(*it->second);
    if (it->second->isAwaitingJoin()) --numMembersAwaitingJoin_;
    if (it->second->groupInstanceId) staticMembers_.erase(*it->second->groupInstanceId);
    members_.erase(it);
  }
  if (isLeader(memberId)) {
    leaderId_ = members_.empty() ? std::nullopt : std::optional<std::string>(members_.begin()->first);
  }
  pendingMembers_.erase(memberId);
  pendingSyncMembers_.erase(memberId);
}

bool GroupMetadata::maybeElectNewJoinedLeader() {
  if (!leaderId_) return false;
  const auto leader = members_.find(*leaderId_);
  if (leader != members_.end() && leader->second->isAwaitingJoin()) return true;
  for (const auto& [id, member] : members_) {
    if (member->isAwaitingJoin()) {
      leaderId_ = id;  // the old leader failed to rejoin before the rebalance timeout
      return true;
    }
  }
  return false;
}

MemberMetadata& GroupMetadata::replaceStaticMember(const std::string& groupInstanceId, const std::string& oldMemberId,
                                                   const std::string& newMemberId) {
  auto node = members_.extract(oldMemberId);
  MemberMetadata& member = *node.mapped();
  // Fence a duplicate of the old member that waits for a join or sync answer.
  maybeInvokeJoinCallback(member, JoinGroupResult::failed(oldMemberId, ErrorCode::FENCED_INSTANCE_ID));
  maybeInvokeSyncCallback(member, SyncGroupResult::failed(ErrorCode::FENCED_INSTANCE_ID));
  member.memberId = newMemberId;
  node.key() = newMemberId;
  members_.insert(std::move(node));
  if (isLeader(oldMemberId)) leaderId_ = newMemberId;
  staticMembers_[groupInstanceId] = newMemberId;
  return *members_.at(newMemberId);
}

std::optional<std::string> GroupMetadata::currentStaticMemberId(const std::string& groupInstanceId) const {
  const auto it = staticMembers_.find(groupInstanceId);
  if (it == staticMembers_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> GroupMetadata::notYetRejoinedMembers() const {
  std::vector<std::string> out;
  for (const auto& [id, member] : members_) {
    if (!member->isAwaitingJoin()) out.push_back(id);
  }
  return out;
}

std::vector<std::string> GroupMetadata::allMembers() const {
  std::vector<std::string> out;
  for (const auto& [id, member] : members_) out.push_back(id);
  return out;
}

std::vector<MemberMetadata*> GroupMetadata::allMemberMetadata() const {
  std::vector<MemberMetadata*> out;
  for (const auto& [id, member] : members_) out.push_back(member.get());
  return out;
}

int32_t GroupMetadata::rebalanceTimeoutMs() const {
  int32_t timeout = 0;
  for (const auto& [id, member] : members_) timeout = std::max(timeout, member->rebalanceTimeoutMs);
  return timeout;
}

bool GroupMetadata::canRebalance() const noexcept { return isValidTransition(state_, GroupState::PreparingRebalance); }

void GroupMetadata::transitionTo(GroupState state, int64_t nowMs) {
  assert(isValidTransition(state_, state) && "invalid group state transition");
  state_ = state;
  currentStateTimestamp = nowMs;
}

std::string GroupMetadata::selectProtocol() const {
  // Each member votes for its most preferred protocol that every member supports; the most
  // votes win (ties: the protocol name first in order, where Kafka's is arbitrary).
  const std::set<std::string> candidates = candidateProtocols();
  std::map<std::string, int> votes;
  for (const auto& [id, member] : members_) ++votes[member->vote(candidates)];
  std::string best;
  int bestVotes = -1;
  for (const auto& [protocol, count] : votes) {
    if (!protocol.empty() && count > bestVotes) {
      best = protocol;
      bestVotes = count;
    }
  }
  return best;
}

bool GroupMetadata::supportsProtocols(const std::string& memberProtocolType,
                                      const std::set<std::string>& memberProtocols) const {
  if (is(GroupState::Empty)) return !memberProtocolType.empty() && !memberProtocols.empty();
  if (protocolType != memberProtocolType) return false;
  return std::any_of(memberProtocols.begin(), memberProtocols.end(), [&](const std::string& p) {
    const auto it = supportedProtocols_.find(p);
    return it != supportedProtocols_.end() && static_cast<std::size_t>(it->second) == members_.size();
  });
}

bool GroupMetadata::isSubscribedToTopic(const std::string& topic) const {
  return !subscribedTopics_ || subscribedTopics_->contains(topic);
}

void GroupMetadata::computeSubscribedTopics() {
  subscribedTopics_.reset();
  if (!isConsumerGroup()) return;
  if (members_.empty()) {
    subscribedTopics_.emplace();
    return;
  }
  if (!protocolName) return;
  std::set<std::string> topics;
  for (const auto& [id, member] : members_) {
    const protocol::Bytes* metadata = member->metadata(*protocolName);
    const auto parsed = metadata ? parseConsumerSubscriptionTopics(*metadata) : std::nullopt;
    if (!parsed) return;  // Kafka: a SchemaException leaves the subscriptions unknown
    topics.insert(parsed->begin(), parsed->end());
  }
  subscribedTopics_ = std::move(topics);
}

void GroupMetadata::updateMember(MemberMetadata& member, GroupProtocols protocols, int32_t rebalanceTimeoutMs,
                                 int32_t sessionTimeoutMs, JoinCallback callback) {
  decSupportedProtocols(member);
  member.supportedProtocols = std::move(protocols);
  incSupportedProtocols(member);
  member.rebalanceTimeoutMs = rebalanceTimeoutMs;
  member.sessionTimeoutMs = sessionTimeoutMs;
  if (callback && !member.isAwaitingJoin()) {
    ++numMembersAwaitingJoin_;
  } else if (!callback && member.isAwaitingJoin()) {
    --numMembersAwaitingJoin_;
  }
  member.awaitingJoinCallback = std::move(callback);
}

void GroupMetadata::maybeInvokeJoinCallback(MemberMetadata& member, const JoinGroupResult& result) {
  if (!member.isAwaitingJoin()) return;
  // Taken out first: answering must not find the member still awaiting.
  const JoinCallback callback = std::move(member.awaitingJoinCallback);
  member.awaitingJoinCallback = nullptr;
  --numMembersAwaitingJoin_;
  callback(result);
}

bool GroupMetadata::maybeInvokeSyncCallback(MemberMetadata& member, const SyncGroupResult& result) {
  if (!member.isAwaitingSync()) return false;
  const SyncCallback callback = std::move(member.awaitingSyncCallback);
  member.awaitingSyncCallback = nullptr;
  callback(result);
  return true;
}

void GroupMetadata::initNextGeneration(int64_t nowMs) {
  ++generationId;
  if (!members_.empty()) {
    protocolName = selectProtocol();
    computeSubscribedTopics();
    transitionTo(GroupState::CompletingRebalance, nowMs);
  } else {
    protocolName.reset();
    computeSubscribedTopics();
    transitionTo(GroupState::Empty, nowMs);
  }
  clearPendingSyncMembers();
}

std::vector<JoinGroupMember> GroupMetadata::currentMemberMetadata() const {
  std::vector<JoinGroupMember> out;
  for (const auto& [id, member] : members_) {
    const protocol::Bytes* metadata = protocolName ? member->metadata(*protocolName) : nullptr;
    out.push_back(JoinGroupMember{id, member->groupInstanceId, metadata ? *metadata : protocol::Bytes{}});
  }
  return out;
}

void GroupMetadata::incSupportedProtocols(const MemberMetadata& member) {
  for (const auto& [name, bytes] : member.supportedProtocols) ++supportedProtocols_[name];
}

void GroupMetadata::decSupportedProtocols(const MemberMetadata& member) {
  for (const auto& [name, bytes] : member.supportedProtocols) {
    if (const auto it = supportedProtocols_.find(name); it != supportedProtocols_.end() && --it->second <= 0) {
      supportedProtocols_.erase(it);
    }
  }
}

std::set<std::string> GroupMetadata::candidateProtocols() const {
  std::set<std::string> out;
  for (const auto& [name, count] : supportedProtocols_) {
    if (static_cast<std::size_t>(count) == members_.size()) out.insert(name);
  }
  return out;
}

// ---- committed offsets --------------------------------------------------------------

void GroupMetadata::initializeOffsets(std::map<TopicPartition, CommitRecordMetadataAndOffset> offsets) {
  for (auto& [tp, offset] : offsets) offsets_[tp] = std::move(offset);
}

void GroupMetadata::prepareOffsetCommit(const std::vector<std::pair<TopicPartition, OffsetAndMetadata>>& offsets) {
  for (const auto& [tp, offset] : offsets) pendingOffsetCommits_[tp] = offset;
}

void GroupMetadata::onOffsetCommitAppend(const TopicPartition& tp, const CommitRecordMetadataAndOffset& offset) {
  const auto pending = pendingOffsetCommits_.find(tp);
  if (pending != pendingOffsetCommits_.end()) {
    const auto current = offsets_.find(tp);
    if (current == offsets_.end() || current->second.olderThan(offset)) offsets_[tp] = offset;
    // Only the commit that is pending now clears it; an older write completing late does not.
    if (pending->second == offset.offsetAndMetadata) pendingOffsetCommits_.erase(pending);
  }
}

void GroupMetadata::failPendingOffsetWrite(const TopicPartition& tp, const OffsetAndMetadata& offset) {
  const auto pending = pendingOffsetCommits_.find(tp);
  if (pending != pendingOffsetCommits_.end() && pending->second == offset) pendingOffsetCommits_.erase(pending);
}

std::map<TopicPartition, OffsetAndMetadata> GroupMetadata::removeOffsets(const std::vector<TopicPartition>& tps) {
  std::map<TopicPartition, OffsetAndMetadata> removed;
  for (const auto& tp : tps) {
    pendingOffsetCommits_.erase(tp);
    if (const auto it = offsets_.find(tp); it != offsets_.end()) {
      removed[tp] = it->second.offsetAndMetadata;
      offsets_.erase(it);
    }
  }
  return removed;
}

std::map<TopicPartition, OffsetAndMetadata> GroupMetadata::removeAllOffsets() {
  std::vector<TopicPartition> tps;
  for (const auto& [tp, offset] : offsets_) tps.push_back(tp);
  return removeOffsets(tps);
}

std::optional<OffsetAndMetadata> GroupMetadata::offset(const TopicPartition& tp) const {
  const auto it = offsets_.find(tp);
  if (it == offsets_.end()) return std::nullopt;
  return it->second.offsetAndMetadata;
}

std::map<TopicPartition, OffsetAndMetadata> GroupMetadata::allOffsets() const {
  std::map<TopicPartition, OffsetAndMetadata> out;
  for (const auto& [tp, offset] : offsets_) out[tp] = offset.offsetAndMetadata;
  return out;
}

}  // namespace kafkalite::mock
