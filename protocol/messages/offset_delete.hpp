#pragma once
/// \file
/// OffsetDelete (key 47), version 0, never flexible (KIP-496). Deletes a group's
/// committed offsets for partitions the group does not consume.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

/// Kafka's "flexibleVersions": "none". lo is -1, as api_key.cpp's firstFlexibleVersion.
inline constexpr VersionRange kNeverFlexible{-1, -1};

struct OffsetDeleteRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetDelete;
  static constexpr const char* kName = "OffsetDeleteRequest";
  static constexpr VersionRange kValidVersions = between(0, 0);
  static constexpr VersionRange kFlexibleVersions = kNeverFlexible;

  struct OffsetDeleteRequestTopic {
    struct OffsetDeleteRequestPartition {
      int32_t partitionIndex = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetDeleteRequestPartition;
        return std::tuple{field("partition_index", &S::partitionIndex, since(0))};
      }
      bool operator==(const OffsetDeleteRequestPartition&) const = default;
    };

    std::string name;
    std::vector<OffsetDeleteRequestPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetDeleteRequestTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetDeleteRequestTopic&) const = default;
  };

  std::string groupId;
  std::vector<OffsetDeleteRequestTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetDeleteRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetDeleteRequest&) const = default;
};

struct OffsetDeleteResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetDelete;
  static constexpr const char* kName = "OffsetDeleteResponse";
  static constexpr VersionRange kValidVersions = between(0, 0);
  static constexpr VersionRange kFlexibleVersions = kNeverFlexible;

  struct OffsetDeleteResponseTopic {
    struct OffsetDeleteResponsePartition {
      int32_t partitionIndex = 0;
      int16_t errorCode = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetDeleteResponsePartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("error_code", &S::errorCode, since(0)),
        };
      }
      bool operator==(const OffsetDeleteResponsePartition&) const = default;
    };

    std::string name;
    std::vector<OffsetDeleteResponsePartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetDeleteResponseTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const OffsetDeleteResponseTopic&) const = default;
  };

  int16_t errorCode = 0;
  int32_t throttleTimeMs = 0;
  std::vector<OffsetDeleteResponseTopic> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetDeleteResponse;
    return std::tuple{
        field("error_code", &S::errorCode, since(0)),
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const OffsetDeleteResponse&) const = default;
};

}  // namespace kafkalite::protocol
