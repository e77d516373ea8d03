#pragma once
/// \file
/// DescribeConfigs (key 32), versions 0–4; flexible from v4.
///
/// Each resource (a topic, a broker, ...) asks for its configuration entries, all of
/// them when configuration_keys is null. v0 flags an entry as default (is_default);
/// from v1 it names its source instead, and lists its synonyms when asked. v3 adds
/// each entry's type and, when asked, its documentation.
///
/// Also here: the resource types, config sources and config types that DescribeConfigs,
/// AlterConfigs, IncrementalAlterConfigs and CreateTopics use (Kafka's
/// ConfigResource.Type, DescribeConfigsResponse.ConfigSource and .ConfigType).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

/// Kafka's ConfigResource.Type ids.
enum class ConfigResourceType : int8_t {
  Unknown = 0,
  Topic = 2,
  Broker = 4,
  BrokerLogger = 8,
  ClientMetrics = 16,
  Group = 32,
};

/// Where a configuration value comes from (Kafka's DescribeConfigsResponse.ConfigSource).
enum class ConfigSource : int8_t {
  Unknown = 0,
  DynamicTopicConfig = 1,
  DynamicBrokerConfig = 2,
  DynamicDefaultBrokerConfig = 3,
  StaticBrokerConfig = 4,
  DefaultConfig = 5,
  DynamicBrokerLoggerConfig = 6,
  ClientMetricsConfig = 7,
  GroupConfig = 8,
};

/// A configuration's data type (Kafka's DescribeConfigsResponse.ConfigType).
enum class ConfigType : int8_t {
  Unknown = 0,
  Boolean = 1,
  String = 2,
  Int = 3,
  Short = 4,
  Long = 5,
  Double = 6,
  List = 7,
  Class = 8,
  Password = 9,
};

struct DescribeConfigsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DescribeConfigs;
  static constexpr const char* kName = "DescribeConfigsRequest";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct DescribeConfigsResource {
    int8_t resourceType = 0;
    std::string resourceName;
    std::optional<std::vector<std::string>> configurationKeys;  // null = every key
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribeConfigsResource;
      return std::tuple{
          field("resource_type", &S::resourceType, since(0)),
          field("resource_name", &S::resourceName, since(0)),
          field("configuration_keys", &S::configurationKeys, since(0), since(0)),
      };
    }
    bool operator==(const DescribeConfigsResource&) const = default;
  };

  std::vector<DescribeConfigsResource> resources;
  bool includeSynonyms = false;
  bool includeDocumentation = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeConfigsRequest;
    return std::tuple{
        field("resources", &S::resources, since(0)),
        field("include_synonyms", &S::includeSynonyms, since(1)),
        field("include_documentation", &S::includeDocumentation, since(3)),
    };
  }
  bool operator==(const DescribeConfigsRequest&) const = default;
};

struct DescribeConfigsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DescribeConfigs;
  static constexpr const char* kName = "DescribeConfigsResponse";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct DescribeConfigsResult {
    struct DescribeConfigsResourceResult {
      struct DescribeConfigsSynonym {
        std::string name;
        std::optional<std::string> value = std::string();
        int8_t source = 0;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = DescribeConfigsSynonym;
          return std::tuple{
              field("name", &S::name, since(1)),
              field("value", &S::value, since(1), since(0)),
              field("source", &S::source, since(1)),
          };
        }
        bool operator==(const DescribeConfigsSynonym&) const = default;
      };

      std::string name;
      std::optional<std::string> value = std::string();
      bool readOnly = false;
      bool isDefault = false;
      int8_t configSource = -1;
      bool isSensitive = false;
      std::vector<DescribeConfigsSynonym> synonyms;
      int8_t configType = 0;
      std::optional<std::string> documentation = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = DescribeConfigsResourceResult;
        return std::tuple{
            field("name", &S::name, since(0)),
            field("value", &S::value, since(0), since(0)),
            field("read_only", &S::readOnly, since(0)),
            field("is_default", &S::isDefault, between(0, 0)),
            field("config_source", &S::configSource, since(1)),
            field("is_sensitive", &S::isSensitive, since(0)),
            field("synonyms", &S::synonyms, since(1)),
            field("config_type", &S::configType, since(3)),
            field("documentation", &S::documentation, since(3), since(0)),
        };
      }
      bool operator==(const DescribeConfigsResourceResult&) const = default;
    };

    int16_t errorCode = 0;
    std::optional<std::string> errorMessage = std::string();
    int8_t resourceType = 0;
    std::string resourceName;
    std::vector<DescribeConfigsResourceResult> configs;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribeConfigsResult;
      return std::tuple{
          field("error_code", &S::errorCode, since(0)),
          field("error_message", &S::errorMessage, since(0), since(0)),
          field("resource_type", &S::resourceType, since(0)),
          field("resource_name", &S::resourceName, since(0)),
          field("configs", &S::configs, since(0)),
      };
    }
    bool operator==(const DescribeConfigsResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<DescribeConfigsResult> results;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeConfigsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("results", &S::results, since(0)),
    };
  }
  bool operator==(const DescribeConfigsResponse&) const = default;
};

}  // namespace kafkalite::protocol
