#pragma once
/// \file
/// The group coordinator's rebalance operations (Kafka's kafka.coordinator.group
/// DelayedJoin, InitialDelayedJoin and DelayedSync), parked in its "Rebalance"
/// purgatory on the same timing wheel machinery as DelayedProduce and DelayedFetch:
/// - DelayedJoin (key: the group's join key) completes the PreparingRebalance phase
///   when every known member has rejoined, or when the rebalance timeout (the largest of
///   the members') passes; members that did not rejoin are then removed.
/// - InitialDelayedJoin replaces it when an Empty group starts rebalancing: it waits
///   group.initial.rebalance.delay.ms, and again (up to the rebalance timeout) as long as
///   new members keep joining, so a group's first members share one generation.
/// - DelayedSync (key: the group's sync key) expires members that got their JoinGroup
///   answer but sent no SyncGroup within the rebalance timeout, and starts a new rebalance.
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

/// A key of the Rebalance purgatory: a group's join phase or its sync phase (Kafka's
/// GroupJoinKey / GroupSyncKey).
struct GroupKey {
  enum class Phase : uint8_t { Join, Sync };
  Phase phase = Phase::Join;
  std::string groupId;
  bool operator==(const GroupKey&) const = default;
  static GroupKey join(std::string groupId) { return {Phase::Join, std::move(groupId)}; }
  static GroupKey sync(std::string groupId) { return {Phase::Sync, std::move(groupId)}; }
};

struct GroupKeyHash {
  std::size_t operator()(const GroupKey& k) const noexcept {
    return std::hash<std::string>{}(k.groupId) * 2 + (k.phase == GroupKey::Phase::Sync ? 1 : 0);
  }
};

using RebalancePurgatory = DelayedOperationPurgatory<GroupKey, GroupKeyHash, DelayedOperation>;

class DelayedJoin : public DelayedOperation {
 public:
  DelayedJoin(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group, int64_t rebalanceTimeoutMs);
  /// Completes when every known member has rejoined and no member id is pending.
  bool tryComplete() override;
  /// Ends the join phase: GroupCoordinator::onCompleteJoin.
  void onComplete() override;
  void onExpiration() override {}

 protected:
  GroupCoordinator& coordinator_;
  std::shared_ptr<GroupMetadata> group_;
};

class InitialDelayedJoin : public DelayedJoin {
 public:
  /// Waits `delayMs`; `remainingMs` more may follow while members keep joining.
  InitialDelayedJoin(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group,
                     int64_t configuredRebalanceDelayMs, int64_t delayMs, int64_t remainingMs);
  /// Never early: only the delay ends it.
  bool tryComplete() override { return false; }
  /// A member joined during the delay and time remains: wait again; else end the join phase.
  void onComplete() override;

 private:
  int64_t configuredRebalanceDelayMs_;
  int64_t remainingMs_;
};

class DelayedSync : public DelayedOperation {
 public:
  DelayedSync(GroupCoordinator& coordinator, std::shared_ptr<GroupMetadata> group, int32_t generationId,
              int64_t rebalanceTimeoutMs);
  /// Completes once every member of the generation has sent SyncGroup, or the generation
  /// or state moved on.
  bool tryComplete() override;
  void onComplete() override {}
  /// Removes the members that never synced and rebalances.
  void onExpiration() override;

 private:
  GroupCoordinator& coordinator_;
  std::shared_ptr<GroupMetadata> group_;
  int32_t generationId_;
};

}  // namespace kafkalite::mock
