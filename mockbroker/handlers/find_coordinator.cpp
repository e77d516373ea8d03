#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/find_coordinator.hpp"

namespace kafkalite::mock {

void KafkaApis::handleFindCoordinatorRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::FindCoordinatorRequest body;
  if (!decodeBody(request, body)) return;
  protocol::FindCoordinatorResponse response;
  response.errorMessage.reset();
  // Groups and transactions are not coordinated by the mock; any live broker answers, which
  // is what clients need to get past FindCoordinator (kafkajs, librdkafka's LZ4 check).
  const auto controller = ctx_.controller.broker(ctx_.controller.controllerId());
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else if (!controller) {
    response.errorCode = static_cast<int16_t>(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  }
  if (response.errorCode != 0 || !controller) {
    response.nodeId = -1;
    response.host = "";
    response.port = -1;
  } else {
    response.nodeId = controller->id;
    response.host = controller->host;
    response.port = controller->port;
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
