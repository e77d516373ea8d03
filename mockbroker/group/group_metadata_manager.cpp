#include "mockbroker/group/group_metadata_manager.hpp"

#include <algorithm>
#include <limits>

#include "mockbroker/replica_manager.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {

namespace {

// Kafka's GroupMetadataManager.maybeConvertOffsetCommitError.
ErrorCode convertOffsetCommitError(ErrorCode error) {
  switch (error) {
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::NOT_ENOUGH_REPLICAS:
    case ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND: return ErrorCode::COORDINATOR_NOT_AVAILABLE;
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::KAFKA_STORAGE_ERROR: return ErrorCode::NOT_COORDINATOR;
    case ErrorCode::MESSAGE_TOO_LARGE:
    case ErrorCode::RECORD_LIST_TOO_LARGE:
    case ErrorCode::INVALID_FETCH_SIZE: return ErrorCode::INVALID_COMMIT_OFFSET_SIZE;
    default: return error;
  }
}

// The same mapping in storeGroup's callback, where a timeout means "rebalance again" and a
// record too large is the coordinator's problem, not the client's.
ErrorCode convertStoreGroupError(ErrorCode error) {
  switch (error) {
    case ErrorCode::REQUEST_TIMED_OUT: return ErrorCode::REBALANCE_IN_PROGRESS;
    case ErrorCode::MESSAGE_TOO_LARGE:
    case ErrorCode::RECORD_LIST_TOO_LARGE:
    case ErrorCode::INVALID_FETCH_SIZE: return ErrorCode::UNKNOWN_SERVER_ERROR;
    default: return convertOffsetCommitError(error);
  }
}

// Appends the UTF-16 code units of one code point to the hash.
void hashCodePoint(uint32_t& h, uint32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    h = 31 * h + (0xd800 + (cp >> 10));
    h = 31 * h + (0xdc00 + (cp & 0x3ff));
  } else {
    h = 31 * h + cp;
  }
}

// Group metadata as the record value stores it (Kafka's groupMetadataValue).
records::GroupMetadataValue toRecordValue(const GroupMetadata& group, const std::map<std::string, protocol::Bytes>& assignment) {
  records::GroupMetadataValue v;
  v.protocolType = group.protocolType.value_or("");
  v.generation = group.generationId;
  v.protocol = group.protocolName;
  v.leader = group.leaderId();
  v.currentStateTimestamp = group.currentStateTimestamp.value_or(-1);
  for (const MemberMetadata* m : group.allMemberMetadata()) {
    records::GroupMetadataValue::MemberMetadata rm;
    rm.memberId = m->memberId;
    rm.groupInstanceId = m->groupInstanceId;
    rm.clientId = m->clientId;
    rm.clientHost = m->clientHost;
    rm.rebalanceTimeout = m->rebalanceTimeoutMs;
    rm.sessionTimeout = m->sessionTimeoutMs;
    const protocol::Bytes* subscription = group.protocolName ? m->metadata(*group.protocolName) : nullptr;
    if (subscription) rm.subscription = *subscription;
    if (const auto it = assignment.find(m->memberId); it != assignment.end()) rm.assignment = it->second;
    v.members.push_back(std::move(rm));
  }
  return v;
}

// Kafka's GroupMetadata.loadGroup: Stable with its members, or Empty without.
std::shared_ptr<GroupMetadata> fromRecordValue(const std::string& groupId, records::GroupMetadataValue v) {
  auto group = std::make_shared<GroupMetadata>(groupId, v.members.empty() ? GroupState::Empty : GroupState::Stable,
                                               v.currentStateTimestamp);
  group->generationId = v.generation;
  group->protocolType = v.protocolType.empty() ? std::nullopt : std::optional<std::string>(v.protocolType);
  group->protocolName = v.protocol;
  group->currentStateTimestamp =
      v.currentStateTimestamp == -1 ? std::nullopt : std::optional<int64_t>(v.currentStateTimestamp);
  group->setLoadedLeader(v.leader);
  for (auto& rm : v.members) {
    auto member = std::make_unique<MemberMetadata>();
    member->memberId = std::move(rm.memberId);
    member->groupInstanceId = std::move(rm.groupInstanceId);
    member->clientId = std::move(rm.clientId);
    member->clientHost = std::move(rm.clientHost);
    member->rebalanceTimeoutMs = rm.rebalanceTimeout;
    member->sessionTimeoutMs = rm.sessionTimeout;
    member->protocolType = v.protocolType;
    member->supportedProtocols = {{v.protocol.value_or(""), std::move(rm.subscription)}};
    member->assignment = std::move(rm.assignment);
    group->add(std::move(member));
  }
  group->computeSubscribedTopics();
  return group;
}

}  // namespace

