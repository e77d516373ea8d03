#pragma once
/// \file
/// AlterConfigs (key 33), versions 0–2; flexible from v2.
///
/// Replaces a resource's whole set of dynamic configs with the given ones (a config
/// left out returns to its default). IncrementalAlterConfigs (incremental_alter_configs.hpp)
/// shares its per-resource response, AlterConfigsResourceResponse.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct AlterConfigsRequest {
  static constexpr ApiKey kApiKey = ApiKey::AlterConfigs;
  static constexpr const char* kName = "AlterConfigsRequest";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct AlterConfigsResource {
    struct AlterableConfig {
      std::string name;
      std::optional<std::string> value = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = AlterableConfig;
        return std::tuple{
            field("name", &S::name, since(0)),
            field("value", &S::value, since(0), since(0)),
        };
      }
      bool operator==(const AlterableConfig&) const = default;
    };

    int8_t resourceType = 0;
    std::string resourceName;
    std::vector<AlterableConfig> configs;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = AlterConfigsResource;
      return std::tuple{
          field("resource_type", &S::resourceType, since(0)),
          field("resource_name", &S::resourceName, since(0)),
          field("configs", &S::configs, since(0)),
      };
    }
    bool operator==(const AlterConfigsResource&) const = default;
  };

  std::vector<AlterConfigsResource> resources;
  bool validateOnly = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = AlterConfigsRequest;
    return std::tuple{
        field("resources", &S::resources, since(0)),
        field("validate_only", &S::validateOnly, since(0)),
    };
  }
  bool operator==(const AlterConfigsRequest&) const = default;
};

/// One resource's outcome, in AlterConfigs and IncrementalAlterConfigs responses.
struct AlterConfigsResourceResponse {
  int16_t errorCode = 0;
  std::optional<std::string> errorMessage = std::string();
  int8_t resourceType = 0;
  std::string resourceName;
  TaggedFields unknownTaggedFields;
  static constexpr auto fields() {
    using S = AlterConfigsResourceResponse;
    return std::tuple{
        field("error_code", &S::errorCode, since(0)),
        field("error_message", &S::errorMessage, since(0), since(0)),
        field("resource_type", &S::resourceType, since(0)),
        field("resource_name", &S::resourceName, since(0)),
    };
  }
  bool operator==(const AlterConfigsResourceResponse&) const = default;
};

struct AlterConfigsResponse {
  static constexpr ApiKey kApiKey = ApiKey::AlterConfigs;
  static constexpr const char* kName = "AlterConfigsResponse";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  int32_t throttleTimeMs = 0;
  std::vector<AlterConfigsResourceResponse> responses;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = AlterConfigsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("responses", &S::responses, since(0)),
    };
  }
  bool operator==(const AlterConfigsResponse&) const = default;
};

}  // namespace kafkalite::protocol
