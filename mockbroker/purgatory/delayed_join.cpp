#include "mockbroker/purgatory/delayed_join.hpp"

#include <algorithm>

#include "mockbroker/group/group_coordinator.hpp"

namespace kafkalite::mock {

DelayedJoin::DelayedJoin(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group, int64_t rebalanceTimeoutMs)
    : DelayedOperation(rebalanceTimeoutMs), coordinator_(coordinator), group_(std::move(group)) {}

bool DelayedJoin::tryComplete() { return coordinator_.tryCompleteJoin(*group_, *this); }

void DelayedJoin::onComplete() { coordinator_.onCompleteJoin(group_); }

InitialDelayedJoin::InitialDelayedJoin(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group,
                                       int64_t configuredRebalanceDelayMs, int64_t delayMs, int64_t remainingMs)
    : DelayedJoin(coordinator, std::move(group), delayMs),
      configuredRebalanceDelayMs_(configuredRebalanceDelayMs),
      remainingMs_(remainingMs) {}

void InitialDelayedJoin::onComplete() {
  if (group_->newMemberAdded && remainingMs_ != 0) {
    // Kafka's InitialDelayedJoin: more members arrived during the delay, so wait once more,
    // never beyond the rebalance timeout.
    group_->newMemberAdded = false;
    const int64_t delay = std::min(configuredRebalanceDelayMs_, remainingMs_);
    const int64_t remaining = std::max<int64_t>(remainingMs_ - delayMs(), 0);
    coordinator_.watchRebalance(
        std::make_shared<InitialDelayedJoin>(coordinator_, group_, configuredRebalanceDelayMs_, delay, remaining),
        GroupKey::join(group_->groupId()));
    return;
  }
  DelayedJoin::onComplete();
}

DelayedSync::DelayedSync(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group, int32_t generationId,
                         int64_t rebalanceTimeoutMs)
    : DelayedOperation(rebalanceTimeoutMs), coordinator_(coordinator), group_(std::move(group)), generationId_(generationId) {}

bool DelayedSync::tryComplete() { return coordinator_.tryCompletePendingSync(*group_, generationId_, *this); }

void DelayedSync::onExpiration() { coordinator_.onExpirePendingSync(group_, generationId_); }

}  // namespace kafkalite::mock