int32_t javaStringHashCode(std::string_view utf8) noexcept {
  uint32_t h = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = p + utf8.size();
  while (p < end) {
    const unsigned char c = *p;
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      hashCodePoint(h, 0xfffd);
      ++p;
      continue;
    }
    if (end - p <= extra) {
      hashCodePoint(h, 0xfffd);
      ++p;
      continue;
    }
    bool valid = true;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) valid = false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (!valid) {
      hashCodePoint(h, 0xfffd);
      ++p;
      continue;
    }
    hashCodePoint(h, cp);
    p += extra + 1;
  }
  return static_cast<int32_t>(h);
}

int32_t groupMetadataPartitionFor(std::string_view groupId, int32_t partitions) noexcept {
  const int32_t hash = javaStringHashCode(groupId);
  // Kafka's Utils.abs: MIN_VALUE maps to 0.
  const int32_t abs = hash == std::numeric_limits<int32_t>::min() ? 0 : (hash < 0 ? -hash : hash);
  return partitions > 0 ? abs % partitions : 0;
}

GroupMetadataManager::GroupMetadataManager(const GroupCoordinatorOptions& config, ReplicaManager& replicaManager,
                                           std::function<int64_t()> wallClockMs)
    : config_(config), replicaManager_(replicaManager), wallClockMs_(std::move(wallClockMs)) {}

int32_t GroupMetadataManager::partitionFor(std::string_view groupId) const noexcept {
  return groupMetadataPartitionFor(groupId, config_.offsetsTopicPartitions);
}

bool GroupMetadataManager::groupNotExists(const std::string& groupId) const {
  if (!isGroupLocal(groupId)) return false;
  const auto group = getGroup(groupId);
  return !group || group->is(GroupState::Dead);
}

std::shared_ptr<GroupMetadata> GroupMetadataManager::getGroup(const std::string& groupId) const {
  const auto it = groupMetadataCache_.find(groupId);
  return it == groupMetadataCache_.end() ? nullptr : it->second;
}

std::shared_ptr<GroupMetadata> GroupMetadataManager::getOrMaybeCreateGroup(const std::string& groupId,
                                                                           bool createIfNotExist) {
  if (auto group = getGroup(groupId)) return group;
  if (!createIfNotExist) return nullptr;
  return addGroup(std::make_shared<GroupMetadata>(groupId, GroupState::Empty, wallClockMs_()));
}

std::shared_ptr<GroupMetadata> GroupMetadataManager::addGroup(std::shared_ptr<GroupMetadata> group) {
  auto [it, inserted] = groupMetadataCache_.try_emplace(group->groupId(), group);
  return it->second;
}

std::vector<std::shared_ptr<GroupMetadata>> GroupMetadataManager::currentGroups() const {
  std::vector<std::shared_ptr<GroupMetadata>> out;
  for (const auto& [id, group] : groupMetadataCache_) out.push_back(group);
  return out;
}

void GroupMetadataManager::append(
    int32_t offsetsPartition,
    const std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>>& records, int16_t acks,
    std::function<void(ErrorCode, int64_t)> callback) {
  const int64_t now = wallClockMs_();
  protocol::RecordBatchBuilder builder;
  builder.begin(now);
  for (const auto& [key, value] : records) {
    std::optional<std::span<const uint8_t>> valueBytes;
    if (value) valueBytes = std::span<const uint8_t>(*value);
    if (!builder.append(now, std::span<const uint8_t>(key), valueBytes)) {
      callback(ErrorCode::MESSAGE_TOO_LARGE, -1);
      return;
    }
  }
  builder.finish();
  auto batch = std::make_shared<std::vector<uint8_t>>(builder.takeBytes());
  const TopicPartition tp{std::string(kGroupMetadataTopicName), offsetsPartition};
  std::vector<std::pair<TopicPartition, std::span<const uint8_t>>> entries{{tp, std::span<const uint8_t>(*batch)}};
  replicaManager_.appendRecords(
      config_.offsetCommitTimeoutMs, acks, entries,
      [callback = std::move(callback)](std::vector<ProducePartitionResult> results) {
        if (results.empty()) {
          callback(ErrorCode::UNKNOWN_SERVER_ERROR, -1);
          return;
        }
        callback(results.front().error, results.front().baseOffset);
      },
      batch, /*internalTopicsAllowed=*/true);
}

void GroupMetadataManager::storeGroup(const std::shared_ptr<GroupMetadata>& group,
                                      const std::map<std::string, protocol::Bytes>& assignment, StoreCallback callback) {
  if (!isGroupLocal(group->groupId())) {
    callback(ErrorCode::NOT_COORDINATOR);
    return;
  }
  append(partitionFor(group->groupId()),
         {{records::groupMetadataKey(group->groupId()), records::groupMetadataValue(toRecordValue(*group, assignment))}},
         -1, [callback = std::move(callback)](ErrorCode error, int64_t) { callback(convertStoreGroupError(error)); });
}

