#pragma once
/// \file
/// Heartbeat (key 12), versions 0–3. Kafka's flexible versions start at v4, beyond
/// kafkalite's range. v3 adds group_instance_id.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct HeartbeatRequest {
  static constexpr ApiKey kApiKey = ApiKey::Heartbeat;
  static constexpr const char* kName = "HeartbeatRequest";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  std::string groupId;
  int32_t generationId = 0;
  std::string memberId;
  std::optional<std::string> groupInstanceId;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = HeartbeatRequest;
    return std::tuple{
        field("group_id", &S::groupId, since(0)),
        field("generation_id", &S::generationId, since(0)),
        field("member_id", &S::memberId, since(0)),
        field("group_instance_id", &S::groupInstanceId, since(3), since(3)),
    };
  }
  bool operator==(const HeartbeatRequest&) const = default;
};

struct HeartbeatResponse {
  static constexpr ApiKey kApiKey = ApiKey::Heartbeat;
  static constexpr const char* kName = "HeartbeatResponse";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(4);

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = HeartbeatResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, since(0)),
    };
  }
  bool operator==(const HeartbeatResponse&) const = default;
};

}  // namespace kafkalite::protocol
