#pragma once
/// \file
/// ListOffsets (key 2), versions 1–7; flexible from v6. v0 (several offsets per
/// partition, max_num_offsets / old_style_offsets) is not served; fields Kafka added
/// in v10 (timeout_ms) are not modelled.
///
/// A request timestamp of -1 asks for the latest offset (the HW, or the LSO under
/// read_committed), -2 for the earliest, -3 (v7+) for the record with the largest
/// timestamp.

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct ListOffsetsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ListOffsets;
  static constexpr const char* kName = "ListOffsetsRequest";
  static constexpr VersionRange kValidVersions = between(1, 7);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct ListOffsetsTopic {
    struct ListOffsetsPartition {
      int32_t partitionIndex = 0;
      int32_t currentLeaderEpoch = -1;
      int64_t timestamp = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = ListOffsetsPartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("current_leader_epoch", &S::currentLeaderEpoch, since(4)),
            field("timestamp", &S::timestamp, since(0)),
        };
      }
      bool operator==(const ListOffsetsPartition&) const = default;
    };

    std::string name;
    std::vector<ListOffsetsPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ListOffsetsTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const ListOffsetsTopic&) const = default;
  };

  int32_t replicaId = 0;       ///< -1 for a consumer (Kafka's JSON gives no default)
  int8_t isolationLevel = 0;   ///< 0 read_uncommitted, 1 read_committed
  std::vector<ListOffsetsTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ListOffsetsRequest;
    return std::tuple{
        field("replica_id", &S::replicaId, since(0)),
        field("isolation_level", &S::isolationLevel, since(2)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const ListOffsetsRequest&) const = default;
};

struct ListOffsetsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ListOffsets;
  static constexpr const char* kName = "ListOffsetsResponse";
  static constexpr VersionRange kValidVersions = between(1, 7);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct ListOffsetsTopicResponse {
    struct ListOffsetsPartitionResponse {
      int32_t partitionIndex = 0;
      int16_t errorCode = 0;
      int64_t timestamp = -1;
      int64_t offset = -1;
      int32_t leaderEpoch = -1;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = ListOffsetsPartitionResponse;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("error_code", &S::errorCode, since(0)),
            field("timestamp", &S::timestamp, since(1)),
            field("offset", &S::offset, since(1)),
            field("leader_epoch", &S::leaderEpoch, since(4)),
        };
      }
      bool operator==(const ListOffsetsPartitionResponse&) const = default;
    };

    std::string name;
    std::vector<ListOffsetsPartitionResponse> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ListOffsetsTopicResponse;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const ListOffsetsTopicResponse&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<ListOffsetsTopicResponse> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ListOffsetsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(2)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const ListOffsetsResponse&) const = default;
};

}  // namespace kafkalite::protocol
