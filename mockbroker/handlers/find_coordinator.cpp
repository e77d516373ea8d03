#include "mockbroker/controller.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/find_coordinator.hpp"

namespace kafkalite::mock {

namespace {
constexpr int8_t kCoordinatorTypeGroup = 0;
constexpr int8_t kCoordinatorTypeTransaction = 1;
}  // namespace

void KafkaApis::handleFindCoordinatorRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::FindCoordinatorRequest body;
  if (!decodeBody(request, body)) return;
  protocol::FindCoordinatorResponse response;
  response.errorMessage.reset();
  std::optional<BrokerRegistration> coordinator;
  const int8_t keyType = request.header.apiVersion == 0 ? kCoordinatorTypeGroup : body.keyType;
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else if (keyType == kCoordinatorTypeGroup) {
    // Kafka's getCoordinator: the leader of the group's partition of __consumer_offsets,
    // which the first lookup creates.
    if (ctx_.controller.createGroupMetadataTopicIfAbsent()) {
      const auto partition = ctx_.controller.partition(
          {std::string(kGroupMetadataTopicName), ctx_.groupCoordinator.partitionFor(body.key)});
      if (partition && partition->leader >= 0) coordinator = ctx_.controller.broker(partition->leader);
    }
    if (!coordinator || !coordinator->alive) {
      coordinator.reset();
      response.errorCode = static_cast<int16_t>(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    }
  } else if (keyType == kCoordinatorTypeTransaction) {
    // Transactions are not coordinated: any live broker answers, which is what a client
    // needs to get past FindCoordinator (its InitProducerId then fails).
    coordinator = ctx_.controller.broker(ctx_.controller.controllerId());
    if (!coordinator) response.errorCode = static_cast<int16_t>(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  } else {
    response.errorCode = static_cast<int16_t>(ErrorCode::INVALID_REQUEST);  // Kafka's CoordinatorType.forId
  }
  if (response.errorCode != 0 || !coordinator) {
    response.nodeId = -1;
    response.host = "";
    response.port = -1;
  } else {
    response.nodeId = coordinator->id;
    response.host = coordinator->host;
    response.port = coordinator->port;
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
