#pragma once
/// \file
/// CreatePartitions (key 37), versions 0–3; flexible from v2.
///
/// Each topic asks for a new total partition count; assignments, when not null, give
/// the replicas of each added partition in order.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct CreatePartitionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::CreatePartitions;
  static constexpr const char* kName = "CreatePartitionsRequest";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct CreatePartitionsTopic {
    struct CreatePartitionsAssignment {
      std::vector<int32_t> brokerIds;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = CreatePartitionsAssignment;
        return std::tuple{field("broker_ids", &S::brokerIds, since(0))};
      }
      bool operator==(const CreatePartitionsAssignment&) const = default;
    };

    std::string name;
    int32_t count = 0;
    std::optional<std::vector<CreatePartitionsAssignment>> assignments;  // null = the broker places them
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = CreatePartitionsTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("count", &S::count, since(0)),
          field("assignments", &S::assignments, since(0), since(0)),
      };
    }
    bool operator==(const CreatePartitionsTopic&) const = default;
  };

  std::vector<CreatePartitionsTopic> topics;
  int32_t timeoutMs = 0;
  bool validateOnly = false;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = CreatePartitionsRequest;
    return std::tuple{
        field("topics", &S::topics, since(0)),
        field("timeout_ms", &S::timeoutMs, since(0)),
        field("validate_only", &S::validateOnly, since(0)),
    };
  }
  bool operator==(const CreatePartitionsRequest&) const = default;
};

struct CreatePartitionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::CreatePartitions;
  static constexpr const char* kName = "CreatePartitionsResponse";
  static constexpr VersionRange kValidVersions = between(0, 3);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct CreatePartitionsTopicResult {
    std::string name;
    int16_t errorCode = 0;
    std::optional<std::string> errorMessage;  // Kafka's default: null
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = CreatePartitionsTopicResult;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("error_code", &S::errorCode, since(0)),
          field("error_message", &S::errorMessage, since(0), since(0)),
      };
    }
    bool operator==(const CreatePartitionsTopicResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<CreatePartitionsTopicResult> results;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = CreatePartitionsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("results", &S::results, since(0)),
    };
  }
  bool operator==(const CreatePartitionsResponse&) const = default;
};

}  // namespace kafkalite::protocol
