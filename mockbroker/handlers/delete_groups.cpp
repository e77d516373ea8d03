#include <set>

#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/delete_groups.hpp"

namespace kafkalite::mock {

void KafkaApis::handleDeleteGroupsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DeleteGroupsRequest body;
  if (!decodeBody(request, body)) return;
  std::map<std::string, ErrorCode> errors;
  if (!injected) errors = ctx_.groupCoordinator.handleDeleteGroups(body.groupsNames);
  protocol::DeleteGroupsResponse response;
  std::set<std::string> answered;  // a group named twice is answered once, as in Kafka
  for (const auto& groupId : body.groupsNames) {
    if (!answered.insert(groupId).second) continue;
    const ErrorCode error = injected ? *injected : errors[groupId];
    response.results.push_back({groupId, static_cast<int16_t>(error), {}});
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
