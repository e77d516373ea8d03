#include <map>
#include <memory>

#include "mockbroker/controller.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/offset_commit.hpp"

namespace kafkalite::mock {

void KafkaApis::handleOffsetCommitRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::OffsetCommitRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  // The response mirrors the request's topics and partitions. Unknown topics and
  // partitions are answered now (Kafka's KafkaApis checks its metadata cache); the rest
  // once the commit is written.
  auto response = std::make_shared<protocol::OffsetCommitResponse>();
  std::map<TopicPartition, OffsetAndMetadata> toCommit;
  for (const auto& topic : body.topics) {
    response->topics.push_back({topic.name, {}, {}});
    const bool topicKnown = ctx_.controller.topicExists(topic.name);
    for (const auto& p : topic.partitions) {
      const TopicPartition tp{topic.name, p.partitionIndex};
      ErrorCode error = ErrorCode::NONE;
      if (injected) {
        error = *injected;
      } else if (!topicKnown || !ctx_.controller.partition(tp)) {
        error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
      } else {
        OffsetAndMetadata o;
        o.committedOffset = p.committedOffset;
        o.leaderEpoch = version >= 6 ? p.committedLeaderEpoch : -1;
        o.metadata = p.committedMetadata.value_or("");
        o.commitTimestampMs = version == 1 ? p.commitTimestamp : -1;  // -1: the coordinator's time
        toCommit[tp] = std::move(o);  // a partition named twice: the last one counts
      }
      response->topics.back().partitions.push_back({p.partitionIndex, static_cast<int16_t>(error), {}});
    }
  }
  if (toCommit.empty()) {
    sendResponse(request, *response);
    return;
  }
  std::vector<std::pair<TopicPartition, OffsetAndMetadata>> offsets(toCommit.begin(), toCommit.end());
  // v0 has no generation or member: a commit from outside group management (Kafka stored
  // those in ZooKeeper; here they share the group's store).
  ctx_.groupCoordinator.handleCommitOffsets(
      body.groupId, body.memberId, body.groupInstanceId, version == 0 ? -1 : body.generationIdOrMemberEpoch,
      std::move(offsets), [this, request, response](std::map<TopicPartition, ErrorCode> status) {
        for (auto& topic : response->topics) {
          for (auto& p : topic.partitions) {
            if (p.errorCode != 0) continue;
            const auto it = status.find(TopicPartition{topic.name, p.partitionIndex});
            if (it != status.end()) p.errorCode = static_cast<int16_t>(it->second);
          }
        }
        sendResponse(request, *response);
      });
}

}  // namespace kafkalite::mock
