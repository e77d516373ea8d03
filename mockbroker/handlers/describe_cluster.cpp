#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/describe_cluster.hpp"

namespace kafkalite::mock {

namespace {
// Kafka's AclEntry.supportedOperations(CLUSTER) as a bit field (AclOperation codes CREATE 5,
// ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
// IDEMPOTENT_WRITE 12): what a cluster without an authorizer allows everyone.
constexpr int32_t kClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
}  // namespace

void KafkaApis::handleDescribeClusterRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DescribeClusterRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  protocol::DescribeClusterResponse response;
  // Kafka's AuthHelper.computeDescribeClusterResponse: brokers answer for endpoint type 1.
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
  } else if (body.endpointType != protocol::DescribeClusterRequest::kBrokers &&
             body.endpointType != protocol::DescribeClusterRequest::kControllers) {
    response.errorCode = static_cast<int16_t>(version == 0 ? ErrorCode::INVALID_REQUEST : ErrorCode::UNSUPPORTED_ENDPOINT_TYPE);
    response.errorMessage = "Unsupported endpoint type " + std::to_string(body.endpointType);
  } else if (body.endpointType == protocol::DescribeClusterRequest::kControllers) {
    response.errorCode = static_cast<int16_t>(version == 0 ? ErrorCode::INVALID_REQUEST : ErrorCode::MISMATCHED_ENDPOINT_TYPE);
    response.errorMessage = "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER";
  } else {
    const MetadataSnapshot snapshot = ctx_.controller.snapshot();
    response.clusterId = ctx_.options.clusterId;
    response.controllerId = snapshot.controllerId;
    for (const auto& b : snapshot.brokers) {
      if (b.alive) response.brokers.push_back({b.id, b.host, static_cast<int32_t>(b.port), std::nullopt, {}});
    }
    if (body.includeClusterAuthorizedOperations) response.clusterAuthorizedOperations = kClusterOperations;
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
