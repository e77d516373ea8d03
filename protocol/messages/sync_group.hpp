#pragma once
/// \file
/// SyncGroup (key 14), versions 0–3. Kafka's flexible versions start at v4, beyond
/// kafkalite's range. The leader sends every member's assignment; the others send
/// none and receive theirs. v3 adds group_instance_id.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct SyncGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::SyncGroup;
  static constexpr const char* kName = "SyncGroupRequest";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct SyncGroupRequestAssignment {
    std::string memberId;
    Bytes assignment;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = SyncGroupRequestAssignment;
      return std::tuple{
          field("member_id", &S::memberId, since(0)),
          field("assignment", &S::assignment, since(0)),
      };
    }
    bool operator==(const SyncGroupRequestAssignment&) const = default;
  };

  std::string groupId;
  int32_t generationId = 0;
  std::string memberId;
  std::optional<std::string> groupInstanceId;
  std::vector<SyncGroupRequestAssignment> assignments;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = SyncGroupRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("generation_id", &S::generationId, since(0)),
        field("member_id", &S::memberId, since(0)),
        field("group_instance_id", &S::groupInstanceId, since(3), since(3)),
        field("assignments", &S::assignments, since(0)),
    };
  }
  bool operator==(const SyncGroupRequest&) const = default;
};

struct SyncGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::SyncGroup;
  static constexpr const char* kName = "SyncGroupResponse";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  Bytes assignment;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = SyncGroupResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, since(0)),
        field("assignment", &S::assignment, since(0)),
    };
  }
  bool operator==(const SyncGroupResponse&) const = default;
};

}  // namespace kafkalite::protocol