void GroupMetadataManager::storeOffsets(const std::shared_ptr<GroupMetadata>& group,
                                        const std::vector<std::pair<TopicPartition, OffsetAndMetadata>>& offsets,
                                        CommitCallback callback) {
  const auto tooLarge = [&](const OffsetAndMetadata& o) {
    return o.metadata.size() > static_cast<std::size_t>(std::max(0, config_.offsetMetadataMaxBytes));
  };
  std::vector<std::pair<TopicPartition, OffsetAndMetadata>> filtered;
  for (const auto& entry : offsets) {
    if (!tooLarge(entry.second)) filtered.push_back(entry);
  }
  auto statusOf = [offsets, tooLarge](ErrorCode error) {
    std::map<TopicPartition, ErrorCode> status;
    for (const auto& [tp, o] : offsets) status[tp] = tooLarge(o) ? ErrorCode::OFFSET_METADATA_TOO_LARGE : error;
    return status;
  };
  if (filtered.empty()) {
    callback(statusOf(ErrorCode::OFFSET_METADATA_TOO_LARGE));
    return;
  }
  if (!isGroupLocal(group->groupId())) {
    callback(statusOf(ErrorCode::NOT_COORDINATOR));
    return;
  }
  std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>> recs;
  for (const auto& [tp, o] : filtered) recs.emplace_back(records::offsetCommitKey(group->groupId(), tp), records::offsetCommitValue(o));
  group->prepareOffsetCommit(filtered);
  append(partitionFor(group->groupId()), recs, -1,
         [group, filtered, statusOf, callback = std::move(callback)](ErrorCode error, int64_t baseOffset) {
           if (!group->is(GroupState::Dead)) {
             for (const auto& [tp, o] : filtered) {
               if (error == ErrorCode::NONE) {
                 group->onOffsetCommitAppend(tp, CommitRecordMetadataAndOffset{baseOffset, o});
               } else {
                 group->failPendingOffsetWrite(tp, o);
               }
             }
           }
           callback(statusOf(error == ErrorCode::NONE ? ErrorCode::NONE : convertOffsetCommitError(error)));
         });
}

std::vector<std::pair<TopicPartition, GroupMetadataManager::PartitionData>> GroupMetadataManager::getOffsets(
    const std::string& groupId, bool requireStable, const std::optional<std::vector<TopicPartition>>& partitions) const {
  std::vector<std::pair<TopicPartition, PartitionData>> out;
  const auto group = getGroup(groupId);
  if (!group || group->is(GroupState::Dead)) {
    if (partitions) {
      for (const auto& tp : *partitions) out.emplace_back(tp, PartitionData{});
    }
    return out;
  }
  std::vector<TopicPartition> tps;
  if (partitions) {
    tps = *partitions;
  } else {
    for (const auto& [tp, o] : group->allOffsets()) tps.push_back(tp);
  }
  for (const auto& tp : tps) {
    PartitionData data;
    if (requireStable && group->hasPendingOffsetCommitsForTopicPartition(tp)) {
      data.error = ErrorCode::UNSTABLE_OFFSET_COMMIT;
    } else if (const auto o = group->offset(tp)) {
      data.offset = o->committedOffset;
      data.leaderEpoch = o->leaderEpoch;
      data.metadata = o->metadata;
    }
    out.emplace_back(tp, std::move(data));
  }
  return out;
}

bool GroupMetadataManager::maybeUpdateCoordinatorEpoch(int32_t offsetsPartition, std::optional<int32_t> epoch) {
  const auto it = epochForPartitionId_.find(offsetsPartition);
  if (!epoch) return true;
  if (it == epochForPartitionId_.end() || *epoch > it->second) {
    epochForPartitionId_[offsetsPartition] = *epoch;
    return true;
  }
  return *epoch == it->second;
}

