#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/offset_for_leader_epoch.hpp"

namespace kafkalite::mock {

void KafkaApis::handleOffsetForLeaderEpochRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::OffsetForLeaderEpochRequest body;
  if (!decodeBody(request, body)) return;
  protocol::OffsetForLeaderEpochResponse response;
  for (const auto& topic : body.topics) {
    response.topics.push_back({topic.topic, {}, {}});
    for (const auto& p : topic.partitions) {
      // Answered from the leader's epoch cache, for consumers (KIP-320) and followers alike.
      const EpochEndOffsetResult r =
          injected ? EpochEndOffsetResult{*injected}
                   : ctx_.replicaManager.lastOffsetForLeaderEpoch({topic.topic, p.partition}, p.currentLeaderEpoch,
                                                                  p.leaderEpoch);
      response.topics.back().partitions.push_back(
          {static_cast<int16_t>(r.error), p.partition, r.leaderEpoch, r.endOffset, {}});
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
