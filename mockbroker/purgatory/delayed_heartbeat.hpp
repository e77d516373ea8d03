#pragma once
/// \file
/// DelayedHeartbeat (Kafka's kafka.coordinator.group.DelayedHeartbeat): one member's
/// session, parked in the group coordinator's "Heartbeat" purgatory on the same timing
/// wheel machinery as DelayedProduce and DelayedFetch. Each heartbeat (or other sign of
/// life) completes the current one and parks the next, due a session timeout later; one
/// that expires removes the member and rebalances its group. For a pending member (one
/// told MEMBER_ID_REQUIRED) it expires the pending id unless it joins in time.
///
/// Threading: the owning broker's event loop.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mockbroker/purgatory/delayed_operation.hpp"

namespace kafkalite::mock {

class GroupCoordinator;
class GroupMetadata;

/// A key of the Heartbeat purgatory (Kafka's MemberKey).
struct MemberKey {
  std::string groupId;
  std::string memberId;
  bool operator==(const MemberKey&) const = default;
};

struct MemberKeyHash {
  std::size_t operator()(const MemberKey& k) const noexcept {
    const std::size_t h = std::hash<std::string>{}(k.groupId);
    return h ^ (std::hash<std::string>{}(k.memberId) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};

class DelayedHeartbeat : public DelayedOperation {
 public:
  DelayedHeartbeat(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group, std::string memberId,
                   bool isPending, int64_t timeoutMs);
  /// Completes when the member proved alive, left, or the group was unloaded.
  bool tryComplete() override;
  void onComplete() override {}
  /// The session timed out: GroupCoordinator::onExpireHeartbeat.
  void onExpiration() override;

 private:
  GroupCoordinator& coordinator_;
  std::shared_ptr<GroupMetadata> group_;
  std::string memberId_;
  bool isPending_;
};

using HeartbeatPurgatory = DelayedOperationPurgatory<MemberKey, MemberKeyHash, DelayedHeartbeat>;

}  // namespace kafkalite::mock
