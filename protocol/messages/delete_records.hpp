#pragma once
/// \file
/// DeleteRecords (key 21), versions 0–2; flexible from v2.
///
/// Moves each partition's log start offset up to `offset` (-1 = the high watermark);
/// the response gives the new low watermark.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DeleteRecordsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DeleteRecords;
  static constexpr const char* kName = "DeleteRecordsRequest";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  /// `offset` value that means "the partition's high watermark".
  static constexpr int64_t kHighWatermark = -1;

  struct DeleteRecordsTopic {
    struct DeleteRecordsPartition {
      int32_t partitionIndex = 0;
      int64_t offset = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = DeleteRecordsPartition;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("offset", &S::offset, since(0)),
        };
      }
      bool operator==(const DeleteRecordsPartition&) const = default;
    };

    std::string name;
    std::vector<DeleteRecordsPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DeleteRecordsTopic;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const DeleteRecordsTopic&) const = default;
  };

  std::vector<DeleteRecordsTopic> topics;
  int32_t timeoutMs = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteRecordsRequest;
    return std::tuple{
        field("topics", &S::topics, since(0)),
        field("timeout_ms", &S::timeoutMs, since(0)),
    };
  }
  bool operator==(const DeleteRecordsRequest&) const = default;
};

struct DeleteRecordsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DeleteRecords;
  static constexpr const char* kName = "DeleteRecordsResponse";
  static constexpr VersionRange kValidVersions = between(0, 2);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct DeleteRecordsTopicResult {
    struct DeleteRecordsPartitionResult {
      int32_t partitionIndex = 0;
      int64_t lowWatermark = 0;
      int16_t errorCode = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = DeleteRecordsPartitionResult;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("low_watermark", &S::lowWatermark, since(0)),
            field("error_code", &S::errorCode, since(0)),
        };
      }
      bool operator==(const DeleteRecordsPartitionResult&) const = default;
    };

    std::string name;
    std::vector<DeleteRecordsPartitionResult> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DeleteRecordsTopicResult;
      return std::tuple{
          field("name", &S::name, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const DeleteRecordsTopicResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  std::vector<DeleteRecordsTopicResult> topics;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DeleteRecordsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("topics", &S::topics, since(0)),
    };
  }
  bool operator==(const DeleteRecordsResponse&) const = default;
};

}  // namespace kafkalite::protocol
