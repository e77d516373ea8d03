#pragma once
/// \file
/// Values that pass between KafkaApis, ReplicaManager and the delayed operations:
/// a broker's storage, produce results, fetch parameters and fetch results.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafkalite/error.hpp"
#include "mockbroker/log.hpp"
#include "mockbroker/partition.hpp"
#include "mockbroker/topic_partition.hpp"

namespace kafkalite::mock {

/// A broker's logs by partition: its "disk". The cluster keeps it across restarts.
struct BrokerStorage {
  LogConfig logConfig;
  std::map<TopicPartition, std::unique_ptr<Log>> logs;
  Log& logFor(const TopicPartition& tp) {
    auto& log = logs[tp];
    if (!log) {
      LogConfig config = logConfig;
      // __consumer_offsets is compacted in Kafka, never trimmed by size: committed offsets
      // must not go with retention.bytes.
      if (isInternalTopic(tp.topic)) config.retentionBytes = -1;
      log = std::make_unique<Log>(config);
    }
    return *log;
  }
};

struct ProducePartitionResult {
  TopicPartition tp;
  ErrorCode error = ErrorCode::NONE;
  int64_t baseOffset = -1;
  int64_t logStartOffset = -1;
  int64_t logAppendTime = -1;  ///< Produce log_append_time_ms (LogAppendTime topics)
  std::string errorMessage;
  std::vector<RecordError> recordErrors;  ///< Produce v8+ record_errors
};
using ProduceCallback = std::function<void(std::vector<ProducePartitionResult>)>;

struct FetchPartitionRequest {
  TopicPartition tp;
  int64_t fetchOffset = 0;
  int32_t partitionMaxBytes = 0;
  int32_t currentLeaderEpoch = -1;
  int32_t lastFetchedEpoch = -1;
};

struct FetchParams {
  int32_t replicaId = -1;  ///< >= 0: a follower (spec 4.1)
  int32_t maxWaitMs = 0;
  int32_t minBytes = 0;
  int32_t maxBytes = INT32_MAX;
  FetchIsolation isolation = FetchIsolation::HighWatermark;
  std::vector<FetchPartitionRequest> partitions;
  [[nodiscard]] bool isFromFollower() const noexcept { return replicaId >= 0; }
};

struct FetchPartitionResult {
  TopicPartition tp;
  ErrorCode error = ErrorCode::NONE;
  int64_t highWatermark = -1;
  int64_t lastStableOffset = -1;
  int64_t logStartOffset = -1;
  std::optional<EpochEndOffset> divergingEpoch;
  /// Whole batches in offset order, referenced where the log holds them; `owners` keep
  /// them alive (the log may drop or truncate them before the response is written).
  std::vector<std::span<const uint8_t>> batches;
  std::vector<std::shared_ptr<const void>> owners;
  std::size_t recordBytes = 0;  ///< total size of `batches`

  /// The batches back to back (tests).
  [[nodiscard]] std::vector<uint8_t> records() const {
    std::vector<uint8_t> out;
    out.reserve(recordBytes);
    for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};
using FetchCallback = std::function<void(std::vector<FetchPartitionResult>)>;

}  // namespace kafkalite::mock
