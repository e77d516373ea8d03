#include "mockbroker/purgatory/delayed_heartbeat.hpp"

#include "mockbroker/group/group_coordinator.hpp"

namespace kafkalite::mock {

DelayedHeartbeat::DelayedHeartbeat(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group,
                                   std::string memberId, bool isPending, int64_t timeoutMs)
    : DelayedOperation(timeoutMs),
      coordinator_(coordinator),
      group_(std::move(group)),
      memberId_(std::move(memberId)),
      isPending_(isPending) {}

bool DelayedHeartbeat::tryComplete() { return coordinator_.tryCompleteHeartbeat(*group_, memberId_, isPending_, *this); }

void DelayedHeartbeat::onExpiration() { coordinator_.onExpireHeartbeat(group_, memberId_, isPending_); }

}  // namespace kafkalite::mock
