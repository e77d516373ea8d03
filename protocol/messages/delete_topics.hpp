#pragma once
/// \file
/// DeleteTopics (key 20), versions 0–6; flexible from v4.
///
/// Up to v5 the request names topics (topic_names); v6 replaces that with topics[],
/// each named by name or by topic id (the other null / zero). The response carries an
/// error message from v5 and the topic id from v6, where the name may be null (a topic
/// asked for by an id that does not exist).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DeleteTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DeleteTopics;
  static constexpr const char* kName = "DeleteTopicsRequest";
  static constexpr VersionRange kValidVersions = between(0, 6);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct DeleteTopicState {
    std::optional<std::string> name;  // Kafka's default: null
    Uuid topicId;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DeleteTopicState;
      return std::tuple{
          field("name", &S::name, since(6), since(6)),
          field("topic_id", &S::topicId, since(6)),
      };
    }
    bool operator==(const DeleteTopicState&) const = default;
  };

  std::vector<DeleteTopicState> topics;
  std::vector<std::string> topicNames;
  int32_t timeoutMs = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteTopicsRequest;
    return std::tuple{
        field("topics", &S::topics, since(6)),
        field("topic_names", &S::topicNames, between(0, 5)),
        field("timeout_ms", &S::timeoutMs, since(0)),
    };
  }
  bool operator==(const DeleteTopicsRequest&) const = default;
};

struct DeleteTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DeleteTopics;
  static constexpr const char* kName = "DeleteTopicsResponse";
  static constexpr VersionRange kValidVersions = between(0, 6);
  static constexpr VersionRange kFlexibleVersions = since(4);

  struct DeletableTopicResult {
    std::optional<std::string> name = std::string();  // null allowed from v6
    Uuid topicId;
    int16_t errorCode = 0;
    std::optional<std::string> errorMessage;  // Kafka's default: null
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DeletableTopicResult;
      return std::tuple{
          field("name", &S::name, since(0), since(6)),
          field("topic_id", &S::topicId, since(6)),
          field("error_code", &S::errorCode, since(0)),
          field("error_message", &S::errorMessage, since(5), since(5)),
      };
    }
    bool operator==(const DeletableTopicResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<DeletableTopicResult> responses;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteTopicsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("responses", &S::responses, since(0)),
    };
  }
  bool operator==(const DeleteTopicsResponse&) const = default;
};

}  // namespace kafkalite::protocol
