#include "mockbroker/kafka_apis.hpp"

#include <array>
#include <memory>

#include "mockbroker/broker_log.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/request_log.hpp"

namespace kafkalite::mock {

using protocol::ApiKey;

std::span<const SupportedApi> supportedApis() noexcept {
  // interop.md §5. Produce from 0 so librdkafka keeps compression on (it checks
  // Produce v0); v0–2 are answered UNSUPPORTED_VERSION.
  // The group APIs: the ranges librdkafka 2.0.2, kafka-python 2.0.2 and kafkajs 2.2.4 use
  // (librdkafka needs JoinGroup/SyncGroup/Heartbeat/LeaveGroup v0, OffsetCommit v1-2 and
  // OffsetFetch v1 in range to enable its consumer; OffsetForLeaderEpoch v2 is librdkafka 2.1+). The admin APIs from
  // version 0 (librdkafka 2.0.2 only sends CreatePartitions and AlterConfigs v0, and needs
  // the broker's range to include them) up to Kafka 3.9's newest.
  static constexpr std::array<SupportedApi, 28> kApis = {{
      {ApiKey::Produce, 0, 9},
      {ApiKey::Fetch, 4, 12},
      {ApiKey::ListOffsets, 1, 7},
      {ApiKey::Metadata, 0, 12},
      {ApiKey::FindCoordinator, 0, 2},
      {ApiKey::ApiVersions, 0, 3},
      {ApiKey::CreateTopics, 0, 7},
      {ApiKey::DeleteTopics, 0, 6},
      {ApiKey::DeleteRecords, 0, 2},
      {ApiKey::InitProducerId, 0, 4},
      {ApiKey::OffsetCommit, 0, 7},
      {ApiKey::OffsetFetch, 0, 7},
      {ApiKey::JoinGroup, 0, 5},
      {ApiKey::Heartbeat, 0, 3},
      {ApiKey::LeaveGroup, 0, 3},
      {ApiKey::SyncGroup, 0, 3},
      {ApiKey::DescribeGroups, 0, 4},
      {ApiKey::ListGroups, 0, 4},
      {ApiKey::OffsetForLeaderEpoch, 2, 4},
      {ApiKey::DeleteGroups, 0, 1},
      {ApiKey::OffsetDelete, 0, 0},
      {ApiKey::DescribeConfigs, 0, 4},
      {ApiKey::AlterConfigs, 0, 2},
      {ApiKey::DescribeLogDirs, 0, 4},
      {ApiKey::CreatePartitions, 0, 3},
      {ApiKey::ElectLeaders, 0, 2},
      {ApiKey::IncrementalAlterConfigs, 0, 1},
      {ApiKey::DescribeCluster, 0, 1},
  }};
  return kApis;
}

void KafkaApis::handle(Request request) noexcept {
  // The one boundary around every handler: whatever escapes one is the broker's fault,
  // not the client's, and must not end the broker (or the process embedding it).
  guarded(request, [&] {
    if (ctx_.requestLog) request.responder.observe(ctx_.requestLog->record(ctx_.brokerId, request));
    route(request);
  });
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
    case ApiKey::OffsetCommit: return handleOffsetCommitRequest(request, injected);
    case ApiKey::OffsetFetch: return handleOffsetFetchRequest(request, injected);
    case ApiKey::JoinGroup: return handleJoinGroupRequest(request, injected);
    case ApiKey::Heartbeat: return handleHeartbeatRequest(request, injected);
    case ApiKey::LeaveGroup: return handleLeaveGroupRequest(request, injected);
    case ApiKey::SyncGroup: return handleSyncGroupRequest(request, injected);
    case ApiKey::DescribeGroups: return handleDescribeGroupsRequest(request, injected);
    case ApiKey::ListGroups: return handleListGroupsRequest(request, injected);
    case ApiKey::OffsetForLeaderEpoch: return handleOffsetForLeaderEpochRequest(request, injected);
    case ApiKey::DeleteGroups: return handleDeleteGroupsRequest(request, injected);
    case ApiKey::OffsetDelete: return handleOffsetDeleteRequest(request, injected);
    case ApiKey::CreateTopics: return handleCreateTopicsRequest(request, injected);
    case ApiKey::DeleteTopics: return handleDeleteTopicsRequest(request, injected);
    case ApiKey::CreatePartitions: return handleCreatePartitionsRequest(request, injected);
    case ApiKey::DeleteRecords: return handleDeleteRecordsRequest(request, injected);
    case ApiKey::DescribeConfigs: return handleDescribeConfigsRequest(request, injected);
    case ApiKey::AlterConfigs: return handleAlterConfigsRequest(request, injected);
    case ApiKey::IncrementalAlterConfigs: return handleIncrementalAlterConfigsRequest(request, injected);
    case ApiKey::DescribeCluster: return handleDescribeClusterRequest(request, injected);
    case ApiKey::ElectLeaders: return handleElectLeadersRequest(request, injected);
    case ApiKey::DescribeLogDirs: return handleDescribeLogDirsRequest(request, injected);
    default: request.responder.closeConnection();
  }
}

void KafkaApis::respondWhenPropagated(const std::set<int32_t>& brokers, int32_t timeoutMs,
                                      std::function<void(bool)> respond) {
  if (timeoutMs <= 0) {
    respond(false);
    return;
  }
  struct Wait {
    bool done = false;
    std::function<void(bool)> respond;
    boost::asio::steady_timer timer;
    explicit Wait(boost::asio::io_context& io) : timer(io) {}
  };
  auto wait = std::make_shared<Wait>(ctx_.io);
  wait->respond = std::move(respond);
  wait->timer.expires_after(std::chrono::milliseconds(timeoutMs));
  wait->timer.async_wait([wait](boost::system::error_code ec) {
    if (ec || wait->done) return;
    wait->done = true;
    wait->respond(true);
  });
  ctx_.controller.whenPropagated(brokers, ctx_.brokerId, [wait] {
    if (wait->done) return;
    wait->done = true;
    wait->timer.cancel();
    wait->respond(false);
  });
}

}  // namespace kafkalite::mock
