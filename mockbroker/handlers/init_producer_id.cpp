#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/init_producer_id.hpp"

namespace kafkalite::mock {

void KafkaApis::handleInitProducerIdRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::InitProducerIdRequest body;
  if (!decodeBody(request, body)) return;
  protocol::InitProducerIdResponse response;
  // Kafka's TransactionCoordinator.handleInitProducerId.
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else if (!body.transactionalId) {
    // No transactional id: always a new producer id with epoch 0, whatever id and epoch
    // the request carries (v3+).
    response.producerId = ctx_.controller.nextProducerId();
    response.producerEpoch = 0;
  } else if (body.transactionalId->empty()) {
    response.errorCode = static_cast<int16_t>(ErrorCode::INVALID_REQUEST);
  } else {
    // Transactions are not implemented: no coordinator serves transactional ids. A
    // retriable error, as a coordinator still loading would give; the client's own
    // timeout (max.block.ms, transaction.timeout.ms) then ends its attempt.
    response.errorCode = static_cast<int16_t>(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  }
  if (response.errorCode != 0) {
    response.producerId = -1;
    response.producerEpoch = -1;
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
