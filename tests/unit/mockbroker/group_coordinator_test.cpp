// GroupCoordinator membership through its handle* methods, as Kafka's
// GroupCoordinatorTest drives it: JoinGroup (new, pending, current and static members),
// SyncGroup, Heartbeat and LeaveGroup, and Kafka's error codes for bad input. Fake clock;
// the initial rebalance delay is 0, so a join completes at the next tick.
#include "mockbroker/group/group_coordinator.hpp"

#include <gtest/gtest.h>

#include "group_coordinator_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::assignment;
using fixtures::kSessionMs;
using fixtures::subscription;

class GroupCoordinatorTest : public fixtures::GroupCoordinatorFixture {};

// Kafka's GroupCoordinator: a first member joins an Empty group, is its leader and gets every
// member's metadata; its SyncGroup (the leader's) stores the assignment and makes the group Stable.
TEST_F(GroupCoordinatorTest, FirstMemberLeadsSyncsAndBecomesStable) {
  start();
  const auto j = join("g", "");
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  advance(0);  // InitialDelayedJoin with group.initial.rebalance.delay.ms = 0
  ASSERT_EQ(j->calls, 1);
  EXPECT_EQ(j->result.error, ErrorCode::NONE);
  EXPECT_EQ(j->result.generationId, 1);
  EXPECT_EQ(j->result.protocolName, "range");
  EXPECT_EQ(j->result.protocolType, "consumer");
  EXPECT_EQ(j->result.leaderId, j->result.memberId);
  EXPECT_EQ(j->result.memberId.rfind("client-", 0), 0u) << "Kafka's member id: client id, '-', a UUID";
  ASSERT_EQ(j->result.members.size(), 1u);
  EXPECT_EQ(j->result.members[0].metadata, subscription({"orders"}));
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);

  const auto s = sync("g", 1, j->result.memberId, {{j->result.memberId, assignment({{"orders", {0, 1}}})}});
  ASSERT_EQ(s->calls, 1);
  EXPECT_EQ(s->result.error, ErrorCode::NONE);
  EXPECT_EQ(s->result.assignment, assignment({{"orders", {0, 1}}}));
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(heartbeat("g", j->result.memberId, 1), ErrorCode::NONE);
  const auto v = view("g");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->members.size(), 1u);
  ASSERT_EQ(v->members[0].assignedPartitions.size(), 1u);
  EXPECT_EQ(v->members[0].assignedPartitions[0].second, (std::vector<int32_t>{0, 1}));
}

// KIP-394 (JoinGroup v4+): a dynamic member without an id gets MEMBER_ID_REQUIRED with one and
// joins with it; until then it is a pending member.
TEST_F(GroupCoordinatorTest, MemberIdRequiredThenJoinWithTheGivenId) {
  start();
  const auto first = join("g", "", {}, std::nullopt, /*requireKnownMemberId=*/true);
  ASSERT_EQ(first->calls, 1);
  EXPECT_EQ(first->result.error, ErrorCode::MEMBER_ID_REQUIRED);
  ASSERT_FALSE(first->result.memberId.empty());
  EXPECT_EQ(state("g"), GroupState::Empty);

  const auto second = join("g", first->result.memberId, {}, std::nullopt, true);
  advance(0);
  ASSERT_EQ(second->calls, 1);
  EXPECT_EQ(second->result.error, ErrorCode::NONE);
  EXPECT_EQ(second->result.memberId, first->result.memberId);
  EXPECT_EQ(second->result.generationId, 1);
}

// A second member makes a Stable group rebalance: the first learns it through its heartbeat
// (REBALANCE_IN_PROGRESS), rejoins, and the DelayedJoin completes once both have joined; the
// leader gets both members and hands out both assignments.
TEST_F(GroupCoordinatorTest, SecondMemberTriggersARebalanceThatCompletesWhenAllRejoin) {
  start();
  const auto [a, gen1] = stableSingleMember("g");
  const auto jb = join("g", "");
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  advance(0);
  EXPECT_EQ(jb->calls, 0) << "waits for the known member to rejoin";
  EXPECT_EQ(heartbeat("g", a, gen1), ErrorCode::REBALANCE_IN_PROGRESS);

  const auto ja = join("g", a);
  ASSERT_EQ(ja->calls, 1);
  ASSERT_EQ(jb->calls, 1);
  EXPECT_EQ(ja->result.generationId, gen1 + 1);
  EXPECT_EQ(jb->result.generationId, gen1 + 1);
  EXPECT_EQ(ja->result.leaderId, a);
  EXPECT_EQ(ja->result.members.size(), 2u);
  EXPECT_TRUE(jb->result.members.empty()) << "only the leader gets the members";

  const std::string b = jb->result.memberId;
  const auto sb = sync("g", gen1 + 1, b);
  EXPECT_EQ(sb->calls, 0) << "a follower waits for the leader's assignment";
  const auto sa = sync("g", gen1 + 1, a, {{a, assignment({{"orders", {0}}})}, {b, assignment({{"orders", {1}}})}});
  ASSERT_EQ(sa->calls, 1);
  ASSERT_EQ(sb->calls, 1);
  EXPECT_EQ(sa->result.assignment, assignment({{"orders", {0}}}));
  EXPECT_EQ(sb->result.assignment, assignment({{"orders", {1}}}));
  EXPECT_EQ(state("g"), GroupState::Stable);
}

