#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/init_producer_id.hpp"

namespace kafkalite::mock {

void KafkaApis::handleInitProducerIdRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::InitProducerIdRequest body;
  if (!decodeBody(request, body)) return;
  protocol::InitProducerIdResponse response;
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else if (body.transactionalId && !body.transactionalId->empty()) {
    // Transactions are not implemented: say so rather than hand out a transactional id.
    response.errorCode = static_cast<int16_t>(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  } else if (body.producerId >= 0 && body.producerEpoch >= 0) {
    // KIP-360 (v3+): an idempotent producer bumps its epoch and keeps its id.
    response.producerId = body.producerId;
    response.producerEpoch = static_cast<int16_t>(body.producerEpoch + 1);
  } else {
    response.producerId = ctx_.controller.nextProducerId();
    response.producerEpoch = 0;
  }
  if (response.errorCode != 0) {
    response.producerId = -1;
    response.producerEpoch = -1;
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
