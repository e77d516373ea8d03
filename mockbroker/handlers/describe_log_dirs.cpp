#include <algorithm>

#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/describe_log_dirs.hpp"

namespace kafkalite::mock {

void KafkaApis::handleDescribeLogDirsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DescribeLogDirsRequest body;
  if (!decodeBody(request, body)) return;
  protocol::DescribeLogDirsResponse response;
  protocol::DescribeLogDirsResponse::DescribeLogDirsResult dir;
  // The mock's logs live in memory; one "directory" per broker names them.
  dir.logDir = "/kafkalite/broker-" + std::to_string(ctx_.brokerId);
  if (injected) {
    response.errorCode = static_cast<int16_t>(*injected);
    dir.errorCode = static_cast<int16_t>(*injected);
  } else {
    const auto wanted = [&](const TopicPartition& tp) {
      if (!body.topics) return true;
      return std::any_of(body.topics->begin(), body.topics->end(), [&](const auto& t) {
        return t.topic == tp.topic && std::find(t.partitions.begin(), t.partitions.end(), tp.partition) != t.partitions.end();
      });
    };
    // Kafka's ReplicaManager.describeLogDirs: size and lag (HW - LEO, never negative).
    for (const auto& [tp, partition] : ctx_.replicaManager.partitions()) {
      if (!wanted(tp)) continue;
      if (dir.topics.empty() || dir.topics.back().name != tp.topic) dir.topics.push_back({tp.topic, {}, {}});
      dir.topics.back().partitions.push_back(
          {tp.partition, static_cast<int64_t>(partition->log().sizeInBytes()),
           std::max<int64_t>(0, partition->highWatermark() - partition->logEndOffset()), false, {}});
    }
  }
  response.results.push_back(std::move(dir));
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
