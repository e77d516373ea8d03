#pragma once
/// \file
/// ElectLeaders (key 43), versions 0–2; flexible from v2.
///
/// v0 always elects the preferred replica; v1 adds election_type (KIP-460: 0 =
/// preferred, 1 = unclean) and a top-level error code. A null topic_partitions asks
/// for every partition.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct ElectLeadersRequest {
  static constexpr ApiKey kApiKey = ApiKey::ElectLeaders;
  static constexpr const char* kName = "ElectLeadersRequest";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  /// election_type values (Kafka's ElectionType).
  static constexpr int8_t kPreferred = 0;
  static constexpr int8_t kUnclean = 1;

  struct TopicPartitions {
    std::string topic;
    std::vector<int32_t> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = TopicPartitions;
      return std::tuple{
          field("topic", &S::topic, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const TopicPartitions&) const = default;
  };

  int8_t electionType = kPreferred;
  std::optional<std::vector<TopicPartitions>> topicPartitions = std::vector<TopicPartitions>();  // null = all
  int32_t timeoutMs = 60000;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ElectLeadersRequest;
    return std::tuple{
        field("election_type", &S::electionType, since(1)),
        field("topic_partitions", &S::topicPartitions, since(0), since(0)),
        field("timeout_ms", &S::timeoutMs, since(0)),
    };
  }
  bool operator==(const ElectLeadersRequest&) const = default;
};

struct ElectLeadersResponse {
  static constexpr ApiKey kApiKey = ApiKey::ElectLeaders;
  static constexpr const char* kName = "ElectLeadersResponse";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct ReplicaElectionResult {
    struct PartitionResult {
      int32_t partitionId = 0;
      int16_t errorCode = 0;
      std::optional<std::string> errorMessage = std::string();
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = PartitionResult;
        return std::tuple{
            field("partition_id", &S::partitionId, since(0)),
            field("error_code", &S::errorCode, since(0)),
            field("error_message", &S::errorMessage, since(0), since(0)),
        };
      }
      bool operator==(const PartitionResult&) const = default;
    };

    std::string topic;
    std::vector<PartitionResult> partitionResult;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ReplicaElectionResult;
      return std::tuple{
          field("topic", &S::topic, since(0)),
          field("partition_result", &S::partitionResult, since(0)),
      };
    }
    bool operator==(const ReplicaElectionResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::vector<ReplicaElectionResult> replicaElectionResults;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ElectLeadersResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("error_code", &S::errorCode, since(1)),
        field("replica_election_results", &S::replicaElectionResults, since(0)),
    };
  }
  bool operator==(const ElectLeadersResponse&) const = default;
};

}  // namespace kafkalite::protocol
