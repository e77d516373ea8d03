#pragma once
/// \file
/// GroupMetadata and MemberMetadata: one consumer group as its coordinator holds it
/// — state, generation, protocol type and chosen protocol, leader, members (static
/// and dynamic, pending ones), and the committed offsets cache — after Kafka's
/// kafka.coordinator.group.{GroupMetadata,MemberMetadata}.
///
/// States and their transitions (Kafka's GroupState.validPreviousStates):
///   Empty               → PreparingRebalance, Dead
///   PreparingRebalance  → CompletingRebalance, Empty, Dead
///   CompletingRebalance → PreparingRebalance, Stable, Dead
///   Stable              → PreparingRebalance, Dead
///
/// Threading: owned by one broker's GroupCoordinator; touched only on its event loop.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "mockbroker/group/group_records.hpp"
#include "mockbroker/topic_partition.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::mock {

enum class GroupState : uint8_t { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead };

/// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view groupStateName(GroupState state) noexcept;

/// A member's supported protocols with their metadata, in its order of preference.
using GroupProtocols = std::vector<std::pair<std::string, protocol::Bytes>>;

/// One member as the JoinGroup leader sees it.
struct JoinGroupMember {
  std::string memberId;
  std::optional<std::string> groupInstanceId;
  protocol::Bytes metadata;
};

/// What a JoinGroup is answered with (Kafka's JoinGroupResult).
struct JoinGroupResult {
  std::vector<JoinGroupMember> members;  ///< for the leader only
  std::string memberId;
  int32_t generationId = -1;
  std::optional<std::string> protocolType;
  std::optional<std::string> protocolName;
  std::string leaderId;
  bool skipAssignment = false;
  ErrorCode error = ErrorCode::NONE;
  /// An error answer: no generation, protocol or leader.
  static JoinGroupResult failed(std::string memberId, ErrorCode error) {
    JoinGroupResult r;
    r.memberId = std::move(memberId);
    r.error = error;
    return r;
  }
};

/// What a SyncGroup is answered with.
struct SyncGroupResult {
  std::optional<std::string> protocolType;
  std::optional<std::string> protocolName;
  protocol::Bytes assignment;
  ErrorCode error = ErrorCode::NONE;
  static SyncGroupResult failed(ErrorCode error) {
    SyncGroupResult r;
    r.error = error;
    return r;
  }
};

using JoinCallback = std::function<void(const JoinGroupResult&)>;
using SyncCallback = std::function<void(const SyncGroupResult&)>;

/// One member (Kafka's MemberMetadata). A member awaiting JoinGroup or SyncGroup holds
/// the callback that answers it.
struct MemberMetadata {
  std::string memberId;
  std::optional<std::string> groupInstanceId;  ///< set: a static member (KIP-345)
  std::string clientId;
  std::string clientHost;
  int32_t rebalanceTimeoutMs = 0;
  int32_t sessionTimeoutMs = 0;
  std::string protocolType;
  GroupProtocols supportedProtocols;
  protocol::Bytes assignment;

  JoinCallback awaitingJoinCallback;
  SyncCallback awaitingSyncCallback;
  bool isNew = false;
  /// Set when a heartbeat (or anything that proves the member alive) arrived since the
  /// current DelayedHeartbeat was scheduled.
  bool heartbeatSatisfied = false;

  [[nodiscard]] bool isStaticMember() const noexcept { return groupInstanceId.has_value(); }
  [[nodiscard]] bool isAwaitingJoin() const noexcept { return static_cast<bool>(awaitingJoinCallback); }
  [[nodiscard]] bool isAwaitingSync() const noexcept { return static_cast<bool>(awaitingSyncCallback); }
  /// The metadata sent with `protocol`, or nullptr if the member does not support it.
  [[nodiscard]] const protocol::Bytes* metadata(std::string_view protocol) const;
  /// New members must heartbeat (they can expire while joining); members awaiting a
  /// join or sync answer count as alive; others need the next heartbeat.
  [[nodiscard]] bool hasSatisfiedHeartbeat() const noexcept;
  /// Same protocol names and metadata, in the same order.
  [[nodiscard]] bool matches(const GroupProtocols& protocols) const;
  /// The member's most preferred protocol among `candidates` ("" if none).
  [[nodiscard]] std::string vote(const std::set<std::string>& candidates) const;
};

