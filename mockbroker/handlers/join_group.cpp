#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/join_group.hpp"

namespace kafkalite::mock {

void KafkaApis::handleJoinGroupRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::JoinGroupRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  // The answer may come much later (the rebalance waits for every member); the request
  // (its responder) travels with the callback.
  auto respond = [this, request](const JoinGroupResult& r) {
    protocol::JoinGroupResponse response;
    response.errorCode = static_cast<int16_t>(r.error);
    response.generationId = r.generationId;
    response.protocolName = r.protocolName.value_or("");  // no protocol is "" before v7
    response.leader = r.leaderId;
    response.memberId = r.memberId;
    for (const auto& m : r.members) response.members.push_back({m.memberId, m.groupInstanceId, m.metadata, {}});
    sendResponse(request, response);
  };
  if (injected) {
    respond(JoinGroupResult::failed(body.memberId, *injected));
    return;
  }
  JoinGroupParams params;
  params.groupId = std::move(body.groupId);
  params.memberId = std::move(body.memberId);
  params.groupInstanceId = std::move(body.groupInstanceId);
  // Kafka's GroupCoordinatorAdapter: MEMBER_ID_REQUIRED (KIP-394) from v4, for dynamic members.
  params.requireKnownMemberId = version >= 4 && !params.groupInstanceId;
  params.clientId = request.header.clientId.value_or("");
  params.clientHost = request.clientHost;
  // JoinGroupRequest v0 has no rebalance timeout: the session timeout stands in for it.
  params.rebalanceTimeoutMs = version == 0 ? body.sessionTimeoutMs : body.rebalanceTimeoutMs;
  params.sessionTimeoutMs = body.sessionTimeoutMs;
  params.protocolType = std::move(body.protocolType);
  for (auto& p : body.protocols) params.protocols.emplace_back(std::move(p.name), std::move(p.metadata));
  ctx_.groupCoordinator.handleJoinGroup(std::move(params), respond);
}

}  // namespace kafkalite::mock
