#pragma once
/// \file
/// Fetch (key 1), versions 4–12; flexible from v12. v4 is the first version whose
/// answer may hold record batches of magic 2 (and carries the isolation level).
/// Topics are named by string up to v12; Kafka replaces the name with a topic id in
/// v13, which kafkalite does not serve, so TopicId, ReplicaState (v15+),
/// ReplicaDirectoryId (v17+) and NodeEndpoints (v16+) are not modelled.
///
/// In v12 the request's cluster_id and the response's diverging_epoch,
/// current_leader and snapshot_id are tagged fields: they are written only when they
/// differ from their defaults, and never before v12.

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct FetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::Fetch;
  static constexpr const char* kName = "FetchRequest";
  static constexpr VersionRange kValidVersions = between(4, 12);
  static constexpr VersionRange kFlexibleVersions = since(12);

  struct FetchTopic {
    struct FetchPartition {
      int32_t partition = 0;
      int32_t currentLeaderEpoch = -1;
      int64_t fetchOffset = 0;
      int32_t lastFetchedEpoch = -1;
      int64_t logStartOffset = -1;  ///< only meaningful when a follower fetches
      int32_t partitionMaxBytes = 0;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = FetchPartition;
        return std::tuple{
            field("partition", &S::partition, since(0)),
            field("current_leader_epoch", &S::currentLeaderEpoch, since(9)),
            field("fetch_offset", &S::fetchOffset, since(0)),
            field("last_fetched_epoch", &S::lastFetchedEpoch, since(12)),
            field("log_start_offset", &S::logStartOffset, since(5)),
            field("partition_max_bytes", &S::partitionMaxBytes, since(0)),
        };
      }
      bool operator==(const FetchPartition&) const = default;
    };

    std::string topic;
    std::vector<FetchPartition> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = FetchTopic;
      return std::tuple{
          field("topic", &S::topic, between(0, 12)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const FetchTopic&) const = default;
  };

  struct ForgottenTopic {
    std::string topic;
    std::vector<int32_t> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = ForgottenTopic;
      return std::tuple{
          field("topic", &S::topic, between(7, 12)),
          field("partitions", &S::partitions, since(7)),
      };
    }
    bool operator==(const ForgottenTopic&) const = default;
  };

  int32_t replicaId = -1;  ///< the fetching broker's id, or -1 for a consumer
  int32_t maxWaitMs = 0;
  int32_t minBytes = 0;
  int32_t maxBytes = INT32_MAX;
  int8_t isolationLevel = 0;  ///< 0 read_uncommitted, 1 read_committed
  int32_t sessionId = 0;
  int32_t sessionEpoch = -1;
  std::vector<FetchTopic> topics;
  std::vector<ForgottenTopic> forgottenTopicsData;
  std::string rackId;
  std::optional<std::string> clusterId;  ///< tagged (tag 0) from v12
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = FetchRequest;
    return std::tuple{
        field("replica_id", &S::replicaId, between(0, 14)),
        field("max_wait_ms", &S::maxWaitMs, since(0)),
        field("min_bytes", &S::minBytes, since(0)),
        field("max_bytes", &S::maxBytes, since(3)),
        field("isolation_level", &S::isolationLevel, since(4)),
        field("session_id", &S::sessionId, since(7)),
        field("session_epoch", &S::sessionEpoch, since(7)),
        field("topics", &S::topics, since(0)),
        field("forgotten_topics_data", &S::forgottenTopicsData, since(7)),
        field("rack_id", &S::rackId, since(11)),
        taggedField("cluster_id", &S::clusterId, since(12), 0, since(12)),
    };
  }
  bool operator==(const FetchRequest&) const = default;
};