// LeaveGroup (v3 batch): the member goes and the others rebalance; an unknown member in the
// same batch gets UNKNOWN_MEMBER_ID without disturbing the rest.
TEST_F(GroupCoordinatorTest, LeaveGroupRemovesTheMemberAndRebalancesTheRest) {
  start();
  const auto [a, gen1] = stableSingleMember("g");
  const auto jb = join("g", "");
  join("g", a);
  ASSERT_EQ(jb->calls, 1);
  const std::string b = jb->result.memberId;
  const int32_t gen2 = jb->result.generationId;
  sync("g", gen2, a, {{a, {}}, {b, {}}});

  const auto left = gc().handleLeaveGroup("g", {{b, std::nullopt}, {"nobody", std::nullopt}});
  EXPECT_EQ(left.topLevelError, ErrorCode::NONE);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error, ErrorCode::NONE);
  EXPECT_EQ(left.members[1].error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", b, gen2), ErrorCode::UNKNOWN_MEMBER_ID);
  const auto ja = join("g", a);
  ASSERT_EQ(ja->calls, 1);
  EXPECT_EQ(ja->result.generationId, gen2 + 1);
  EXPECT_EQ(ja->result.members.size(), 1u);

  // The last member leaving empties the group (a new generation, no protocol).
  sync("g", gen2 + 1, a, {{a, {}}});
  EXPECT_EQ(gc().handleLeaveGroup("g", {{a, std::nullopt}}).members.at(0).error, ErrorCode::NONE);
  advance(0);
  EXPECT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(view("g")->generationId, gen2 + 2);
}

