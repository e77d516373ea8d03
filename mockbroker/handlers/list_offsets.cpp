#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/list_offsets.hpp"

namespace kafkalite::mock {

namespace {
constexpr int64_t kLatestTimestamp = -1;
constexpr int64_t kEarliestTimestamp = -2;
constexpr int64_t kMaxTimestamp = -3;  // v7+
}  // namespace

void KafkaApis::handleListOffsetsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::ListOffsetsRequest body;
  if (!decodeBody(request, body)) return;
  protocol::ListOffsetsResponse response;
  for (const auto& topic : body.topics) {
    response.topics.push_back({topic.name, {}, {}});
    for (const auto& p : topic.partitions) {
      protocol::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse pr;
      pr.partitionIndex = p.partitionIndex;
      const TopicPartition tp{topic.name, p.partitionIndex};
      const Partition* partition = ctx_.replicaManager.partition(tp);
      ErrorCode error = ErrorCode::NONE;
      if (injected) {
        error = *injected;
      } else if (partition == nullptr) {
        error = ctx_.controller.partition(tp) ? ErrorCode::NOT_LEADER_OR_FOLLOWER : ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
      } else if (!partition->isLeader()) {
        error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
      } else {
        error = partition->checkCurrentLeaderEpoch(p.currentLeaderEpoch);
      }
      if (error == ErrorCode::NONE) {
        pr.leaderEpoch = partition->leaderEpoch();
        if (p.timestamp == kEarliestTimestamp) {
          pr.offset = partition->logStartOffset();
        } else if (p.timestamp == kLatestTimestamp) {
          // Consumers see up to the HW (read_committed: the LSO, equal here); followers the LEO.
          pr.offset = body.replicaId >= 0 ? partition->logEndOffset() : partition->highWatermark();
        } else if (p.timestamp == kMaxTimestamp) {
          if (const auto found = partition->log().offsetOfMaxTimestamp()) {
            pr.timestamp = found->first;
            pr.offset = found->second;
          }
        } else if (const auto found = partition->log().offsetForTimestamp(p.timestamp);
                   found && found->second < partition->highWatermark()) {
          pr.timestamp = found->first;
          pr.offset = found->second;
        }
      }
      pr.errorCode = static_cast<int16_t>(error);
      response.topics.back().partitions.push_back(pr);
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
