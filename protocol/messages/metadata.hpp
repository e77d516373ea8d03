#pragma once
/// \file
/// Metadata (key 3), versions 0–12; flexible from v9.
///
/// The request's topic list changes meaning at v1: in v0 the array is not nullable
/// and an empty array asks for every topic; from v1 null asks for every topic and
/// an empty array asks for none. Topic IDs appear in v10; a request topic may then
/// name a topic by ID with a null name, and from v12 a response topic whose ID is
/// unknown carries a null name. cluster_authorized_operations exists only in
/// v8–10 (later versions moved it to DescribeCluster).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct MetadataRequest {
  static constexpr ApiKey kApiKey = ApiKey::Metadata;
  static constexpr const char* kName = "MetadataRequest";
  static constexpr VersionRange kValidVersions = between(0, 12);
  static constexpr VersionRange kFlexibleVersions = since(9);

  struct MetadataRequestTopic {
    Uuid topicId;
    std::optional<std::string> name = std::string();  // null (by ID only) allowed from v10
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MetadataRequestTopic;
      return std::tuple{
          field("topic_id", &S::topicId, since(10)),
          field("name", &S::name, since(0), since(10)),
      };
    }
    bool operator==(const MetadataRequestTopic&) const = default;
  };

  // Kafka's default is an empty list. From v1 null means "all topics"; null
  // cannot be written at v0, where the caller sends [] for "all topics".
  std::optional<std::vector<MetadataRequestTopic>> topics = std::vector<MetadataRequestTopic>();
  bool allowAutoTopicCreation = true;
  bool includeClusterAuthorizedOperations = false;
  bool includeTopicAuthorizedOperations = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = MetadataRequest;
    return std::tuple{
        field("topics", &S::topics, since(0), since(1)),
        field("allow_auto_topic_creation", &S::allowAutoTopicCreation, since(4)),
        field("include_cluster_authorized_operations", &S::includeClusterAuthorizedOperations, between(8, 10)),
        field("include_topic_authorized_operations", &S::includeTopicAuthorizedOperations, since(8)),
    };
  }
  bool operator==(const MetadataRequest&) const = default;
};

struct MetadataResponse {
  static constexpr ApiKey kApiKey = ApiKey::Metadata;
  static constexpr const char* kName = "MetadataResponse";
  static constexpr VersionRange kValidVersions = between(0, 12);
  static constexpr VersionRange kFlexibleVersions = since(9);

  struct MetadataResponseBroker {
    int32_t nodeId = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // null = no rack assigned
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MetadataResponseBroker;
      return std::tuple{
          field("node_id", &S::nodeId, since(0)),
          field("host", &S::host, since(0)),
          field("port", &S::port, since(0)),
          field("rack", &S::rack, since(1), since(1)),
      };
    }
    bool operator==(const MetadataResponseBroker&) const = default;
  };

  struct MetadataResponseTopic {
    struct MetadataResponsePartition {
      int16_t errorCode = 0;
      int32_t partitionIndex = 0;
      int32_t leaderId = 0;
      int32_t leaderEpoch = -1;
      std::vector<int32_t> replicaNodes;
      std::vector<int32_t> isrNodes;
      std::vector<int32_t> offlineReplicas;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = MetadataResponsePartition;
        return std::tuple{
            field("error_code", &S::errorCode, since(0)),
            field("partition_index", &S::partitionIndex, since(0)),
            field("leader_id", &S::leaderId, since(0)),
            field("leader_epoch", &S::leaderEpoch, since(7)),
            field("replica_nodes", &S::replicaNodes, since(0)),
            field("isr_nodes", &S::isrNodes, since(0)),
            field("offline_replicas", &S::offlineReplicas, since(5)),
        };
      }
      bool operator==(const MetadataResponsePartition&) const = default;
    };

    int16_t errorCode = 0;
    std::optional<std::string> name = std::string();  // null allowed from v12 (unknown topic ID)
    Uuid topicId;
    bool isInternal = false;
    std::vector<MetadataResponsePartition> partitions;
    int32_t topicAuthorizedOperations = INT32_MIN;  // INT32_MIN = not requested
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = MetadataResponseTopic;
      return std::tuple{
          field("error_code", &S::errorCode, since(0)),
          field("name", &S::name, since(0), since(12)),
          field("topic_id", &S::topicId, since(10)),
          field("is_internal", &S::isInternal, since(1)),
          field("partitions", &S::partitions, since(0)),
          field("topic_authorized_operations", &S::topicAuthorizedOperations, since(8)),
      };
    }
    bool operator==(const MetadataResponseTopic&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<MetadataResponseBroker> brokers;
  std::optional<std::string> clusterId;
  int32_t controllerId = -1;
  std::vector<MetadataResponseTopic> topics;
  int32_t clusterAuthorizedOperations = INT32_MIN;  // INT32_MIN = not requested
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = MetadataResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(3)),
        field("brokers", &S::brokers, since(0)),
        field("cluster_id", &S::clusterId, since(2), since(2)),
        field("controller_id", &S::controllerId, since(1)),
        field("topics", &S::topics, since(0)),
        field("cluster_authorized_operations", &S::clusterAuthorizedOperations, between(8, 10)),
    };
  }
  bool operator==(const MetadataResponse&) const = default;
};

}  // namespace kafkalite::protocol
