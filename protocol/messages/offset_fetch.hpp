#pragma once
/// \file
/// OffsetFetch (key 9), versions 0–7; flexible from v6. The batched form (groups[],
/// v8+) is not supported.
///
/// From v2 a null topic list asks for every partition the group has committed, and
/// the response carries a top-level error (before v2 a group error is repeated in
/// each partition); v5 adds each offset's committed leader epoch; v7 adds
/// require_stable (answer UNSTABLE_OFFSET_COMMIT while a commit is being written).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct OffsetFetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetFetch;
  static constexpr const char* kName = "OffsetFetchRequest";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct OffsetFetchRequestTopic {
    std::string name;
    std::vector<int32_t> partitionIndexes;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetFetchRequestTopic;
      return std::tuple{
          field("name", &S::name, between(0, 7)),
          field("partition_indexes", &S::partitionIndexes, between(0, 7)),
      };
    }
    bool operator==(const OffsetFetchRequestTopic&) const = default;
  };

  std::string groupId;
  // Null (v2+): every partition with a committed offset.
  std::optional<std::vector<OffsetFetchRequestTopic>> topics = std::vector<OffsetFetchRequestTopic>();
  bool requireStable = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetFetchRequest;
    return std::tuple{
        field("group_id", &S::groupId, between(0, 7)),
        field("topics", &S::topics, between(0, 7), between(2, 7)),
        field("require_stable", &S::requireStable, since(7)),
    };
  }
  bool operator==(const OffsetFetchRequest&) const = default;
};

struct OffsetFetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetFetch;
  static constexpr const char* kName = "OffsetFetchResponse";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct OffsetFetchResponseTopic {
    struct OffsetFetchResponsePartition {
      int32_t partitionIndex = 0;
      int64_t committedOffset = -1;
      int32_t committedLeaderEpoch = -1;
      std::optional<std::string> metadata = std::string();
      int16_t errorCode = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = OffsetFetchResponsePartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, between(0, 7)),
            field("committed_offset", &S::committedOffset, between(0, 7)),
            field("committed_leader_epoch", &S::committedLeaderEpoch, between(5, 7)),
            field("metadata", &S::metadata, between(0, 7), between(0, 7)),
            field("error_code", &S::errorCode, between(0, 7)),
        };
      }
      bool operator==(const OffsetFetchResponsePartition&) const = default;
    };

    std::string name;
    std::vector<OffsetFetchResponsePartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = OffsetFetchResponseTopic;
      return std::tuple{
          field("name", &S::name, between(0, 7)),
          field("partitions", &S::partitions, between(0, 7)),
      };
    }
    bool operator==(const OffsetFetchResponseTopic&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<OffsetFetchResponseTopic> topics;
  int16_t errorCode = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = OffsetFetchResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(3)),
        field("topics", &S::topics, between(0, 7)),
        field("error_code", &S::errorCode, between(2, 7)),
    };
  }
  bool operator==(const OffsetFetchResponse&) const = default;
};

}  // namespace kafkalite::protocol
