#pragma once
/// \file
/// DescribeGroups (key 15), versions 0–4. Kafka's flexible versions start at v5,
/// beyond kafkalite's range. v3 adds authorized operations (a bit field of Kafka's
/// AclOperation codes, INT32_MIN when not asked for); v4 adds each member's
/// group_instance_id. Member metadata and assignments are filled in only for a
/// Stable group.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DescribeGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DescribeGroups;
  static constexpr const char* kName = "DescribeGroupsRequest";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(5);

  std::vector<std::string> groups;
  bool includeAuthorizedOperations = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeGroupsRequest;
    return std::tuple{
        field("groups", &S::groups, since(0)),
        field("include_authorized_operations", &S::includeAuthorizedOperations, since(3)),
    };
  }
  bool operator==(const DescribeGroupsRequest&) const = default;
};

struct DescribeGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DescribeGroups;
  static constexpr const char* kName = "DescribeGroupsResponse";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(5);

  struct DescribedGroup {
    struct DescribedGroupMember {
      std::string memberId;
      std::optional<std::string> groupInstanceId;
      std::string clientId;
      std::string clientHost;
      Bytes memberMetadata;
      Bytes memberAssignment;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = DescribedGroupMember;
        return std::tuple{
            field("member_id", &S::memberId, since(0)),
            field("group_instance_id", &S::groupInstanceId, since(4), since(4)),
            field("client_id", &S::clientId, since(0)),
            field("client_host", &S::clientHost, since(0)),
            field("member_metadata", &S::memberMetadata, since(0)),
            field("member_assignment", &S::memberAssignment, since(0)),
        };
      }
      bool operator==(const DescribedGroupMember&) const = default;
    };

    int16_t errorCode = 0;
    std::string groupId;
    std::string groupState;
    std::string protocolType;
    std::string protocolData;  // the chosen protocol's name
    std::vector<DescribedGroupMember> members;
    int32_t authorizedOperations = std::numeric_limits<int32_t>::min();
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribedGroup;
      return std::tuple{
          field("error_code", &S::errorCode, since(0)),
          field("group_id", &S::groupId, since(0)),
          field("group_state", &S::groupState, since(0)),
          field("protocol_type", &S::protocolType, since(0)),
          field("protocol_data", &S::protocolData, since(0)),
          field("members", &S::members, since(0)),
          field("authorized_operations", &S::authorizedOperations, since(3)),
      };
    }
    bool operator==(const DescribedGroup&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<DescribedGroup> groups;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeGroupsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("groups", &S::groups, since(0)),
    };
  }
  bool operator==(const DescribeGroupsResponse&) const = default;
};

}  // namespace kafkalite::protocol
