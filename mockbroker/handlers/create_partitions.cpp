#include <map>
#include <memory>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/create_partitions.hpp"

namespace kafkalite::mock {

void KafkaApis::handleCreatePartitionsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::CreatePartitionsRequest body;
  if (!decodeBody(request, body)) return;
  std::map<std::string, int> seen;
  for (const auto& t : body.topics) ++seen[t.name];

  auto response = std::make_shared<protocol::CreatePartitionsResponse>();
  std::set<int32_t> brokers;
  std::vector<std::size_t> grown;
  for (const auto& t : body.topics) {
    ApiError error;
    if (injected) {
      error = {*injected, {}};
    } else if (seen[t.name] > 1) {
      error = {ErrorCode::INVALID_REQUEST, "Duplicate topic name."};
    } else {
      std::optional<std::vector<std::vector<int32_t>>> assignments;
      if (t.assignments) {
        assignments.emplace();
        for (const auto& a : *t.assignments) assignments->push_back(a.brokerIds);
      }
      error = ctx_.controller.createPartitions(t.name, t.count, assignments, body.validateOnly, &brokers);
      if (error.ok() && !body.validateOnly) grown.push_back(response->results.size());
    }
    response->results.push_back({t.name, static_cast<int16_t>(error.error), error.wireMessage(), {}});
  }
  if (grown.empty()) {
    sendResponse(request, *response);
    return;
  }
  respondWhenPropagated(brokers, body.timeoutMs, [this, request, response, grown](bool timedOut) {
    if (timedOut) {
      for (std::size_t i : grown) {
        response->results[i].errorCode = static_cast<int16_t>(ErrorCode::REQUEST_TIMED_OUT);
        response->results[i].errorMessage = "Timed out waiting for the leaders of the new partitions.";
      }
    }
    sendResponse(request, *response);
  });
}

}  // namespace kafkalite::mock
