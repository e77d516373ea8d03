#pragma once
/// \file
/// DescribeLogDirs (key 35), versions 0–4; flexible from v2.
///
/// A broker's log directories and, in each, the size and lag of every partition it
/// holds (of the topics asked for, or all of them when topics is null). v3 adds a
/// top-level error code, v4 the volume's total and usable bytes (-1 = unknown).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct DescribeLogDirsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DescribeLogDirs;
  static constexpr const char* kName = "DescribeLogDirsRequest";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct DescribableLogDirTopic {
    std::string topic;
    std::vector<int32_t> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribableLogDirTopic;
      return std::tuple{
          field("topic", &S::topic, since(0)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const DescribableLogDirTopic&) const = default;
  };

  std::optional<std::vector<DescribableLogDirTopic>> topics = std::vector<DescribableLogDirTopic>();  // null = all
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeLogDirsRequest;
    return std::tuple{field("topics", &S::topics, since(0), since(0))};
  }
  bool operator==(const DescribeLogDirsRequest&) const = default;
};

struct DescribeLogDirsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DescribeLogDirs;
  static constexpr const char* kName = "DescribeLogDirsResponse";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(2);

  struct DescribeLogDirsResult {
    struct DescribeLogDirsTopic {
      struct DescribeLogDirsPartition {
        int32_t partitionIndex = 0;
        int64_t partitionSize = 0;
        int64_t offsetLag = 0;
        bool isFutureKey = false;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = DescribeLogDirsPartition;
          return std::tuple{
              field("partition_index", &S::partitionIndex, since(0)),
              field("partition_size", &S::partitionSize, since(0)),
              field("offset_lag", &S::offsetLag, since(0)),
              field("is_future_key", &S::isFutureKey, since(0)),
          };
        }
        bool operator==(const DescribeLogDirsPartition&) const = default;
      };

      std::string name;
      std::vector<DescribeLogDirsPartition> partitions;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = DescribeLogDirsTopic;
        return std::tuple{
            field("name", &S::name, since(0)),
            field("partitions", &S::partitions, since(0)),
        };
      }
      bool operator==(const DescribeLogDirsTopic&) const = default;
    };

    int16_t errorCode = 0;
    std::string logDir;
    std::vector<DescribeLogDirsTopic> topics;
    int64_t totalBytes = -1;
    int64_t usableBytes = -1;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = DescribeLogDirsResult;
      return std::tuple{
          field("error_code", &S::errorCode, since(0)),
          field("log_dir", &S::logDir, since(0)),
          field("topics", &S::topics, since(0)),
          field("total_bytes", &S::totalBytes, since(4)),
          field("usable_bytes", &S::usableBytes, since(4)),
      };
    }
    bool operator==(const DescribeLogDirsResult&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  std::vector<DescribeLogDirsResult> results;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = DescribeLogDirsResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("error_code", &S::errorCode, since(3)),
        field("results", &S::results, since(0)),
    };
  }
  bool operator==(const DescribeLogDirsResponse&) const = default;
};

}  // namespace kafkalite::protocol
