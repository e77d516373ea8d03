#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/delete_records.hpp"

namespace kafkalite::mock {

void KafkaApis::handleDeleteRecordsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DeleteRecordsRequest body;
  if (!decodeBody(request, body)) return;
  protocol::DeleteRecordsResponse response;
  for (const auto& t : body.topics) {
    response.topics.push_back({t.name, {}, {}});
    for (const auto& p : t.partitions) {
      protocol::DeleteRecordsResponse::DeleteRecordsTopicResult::DeleteRecordsPartitionResult r;
      r.partitionIndex = p.partitionIndex;
      r.lowWatermark = -1;  // Kafka's INVALID_LOW_WATERMARK on errors
      ErrorCode error = ErrorCode::NONE;
      if (injected) {
        error = *injected;
      } else if (auto [partition, hostError] = ctx_.replicaManager.getPartitionOrError({t.name, p.partitionIndex});
                 partition == nullptr) {
        error = hostError;
      } else {
        // Partition::deleteRecordsOnLeader: leader only, never above the high watermark.
        const auto result = partition->deleteRecordsOnLeader(p.offset);
        error = result.error;
        r.lowWatermark = result.lowWatermark;
      }
      r.errorCode = static_cast<int16_t>(error);
      response.topics.back().partitions.push_back(r);
    }
  }
  // The leader's log start has moved when this is sent; followers follow on their next
  // fetch (the answer does not wait for them, where Kafka's DelayedDeleteRecords does).
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
