#pragma once
/// \file
/// CreateTopics (key 19), versions 0–7; flexible from v5.
///
/// A topic gives either num_partitions and replication_factor (-1 = the broker's
/// default, from v4) or an explicit replica assignment with both set to -1.
/// validate_only (v1+) checks everything and creates nothing. From v5 a created topic's
/// partition count, replication factor and configs come back in the response (KIP-525);
/// v7 adds the new topic's id.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct CreateTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::CreateTopics;
  static constexpr const char* kName = "CreateTopicsRequest";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(5);

  struct CreatableTopic {
    struct CreatableReplicaAssignment {
      int32_t partitionIndex = 0;
      std::vector<int32_t> brokerIds;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = CreatableReplicaAssignment;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("broker_ids", &S::brokerIds, since(0)),
        };
      }
      bool operator==(const CreatableReplicaAssignment&) const = default;
    };
    struct CreatableTopicConfig {
      std::string name;
      std::optional<std::string> value = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = CreatableTopicConfig;
        return std::tuple{
            field("name", &S::name, since(0)),
            field("value", &S::value, since(0), since(0)),
        };
      }
      bool operator==(const CreatableTopicConfig&) const = default;
    };

    std::string name;
    int32_t numPartitions = 0;
    int16_t replicationFactor = 0;
    std::vector<CreatableReplicaAssignment> assignments;
    std::vector<CreatableTopicConfig> configs;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = CreatableTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("num_partitions", &S::numPartitions, since(0)),
          field("replication_factor", &S::replicationFactor, since(0)),
          field("assignments", &S::assignments, since(0)),
          field("configs", &S::configs, since(0)),
      };
    }
    bool operator==(const CreatableTopic&) const = default;
  };

  std::vector<CreatableTopic> topics;
  int32_t timeoutMs = 60000;
  bool validateOnly = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = CreateTopicsRequest;
    return std::tuple{
        field("topics", &S::topics, since(0)),
        field("timeout_ms", &S::timeoutMs, since(0)),
        field("validate_only", &S::validateOnly, since(1)),
    };
  }
  bool operator==(const CreateTopicsRequest&) const = default;
};

struct CreateTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::CreateTopics;
  static constexpr const char* kName = "CreateTopicsResponse";
  static constexpr VersionRange kValidVersions = between(0, 7);
  static constexpr VersionRange kFlexibleVersions = since(5);

  struct CreatableTopicResult {
    struct CreatableTopicConfigs {
      std::string name;
      std::optional<std::string> value = std::string();
      bool readOnly = false;
      int8_t configSource = -1;
      bool isSensitive = false;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = CreatableTopicConfigs;
        return std::tuple{
            field("name", &S::name, since(5)),
            field("value", &S::value, since(5), since(5)),
            field("read_only", &S::readOnly, since(5)),
            field("config_source", &S::configSource, since(5)),
            field("is_sensitive", &S::isSensitive, since(5)),
        };
      }
      bool operator==(const CreatableTopicConfigs&) const = default;
    };

    std::string name;
    Uuid topicId;
    int16_t errorCode = 0;
    std::optional<std::string> errorMessage = std::string();  // null when there is no error
    int16_t topicConfigErrorCode = 0;
    int32_t numPartitions = -1;
    int16_t replicationFactor = -1;
    std::optional<std::vector<CreatableTopicConfigs>> configs = std::vector<CreatableTopicConfigs>();
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = CreatableTopicResult;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("topic_id", &S::topicId, since(7)),
          field("error_code", &S::errorCode, since(0)),
          field("error_message", &S::errorMessage, since(1), since(0)),
          taggedField("topic_config_error_code", &S::topicConfigErrorCode, since(5), 0),
          field("num_partitions", &S::numPartitions, since(5)),
          field("replication_factor", &S::replicationFactor, since(5)),
          field("configs", &S::configs, since(5), since(5)),
      };
    }
    bool operator==(const CreatableTopicResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<CreatableTopicResult> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = CreateTopicsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(2)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const CreateTopicsResponse&) const = default;
};

}  // namespace kafkalite::protocol