void GroupMetadataManager::loadGroupsAndOffsets(int32_t offsetsPartition, int32_t coordinatorEpoch,
                                                const GroupHook& onGroupLoaded) {
  if (!maybeUpdateCoordinatorEpoch(offsetsPartition, coordinatorEpoch)) return;
  const TopicPartition tp{std::string(kGroupMetadataTopicName), offsetsPartition};
  const Partition* partition = replicaManager_.partition(tp);
  if (partition == nullptr) return;

  // Kafka's doLoadGroupsAndOffsets: replay the log from its start to its end; a later
  // record of a key replaces an earlier one and a null value deletes it.
  std::map<std::string, std::map<TopicPartition, CommitRecordMetadataAndOffset>> loadedOffsets;
  std::map<std::string, records::GroupMetadataValue> loadedGroups;
  std::set<std::string> removedGroups;
  for (const StoredBatch& stored : partition->log().batches()) {
    protocol::DecodeError error;
    const auto batch = protocol::RecordBatchView::parse(stored.bytes, error);
    if (!batch || batch->isControl() || batch->isCompressed()) continue;  // the coordinator writes neither
    auto cursor = batch->records();
    protocol::RecordView record;
    while (cursor.next(record)) {
      if (!record.key) continue;
      const auto key = records::readMessageKey(*record.key);
      if (!key) continue;
      if (key->kind == records::BaseKey::Kind::Offset) {
        if (!record.value) {
          loadedOffsets[key->group].erase(key->topicPartition);
        } else if (auto value = records::readOffsetMessageValue(*record.value)) {
          loadedOffsets[key->group][key->topicPartition] =
              CommitRecordMetadataAndOffset{batch->baseOffset(), std::move(*value)};
        }
      } else if (key->kind == records::BaseKey::Kind::Group) {
        if (!record.value) {
          loadedGroups.erase(key->group);
          removedGroups.insert(key->group);
        } else if (auto value = records::readGroupMessageValue(*record.value)) {
          removedGroups.erase(key->group);
          loadedGroups[key->group] = std::move(*value);
        }
      }
    }
  }
  ownedPartitions_.insert(offsetsPartition);
  for (auto& [groupId, value] : loadedGroups) {
    auto group = fromRecordValue(groupId, std::move(value));
    if (const auto it = loadedOffsets.find(groupId); it != loadedOffsets.end()) {
      group->initializeOffsets(std::move(it->second));
      loadedOffsets.erase(it);
    }
    if (addGroup(group) == group) onGroupLoaded(*group);
  }
  // Groups that only store offsets (no members ever, or their metadata was deleted).
  for (auto& [groupId, offsets] : loadedOffsets) {
    if (offsets.empty()) continue;
    auto group = std::make_shared<GroupMetadata>(groupId, GroupState::Empty, wallClockMs_());
    group->initializeOffsets(std::move(offsets));
    if (addGroup(group) == group) onGroupLoaded(*group);
  }
}

void GroupMetadataManager::removeGroupsForPartition(int32_t offsetsPartition, std::optional<int32_t> coordinatorEpoch,
                                                    const GroupHook& onGroupUnloaded) {
  if (!maybeUpdateCoordinatorEpoch(offsetsPartition, coordinatorEpoch)) return;
  ownedPartitions_.erase(offsetsPartition);
  for (auto it = groupMetadataCache_.begin(); it != groupMetadataCache_.end();) {
    if (partitionFor(it->first) == offsetsPartition) {
      const auto group = it->second;  // keep it alive through the hook
      it = groupMetadataCache_.erase(it);
      onGroupUnloaded(*group);
    } else {
      ++it;
    }
  }
}

std::size_t GroupMetadataManager::cleanupGroupMetadata(
    const std::vector<std::shared_ptr<GroupMetadata>>& groups,
    const std::function<std::map<TopicPartition, OffsetAndMetadata>(GroupMetadata&)>& selector) {
  std::size_t offsetsRemoved = 0;
  for (const auto& group : groups) {
    const auto removedOffsets = selector(*group);
    if (group->is(GroupState::Empty) && !group->hasOffsets()) group->transitionTo(GroupState::Dead, wallClockMs_());
    const bool groupIsDead = group->is(GroupState::Dead);
    if (!isGroupLocal(group->groupId())) continue;
    std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>> tombstones;
    for (const auto& [tp, o] : removedOffsets) tombstones.emplace_back(records::offsetCommitKey(group->groupId(), tp), std::nullopt);
    if (groupIsDead) {
      const auto it = groupMetadataCache_.find(group->groupId());
      if (it != groupMetadataCache_.end() && it->second == group) {
        groupMetadataCache_.erase(it);
        // A group that only ever stored offsets (generation 0) has no group record.
        if (group->generationId > 0) tombstones.emplace_back(records::groupMetadataKey(group->groupId()), std::nullopt);
      }
    }
    if (!tombstones.empty()) {
      // Kafka appends tombstones without waiting for followers: if one is lost, the next
      // cleanup writes it again.
      append(partitionFor(group->groupId()), tombstones, 1, [](ErrorCode, int64_t) {});
      offsetsRemoved += removedOffsets.size();
    }
  }
  return offsetsRemoved;
}

void GroupMetadataManager::shutdown() {
  groupMetadataCache_.clear();
  ownedPartitions_.clear();
}

}  // namespace kafkalite::mock
