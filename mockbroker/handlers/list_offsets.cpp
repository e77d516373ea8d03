#include <set>

#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/list_offsets.hpp"

namespace kafkalite::mock {

namespace {

using PartitionResponse = protocol::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse;

constexpr int64_t kLatestTimestamp = -1;
constexpr int64_t kEarliestTimestamp = -2;
constexpr int64_t kMaxTimestamp = -3;           // v7+
constexpr int64_t kEarliestLocalTimestamp = -4;  // v8+, beyond what this broker serves
constexpr int64_t kLatestTieredTimestamp = -5;   // v9+
constexpr int32_t kConsumerReplicaId = -1;  // ListOffsetsRequest.CONSUMER_REPLICA_ID
constexpr int32_t kDebuggingReplicaId = -2;  // reads any replica, not only the leader

// Kafka's Partition.fetchOffsetForTimestamp and ReplicaManager.fetchOffset for one
// partition of this broker. Returns the error, filling `pr` on success.
ErrorCode lookUp(const Partition& partition, int64_t timestamp, int32_t replicaId, int16_t version,
                 PartitionResponse& pr) {
  // Clients read up to the HW (read_committed: the LSO, the same here); followers and the
  // debugging id up to the LEO, and only clients are told OFFSET_NOT_AVAILABLE.
  const bool fromClient = replicaId == kConsumerReplicaId;
  const int64_t lastFetchableOffset = fromClient ? partition.highWatermark() : partition.logEndOffset();
  // Right after a leader change the new leader's HW can lag the offsets earlier leaders
  // acknowledged: until it reaches this epoch's start offset, "latest" and lookups at or
  // past the HW are not answered (OFFSET_NOT_AVAILABLE from v5, LEADER_NOT_AVAILABLE before).
  const bool lagging = fromClient && partition.leaderEpochStartOffset() > partition.highWatermark();
  const ErrorCode notAvailable = version >= 5 ? ErrorCode::OFFSET_NOT_AVAILABLE : ErrorCode::LEADER_NOT_AVAILABLE;

  if (timestamp == kLatestTimestamp) {
    if (lagging) return notAvailable;
    pr.offset = lastFetchableOffset;
    pr.leaderEpoch = partition.leaderEpoch();
    return ErrorCode::NONE;
  }
  if (timestamp == kEarliestTimestamp) {
    pr.offset = partition.logStartOffset();
    // UnifiedLog.fetchOffsetByTimestamp: the earliest cached epoch, if it covers the log start.
    const auto earliest = partition.log().earliestEpochEntry();
    pr.leaderEpoch = earliest && earliest->second <= partition.logStartOffset() ? earliest->first : -1;
    return ErrorCode::NONE;
  }
  // A timestamp, or -3 (MAX_TIMESTAMP, v7+): found in the log, then kept only below the
  // last fetchable offset (ReplicaManager.fetchOffset); past it, "not found" or, while the
  // HW lags, OFFSET_NOT_AVAILABLE.
  const auto found = timestamp == kMaxTimestamp ? partition.log().offsetOfMaxTimestamp() : partition.log().offsetForTimestamp(timestamp);
  if (found && found->offset < lastFetchableOffset) {
    pr.timestamp = found->timestamp;
    pr.offset = found->offset;
    pr.leaderEpoch = found->leaderEpoch;  // the found batch's epoch (v4+)
    return ErrorCode::NONE;
  }
  return lagging ? notAvailable : ErrorCode::NONE;
}

}  // namespace

void KafkaApis::handleListOffsetsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::ListOffsetsRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  // KafkaApis: a partition named twice in one request is INVALID_REQUEST for each mention.
  std::set<TopicPartition> seen;
  std::set<TopicPartition> duplicates;
  for (const auto& topic : body.topics) {
    for (const auto& p : topic.partitions) {
      if (!seen.insert({topic.name, p.partitionIndex}).second) duplicates.insert({topic.name, p.partitionIndex});
    }
  }
  protocol::ListOffsetsResponse response;
  for (const auto& topic : body.topics) {
    response.topics.push_back({topic.name, {}, {}});
    for (const auto& p : topic.partitions) {
      PartitionResponse pr;
      pr.partitionIndex = p.partitionIndex;
      const TopicPartition tp{topic.name, p.partitionIndex};
      ErrorCode error = ErrorCode::NONE;
      if (injected) {
        error = *injected;
      } else if (duplicates.contains(tp)) {
        error = ErrorCode::INVALID_REQUEST;
      } else if ((p.timestamp == kMaxTimestamp && version < 7) || p.timestamp == kEarliestLocalTimestamp ||
                 p.timestamp == kLatestTieredTimestamp) {
        // ReplicaManager.isListOffsetsTimestampUnsupported: -3 needs v7, -4 v8, -5 v9.
        error = ErrorCode::UNSUPPORTED_VERSION;
      } else {
        // The debugging replica id may read a follower; everyone else needs the leader.
        const auto [partition, lookupError] = body.replicaId == kDebuggingReplicaId
                                                  ? ctx_.replicaManager.getPartitionOrError(tp)
                                                  : ctx_.replicaManager.getLeaderPartitionOrError(tp);
        error = lookupError;
        if (error == ErrorCode::NONE) error = partition->checkCurrentLeaderEpoch(p.currentLeaderEpoch);  // spec 2.7
        if (error == ErrorCode::NONE) error = lookUp(*partition, p.timestamp, body.replicaId, version, pr);
      }
      if (error != ErrorCode::NONE) {
        pr = PartitionResponse{};  // no offsets with an error
        pr.partitionIndex = p.partitionIndex;
      }
      pr.errorCode = static_cast<int16_t>(error);
      response.topics.back().partitions.push_back(pr);
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
