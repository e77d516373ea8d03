#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace kafkalite::mock {

/// A partition of a topic: the key the broker uses for logs, replicas and purgatory watchers
/// (spec 1.5, 4.4). A plain value type; no thread affinity.
struct TopicPartition {
  /// Topic name.
  std::string topic;
  /// Partition index within the topic.
  int32_t partition = 0;

  /// Equal when both topic and partition are equal.
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  /// Orders by topic, then partition, so sorted output reads like Kafka's logs.
  friend std::strong_ordering operator<=>(const TopicPartition&, const TopicPartition&) = default;

  /// Kafka's spelling, `topic-partition`, as used in broker logs.
  [[nodiscard]] std::string toString() const { return topic + '-' + std::to_string(partition); }

  /// Writes toString(); lets GoogleTest print keys in failure messages.
  friend std::ostream& operator<<(std::ostream& os, const TopicPartition& tp) {
    return os << tp.topic << '-' << tp.partition;
  }
};

/// Kafka's Topic.GROUP_METADATA_TOPIC_NAME: where group coordinators keep committed offsets
/// and group metadata.
inline constexpr std::string_view kGroupMetadataTopicName = "__consumer_offsets";

/// Kafka's Topic.isInternal: clients may read internal topics but not produce to them.
[[nodiscard]] inline bool isInternalTopic(std::string_view topic) noexcept { return topic == kGroupMetadataTopicName; }

/// Hash of a TopicPartition, consistent with operator==.
struct TopicPartitionHash {
  /// Mixes the topic's hash with the partition; never throws.
  [[nodiscard]] std::size_t operator()(const TopicPartition& tp) const noexcept {
    const std::size_t topicHash = std::hash<std::string_view>{}(tp.topic);
    // std::hash<int> is the identity in libstdc++, so spread the partition with the golden-ratio
    // constant before combining; otherwise partitions 0..n of one topic land in adjacent buckets.
    const auto partitionBits = static_cast<std::size_t>(static_cast<uint32_t>(tp.partition));
    return topicHash ^ (partitionBits * 0x9e3779b97f4a7c15ULL + (topicHash << 6) + (topicHash >> 2));
  }
};

}  // namespace kafkalite::mock

/// Lets TopicPartition be the key of std::unordered_map and DelayedOperationPurgatory without
/// naming a hash.
template <>
struct std::hash<kafkalite::mock::TopicPartition> : kafkalite::mock::TopicPartitionHash {};
