#pragma once
/// \file
/// OffsetCommit (key 8), versions 0–7. Kafka's flexible versions start at v8, beyond
/// kafkalite's range.
///
/// v1 adds the generation, the member id and a per-partition commit timestamp (v1
/// only); v2–4 carry a retention time (-1: the broker's); v6 adds the committed
/// leader epoch (KIP-320); v7 adds group_instance_id. A commit with generation -1 and
/// no member id comes from a client that does not use group management.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct OffsetCommitRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetCommit;
  static constexpr const char* kName = "OffsetCommitRequest";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(8);

  struct OffsetCommitRequestTopic {
    struct OffsetCommitRequestPartition {
      int32_t partitionIndex = 0;
      int64_t committedOffset = 0;
      int32_t committedLeaderEpoch = -1;
      int64_t commitTimestamp = -1;  // v1 only; -1: the broker's time
      std::optional<std::string> committedMetadata = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetCommitRequestPartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("committed_offset", &S::committedOffset, since(0)),
            field("committed_leader_epoch", &S::committedLeaderEpoch, since(6)),
            field("commit_timestamp", &S::commitTimestamp, between(1, 1)),
            field("committed_metadata", &S::committedMetadata, since(0), since(0)),
        };
      }
      bool operator==(const OffsetCommitRequestPartition&) const = default;
    };

    std::string name;
    std::vector<OffsetCommitRequestPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetCommitRequestTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetCommitRequestTopic&) const = default;
  };

  std::string groupId;
  int32_t generationIdOrMemberEpoch = -1;
  std::string memberId;
  std::optional<std::string> groupInstanceId;
  int64_t retentionTimeMs = -1;
  std::vector<OffsetCommitRequestTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetCommitRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("generation_id_or_member_epoch", &S::generationIdOrMemberEpoch, since(1)),
        field("member_id", &S::memberId, since(1)),
        field("group_instance_id", &S::groupInstanceId, since(7), since(7)),
        field("retention_time_ms", &S::retentionTimeMs, between(2, 4)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetCommitRequest&) const = default;
};

struct OffsetCommitResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetCommit;
  static constexpr const char* kName = "OffsetCommitResponse";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(8);

  struct OffsetCommitResponseTopic {
    struct OffsetCommitResponsePartition {
      int32_t partitionIndex = 0;
      int16_t errorCode = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetCommitResponsePartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("error_code", &S::errorCode, since(0)),
        };
      }
      bool operator==(const OffsetCommitResponsePartition&) const = default;
    };

    std::string name;
    std::vector<OffsetCommitResponsePartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetCommitResponseTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetCommitResponseTopic&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<OffsetCommitResponseTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetCommitResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(3)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetCommitResponse&) const = default;
};

}  // namespace kafkalite::protocol
