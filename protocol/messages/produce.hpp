#pragma once
/// \file
/// Produce (key 0), versions 0–9; flexible from v9. v3 is the first version that
/// carries record batches of magic 2 and a transactional id; kafkalite's broker
/// decodes v0–2 only to answer UNSUPPORTED_VERSION in the layout the client expects
/// (Kafka 4.0 does the same: librdkafka needs Produce v0 advertised to compress). Fields Kafka added in v10+ (CurrentLeader, NodeEndpoints) are not
/// modelled: a v9 peer never sends them, and a newer one negotiates down to 9.
///
/// acks = 0 means the broker sends no response at all (the request header still
/// carries a correlation id, but nothing answers it).

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct ProduceRequest {
  static constexpr ApiKey kApiKey = ApiKey::Produce;
  static constexpr const char* kName = "ProduceRequest";
  static constexpr VersionRange kValidVersions = between(0, 9);
  static constexpr VersionRange kFlexibleVersions = since(9);

  struct TopicProduceData {
    struct PartitionProduceData {
      int32_t index = 0;
      Records records;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = PartitionProduceData;
        return std::tuple{
            field("index", &S::index, since(0)),
            field("records", &S::records, since(0), since(0)),
        };
      }
      bool operator==(const PartitionProduceData&) const = default;
    };

    std::string name;
    std::vector<PartitionProduceData> partitionData;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = TopicProduceData;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partition_data", &S::partitionData, since(0)),
      };
    }
    bool operator==(const TopicProduceData&) const = default;
  };

  std::optional<std::string> transactionalId;  ///< null unless the producer is transactional
  int16_t acks = 0;                            ///< 0, 1 or -1 (all in-sync replicas)
  int32_t timeoutMs = 0;
  std::vector<TopicProduceData> topicData;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ProduceRequest;
    return std::tuple{
        field("transactional_id", &S::transactionalId, since(3), since(3)),
        field("acks", &S::acks, since(0)),
        field("timeout_ms", &S::timeoutMs, since(0)),
        field("topic_data", &S::topicData, since(0)),
    };
  }
  bool operator==(const ProduceRequest&) const = default;
};

struct ProduceResponse {
  static constexpr ApiKey kApiKey = ApiKey::Produce;
  static constexpr const char* kName = "ProduceResponse";
  static constexpr VersionRange kValidVersions = between(0, 9);
  static constexpr VersionRange kFlexibleVersions = since(9);

  struct TopicProduceResponse {
    struct PartitionProduceResponse {
      struct BatchIndexAndErrorMessage {
        int32_t batchIndex = 0;
        std::optional<std::string> batchIndexErrorMessage;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = BatchIndexAndErrorMessage;
          return std::tuple{
              field("batch_index", &S::batchIndex, since(8)),
              field("batch_index_error_message", &S::batchIndexErrorMessage, since(8), since(8)),
          };
        }
        bool operator==(const BatchIndexAndErrorMessage&) const = default;
      };

      int32_t index = 0;
      int16_t errorCode = 0;
      int64_t baseOffset = 0;
      int64_t logAppendTimeMs = -1;  ///< -1 unless the topic uses LogAppendTime
      int64_t logStartOffset = -1;
      std::vector<BatchIndexAndErrorMessage> recordErrors;
      std::optional<std::string> errorMessage;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = PartitionProduceResponse;
        return std::tuple{
            field("index", &S::index, since(0)),
            field("error_code", &S::errorCode, since(0)),
            field("base_offset", &S::baseOffset, since(0)),
            field("log_append_time_ms", &S::logAppendTimeMs, since(2)),
            field("log_start_offset", &S::logStartOffset, since(5)),
            field("record_errors", &S::recordErrors, since(8)),
            field("error_message", &S::errorMessage, since(8), since(8)),
        };
      }
      bool operator==(const PartitionProduceResponse&) const = default;
    };

    std::string name;
    std::vector<PartitionProduceResponse> partitionResponses;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = TopicProduceResponse;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partition_responses", &S::partitionResponses, since(0)),
      };
    }
    bool operator==(const TopicProduceResponse&) const = default;
  };

  std::vector<TopicProduceResponse> responses;
  int32_t throttleTimeMs = 0;  // after the topics here, unlike most responses
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = ProduceResponse;
    return std::tuple{
        field("responses", &S::responses, since(0)),
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
    };
  }
  bool operator==(const ProduceResponse&) const = default;
};

}  // namespace kafkalite::protocol
