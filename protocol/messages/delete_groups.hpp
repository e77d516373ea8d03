#pragma once
/// \file
/// DeleteGroups (key 42), versions 0–1 (v1 is the same as v0). Kafka's flexible
/// versions start at v2, beyond kafkalite's range. Only an Empty group can be
/// deleted; its committed offsets go with it.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DeleteGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DeleteGroups;
  static constexpr const char* kName = "DeleteGroupsRequest";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(2);

  std::vector<std::string> groupsNames;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteGroupsRequest;
    return std::tuple{
        field("groups_names", &S::groupsNames, since(0)),
    };
  }
  bool operator==(const DeleteGroupsRequest&) const = default;
};

struct DeleteGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DeleteGroups;
  static constexpr const char* kName = "DeleteGroupsResponse";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct DeletableGroupResult {
    std::string groupId;
    int16_t errorCode = 0;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DeletableGroupResult;
      return std::tuple{
          field("group_id", &S::groupId, since(0)),
          field("error_code", &S::errorCode, since(0)),
      };
    }
    bool operator==(const DeletableGroupResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<DeletableGroupResult> results;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteGroupsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("results", &S::results, since(0)),
    };
  }
  bool operator==(const DeleteGroupsResponse&) const = default;
};

}  // namespace kafkalite::protocol
