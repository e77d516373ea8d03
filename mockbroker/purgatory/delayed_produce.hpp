#pragma once
/// \file
/// DelayedProduce: an acks=-1 Produce reply waiting until every partition's high
/// watermark reaches the offset after its append, leadership is lost, or the
/// request's timeout_ms passes — whichever is first, exactly once (spec 1.5–1.8).
///
/// Threading: the owning broker's event loop.

#include <vector>

#include "mockbroker/purgatory/delayed_operation.hpp"
#include "mockbroker/replica_types.hpp"

namespace kafkalite::mock {

class ReplicaManager;

class DelayedProduce : public DelayedOperation {
 public:
  struct PartitionStatus {
    int64_t requiredOffset = 0;  ///< last appended offset + 1 (spec 1.3)
    bool acksPending = false;
    ProducePartitionResult result;
  };

  /// Partitions whose append succeeded start pending with REQUEST_TIMED_OUT preset (spec 1.6).
  DelayedProduce(int64_t delayMs, std::vector<PartitionStatus> statuses, ReplicaManager& replicaManager,
                 ProduceCallback callback);

  /// Spec 1.7: (a) partition no longer hosted → ReplicaManager::getPartitionOrError's error
  /// (UNKNOWN_TOPIC_OR_PARTITION once the topic is gone, else NOT_LEADER_OR_FOLLOWER),
  /// (b) not leader → NOT_LEADER_OR_FOLLOWER, (c) HW >= requiredOffset → NONE or
  /// NOT_ENOUGH_REPLICAS_AFTER_APPEND.
  bool tryComplete() override;
  /// Sends the statuses as they stand (spec 1.8: pending ones say REQUEST_TIMED_OUT).
  void onComplete() override;
  void onExpiration() override {}

  [[nodiscard]] std::vector<TopicPartition> keys() const;

 private:
  std::vector<PartitionStatus> statuses_;
  ReplicaManager& replicaManager_;
  ProduceCallback callback_;
};

}  // namespace kafkalite::mock
