#pragma once
/// \file
/// ApiVersions (key 18), versions 0–3; flexible from v3. The response header is
/// always v0 (see responseHeaderVersion), and a broker answers an unsupported
/// request version with error 35 in a v0 body.

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct ApiVersionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ApiVersions;
  static constexpr const char* kName = "ApiVersionsRequest";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(3);

  std::string clientSoftwareName;
  std::string clientSoftwareVersion;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ApiVersionsRequest;
    return std::tuple{
        field("client_software_name", &S::clientSoftwareName, since(3)),
        field("client_software_version", &S::clientSoftwareVersion, since(3)),
    };
  }
  bool operator==(const ApiVersionsRequest&) const = default;
};

struct ApiVersionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ApiVersions;
  static constexpr const char* kName = "ApiVersionsResponse";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(3);

  struct ApiVersion {
    int16_t apiKey = 0;
    int16_t minVersion = 0;
    int16_t maxVersion = 0;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ApiVersion;
      return std::tuple{
          field("api_key", &S::apiKey, since(0)),
          field("min_version", &S::minVersion, since(0)),
          field("max_version", &S::maxVersion, since(0)),
      };
    }
    bool operator==(const ApiVersion&) const = default;
  };
  struct SupportedFeatureKey {
    std::string name;
    int16_t minVersion = 0;
    int16_t maxVersion = 0;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = SupportedFeatureKey;
      return std::tuple{
          field("name", &S::name, since(3)),
          field("min_version", &S::minVersion, since(3)),
          field("max_version", &S::maxVersion, since(3)),
      };
    }
    bool operator==(const SupportedFeatureKey&) const = default;
  };
  struct FinalizedFeatureKey {
    std::string name;
    int16_t maxVersionLevel = 0;
    int16_t minVersionLevel = 0;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = FinalizedFeatureKey;
      return std::tuple{
          field("name", &S::name, since(3)),
          field("max_version_level", &S::maxVersionLevel, since(3)),
          field("min_version_level", &S::minVersionLevel, since(3)),
      };
    }
    bool operator==(const FinalizedFeatureKey&) const = default;
  };

  int16_t errorCode = 0;
  std::vector<ApiVersion> apiKeys;
  int32_t throttleTimeMs = 0;
  std::vector<SupportedFeatureKey> supportedFeatures;
  int64_t finalizedFeaturesEpoch = -1;
  std::vector<FinalizedFeatureKey> finalizedFeatures;
  bool zkMigrationReady = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ApiVersionsResponse;
    return std::tuple{
        field("error_code", &S::errorCode, since(0)),
        field("api_keys", &S::apiKeys, since(0)),
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        taggedField("supported_features", &S::supportedFeatures, since(3), 0),
        taggedField("finalized_features_epoch", &S::finalizedFeaturesEpoch, since(3), 1),
        taggedField("finalized_features", &S::finalizedFeatures, since(3), 2),
        taggedField("zk_migration_ready", &S::zkMigrationReady, since(3), 3),
    };
  }
  bool operator==(const ApiVersionsResponse&) const = default;
};

}  // namespace kafkalite::protocol
