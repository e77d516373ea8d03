#pragma once
/// \file
/// GroupMetadataManager (Kafka's kafka.coordinator.group.GroupMetadataManager): the
/// groups a broker coordinates and their storage in __consumer_offsets.
///
/// A group belongs to partition abs(javaHashCode(groupId)) % offsets.topic.num.partitions
/// of __consumer_offsets, and to whichever broker leads that partition. Writes go through
/// ReplicaManager::appendRecords with acks=-1 and offsets.commit.timeout.ms, as any
/// producer's would, so they replicate to the partition's followers; a commit or a
/// group's new generation is only answered (and a commit only becomes visible) once the
/// in-sync replicas have it. When a broker becomes leader of a partition it reads the
/// partition's log from start to end (loadGroupsAndOffsets) and coordinates its groups
/// from then on; when it stops leading, it drops them (removeGroupsForPartition).
///
/// Threading: owned by one broker's GroupCoordinator; everything runs on its event loop.

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

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/group/group_metadata.hpp"

namespace kafkalite::mock {

class ReplicaManager;

/// Java's String.hashCode over the UTF-16 code units of a UTF-8 string (invalid bytes
/// count as U+FFFD, as Java's decoder reads them).
int32_t javaStringHashCode(std::string_view utf8) noexcept;

/// Kafka's Utils.abs(groupId.hashCode) % partitions.
int32_t groupMetadataPartitionFor(std::string_view groupId, int32_t partitions) noexcept;

class GroupMetadataManager {
 public:
  /// One partition's answer to an offset fetch.
  struct PartitionData {
    int64_t offset = -1;
    int32_t leaderEpoch = -1;
    std::string metadata;
    ErrorCode error = ErrorCode::NONE;
  };
  using StoreCallback = std::function<void(ErrorCode)>;
  using CommitCallback = std::function<void(std::map<TopicPartition, ErrorCode>)>;
  using GroupHook = std::function<void(GroupMetadata&)>;

  GroupMetadataManager(const GroupCoordinatorOptions& config, ReplicaManager& replicaManager,
                       std::function<int64_t()> wallClockMs);

  [[nodiscard]] int32_t partitionFor(std::string_view groupId) const noexcept;
  [[nodiscard]] bool isPartitionOwned(int32_t partition) const { return ownedPartitions_.contains(partition); }
  [[nodiscard]] bool isGroupLocal(std::string_view groupId) const { return isPartitionOwned(partitionFor(groupId)); }
  /// This broker coordinates the group and holds no live (non-Dead) group of that id.
  [[nodiscard]] bool groupNotExists(const std::string& groupId) const;
  [[nodiscard]] std::shared_ptr<GroupMetadata> getGroup(const std::string& groupId) const;
  /// The group, created Empty when absent and `createIfNotExist`.
  std::shared_ptr<GroupMetadata> getOrMaybeCreateGroup(const std::string& groupId, bool createIfNotExist);
  /// Adds `group` unless one of that id exists; returns the one in the cache.
  std::shared_ptr<GroupMetadata> addGroup(std::shared_ptr<GroupMetadata> group);
  [[nodiscard]] std::vector<std::shared_ptr<GroupMetadata>> currentGroups() const;

  /// Writes the group's generation, protocol, leader and members with `assignment` (member
  /// id → assignment). `callback` gets NONE once replicated, or Kafka's mapping of the
  /// append error: COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, REBALANCE_IN_PROGRESS (timed
  /// out) or UNKNOWN_SERVER_ERROR (too large).
  void storeGroup(const std::shared_ptr<GroupMetadata>& group,
                  const std::map<std::string, protocol::Bytes>& assignment, StoreCallback callback);
  /// Writes committed offsets; they become visible once replicated. Offsets whose metadata
  /// exceeds offset.metadata.max.bytes get OFFSET_METADATA_TOO_LARGE and are not written.
  void storeOffsets(const std::shared_ptr<GroupMetadata>& group,
                    const std::vector<std::pair<TopicPartition, OffsetAndMetadata>>& offsets, CommitCallback callback);
  /// Committed offsets of `partitions` (every committed one when nullopt), sorted by partition.
  /// With `requireStable`, a partition whose commit is still being written gets
  /// UNSTABLE_OFFSET_COMMIT.
  [[nodiscard]] std::vector<std::pair<TopicPartition, PartitionData>> getOffsets(
      const std::string& groupId, bool requireStable, const std::optional<std::vector<TopicPartition>>& partitions) const;

  /// This broker now leads `offsetsPartition` at `coordinatorEpoch`: reads its log and
  /// coordinates its groups; `onGroupLoaded` runs for each loaded group.
  void loadGroupsAndOffsets(int32_t offsetsPartition, int32_t coordinatorEpoch, const GroupHook& onGroupLoaded);
  /// This broker no longer leads `offsetsPartition`: its groups go (`onGroupUnloaded` first).
  void removeGroupsForPartition(int32_t offsetsPartition, std::optional<int32_t> coordinatorEpoch,
                                const GroupHook& onGroupUnloaded);
  /// Removes the offsets `selector` picks from each group, writes tombstones for them, and
  /// deletes (with a group tombstone) any group left Empty without offsets. Returns the
  /// number of offsets removed.
  std::size_t cleanupGroupMetadata(const std::vector<std::shared_ptr<GroupMetadata>>& groups,
                                   const std::function<std::map<TopicPartition, OffsetAndMetadata>(GroupMetadata&)>& selector);
  /// Drops every group (the broker stops).
  void shutdown();

 private:
  /// Appends one batch of (key, value) records to the group's partition with `acks`.
  void append(int32_t offsetsPartition, const std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>>& records,
              int16_t acks, std::function<void(ErrorCode, int64_t baseOffset)> callback);
  /// Kafka's maybeUpdateCoordinatorEpoch: true unless `epoch` is older than the one seen.
  bool maybeUpdateCoordinatorEpoch(int32_t offsetsPartition, std::optional<int32_t> epoch);

  const GroupCoordinatorOptions& config_;
  ReplicaManager& replicaManager_;
  std::function<int64_t()> wallClockMs_;
  std::map<std::string, std::shared_ptr<GroupMetadata>> groupMetadataCache_;
  std::set<int32_t> ownedPartitions_;
  std::map<int32_t, int32_t> epochForPartitionId_;
};

}  // namespace kafkalite::mock
