#include "mockbroker/controller.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/offset_delete.hpp"

namespace kafkalite::mock {

void KafkaApis::handleOffsetDeleteRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::OffsetDeleteRequest body;
  if (!decodeBody(request, body)) return;
  protocol::OffsetDeleteResponse response;
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
    sendResponse(request, response);
    return;
  }
  // Unknown topics and partitions are answered here (Kafka's KafkaApis); the coordinator
  // decides for the others.
  std::vector<TopicPartition> known;
  for (const auto& topic : body.topics) {
    response.topics.push_back({topic.name, {}, {}});
    const bool topicKnown = ctx_.controller.topicExists(topic.name);
    for (const auto& p : topic.partitions) {
      const TopicPartition tp{topic.name, p.partitionIndex};
      int16_t error = 0;
      if (!topicKnown || !ctx_.controller.partition(tp)) {
        error = static_cast<int16_t>(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else {
        known.push_back(tp);
      }
      response.topics.back().partitions.push_back({p.partitionIndex, error, {}});
    }
  }
  const auto [groupError, partitionErrors] = ctx_.groupCoordinator.handleDeleteOffsets(body.groupId, known);
  if (groupError != ErrorCode::NONE) {
    // A group-level error comes alone (Kafka's OffsetDeleteRequest.getErrorResponse).
    protocol::OffsetDeleteResponse failed;
    failed.errorCode = static_cast<int16_t>(groupError);
    sendResponse(request, failed);
    return;
  }
  for (auto& topic : response.topics) {
    for (auto& p : topic.partitions) {
      const auto it = partitionErrors.find(TopicPartition{topic.name, p.partitionIndex});
      if (p.errorCode == 0 && it != partitionErrors.end()) p.errorCode = static_cast<int16_t>(it->second);
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
