#include <map>
#include <memory>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/delete_topics.hpp"

namespace kafkalite::mock {

namespace {
using protocol::DeleteTopicsResponse;
using TopicResult = DeleteTopicsResponse::DeletableTopicResult;

// One topic as the request names it: by name (every version) or by id (v6).
struct Named {
  std::optional<std::string> name;
  protocol::Uuid id;
};
}  // namespace

void KafkaApis::handleDeleteTopicsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DeleteTopicsRequest body;
  if (!decodeBody(request, body)) return;
  std::vector<Named> asked;
  for (const auto& name : body.topicNames) asked.push_back({name, {}});
  for (const auto& t : body.topics) asked.push_back({t.name, t.topicId});
  std::map<std::string, int> namesSeen;
  std::map<std::pair<uint64_t, uint64_t>, int> idsSeen;
  for (const auto& a : asked) {
    if (a.name) ++namesSeen[*a.name];
    if (!a.name) ++idsSeen[{a.id.high, a.id.low}];
  }

  auto response = std::make_shared<DeleteTopicsResponse>();
  std::set<int32_t> brokers;
  std::vector<std::size_t> deleted;
  for (const auto& a : asked) {
    TopicResult result;
    result.name = a.name;
    result.topicId = a.id;
    ApiError error;
    // Kafka's ControllerApis.deleteTopics: names and ids checked before any deletion.
    if (injected) {
      error = {*injected, {}};
    } else if (!a.name && a.id == protocol::Uuid{}) {
      error = {ErrorCode::INVALID_REQUEST, "Neither topic name nor id were specified."};
    } else if (a.name && !(a.id == protocol::Uuid{})) {
      error = {ErrorCode::INVALID_REQUEST, "You may not specify both topic name and topic id."};
    } else if (a.name && namesSeen[*a.name] > 1) {
      error = {ErrorCode::INVALID_REQUEST, "Duplicate topic name."};
    } else if (!a.name && idsSeen[{a.id.high, a.id.low}] > 1) {
      error = {ErrorCode::INVALID_REQUEST, "Duplicate topic id."};
    } else {
      std::optional<std::string> name = a.name;
      if (!name) {
        name = ctx_.controller.topicName(a.id);
        if (!name) error = {ErrorCode::UNKNOWN_TOPIC_ID, {}};
      } else if (const auto id = ctx_.controller.topicId(*name)) {
        result.topicId = *id;
      }
      if (name) {
        result.name = name;
        error = ctx_.controller.deleteTopic(*name, &brokers);
        if (error.ok()) deleted.push_back(response->responses.size());
      }
    }
    result.errorCode = static_cast<int16_t>(error.error);
    result.errorMessage = error.wireMessage();
    if (request.header.apiVersion < 6 && !result.name) result.name = std::string();
    response->responses.push_back(std::move(result));
  }
  if (deleted.empty()) {
    sendResponse(request, *response);
    return;
  }
  // Answered once every replica has dropped the topic (a topic created again under the
  // name then starts empty), or REQUEST_TIMED_OUT when timeout_ms passes first.
  respondWhenPropagated(brokers, body.timeoutMs, [this, request, response, deleted](bool timedOut) {
    if (timedOut) {
      for (std::size_t i : deleted) {
        response->responses[i].errorCode = static_cast<int16_t>(ErrorCode::REQUEST_TIMED_OUT);
        response->responses[i].errorMessage = "Timed out waiting for the replicas to delete the topic.";
      }
    }
    sendResponse(request, *response);
  });
}

}  // namespace kafkalite::mock
