#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/describe_groups.hpp"

namespace kafkalite::mock {

namespace {
// Without an authorizer Kafka grants every operation a group supports: READ (3), DELETE (6)
// and DESCRIBE (8), as a bit field of AclOperation codes.
constexpr int32_t kGroupAuthorizedOperations = (1 << 3) | (1 << 6) | (1 << 8);
}  // namespace

void KafkaApis::handleDescribeGroupsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DescribeGroupsRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  protocol::DescribeGroupsResponse response;
  for (const auto& groupId : body.groups) {
    protocol::DescribeGroupsResponse::DescribedGroup g;
    g.groupId = groupId;
    if (injected) {
      g.errorCode = static_cast<int16_t>(*injected);
    } else {
      const auto [error, summary] = ctx_.groupCoordinator.handleDescribeGroup(groupId);
      g.errorCode = static_cast<int16_t>(error);
      g.groupState = summary.state;
      g.protocolType = summary.protocolType;
      g.protocolData = summary.protocol;
      for (const auto& m : summary.members) {
        g.members.push_back({m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.metadata, m.assignment, {}});
      }
      if (version >= 3 && body.includeAuthorizedOperations && error == ErrorCode::NONE) {
        g.authorizedOperations = kGroupAuthorizedOperations;
      }
    }
    response.groups.push_back(std::move(g));
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