// KIP-345: a static member that restarts (joins with its group.instance.id and no member id)
// replaces its old member id in a Stable group without a rebalance and keeps its assignment;
// the old id is fenced.
TEST_F(GroupCoordinatorTest, StaticMemberRejoinKeepsTheGenerationAndFencesTheOldId) {
  start();
  const auto j = join("g", "", {}, std::string("instance-1"));
  advance(0);
  ASSERT_EQ(j->calls, 1);
  const std::string oldId = j->result.memberId;
  EXPECT_EQ(oldId.rfind("instance-1-", 0), 0u);
  sync("g", 1, oldId, {{oldId, assignment({{"orders", {0, 1}}})}}, std::string("instance-1"));
  ASSERT_EQ(state("g"), GroupState::Stable);

  const auto again = join("g", "", {}, std::string("instance-1"));
  ASSERT_EQ(again->calls, 1);
  EXPECT_EQ(again->result.error, ErrorCode::NONE);
  EXPECT_NE(again->result.memberId, oldId);
  EXPECT_EQ(again->result.generationId, 1) << "no rebalance";
  EXPECT_EQ(again->result.leaderId, oldId) << "before JoinGroup v9 the old leader id comes back";
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(heartbeat("g", oldId, 1, std::string("instance-1")), ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(heartbeat("g", again->result.memberId, 1, std::string("instance-1")), ErrorCode::NONE);
  const auto s = sync("g", 1, again->result.memberId, {}, std::string("instance-1"));
  ASSERT_EQ(s->calls, 1);
  EXPECT_EQ(s->result.assignment, assignment({{"orders", {0, 1}}})) << "the assignment survives the restart";
  // An administrator removes the static member by instance id alone (member id "").
  const auto left = gc().handleLeaveGroup("g", {{"", std::string("instance-1")}});
  ASSERT_EQ(left.members.size(), 1u);
  EXPECT_EQ(left.members[0].error, ErrorCode::NONE);
}

// Bad input gets Kafka's error codes and leaves other groups alone.
TEST_F(GroupCoordinatorTest, BadInputGetsKafkasErrorsAndDisturbsNoOtherGroup) {
  start();
  const auto [a, gen] = stableSingleMember("good");

  EXPECT_EQ(join("", "")->result.error, ErrorCode::INVALID_GROUP_ID);
  EXPECT_EQ(join("g", "", {}, std::nullopt, false, /*sessionMs=*/500)->result.error, ErrorCode::INVALID_SESSION_TIMEOUT);
  EXPECT_EQ(join("g", "", {}, std::nullopt, false, 1'800'001)->result.error, ErrorCode::INVALID_SESSION_TIMEOUT);
  EXPECT_EQ(join("unknown", "stale-member")->result.error, ErrorCode::UNKNOWN_MEMBER_ID);
  // A protocol none of the members supports; an empty protocol list.
  EXPECT_EQ(join("good", "", {{"roundrobin", {}}})->result.error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  JoinGroupParams noProtocols;
  noProtocols.groupId = "fresh";
  noProtocols.sessionTimeoutMs = kSessionMs;
  noProtocols.protocolType = "consumer";
  ErrorCode error = ErrorCode::NONE;
  gc().handleJoinGroup(noProtocols, [&](const JoinGroupResult& r) { error = r.error; });
  EXPECT_EQ(error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);

  EXPECT_EQ(heartbeat("good", a, gen + 5), ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(heartbeat("good", "nobody", gen), ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(heartbeat("nogroup", a, gen), ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(heartbeat("", a, gen), ErrorCode::INVALID_GROUP_ID);
  EXPECT_EQ(sync("good", gen + 1, a)->result.error, ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(sync("good", gen, "nobody")->result.error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(sync("nogroup", gen, a)->result.error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(gc().handleLeaveGroup("nogroup", {{a, std::nullopt}}).members.at(0).error, ErrorCode::UNKNOWN_MEMBER_ID);

  // Nothing of that touched the good group.
  EXPECT_EQ(state("good"), GroupState::Stable);
  EXPECT_EQ(heartbeat("good", a, gen), ErrorCode::NONE);
  EXPECT_EQ(view("good")->generationId, gen);
}

// Member metadata and assignments are opaque to the coordinator (only the "consumer"
// protocol's topics are read, leniently): garbage passes through to the other members, and
// the group just does not know what its members subscribe to (Kafka's computeSubscribedTopics
// on a SchemaException), so OffsetDelete spares every topic.
TEST_F(GroupCoordinatorTest, GarbledMetadataAndAssignmentsPassThroughOpaquely) {
  start();
  const protocol::Bytes garbage = {0xff, 0xfe, 0x00, 0x01, 0x02};
  const auto j = join("g", "", {{"range", garbage}});
  advance(0);
  ASSERT_EQ(j->result.error, ErrorCode::NONE);
  EXPECT_EQ(j->result.members.at(0).metadata, garbage);
  const auto s = sync("g", 1, j->result.memberId, {{j->result.memberId, garbage}});
  ASSERT_EQ(s->result.error, ErrorCode::NONE);
  EXPECT_EQ(s->result.assignment, garbage);
  const auto v = view("g");
  EXPECT_EQ(v->members.at(0).assignment, std::string(garbage.begin(), garbage.end()));
  EXPECT_TRUE(v->members.at(0).assignedPartitions.empty());
  const auto [error, partitions] = gc().handleDeleteOffsets("g", {{"orders", 0}, {"other", 0}});
  EXPECT_EQ(error, ErrorCode::NONE);
  EXPECT_EQ(partitions.at(TopicPartition{"other", 0}), ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC);
}

// An assignment too large for a __consumer_offsets record (message.max.bytes): storing the
// generation fails, so the leader's SyncGroup gets UNKNOWN_SERVER_ERROR (Kafka's storeGroup
// mapping of MESSAGE_TOO_LARGE) and the group rebalances; other groups go on.
TEST_F(GroupCoordinatorTest, AnAssignmentTooLargeToStoreFailsTheSyncAndRebalances) {
  start();
  const auto [other, otherGen] = stableSingleMember("other");
  const auto j = join("g", "");
  advance(0);
  const std::string m = j->result.memberId;
  const auto s = sync("g", 1, m, {{m, protocol::Bytes(2 * 1024 * 1024, 0x01)}});
  ASSERT_EQ(s->calls, 1);
  EXPECT_EQ(s->result.error, ErrorCode::UNKNOWN_SERVER_ERROR);
  EXPECT_TRUE(s->result.assignment.empty());
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", m, 1), ErrorCode::REBALANCE_IN_PROGRESS);
  EXPECT_EQ(heartbeat("other", other, otherGen), ErrorCode::NONE);
}

// A group whose __consumer_offsets partition another broker leads is not coordinated here.
TEST_F(GroupCoordinatorTest, AGroupOfAPartitionLedElsewhereGetsNotCoordinator) {
  start();
  const int32_t p = gc().partitionFor("g");
  lead(p, 2);  // broker 2 takes over the partition
  EXPECT_FALSE(gc().isGroupLocal("g"));
  EXPECT_EQ(join("g", "")->result.error, ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(heartbeat("g", "m", 1), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(gc().handleFetchOffsets("g", false, std::nullopt).first, ErrorCode::NOT_COORDINATOR);
}

}  // namespace
}  // namespace kafkalite::mock
