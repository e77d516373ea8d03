#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/sync_group.hpp"

namespace kafkalite::mock {

void KafkaApis::handleSyncGroupRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::SyncGroupRequest body;
  if (!decodeBody(request, body)) return;
  auto respond = [this, request](const SyncGroupResult& r) {
    protocol::SyncGroupResponse response;
    response.errorCode = static_cast<int16_t>(r.error);
    response.assignment = r.assignment;
    sendResponse(request, response);
  };
  if (injected) {
    respond(SyncGroupResult::failed(*injected));
    return;
  }
  // A member named twice: the last assignment counts (Kafka builds a map).
  std::map<std::string, protocol::Bytes> assignment;
  for (auto& a : body.assignments) assignment[a.memberId] = std::move(a.assignment);
  ctx_.groupCoordinator.handleSyncGroup(body.groupId, body.generationId, body.memberId, body.groupInstanceId,
                                        std::move(assignment), respond);
}

}  // namespace kafkalite::mock
