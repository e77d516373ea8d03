#include "mockbroker/purgatory/delayed_fetch.hpp"

#include "mockbroker/replica_manager.hpp"

namespace kafkalite::mock {

DelayedFetch::DelayedFetch(int64_t delayMs, FetchParams params, ReplicaManager& replicaManager, FetchCallback callback)
    : DelayedOperation(delayMs),
      params_(std::move(params)),
      replicaManager_(replicaManager),
      callback_(std::move(callback)) {}

bool DelayedFetch::tryComplete() {
  std::size_t accumulated = 0;
  for (const auto& p : params_.partitions) {
    const Partition* partition = replicaManager_.getPartitionOrError(p.tp).partition;
    if (partition == nullptr || !partition->isLeader()) return forceComplete();  // spec 4.5
    if (partition->checkCurrentLeaderEpoch(p.currentLeaderEpoch) != ErrorCode::NONE) return forceComplete();
    const int64_t endOffset =
        params_.isolation == FetchIsolation::LogEnd ? partition->logEndOffset() : partition->highWatermark();
    if (p.fetchOffset > endOffset || p.fetchOffset < partition->logStartOffset()) return forceComplete();
    accumulated += partition->bytesAvailable(p.fetchOffset, static_cast<std::size_t>(std::max(p.partitionMaxBytes, 0)),
                                             params_.isolation);
  }
  if (accumulated >= static_cast<std::size_t>(std::max(params_.minBytes, 0))) return forceComplete();
  return false;
}

void DelayedFetch::onComplete() { callback_(replicaManager_.readFromLocalLog(params_, nullptr)); }

}  // namespace kafkalite::mock
