#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/leave_group.hpp"

namespace kafkalite::mock {

void KafkaApis::handleLeaveGroupRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::LeaveGroupRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  // Kafka's LeaveGroupRequest.normalizedData: v0-2 name one member, v3+ a batch.
  std::vector<LeaveMemberIdentity> members;
  if (version < 3) {
    members.push_back({body.memberId, std::nullopt});
  } else {
    for (auto& m : body.members) members.push_back({std::move(m.memberId), std::move(m.groupInstanceId)});
  }
  LeaveGroupResult result;
  if (injected) {
    result.topLevelError = *injected;
  } else {
    result = ctx_.groupCoordinator.handleLeaveGroup(body.groupId, members);
  }
  protocol::LeaveGroupResponse response;
  response.errorCode = static_cast<int16_t>(result.topLevelError);
  if (version >= 3) {
    for (const auto& m : result.members) {
      response.members.push_back({m.memberId, m.groupInstanceId, static_cast<int16_t>(m.error), {}});
    }
  } else if (result.topLevelError == ErrorCode::NONE) {
    // Before v3 there is one error: the member's (Kafka's LeaveGroupResponse.getError).
    for (const auto& m : result.members) {
      if (m.error != ErrorCode::NONE) {
        response.errorCode = static_cast<int16_t>(m.error);
        break;
      }
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
