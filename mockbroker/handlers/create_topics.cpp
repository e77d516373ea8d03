#include <map>
#include <memory>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/create_topics.hpp"

namespace kafkalite::mock {

namespace {
using protocol::CreateTopicsResponse;
using TopicResult = CreateTopicsResponse::CreatableTopicResult;
}  // namespace

void KafkaApis::handleCreateTopicsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::CreateTopicsRequest body;
  if (!decodeBody(request, body)) return;
  std::map<std::string, int> seen;
  for (const auto& t : body.topics) ++seen[t.name];

  auto response = std::make_shared<CreateTopicsResponse>();
  std::set<int32_t> brokers;
  std::vector<std::size_t> created;  // results that wait for the new partitions' leaders
  for (const auto& t : body.topics) {
    TopicResult result;
    result.name = t.name;
    ApiError error;
    if (injected) {
      error = {*injected, {}};
    } else if (seen[t.name] > 1) {
      error = {ErrorCode::INVALID_REQUEST, "Duplicate topic name."};  // Kafka's ControllerApis
    } else {
      NewTopic topic;
      topic.name = t.name;
      topic.numPartitions = t.numPartitions;
      topic.replicationFactor = t.replicationFactor;
      for (const auto& a : t.assignments) topic.assignments.emplace_back(a.partitionIndex, a.brokerIds);
      for (const auto& c : t.configs) topic.configs.emplace_back(c.name, c.value);
      CreateTopicResult outcome = ctx_.controller.createTopic(topic, body.validateOnly);
      error = outcome.error;
      if (error.ok()) {
        // KIP-525 (v5+): what was created, with every config as DescribeConfigs gives it.
        result.topicId = outcome.topicId;
        result.numPartitions = outcome.numPartitions;
        result.replicationFactor = outcome.replicationFactor;
        for (const ConfigEntry& e : describeTopicConfigs(outcome.configs, ctx_.options, std::nullopt)) {
          result.configs->push_back({e.name, e.value, e.readOnly, static_cast<int8_t>(e.source), e.sensitive, {}});
        }
        if (!body.validateOnly) {
          brokers.insert(outcome.replicaBrokers.begin(), outcome.replicaBrokers.end());
          created.push_back(response->topics.size());
        }
      }
    }
    result.errorCode = static_cast<int16_t>(error.error);
    result.errorMessage = error.wireMessage();
    response->topics.push_back(std::move(result));
  }
  if (created.empty()) {
    sendResponse(request, *response);
    return;
  }
  // Kafka's timeout_ms: answer once every new partition has a leader serving it, or
  // REQUEST_TIMED_OUT for the topics created when the time is up (they are not undone).
  respondWhenPropagated(brokers, body.timeoutMs, [this, request, response, created](bool timedOut) {
    if (timedOut) {
      for (std::size_t i : created) {
        auto& r = response->topics[i];
        r.errorCode = static_cast<int16_t>(ErrorCode::REQUEST_TIMED_OUT);
        r.errorMessage = "Timed out waiting for the leaders of topic " + r.name + "'s partitions.";
      }
    }
    sendResponse(request, *response);
  });
}

}  // namespace kafkalite::mock
