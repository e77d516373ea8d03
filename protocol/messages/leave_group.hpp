#pragma once
/// \file
/// LeaveGroup (key 13), versions 0–3. Kafka's flexible versions start at v4, beyond
/// kafkalite's range. v0–2 name one member; v3 names a batch of members, each by
/// member id and/or group instance id, and answers each one (KIP-345).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct LeaveGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::LeaveGroup;
  static constexpr const char* kName = "LeaveGroupRequest";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct MemberIdentity {
    std::string memberId;
    std::optional<std::string> groupInstanceId;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MemberIdentity;
      return std::tuple{
          field("member_id", &S::memberId, since(3)),
          field("group_instance_id", &S::groupInstanceId, since(3), since(3)),
      };
    }
    bool operator==(const MemberIdentity&) const = default;
  };

  std::string groupId;
  std::string memberId;                 // v0–2
  std::vector<MemberIdentity> members;  // v3+
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = LeaveGroupRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("member_id", &S::memberId, between(0, 2)),
        field("members", &S::members, since(3)),
    };
  }
  bool operator==(const LeaveGroupRequest&) const = default;
};

struct LeaveGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::LeaveGroup;
  static constexpr const char* kName = "LeaveGroupResponse";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct MemberResponse {
    std::string memberId;
    std::optional<std::string> groupInstanceId;
    int16_t errorCode = 0;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MemberResponse;
      return std::tuple{
          field("member_id", &S::memberId, since(3)),
          field("group_instance_id", &S::groupInstanceId, since(3), since(3)),
          field("error_code", &S::errorCode, since(3)),
      };
    }
    bool operator==(const MemberResponse&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::vector<MemberResponse> members;  // v3+
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = LeaveGroupResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, since(0)),
        field("members", &S::members, since(3)),
    };
  }
  bool operator==(const LeaveGroupResponse&) const = default;
};

}  // namespace kafkalite::protocol