/// A committed offset and where its record went in __consumer_offsets.
struct CommitRecordMetadataAndOffset {
  std::optional<int64_t> appendedBatchOffset;
  OffsetAndMetadata offsetAndMetadata;
  [[nodiscard]] bool olderThan(const CommitRecordMetadataAndOffset& that) const {
    return appendedBatchOffset.value_or(-1) < that.appendedBatchOffset.value_or(-1);
  }
};

/// Always held by shared_ptr (the cache, delayed operations and write callbacks share it).
class GroupMetadata : public std::enable_shared_from_this<GroupMetadata> {
 public:
  GroupMetadata(std::string groupId, GroupState initialState, int64_t nowMs);

  [[nodiscard]] const std::string& groupId() const noexcept { return groupId_; }
  [[nodiscard]] GroupState state() const noexcept { return state_; }
  [[nodiscard]] bool is(GroupState state) const noexcept { return state_ == state; }
  [[nodiscard]] bool has(const std::string& memberId) const { return members_.contains(memberId); }
  /// The member; it must exist (has()).
  [[nodiscard]] MemberMetadata& get(const std::string& memberId) { return *members_.at(memberId); }
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] bool isLeader(const std::string& memberId) const { return leaderId_ == memberId; }
  [[nodiscard]] const std::optional<std::string>& leaderId() const noexcept { return leaderId_; }
  /// Sets the leader of a group read back from __consumer_offsets (before its members).
  void setLoadedLeader(std::optional<std::string> leaderId) { leaderId_ = std::move(leaderId); }
  /// protocol type "consumer" (Kafka's ConsumerProtocol.PROTOCOL_TYPE).
  [[nodiscard]] bool isConsumerGroup() const { return protocolType == "consumer"; }

  /// Adds a member; the first one fixes the group's protocol type and becomes leader.
  void add(std::unique_ptr<MemberMetadata> member, JoinCallback callback = {});
  /// Removes a member (if present) and its pending and pending-sync entries; a new leader
  /// is picked if it led.
  void remove(const std::string& memberId);
  /// If the leader did not rejoin, any member that did becomes leader. False when no
  /// member rejoined.
  bool maybeElectNewJoinedLeader();
  /// A static member joined again with a new member id: the old id is fenced
  /// (FENCED_INSTANCE_ID to its waiting join or sync) and replaced.
  MemberMetadata& replaceStaticMember(const std::string& groupInstanceId, const std::string& oldMemberId,
                                      const std::string& newMemberId);

  [[nodiscard]] bool isPendingMember(const std::string& memberId) const { return pendingMembers_.contains(memberId); }
  void addPendingMember(const std::string& memberId) { pendingMembers_.insert(memberId); }
  void addPendingSyncMember(const std::string& memberId) { pendingSyncMembers_.insert(memberId); }
  void removePendingSyncMember(const std::string& memberId) { pendingSyncMembers_.erase(memberId); }
  [[nodiscard]] bool hasReceivedSyncFromAllMembers() const noexcept { return pendingSyncMembers_.empty(); }
  [[nodiscard]] std::set<std::string> allPendingSyncMembers() const { return pendingSyncMembers_; }
  void clearPendingSyncMembers() { pendingSyncMembers_.clear(); }
  [[nodiscard]] std::optional<std::string> currentStaticMemberId(const std::string& groupInstanceId) const;

  /// Members that have not rejoined in the current rebalance.
  [[nodiscard]] std::vector<std::string> notYetRejoinedMembers() const;
  [[nodiscard]] bool hasAllMembersJoined() const noexcept {
    return members_.size() == numMembersAwaitingJoin_ && pendingMembers_.empty();
  }
  [[nodiscard]] std::vector<std::string> allMembers() const;
  /// Every member, in member-id order. Valid until a member is added or removed.
  [[nodiscard]] std::vector<MemberMetadata*> allMemberMetadata() const;
  [[nodiscard]] std::size_t numPending() const noexcept { return pendingMembers_.size(); }
  [[nodiscard]] std::size_t numAwaiting() const noexcept { return numMembersAwaitingJoin_; }
  /// The largest rebalance timeout of the members (0 without members).
  [[nodiscard]] int32_t rebalanceTimeoutMs() const;

  /// Empty, Stable or CompletingRebalance: a rebalance may start.
  [[nodiscard]] bool canRebalance() const noexcept;
  /// Moves to `state` (an invalid transition is a coordinator bug; it is asserted).
  void transitionTo(GroupState state, int64_t nowMs);
  /// The protocol every member supports that most members prefer.
  [[nodiscard]] std::string selectProtocol() const;
  /// Whether a member of this protocol type with these protocols may join: any
  /// non-empty type and list for an Empty group, else the group's type and at least
  /// one protocol every member supports.
  [[nodiscard]] bool supportsProtocols(const std::string& memberProtocolType,
                                       const std::set<std::string>& memberProtocols) const;
  /// For a consumer group whose subscriptions parse: whether a member subscribes to
  /// `topic`; otherwise true (Kafka's isSubscribedToTopic).
  [[nodiscard]] bool isSubscribedToTopic(const std::string& topic) const;
  /// The subscribed topics when known (consumer groups with parsable subscriptions).
  [[nodiscard]] const std::optional<std::set<std::string>>& subscribedTopics() const noexcept {
    return subscribedTopics_;
  }

  /// New protocols and timeouts; `callback` set means the member now awaits a join answer.
  void updateMember(MemberMetadata& member, GroupProtocols protocols, int32_t rebalanceTimeoutMs,
                    int32_t sessionTimeoutMs, JoinCallback callback);
  /// Answers the member's waiting JoinGroup, if any.
  void maybeInvokeJoinCallback(MemberMetadata& member, const JoinGroupResult& result);
  /// Answers the member's waiting SyncGroup, if any; true if there was one.
  bool maybeInvokeSyncCallback(MemberMetadata& member, const SyncGroupResult& result);
  /// generation + 1 and the chosen protocol; CompletingRebalance, or Empty without members.
  void initNextGeneration(int64_t nowMs);
  /// Every member with its metadata for the chosen protocol (the leader's JoinGroup answer).
  [[nodiscard]] std::vector<JoinGroupMember> currentMemberMetadata() const;
  /// Rebuilds the subscribed topics from the members (after a load).
  void computeSubscribedTopics();

  // ---- committed offsets --------------------------------------------------------
  void initializeOffsets(std::map<TopicPartition, CommitRecordMetadataAndOffset> offsets);
  /// Offsets whose record is being written: fetches with require_stable see them as unstable.
  void prepareOffsetCommit(const std::vector<std::pair<TopicPartition, OffsetAndMetadata>>& offsets);
  /// The record holding `offset` for `tp` was written at `batchOffset`.
  void onOffsetCommitAppend(const TopicPartition& tp, const CommitRecordMetadataAndOffset& offset);
  /// The record could not be written: the pending commit goes, the old offset stays.
  void failPendingOffsetWrite(const TopicPartition& tp, const OffsetAndMetadata& offset);
  [[nodiscard]] bool hasPendingOffsetCommitsForTopicPartition(const TopicPartition& tp) const {
    return pendingOffsetCommits_.contains(tp);
  }
  /// Removes these offsets (committed and pending); returns the committed ones removed.
  std::map<TopicPartition, OffsetAndMetadata> removeOffsets(const std::vector<TopicPartition>& tps);
  std::map<TopicPartition, OffsetAndMetadata> removeAllOffsets();
  [[nodiscard]] std::optional<OffsetAndMetadata> offset(const TopicPartition& tp) const;
  [[nodiscard]] std::map<TopicPartition, OffsetAndMetadata> allOffsets() const;
  [[nodiscard]] std::size_t numOffsets() const noexcept { return offsets_.size(); }
  [[nodiscard]] bool hasOffsets() const noexcept { return !offsets_.empty() || !pendingOffsetCommits_.empty(); }

  // Kafka keeps these as plain vars of the group.
  int32_t generationId = 0;
  std::optional<std::string> protocolType;
  std::optional<std::string> protocolName;
  std::optional<int64_t> currentStateTimestamp;
  bool newMemberAdded = false;  ///< a member joined during the initial rebalance delay

 private:
  void incSupportedProtocols(const MemberMetadata& member);
  void decSupportedProtocols(const MemberMetadata& member);
  [[nodiscard]] std::set<std::string> candidateProtocols() const;

  std::string groupId_;
  GroupState state_;
  std::optional<std::string> leaderId_;
  std::map<std::string, std::unique_ptr<MemberMetadata>> members_;
  std::map<std::string, std::string> staticMembers_;  ///< group.instance.id → member id
  std::set<std::string> pendingMembers_;
  std::size_t numMembersAwaitingJoin_ = 0;
  std::map<std::string, int> supportedProtocols_;  ///< protocol → members supporting it
  std::map<TopicPartition, CommitRecordMetadataAndOffset> offsets_;
  std::map<TopicPartition, OffsetAndMetadata> pendingOffsetCommits_;
  std::set<std::string> pendingSyncMembers_;
  std::optional<std::set<std::string>> subscribedTopics_;
};

}  // namespace kafkalite::mock
