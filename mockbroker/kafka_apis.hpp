#pragma once
/// \file
/// KafkaApis: turns each request into a response, one handler per API (the
/// handlers live in handlers/, one file each, as Kafka's KafkaApis methods do).
/// It checks the API key and version against what the broker advertises, applies
/// injected request errors, and maps internal failures to wire errors in one
/// place per handler.
///
/// Unknown API keys and unsupported versions close the connection, as Kafka does,
/// except ApiVersions (answered with UNSUPPORTED_VERSION in a v0 body) and Produce
/// v0–2 (answered with UNSUPPORTED_VERSION in the layout the client expects).
///
/// Threading: the broker's event loop.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "mockbroker/asio.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/socket_server.hpp"
#include "protocol/headers.hpp"
#include "protocol/response_error.hpp"

namespace kafkalite::mock {

class Controller;
class FaultInjector;
class ReplicaManager;
class RequestLog;

/// What the handlers need of their broker.
struct BrokerContext {
  int32_t brokerId;
  const MockClusterOptions& options;
  Controller& controller;
  FaultInjector& faults;
  ReplicaManager& replicaManager;
  boost::asio::io_context& io;
  RequestLog* requestLog = nullptr;  ///< records every request when set
};

/// One API the broker serves and the versions it advertises (interop.md §5).
struct SupportedApi {
  protocol::ApiKey key;
  int16_t minVersion;
  int16_t maxVersion;
};
/// Every API this broker advertises in ApiVersions, with its version range.
std::span<const SupportedApi> supportedApis() noexcept;

class KafkaApis : public RequestHandler {
 public:
  explicit KafkaApis(BrokerContext context) : ctx_(context) {}
  void handle(Request request) override;

  // Each handler answers `request`. With `injected` set it does no work and answers
  // with that error in every partition (or at the top level): MockCluster::pushRequestErrors.
  void handleApiVersionsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleMetadataRequest(Request& request, std::optional<ErrorCode> injected);
  void handleProduceRequest(Request& request, std::optional<ErrorCode> injected);
  void handleFetchRequest(Request& request, std::optional<ErrorCode> injected);
  void handleListOffsetsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleFindCoordinatorRequest(Request& request, std::optional<ErrorCode> injected);
  void handleInitProducerIdRequest(Request& request, std::optional<ErrorCode> injected);
  // Admin APIs (handlers/create_topics.cpp, ...).
  void handleCreateTopicsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDeleteTopicsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleCreatePartitionsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDeleteRecordsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDescribeConfigsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleAlterConfigsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleIncrementalAlterConfigsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDescribeClusterRequest(Request& request, std::optional<ErrorCode> injected);
  void handleElectLeadersRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDescribeLogDirsRequest(Request& request, std::optional<ErrorCode> injected);

 private:
  void dispatch(Request& request, std::optional<ErrorCode> injected);
  /// Decodes the body at the request's version; on failure closes the connection (Kafka
  /// closes it on a request it cannot parse) and returns false.
  template <class M>
  bool decodeBody(const Request& request, M& body) {
    if (!protocol::decode(request.body, request.header.apiVersion, body)) return true;
    request.responder.closeConnection();
    return false;
  }

  /// Encodes `body` as the response to `request` and sends it.
  template <class M>
  void sendResponse(const Request& request, const M& body) {
    std::vector<uint8_t> frame;
    protocol::encodeResponseFrame(request.header.correlationId, request.header.apiVersion, body, frame);
    request.responder.send(std::move(frame),
                           static_cast<ErrorCode>(protocol::firstErrorCode(body, request.header.apiVersion)));
  }

  /// Kafka's timeout_ms for admin changes (CreateTopics, CreatePartitions, DeleteTopics,
  /// ElectLeaders): calls `respond(false)` on this broker's thread once every broker of
  /// `brokers` has applied the controller's change, or `respond(true)` when `timeoutMs`
  /// passes first. `timeoutMs` <= 0 answers at once (the change still happens).
  void respondWhenPropagated(const std::set<int32_t>& brokers, int32_t timeoutMs, std::function<void(bool)> respond);

  BrokerContext ctx_;
};

}  // namespace kafkalite::mock
