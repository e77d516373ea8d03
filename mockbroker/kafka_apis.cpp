#include "mockbroker/kafka_apis.hpp"

#include <array>
#include <memory>

#include "mockbroker/broker_log.hpp"
#include "mockbroker/fault_injector.hpp"

namespace kafkalite::mock {

using protocol::ApiKey;

std::span<const SupportedApi> supportedApis() noexcept {
  // interop.md §5. Produce from 0 so librdkafka keeps compression on (it checks
  // Produce v0); v0–2 are answered UNSUPPORTED_VERSION.
  static constexpr std::array<SupportedApi, 7> kApis = {{
      {ApiKey::Produce, 0, 9},
      {ApiKey::Fetch, 4, 12},
      {ApiKey::ListOffsets, 1, 7},
      {ApiKey::Metadata, 0, 12},
      {ApiKey::FindCoordinator, 0, 2},
      {ApiKey::ApiVersions, 0, 3},
      {ApiKey::InitProducerId, 0, 4},
  }};
  return kApis;
}

void KafkaApis::handle(Request request) noexcept {
  // The one boundary around every handler: whatever escapes one is the broker's fault,
  // not the client's, and must not end the broker (or the process embedding it).
  guarded(request, [&] { route(request); });
}

void KafkaApis::failRequest(const Request& request, std::string_view what) noexcept {
  try {
    if (logEnabled(ctx_.options, LogLevel::Error)) {
      logLine(ctx_.options, LogLevel::Error, ctx_.brokerId,
              "unexpected exception while handling " + std::string(protocol::apiKeyName(request.header.apiKey)) + " v" +
                  std::to_string(request.header.apiVersion) + " (correlation id " +
                  std::to_string(request.header.correlationId) + ", client " +
                  request.header.clientId.value_or("(null)") + "): " + std::string(what) +
                  "; closing the connection");
    }
  } catch (...) {
  }
  request.responder.closeConnection();
}

void KafkaApis::logDecode(const Request& request, const protocol::DecodeError* error, std::size_t trailingBytes) const {
  if (!logEnabled(ctx_.options, LogLevel::Debug)) return;
  std::string line = std::string(protocol::apiKeyName(request.header.apiKey)) + " v" +
                     std::to_string(request.header.apiVersion) + " request (correlation id " +
                     std::to_string(request.header.correlationId) + ", client " +
                     request.header.clientId.value_or("(null)") + "): ";
  if (error != nullptr) {
    line += "cannot be decoded (" + error->message() + "); closing the connection";
  } else {
    line += std::to_string(trailingBytes) + " bytes after the last field, ignored";
  }
  logLine(ctx_.options, LogLevel::Debug, ctx_.brokerId, line, "REQUEST");
}

void KafkaApis::route(Request& request) {
  const SupportedApi* api = nullptr;
  for (const auto& a : supportedApis()) {
    if (a.key == request.header.apiKey) api = &a;
  }
  if (api == nullptr) {
    request.responder.closeConnection();  // unknown API key: Kafka closes the connection
    return;
  }
  const int16_t version = request.header.apiVersion;
  if (version < api->minVersion || version > api->maxVersion) {
    if (api->key != ApiKey::ApiVersions) {
      request.responder.closeConnection();
      return;
    }
    // ApiVersions: answered below with UNSUPPORTED_VERSION in a v0 body.
  }
  auto injected = ctx_.faults.takeRequestError(ctx_.brokerId, static_cast<int16_t>(request.header.apiKey));
  if (injected && injected->delay.count() > 0) {
    auto timer = std::make_shared<boost::asio::steady_timer>(ctx_.io, injected->delay);
    auto held = std::make_shared<Request>(std::move(request));
    const ErrorCode error = injected->error;
    timer->async_wait([this, timer, held, error](boost::system::error_code ec) {
      if (!ec) guarded(*held, [&] { dispatch(*held, error); });
    });
    return;
  }
  dispatch(request, injected ? std::optional<ErrorCode>(injected->error) : std::nullopt);
}

void KafkaApis::dispatch(Request& request, std::optional<ErrorCode> injected) {
  switch (request.header.apiKey) {
    case ApiKey::ApiVersions: return handleApiVersionsRequest(request, injected);
    case ApiKey::Metadata: return handleMetadataRequest(request, injected);
    case ApiKey::Produce: return handleProduceRequest(request, injected);
    case ApiKey::Fetch: return handleFetchRequest(request, injected);
    case ApiKey::ListOffsets: return handleListOffsetsRequest(request, injected);
    case ApiKey::FindCoordinator: return handleFindCoordinatorRequest(request, injected);
    case ApiKey::InitProducerId: return handleInitProducerIdRequest(request, injected);
    default: request.responder.closeConnection();
  }
}

}  // namespace kafkalite::mock