struct FetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::Fetch;
  static constexpr const char* kName = "FetchResponse";
  static constexpr VersionRange kValidVersions = between(4, 12);
  static constexpr VersionRange kFlexibleVersions = since(12);

  struct FetchableTopicResponse {
    struct PartitionData {
      struct EpochEndOffset {
        int32_t epoch = -1;
        int64_t endOffset = -1;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = EpochEndOffset;
          return std::tuple{
              field("epoch", &S::epoch, since(12)),
              field("end_offset", &S::endOffset, since(12)),
          };
        }
        bool operator==(const EpochEndOffset&) const = default;
      };
      struct LeaderIdAndEpoch {
        int32_t leaderId = -1;
        int32_t leaderEpoch = -1;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = LeaderIdAndEpoch;
          return std::tuple{
              field("leader_id", &S::leaderId, since(12)),
              field("leader_epoch", &S::leaderEpoch, since(12)),
          };
        }
        bool operator==(const LeaderIdAndEpoch&) const = default;
      };
      struct SnapshotId {
        int64_t endOffset = -1;
        int32_t epoch = -1;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = SnapshotId;
          return std::tuple{
              field("end_offset", &S::endOffset, since(0)),
              field("epoch", &S::epoch, since(0)),
          };
        }
        bool operator==(const SnapshotId&) const = default;
      };
      struct AbortedTransaction {
        int64_t producerId = 0;
        int64_t firstOffset = 0;
        TaggedFields unknownTaggedFields;
        static constexpr auto fields() {
          using S = AbortedTransaction;
          return std::tuple{
              field("producer_id", &S::producerId, since(4)),
              field("first_offset", &S::firstOffset, since(4)),
          };
        }
        bool operator==(const AbortedTransaction&) const = default;
      };

      int32_t partitionIndex = 0;
      int16_t errorCode = 0;
      int64_t highWatermark = 0;
      int64_t lastStableOffset = -1;
      int64_t logStartOffset = -1;
      EpochEndOffset divergingEpoch;    ///< tagged (tag 0) from v12
      LeaderIdAndEpoch currentLeader;   ///< tagged (tag 1) from v12
      SnapshotId snapshotId;            ///< tagged (tag 2) from v12
      /// Kafka's default is an empty list, not null; null is legal on the wire.
      std::optional<std::vector<AbortedTransaction>> abortedTransactions = std::vector<AbortedTransaction>{};
      int32_t preferredReadReplica = -1;  ///< anything but -1 makes a v11+ consumer go elsewhere
      Records records;
      TaggedFields unknownTaggedFields;
      static constexpr auto fields() {
        using S = PartitionData;
        return std::tuple{
            field("partition_index", &S::partitionIndex, since(0)),
            field("error_code", &S::errorCode, since(0)),
            field("high_watermark", &S::highWatermark, since(0)),
            field("last_stable_offset", &S::lastStableOffset, since(4)),
            field("log_start_offset", &S::logStartOffset, since(5)),
            taggedField("diverging_epoch", &S::divergingEpoch, since(12), 0),
            taggedField("current_leader", &S::currentLeader, since(12), 1),
            taggedField("snapshot_id", &S::snapshotId, since(12), 2),
            field("aborted_transactions", &S::abortedTransactions, since(4), since(4)),
            field("preferred_read_replica", &S::preferredReadReplica, since(11)),
            field("records", &S::records, since(0), since(0)),
        };
      }
      bool operator==(const PartitionData&) const = default;
    };

    std::string topic;
    std::vector<PartitionData> partitions;
    TaggedFields unknownTaggedFields;
    static constexpr auto fields() {
      using S = FetchableTopicResponse;
      return std::tuple{
          field("topic", &S::topic, between(0, 12)),
          field("partitions", &S::partitions, since(0)),
      };
    }
    bool operator==(const FetchableTopicResponse&) const = default;
  };

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  int32_t sessionId = 0;
  std::vector<FetchableTopicResponse> responses;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = FetchResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(1)),
        field("error_code", &S::errorCode, since(7)),
        field("session_id", &S::sessionId, since(7)),
        field("responses", &S::responses, since(0)),
    };
  }
  bool operator==(const FetchResponse&) const = default;
};

}  // namespace kafkalite::protocol
