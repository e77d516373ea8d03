#include <map>

#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/offset_fetch.hpp"

namespace kafkalite::mock {

void KafkaApis::handleOffsetFetchRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::OffsetFetchRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  std::optional<std::vector<TopicPartition>> partitions;  // nullopt: every committed partition (v2+)
  if (body.topics) {
    partitions.emplace();
    for (const auto& t : *body.topics) {
      for (int32_t p : t.partitionIndexes) partitions->push_back({t.name, p});
    }
  }
  ErrorCode error = ErrorCode::NONE;
  GroupCoordinator::OffsetFetchResult results;
  if (injected) {
    error = *injected;
  } else {
    std::tie(error, results) =
        ctx_.groupCoordinator.handleFetchOffsets(body.groupId, version >= 7 && body.requireStable, partitions);
  }
  using Partition = protocol::OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition;
  protocol::OffsetFetchResponse response;
  std::map<std::string, std::size_t> topicIndex;
  auto add = [&](const TopicPartition& tp, Partition p) {
    auto [it, inserted] = topicIndex.try_emplace(tp.topic, response.topics.size());
    if (inserted) response.topics.push_back({tp.topic, {}, {}});
    response.topics[it->second].partitions.push_back(std::move(p));
  };
  if (error != ErrorCode::NONE) {
    if (version >= 2) {
      response.errorCode = static_cast<int16_t>(error);
    } else if (partitions) {
      // No top-level error before v2: each partition carries it (Kafka's getErrorResponse).
      for (const auto& tp : *partitions) add(tp, Partition{tp.partition, -1, -1, std::string(), static_cast<int16_t>(error), {}});
    }
  } else {
    for (const auto& [tp, data] : results) {
      add(tp, Partition{tp.partition, data.offset, data.leaderEpoch, data.metadata, static_cast<int16_t>(data.error), {}});
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
