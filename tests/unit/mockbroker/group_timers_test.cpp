// The group coordinator's delayed operations on the fake clock (Kafka's DelayedHeartbeat,
// DelayedJoin, InitialDelayedJoin and DelayedSync): a session that times out removes its
// member and rebalances the rest; heartbeats keep a member in; a rebalance ends at its timeout
// without the members that did not rejoin; the initial delay waits for more members; members
// that never sync are removed; a pending member id expires.
#include "mockbroker/purgatory/delayed_heartbeat.hpp"
#include "mockbroker/purgatory/delayed_join.hpp"

#include <gtest/gtest.h>

#include "group_coordinator_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::kRebalanceMs;
using fixtures::kSessionMs;

class GroupTimersTest : public fixtures::GroupCoordinatorFixture {
 protected:
  /// Two members, Stable; returns {leader, follower, generation}.
  std::tuple<std::string, std::string, int32_t> stablePair(const std::string& group) {
    const auto [a, gen1] = stableSingleMember(group);
    const auto jb = join(group, "");
    const auto ja = join(group, a);
    EXPECT_EQ(jb->calls, 1);
    EXPECT_EQ(ja->calls, 1);
    const std::string b = jb->result.memberId;
    const int32_t gen = ja->result.generationId;
    sync(group, gen, b);
    sync(group, gen, a, {{a, {}}, {b, {}}});
    EXPECT_EQ(state(group), GroupState::Stable);
    return {a, b, gen};
  }
};

// DelayedHeartbeat: heartbeats within the session timeout keep a member for many sessions;
// once they stop, the member is removed exactly a session timeout after its last heartbeat and
// the group rebalances.
TEST_F(GroupTimersTest, DelayedHeartbeatExpiryRemovesASilentMemberAndRebalances) {
  start();
  auto [a, b, gen] = stablePair("g");
  for (int i = 0; i < 5; ++i) {
    advance(kSessionMs - 1000);
    ASSERT_EQ(heartbeat("g", a, gen), ErrorCode::NONE);
    ASSERT_EQ(heartbeat("g", b, gen), ErrorCode::NONE);
  }
  // b goes silent; a keeps heartbeating.
  advance(kSessionMs - 1);
  ASSERT_EQ(heartbeat("g", a, gen), ErrorCode::NONE);
  EXPECT_EQ(state("g"), GroupState::Stable) << "b's session has 1 ms left";
  advance(1);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance) << "b's session expired";
  EXPECT_EQ(heartbeat("g", b, gen), ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(heartbeat("g", a, gen), ErrorCode::REBALANCE_IN_PROGRESS);
  const auto ja = join("g", a);
  ASSERT_EQ(ja->calls, 1);
  EXPECT_EQ(ja->result.generationId, gen + 1);
  EXPECT_EQ(ja->result.members.size(), 1u);
}

// DelayedJoin: a rebalance ends at the rebalance timeout; a dynamic member that did not rejoin
// by then is removed even though it kept heartbeating.
TEST_F(GroupTimersTest, DelayedJoinExpiresAtTheRebalanceTimeoutWithoutTheLateMembers) {
  start();
  auto [a, b, gen] = stablePair("g");
  const auto ja = join("g", a);  // the leader rejoins: a rebalance
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  int64_t waited = 0;
  while (waited + kSessionMs / 2 < kRebalanceMs) {
    advance(kSessionMs / 2);
    waited += kSessionMs / 2;
    ASSERT_EQ(heartbeat("g", b, gen), ErrorCode::REBALANCE_IN_PROGRESS);
  }
  advance(kRebalanceMs - waited - 1);
  EXPECT_EQ(ja->calls, 0);
  advance(1);
  ASSERT_EQ(ja->calls, 1) << "the rebalance timeout passed";
  EXPECT_EQ(ja->result.generationId, gen + 1);
  EXPECT_EQ(ja->result.members.size(), 1u) << "b did not rejoin";
  EXPECT_EQ(heartbeat("g", b, gen), ErrorCode::UNKNOWN_MEMBER_ID);
}

