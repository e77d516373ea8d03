#pragma once
/// \file
/// The records the group coordinator keeps in the internal topic __consumer_offsets,
/// in Kafka's formats (group-coordinator/src/main/resources/common/message/
/// {OffsetCommitKey,OffsetCommitValue,GroupMetadataKey,GroupMetadataValue}.json), so
/// any tool that reads that topic understands them:
/// - a committed offset: key OffsetCommitKey (version 1: group, topic, partition),
///   value OffsetCommitValue (version 3; a null value deletes the offset);
/// - a group: key GroupMetadataKey (version 2: group), value GroupMetadataValue
///   (version 3: generation, protocol, leader, members with their subscription and
///   assignment; a null value deletes the group).
/// Keys and values start with their int16 schema version (Kafka's
/// MessageUtil.toVersionPrefixedBytes).
///
/// Threading: pure functions over values.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mockbroker/topic_partition.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::mock {

/// A committed offset as the coordinator stores it (Kafka's OffsetAndMetadata).
struct OffsetAndMetadata {
  int64_t committedOffset = -1;
  int32_t leaderEpoch = -1;  ///< -1: none given
  std::string metadata;
  int64_t commitTimestampMs = -1;
  bool operator==(const OffsetAndMetadata&) const = default;
};

namespace records {

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  static constexpr auto fields() {
    using S = OffsetCommitKey;
    using protocol::since;
    return std::tuple{protocol::field("group", &S::group, since(0)), protocol::field("topic", &S::topic, since(0)),
                      protocol::field("partition", &S::partition, since(0))};
  }
  bool operator==(const OffsetCommitKey&) const = default;
};

struct OffsetCommitValue {
  int64_t offset = 0;
  int32_t leaderEpoch = -1;
  std::string metadata;
  int64_t commitTimestamp = 0;
  int64_t expireTimestamp = -1;
  protocol::TaggedFields unknownTaggedFields;
  static constexpr auto fields() {
    using S = OffsetCommitValue;
    using protocol::between;
    using protocol::since;
    return std::tuple{protocol::field("offset", &S::offset, since(0)),
                      protocol::field("leaderEpoch", &S::leaderEpoch, since(3)),
                      protocol::field("metadata", &S::metadata, since(0)),
                      protocol::field("commitTimestamp", &S::commitTimestamp, since(0)),
                      protocol::field("expireTimestamp", &S::expireTimestamp, between(1, 1))};
  }
  bool operator==(const OffsetCommitValue&) const = default;
};

struct GroupMetadataKey {
  std::string group;
  static constexpr auto fields() {
    using S = GroupMetadataKey;
    return std::tuple{protocol::field("group", &S::group, protocol::since(2))};
  }
  bool operator==(const GroupMetadataKey&) const = default;
};

struct GroupMetadataValue {
  struct MemberMetadata {
    std::string memberId;
    std::optional<std::string> groupInstanceId;
    std::string clientId;
    std::string clientHost;
    int32_t rebalanceTimeout = -1;
    int32_t sessionTimeout = 0;
    protocol::Bytes subscription;
    protocol::Bytes assignment;
    protocol::TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MemberMetadata;
      using protocol::field;
      using protocol::since;
      return std::tuple{field("memberId", &S::memberId, since(0)),
                        field("groupInstanceId", &S::groupInstanceId, since(3), since(3)),
                        field("clientId", &S::clientId, since(0)),
                        field("clientHost", &S::clientHost, since(0)),
                        field("rebalanceTimeout", &S::rebalanceTimeout, since(1)),
                        field("sessionTimeout", &S::sessionTimeout, since(0)),
                        field("subscription", &S::subscription, since(0)),
                        field("assignment", &S::assignment, since(0))};
    }
    bool operator==(const MemberMetadata&) const = default;
  };

  std::string protocolType;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t currentStateTimestamp = -1;
  std::vector<MemberMetadata> members;
  protocol::TaggedFields unknownTaggedFields;
  static constexpr auto fields() {
    using S = GroupMetadataValue;
    using protocol::field;
    using protocol::since;
    return std::tuple{field("protocolType", &S::protocolType, since(0)),
                      field("generation", &S::generation, since(0)),
                      field("protocol", &S::protocol, since(0), since(0)),
                      field("leader", &S::leader, since(0), since(0)),
                      field("currentStateTimestamp", &S::currentStateTimestamp, since(2)),
                      field("members", &S::members, since(0))};
  }
  bool operator==(const GroupMetadataValue&) const = default;
};

/// A decoded key: an offset (versions 0–1), a group (version 2), or neither.
struct BaseKey {
  enum class Kind { Offset, Group, Unknown };
  Kind kind = Kind::Unknown;
  int16_t version = -1;
  std::string group;
  TopicPartition topicPartition;  ///< Offset keys only
};

/// Version-prefixed key of a committed offset (version 1).
std::vector<uint8_t> offsetCommitKey(std::string_view groupId, const TopicPartition& tp);
/// Version-prefixed value of a committed offset (version 3).
std::vector<uint8_t> offsetCommitValue(const OffsetAndMetadata& offset);
/// Version-prefixed key of a group (version 2).
std::vector<uint8_t> groupMetadataKey(std::string_view groupId);
/// Version-prefixed value of a group (version 3).
std::vector<uint8_t> groupMetadataValue(const GroupMetadataValue& value);

/// Decodes a key. nullopt when the bytes are not a key of a known version that parses
/// completely (Kafka skips unknown key versions while loading).
std::optional<BaseKey> readMessageKey(std::span<const uint8_t> bytes);
/// Decodes an offset value of versions 0–4; nullopt when it does not parse.
std::optional<OffsetAndMetadata> readOffsetMessageValue(std::span<const uint8_t> bytes);
/// Decodes a group value of versions 0–4; nullopt when it does not parse. For version
/// 0 (no rebalance timeout) the rebalance timeout is the session timeout, as in Kafka.
std::optional<GroupMetadataValue> readGroupMessageValue(std::span<const uint8_t> bytes);

}  // namespace records
}  // namespace kafkalite::mock
