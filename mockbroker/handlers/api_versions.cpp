#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/api_versions.hpp"

namespace kafkalite::mock {

void KafkaApis::handleApiVersionsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::ApiVersionsResponse response;
  for (const auto& api : supportedApis()) {
    response.apiKeys.push_back({static_cast<int16_t>(api.key), api.minVersion, api.maxVersion, {}});
  }
  int16_t version = request.header.apiVersion;
  if (version > protocol::ApiVersionsResponse::kValidVersions.hi) {
    // A version we do not know: error 35 in a v0 body, which every client can parse; the
    // list still says which versions we have, so the client retries with one (interop.md §6).
    response.errorCode = static_cast<int16_t>(ErrorCode::UNSUPPORTED_VERSION);
    version = 0;
  } else if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else {
    // The request body is only informational (client software name and version), but a
    // body that does not parse is not a Kafka client.
    protocol::ApiVersionsRequest body;
    if (!decodeBody(request, body)) return;
  }
  std::vector<uint8_t> frame;
  protocol::encodeResponseFrame(request.header.correlationId, version, response, frame);
  request.responder.send(std::move(frame), static_cast<ErrorCode>(response.errorCode));
}

}  // namespace kafkalite::mock
