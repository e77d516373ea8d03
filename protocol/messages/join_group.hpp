#pragma once
/// \file
/// JoinGroup (key 11), versions 0–5. Kafka's flexible versions start at v6, beyond
/// kafkalite's range, so every supported version uses the classic encodings.
///
/// v1 adds rebalance_timeout_ms (a v0 request means: the session timeout); from v4 a
/// member without an id is answered MEMBER_ID_REQUIRED with one and joins again with
/// it; v5 adds group_instance_id (static membership, KIP-345).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct JoinGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::JoinGroup;
  static constexpr const char* kName = "JoinGroupRequest";
  static constexpr VersionRange kValidVersions = between(0, 5);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct JoinGroupRequestProtocol {
    std::string name;
    Bytes metadata;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = JoinGroupRequestProtocol;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("metadata", &S::metadata, since(0)),
      };
    }
    bool operator==(const JoinGroupRequestProtocol&) const = default;
  };

  std::string groupId;
  int32_t sessionTimeoutMs = 0;
  int32_t rebalanceTimeoutMs = -1;
  std::string memberId;
  std::optional<std::string> groupInstanceId;  // null: a dynamic member
  std::string protocolType;
  std::vector<JoinGroupRequestProtocol> protocols;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = JoinGroupRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("session_timeout_ms", &S::sessionTimeoutMs, since(0)),
        field("rebalance_timeout_ms", &S::rebalanceTimeoutMs, since(1)),
        field("member_id", &S::memberId, since(0)),
        field("group_instance_id", &S::groupInstanceId, since(5), since(5)),
        field("protocol_type", &S::protocolType, since(0)),
        field("protocols", &S::protocols, since(0)),
    };
  }
  bool operator==(const JoinGroupRequest&) const = default;
};

struct JoinGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::JoinGroup;
  static constexpr const char* kName = "JoinGroupResponse";
  static constexpr VersionRange kValidVersions = between(0, 5);
  static constexpr VersionRange kFlexibleVersions = since(6);

  struct JoinGroupResponseMember {
    std::string memberId;
    std::optional<std::string> groupInstanceId;
    Bytes metadata;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = JoinGroupResponseMember;
      return std::tuple{
          field("member_id", &S::memberId, since(0)),
          field("group_instance_id", &S::groupInstanceId, since(5), since(5)),
          field("metadata", &S::metadata, since(0)),
      };
    }
    bool operator==(const JoinGroupResponseMember&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  int32_t generationId = -1;
  std::string protocolName;  // "" when the coordinator chose none (nullable only from v7)
  std::string leader;
  std::string memberId;
  std::vector<JoinGroupResponseMember> members;  // the leader's answer only
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = JoinGroupResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(2)),
        field("error_code", &S::errorCode, since(0)),
        field("generation_id", &S::generationId, since(0)),
        field("protocol_name", &S::protocolName, since(0)),
        field("leader", &S::leader, since(0)),
        field("member_id", &S::memberId, since(0)),
        field("members", &S::members, since(0)),
    };
  }
  bool operator==(const JoinGroupResponse&) const = default;
};

}  // namespace kafkalite::protocol
