#pragma once
/// \file
/// DescribeCluster (key 60), versions 0–1; flexible in every version.
///
/// The cluster id, the controller and the brokers. v1 adds endpoint_type (KIP-919:
/// 1 = brokers, 2 = controllers) to the request and the response.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DescribeClusterRequest {
  static constexpr ApiKey kApiKey = ApiKey::DescribeCluster;
  static constexpr const char* kName = "DescribeClusterRequest";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(0);

  /// endpoint_type values.
  static constexpr int8_t kBrokers = 1;
  static constexpr int8_t kControllers = 2;

  bool includeClusterAuthorizedOperations = false;
  int8_t endpointType = kBrokers;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeClusterRequest;
    return std::tuple{
        field("include_cluster_authorized_operations", &S::includeClusterAuthorizedOperations, since(0)),
        field("endpoint_type", &S::endpointType, since(1)),
    };
  }
  bool operator==(const DescribeClusterRequest&) const = default;
};

struct DescribeClusterResponse {
  static constexpr ApiKey kApiKey = ApiKey::DescribeCluster;
  static constexpr const char* kName = "DescribeClusterResponse";
  static constexpr VersionRange kValidVersions = between(0, 1);
  static constexpr VersionRange kFlexibleVersions = since(0);

  struct DescribeClusterBroker {
    int32_t brokerId = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // null = no rack assigned
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribeClusterBroker;
      return std::tuple{
          field("broker_id", &S::brokerId, since(0)),
          field("host", &S::host, since(0)),
          field("port", &S::port, since(0)),
          field("rack", &S::rack, since(0), since(0)),
      };
    }
    bool operator==(const DescribeClusterBroker&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::optional<std::string> errorMessage;  // Kafka's default: null
  int8_t endpointType = 1;
  std::string clusterId;
  int32_t controllerId = -1;
  std::vector<DescribeClusterBroker> brokers;
  int32_t clusterAuthorizedOperations = INT32_MIN;  // INT32_MIN = not requested
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeClusterResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("error_code", &S::errorCode, since(0)),
        field("error_message", &S::errorMessage, since(0), since(0)),
        field("endpoint_type", &S::endpointType, since(1)),
        field("cluster_id", &S::clusterId, since(0)),
        field("controller_id", &S::controllerId, since(0)),
        field("brokers", &S::brokers, since(0)),
        field("cluster_authorized_operations", &S::clusterAuthorizedOperations, since(0)),
    };
  }
  bool operator==(const DescribeClusterResponse&) const = default;
};

}  // namespace kafkalite::protocol
