#include "mockbroker/purgatory/delayed_produce.hpp"

#include "mockbroker/replica_manager.hpp"

namespace kafkalite::mock {

DelayedProduce::DelayedProduce(int64_t delayMs, std::vector<PartitionStatus> statuses, ReplicaManager& replicaManager,
                               ProduceCallback callback)
    : DelayedOperation(delayMs),
      statuses_(std::move(statuses)),
      replicaManager_(replicaManager),
      callback_(std::move(callback)) {
  for (auto& s : statuses_) {
    s.acksPending = s.result.error == ErrorCode::NONE;
    if (s.acksPending) s.result.error = ErrorCode::REQUEST_TIMED_OUT;  // spec 1.6
  }
}

bool DelayedProduce::tryComplete() {
  bool pending = false;
  for (auto& s : statuses_) {
    if (!s.acksPending) continue;
    const auto [partition, lookupError] = replicaManager_.getPartitionOrError(s.result.tp);
    if (partition == nullptr) {
      // spec 1.7(a): UNKNOWN_TOPIC_OR_PARTITION once the topic is gone, else NOT_LEADER_OR_FOLLOWER
      s.acksPending = false;
      s.result.error = lookupError;
      continue;
    }
    if (!partition->isLeader()) {
      // spec 1.7(b)
      s.acksPending = false;
      s.result.error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
      continue;
    }
    const auto [reached, error] = partition->checkEnoughReplicasReachOffset(s.requiredOffset);
    if (reached) {
      // spec 1.7(c)
      s.acksPending = false;
      s.result.error = error;
      s.result.logStartOffset = partition->logStartOffset();
    } else {
      pending = true;
    }
  }
  if (pending) return false;
  return forceComplete();
}

void DelayedProduce::onComplete() {
  std::vector<ProducePartitionResult> results;
  results.reserve(statuses_.size());
  for (auto& s : statuses_) results.push_back(std::move(s.result));
  callback_(std::move(results));
}

std::vector<TopicPartition> DelayedProduce::keys() const {
  std::vector<TopicPartition> keys;
  for (const auto& s : statuses_) {
    if (s.acksPending) keys.push_back(s.result.tp);
  }
  return keys;
}

}  // namespace kafkalite::mock
