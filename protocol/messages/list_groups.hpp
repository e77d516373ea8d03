#pragma once
/// \file
/// ListGroups (key 16), versions 0–4; flexible from v3. Each coordinator lists the
/// groups it coordinates; v4 adds a filter on group states (case-insensitive) and
/// each group's state. The type filter (v5+) is not supported.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct ListGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ListGroups;
  static constexpr const char* kName = "ListGroupsRequest";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(3);

  std::vector<std::string> statesFilter;  // empty: every state
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ListGroupsRequest;
    return std::tuple{
        field("states_filter", &S::statesFilter, since(4)),
    };
  }
  bool operator==(const ListGroupsRequest&) const = default;
};

struct ListGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ListGroups;
  static constexpr const char* kName = "ListGroupsResponse";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(3);

  struct ListedGroup {
    std::string groupId;
    std::string protocolType;
    std::string groupState;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ListedGroup;
      return std::tuple{
          field("group_id", &S::groupId, since(0)),
          field("protocol_type", &S::protocolType, since(0)),
          field("group_state", &S::groupState, since(4)),
      };
    }
    bool operator==(const ListedGroup&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::vector<ListedGroup> groups;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ListGroupsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, since(0)),
        field("groups", &S::groups, since(0)),
    };
  }
  bool operator==(const ListGroupsResponse&) const = default;
};

}  // namespace kafkalite::protocol
