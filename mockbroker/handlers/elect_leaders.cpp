#include <memory>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/elect_leaders.hpp"

namespace kafkalite::mock {

namespace {
using protocol::ElectLeadersResponse;
using PartitionResult = ElectLeadersResponse::ReplicaElectionResult::PartitionResult;
}  // namespace

void KafkaApis::handleElectLeadersRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::ElectLeadersRequest body;
  if (!decodeBody(request, body)) return;
  auto response = std::make_shared<ElectLeadersResponse>();
  if (body.electionType != protocol::ElectLeadersRequest::kPreferred &&
      body.electionType != protocol::ElectLeadersRequest::kUnclean) {
    // Kafka's ElectionType.valueOf refuses it: the whole request fails.
    response->errorCode = static_cast<int16_t>(ErrorCode::INVALID_REQUEST);
    sendResponse(request, *response);
    return;
  }
  const auto type = static_cast<ElectionType>(body.electionType);
  std::set<int32_t> brokers;
  bool elected = false;
  const auto elect = [&](const TopicPartition& tp) {
    const ApiError error = injected ? ApiError{*injected, {}} : ctx_.controller.electLeader(tp, type, &brokers);
    elected |= error.ok();
    return error;
  };
  if (!body.topicPartitions) {
    // Every partition; those that already have the right leader are left out (Kafka's
    // ReplicationControlManager.electLeaders).
    for (const auto& tp : ctx_.controller.allPartitions()) {
      if (response->replicaElectionResults.empty() || response->replicaElectionResults.back().topic != tp.topic) {
        response->replicaElectionResults.push_back({tp.topic, {}, {}});
      }
      const ApiError error = elect(tp);
      if (error.error == ErrorCode::ELECTION_NOT_NEEDED) continue;
      response->replicaElectionResults.back().partitionResult.push_back(
          {tp.partition, static_cast<int16_t>(error.error), error.wireMessage(), {}});
    }
  } else {
    for (const auto& t : *body.topicPartitions) {
      response->replicaElectionResults.push_back({t.topic, {}, {}});
      for (int32_t p : t.partitions) {
        const ApiError error = elect({t.topic, p});
        response->replicaElectionResults.back().partitionResult.push_back(
            {p, static_cast<int16_t>(error.error), error.wireMessage(), {}});
      }
    }
  }
  if (!elected) {
    sendResponse(request, *response);
    return;
  }
  // Answered once the new leaders lead, or REQUEST_TIMED_OUT for the elected partitions.
  respondWhenPropagated(brokers, body.timeoutMs, [this, request, response](bool timedOut) {
    if (timedOut) {
      for (auto& topic : response->replicaElectionResults) {
        for (auto& p : topic.partitionResult) {
          if (p.errorCode != 0) continue;
          p.errorCode = static_cast<int16_t>(ErrorCode::REQUEST_TIMED_OUT);
          p.errorMessage = "Timed out waiting for the new leader.";
        }
      }
    }
    sendResponse(request, *response);
  });
}

}  // namespace kafkalite::mock
