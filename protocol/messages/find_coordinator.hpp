#pragma once
/// \file
/// FindCoordinator (key 10), versions 0–2. Kafka's flexible versions start at v3,
/// beyond kafkalite's range, so every supported version uses the classic encodings.
/// The batched form (coordinator_keys / coordinators[], v4+) is not supported.
/// key_type (v1+): 0 = consumer group, 1 = transaction; v0 always means a group.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct FindCoordinatorRequest {
  static constexpr ApiKey kApiKey = ApiKey::FindCoordinator;
  static constexpr const char* kName = "FindCoordinatorRequest";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(3);

  std::string key;
  int8_t keyType = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = FindCoordinatorRequest;
    return std::tuple{
        field("key", &S::key, between(0, 3)),
        field("key_type", &S::keyType, since(1)),
    };
  }
  bool operator==(const FindCoordinatorRequest&) const = default;
};

struct FindCoordinatorResponse {
  static constexpr ApiKey kApiKey = ApiKey::FindCoordinator;
  static constexpr const char* kName = "FindCoordinatorResponse";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(3);

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::optional<std::string> errorMessage = std::string();  // Kafka's default ""; null allowed
  int32_t nodeId = 0;
  std::string host;
  int32_t port = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = FindCoordinatorResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, between(0, 3)),
        field("error_message", &S::errorMessage, between(1, 3), between(1, 3)),
        field("node_id", &S::nodeId, between(0, 3)),
        field("host", &S::host, between(0, 3)),
        field("port", &S::port, between(0, 3)),
    };
  }
  bool operator==(const FindCoordinatorResponse&) const = default;
};

}  // namespace kafkalite::protocol
