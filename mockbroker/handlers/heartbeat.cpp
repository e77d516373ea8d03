#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/heartbeat.hpp"

namespace kafkalite::mock {

void KafkaApis::handleHeartbeatRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::HeartbeatRequest body;
  if (!decodeBody(request, body)) return;
  protocol::HeartbeatResponse response;
  const ErrorCode error = injected ? *injected
                                   : ctx_.groupCoordinator.handleHeartbeat(body.groupId, body.memberId,
                                                                           body.groupInstanceId, body.generationId);
  response.errorCode = static_cast<int16_t>(error);
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
