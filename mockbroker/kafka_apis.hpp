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
/// v0–2 (answered with UNSUPPORTED_VERSION in the layout the client expects). A body
/// that ends before its last field closes the connection; bytes after its last field
/// are ignored, as Kafka ignores them, and logged at debug level.
///
/// No request ends the broker: handle() is one boundary around every handler, and the
/// answers that complete later (a DelayedProduce, a DelayedFetch, an injected delay) run
/// inside the same boundary (guarded()). An exception that escapes a handler is logged
/// as an error and closes that client's connection only.
///
/// Threading: the broker's event loop.

#include <cstdint>
#include <functional>
#include <optional>
#include <exception>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "mockbroker/asio.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/socket_server.hpp"
#include "protocol/headers.hpp"
#include "protocol/response_error.hpp"

namespace kafkalite::mock {

class Controller;
class FaultInjector;
class GroupCoordinator;
class ReplicaManager;
class RequestLog;

/// What the handlers need of their broker.
struct BrokerContext {
  int32_t brokerId;
  const MockClusterOptions& options;
  Controller& controller;
  FaultInjector& faults;
  ReplicaManager& replicaManager;
  GroupCoordinator& groupCoordinator;
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
  /// Answers `request` (now or later), or closes its connection. Never throws.
  void handle(Request request) noexcept override;

  /// Runs `fn`, which answers `request`, inside handle()'s boundary: for answers that
  /// complete after handle() returned. Never throws.
  template <class F>
  void guarded(const Request& request, F&& fn) noexcept {
    try {
      fn();
    } catch (const std::exception& e) {
      failRequest(request, e.what());
    } catch (...) {
      failRequest(request, "unknown exception");
    }
  }

  // Each handler answers `request`. With `injected` set it does no work and answers
  // with that error in every partition (or at the top level): MockCluster::pushRequestErrors.
  void handleApiVersionsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleMetadataRequest(Request& request, std::optional<ErrorCode> injected);
  void handleProduceRequest(Request& request, std::optional<ErrorCode> injected);
  void handleFetchRequest(Request& request, std::optional<ErrorCode> injected);
  void handleListOffsetsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleFindCoordinatorRequest(Request& request, std::optional<ErrorCode> injected);
  void handleInitProducerIdRequest(Request& request, std::optional<ErrorCode> injected);
  // Groups (handlers/join_group.cpp ... offset_delete.cpp) and OffsetForLeaderEpoch.
  void handleJoinGroupRequest(Request& request, std::optional<ErrorCode> injected);
  void handleSyncGroupRequest(Request& request, std::optional<ErrorCode> injected);
  void handleHeartbeatRequest(Request& request, std::optional<ErrorCode> injected);
  void handleLeaveGroupRequest(Request& request, std::optional<ErrorCode> injected);
  void handleOffsetCommitRequest(Request& request, std::optional<ErrorCode> injected);
  void handleOffsetFetchRequest(Request& request, std::optional<ErrorCode> injected);
  void handleListGroupsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDescribeGroupsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleDeleteGroupsRequest(Request& request, std::optional<ErrorCode> injected);
  void handleOffsetDeleteRequest(Request& request, std::optional<ErrorCode> injected);
  void handleOffsetForLeaderEpochRequest(Request& request, std::optional<ErrorCode> injected);
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
  void route(Request& request);
  void dispatch(Request& request, std::optional<ErrorCode> injected);
  /// The boundary's catch: logs `what` as an error and closes the request's connection.
  void failRequest(const Request& request, std::string_view what) noexcept;
  /// Logs a body that did not decode (debug: the connection is closed, as Kafka closes
  /// it on a request it cannot parse) or that had bytes after its last field (debug: the
  /// request is served, as Kafka serves it).
  void logDecode(const Request& request, const protocol::DecodeError* error, std::size_t trailingBytes) const;

  /// Decodes the body at the request's version; on failure closes the connection and
  /// returns false.
  template <class M>
  bool decodeBody(const Request& request, M& body) {
    std::size_t trailing = 0;
    const auto error = protocol::decode(request.body, request.header.apiVersion, body, &trailing);
    if (error) {
      logDecode(request, &*error, 0);
      request.responder.closeConnection();
      return false;
    }
    if (trailing > 0) logDecode(request, nullptr, trailing);
    return true;
  }

  /// Encodes `body` as the response to `request` and sends it; a response that cannot be
  /// encoded is an error of the broker: logged, and the connection closed.
  template <class M>
  void sendResponse(const Request& request, const M& body) {
    std::vector<uint8_t> frame;
    if (auto error = protocol::encodeResponseFrame(request.header.correlationId, request.header.apiVersion, body, frame)) {
      failRequest(request, "cannot encode the response: " + error->message());
      return;
    }
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