// InitialDelayedJoin: with group.initial.rebalance.delay.ms = 3000, an Empty group's first
// rebalance waits 3 s, and 3 s more each time another member joined meanwhile, so the first
// members share generation 1.
TEST_F(GroupTimersTest, InitialDelayedJoinWaitsForMoreMembers) {
  options_.groupCoordinator.initialRebalanceDelayMs = 3000;
  start();
  const auto ja = join("g", "");
  advance(1000);
  const auto jb = join("g", "");
  advance(1999);
  EXPECT_EQ(ja->calls, 0);
  advance(1);  // 3000 ms: b joined meanwhile, so the delay starts again
  EXPECT_EQ(ja->calls, 0);
  EXPECT_EQ(jb->calls, 0);
  advance(2999);
  EXPECT_EQ(ja->calls, 0);
  advance(1);
  ASSERT_EQ(ja->calls, 1);
  ASSERT_EQ(jb->calls, 1);
  EXPECT_EQ(ja->result.generationId, 1);
  EXPECT_EQ(jb->result.generationId, 1);
}

// DelayedSync: members that got their JoinGroup answer but never send SyncGroup are removed
// after the rebalance timeout, and the group rebalances without them.
TEST_F(GroupTimersTest, DelayedSyncRemovesMembersThatNeverSync) {
  start();
  auto [a, b, gen] = stablePair("g");
  join("g", a);
  const auto jb = join("g", b);
  ASSERT_EQ(jb->calls, 1);
  const int32_t next = jb->result.generationId;
  sync("g", next, a, {{a, {}}, {b, {}}});  // only the leader syncs
  EXPECT_EQ(state("g"), GroupState::Stable);
  for (int64_t t = 0; t < kRebalanceMs - 2000; t += 2000) {
    advance(2000);
    ASSERT_EQ(heartbeat("g", a, next), ErrorCode::NONE);
    ASSERT_EQ(heartbeat("g", b, next), ErrorCode::NONE);
  }
  advance(2000);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance) << "b never sent SyncGroup";
  EXPECT_EQ(heartbeat("g", b, next), ErrorCode::UNKNOWN_MEMBER_ID);
}

// A pending member (told MEMBER_ID_REQUIRED) that does not come back within its session
// timeout is forgotten: its id is then unknown.
TEST_F(GroupTimersTest, PendingMemberIdExpiresAfterTheSessionTimeout) {
  start();
  const auto [a, gen] = stableSingleMember("g");
  const auto pending = join("g", "", {}, std::nullopt, true);
  ASSERT_EQ(pending->result.error, ErrorCode::MEMBER_ID_REQUIRED);
  for (int i = 0; i < 2; ++i) {
    advance(kSessionMs / 2);
    ASSERT_EQ(heartbeat("g", a, gen), ErrorCode::NONE);
  }
  EXPECT_EQ(join("g", pending->result.memberId, {}, std::nullopt, true)->result.error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

// A member whose JoinGroup waits in a rebalance counts as alive (Kafka's hasSatisfiedHeartbeat):
// its session does not expire while it waits for the others.
TEST_F(GroupTimersTest, AMemberWaitingInJoinGroupDoesNotExpire) {
  start();
  auto [a, b, gen] = stablePair("g");
  const auto ja = join("g", a);
  for (int i = 0; i < 3; ++i) {
    advance(kSessionMs / 2);
    ASSERT_EQ(heartbeat("g", b, gen), ErrorCode::REBALANCE_IN_PROGRESS);
  }
  EXPECT_EQ(ja->calls, 0);
  const auto jb = join("g", b);
  ASSERT_EQ(ja->calls, 1);
  EXPECT_EQ(ja->result.members.size(), 2u) << "a stayed in while it waited";
  EXPECT_EQ(jb->result.error, ErrorCode::NONE);
}

// The control surface: expiring a session or forcing a rebalance acts at once.
TEST_F(GroupTimersTest, ExpireMemberSessionAndForceRebalance) {
  start();
  auto [a, b, gen] = stablePair("g");
  EXPECT_EQ(gc().forceRebalance("g"), GroupCoordinator::RebalanceOutcome::Started);
  EXPECT_EQ(gc().forceRebalance("g"), GroupCoordinator::RebalanceOutcome::AlreadyRebalancing);
  EXPECT_EQ(heartbeat("g", a, gen), ErrorCode::REBALANCE_IN_PROGRESS);
  EXPECT_TRUE(gc().expireMemberSession("g", b));
  EXPECT_FALSE(gc().expireMemberSession("g", b));
  EXPECT_EQ(gc().forceRebalance("nope"), GroupCoordinator::RebalanceOutcome::UnknownGroup);
  const auto ja = join("g", a);
  ASSERT_EQ(ja->calls, 1);
  EXPECT_EQ(ja->result.members.size(), 1u);
}

}  // namespace
}  // namespace kafkalite::mock
