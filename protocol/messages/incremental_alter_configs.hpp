#pragma once
/// \file
/// IncrementalAlterConfigs (key 44), versions 0–1; flexible from v1.
///
/// Applies one operation per config of a resource: SET, DELETE, APPEND or SUBTRACT
/// (the last two on list configs); configs not named keep their values. The response
/// is AlterConfigs' (AlterConfigsResourceResponse per resource).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/messages/alter_configs.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

/// IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType).
enum class AlterConfigOp : int8_t { Set = 0, Delete = 1, Append = 2, Subtract = 3 };

struct IncrementalAlterConfigsRequest {
  static constexpr ApiKey kApiKey = ApiKey::IncrementalAlterConfigs;
  static constexpr const char* kName = "IncrementalAlterConfigsRequest";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(1);

  struct AlterConfigsResource {
    struct AlterableConfig {
      std::string name;
      int8_t configOperation = 0;  ///< AlterConfigOp
      std::optional<std::string> value = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = AlterableConfig;
        return std::tuple{
            field("name", &S::name, since(0)),
            field("config_operation", &S::configOperation, since(0)),
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
    using S = IncrementalAlterConfigsRequest;
    return std::tuple{
        field("resources", &S::resources, since(0)),
        field("validate_only", &S::validateOnly, since(0)),
    };
  }
  bool operator==(const IncrementalAlterConfigsRequest&) const = default;
};

struct IncrementalAlterConfigsResponse {
  static constexpr ApiKey kApiKey = ApiKey::IncrementalAlterConfigs;
  static constexpr const char* kName = "IncrementalAlterConfigsResponse";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(1);

  int32_t throttleTimeMs = 0;
  std::vector<AlterConfigsResourceResponse> responses;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = IncrementalAlterConfigsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("responses", &S::responses, since(0)),
    };
  }
  bool operator==(const IncrementalAlterConfigsResponse&) const = default;
};

}  // namespace kafkalite::protocol
