#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/list_groups.hpp"

namespace kafkalite::mock {

void KafkaApis::handleListGroupsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::ListGroupsRequest body;
  if (!decodeBody(request, body)) return;
  protocol::ListGroupsResponse response;
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else {
    // Each broker lists the groups it coordinates; clients ask every broker.
    const auto [error, groups] = ctx_.groupCoordinator.handleListGroups(
        std::set<std::string>(body.statesFilter.begin(), body.statesFilter.end()));
    response.errorCode = static_cast<int16_t>(error);
    for (const auto& g : groups) response.groups.push_back({g.groupId, g.protocolType, g.state, {}});
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
