#pragma once
/// \file
/// OffsetForLeaderEpoch (key 23), versions 2–4; flexible from v4. v0–1 (deprecated
/// by KIP-896) are not served.
///
/// For each partition: the end offset of the requested leader epoch on the leader
/// (the start of the next epoch, or the log end for the latest), with the largest
/// epoch at or below the requested one. Consumers use it after a leader change to
/// detect log truncation (KIP-320). current_leader_epoch fences stale requests (v2+);
/// replica_id (v3+) is -1 for consumers and -2 ("debug") by default.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct OffsetForLeaderEpochRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetForLeaderEpoch;
  static constexpr const char* kName = "OffsetForLeaderEpochRequest";
  static constexpr VersionRange kValidVersions = between(2, 4);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct OffsetForLeaderTopic {
    struct OffsetForLeaderPartition {
      int32_t partition = 0;
      int32_t currentLeaderEpoch = -1;
      int32_t leaderEpoch = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetForLeaderPartition;
        return std::tuple{
            field("partition", &S::partition, since(0)),
            field("current_leader_epoch", &S::currentLeaderEpoch, since(2)),
            field("leader_epoch", &S::leaderEpoch, since(0)),
        };
      }
      bool operator==(const OffsetForLeaderPartition&) const = default;
    };

    std::string topic;
    std::vector<OffsetForLeaderPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetForLeaderTopic;
      return std::tuple{
          field("topic", &S::topic, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetForLeaderTopic&) const = default;
  };

  int32_t replicaId = -2;
  std::vector<OffsetForLeaderTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetForLeaderEpochRequest;
    return std::tuple{
        field("replica_id", &S::replicaId, since(3)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetForLeaderEpochRequest&) const = default;
};

struct OffsetForLeaderEpochResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetForLeaderEpoch;
  static constexpr const char* kName = "OffsetForLeaderEpochResponse";
  static constexpr VersionRange kValidVersions = between(2, 4);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct OffsetForLeaderTopicResult {
    struct EpochEndOffset {
      int16_t errorCode = 0;
      int32_t partition = 0;
      int32_t leaderEpoch = -1;
      int64_t endOffset = -1;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = EpochEndOffset;
        return std::tuple{
            field("error_code", &S::errorCode, since(0)),
            field("partition", &S::partition, since(0)),
            field("leader_epoch", &S::leaderEpoch, since(1)),
            field("end_offset", &S::endOffset, since(0)),
        };
      }
      bool operator==(const EpochEndOffset&) const = default;
    };

    std::string topic;
    std::vector<EpochEndOffset> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetForLeaderTopicResult;
      return std::tuple{
          field("topic", &S::topic, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetForLeaderTopicResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<OffsetForLeaderTopicResult> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetForLeaderEpochResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(2)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetForLeaderEpochResponse&) const = default;
};

}  // namespace kafkalite::protocol
