// Partition: follower fetch state (spec 2.1, 3.1), caught-up (3.2), ISR shrink (3.3) and
// expansion (3.4), and the leader/follower transitions (spec 2.6, 6.3), with fake times.
#include "mockbroker/partition.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "partition_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::kLag;
using fixtures::kT0;
using fixtures::makeBatch;
using Isr = std::vector<int32_t>;

class PartitionIsrTest : public fixtures::PartitionFixture {};

// spec 3.1 first case, spec 2.1: a fetch at the leader's LEO catches the follower up now.
TEST_F(PartitionIsrTest, Spec3_1_FetchAtLeaderLogEndCatchesUpNow) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  append(2);
  fetch(2, 2, kT0 + 100);
  const auto& f = followerState(2);
  EXPECT_EQ(f.logEndOffset, 2);
  EXPECT_EQ(f.lastCaughtUpTimeMs, kT0 + 100);
  EXPECT_EQ(f.lastFetchTimeMs, kT0 + 100);
  EXPECT_EQ(f.lastFetchLeaderLogEndOffset, 2);
}

// spec 3.1 second case: behind the leader but at least at the leader LEO of the previous fetch,
// the follower was caught up at that previous fetch; further behind, nothing changes.
TEST_F(PartitionIsrTest, Spec3_1_FetchPastPreviousLeaderLogEndUsesPreviousFetchTime) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  append(2);
  fetch(2, 2, kT0 + 100);  // caught up at +100
  append(3);               // LEO 5
  fetch(2, 2, kT0 + 200);  // 2 >= last leader LEO 2: caught up at +100 (the previous fetch)
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0 + 100);
  EXPECT_EQ(followerState(2).lastFetchLeaderLogEndOffset, 5);
  append(3);               // LEO 8
  fetch(2, 5, kT0 + 300);  // 5 >= 5: caught up at +200
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0 + 200);
  fetch(2, 6, kT0 + 400);  // 6 < 8: unchanged
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0 + 200);
  EXPECT_EQ(followerState(2).lastFetchTimeMs, kT0 + 400);
}

// spec 3.2: a follower at the leader's LEO is caught up however long ago it fetched.
TEST_F(PartitionIsrTest, Spec3_2_FollowerAtLeaderLogEndIsCaughtUpRegardlessOfTime) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  fetch(2, 0);
  fetch(3, 0);
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + 100 * kLag), std::nullopt);
}

// spec 3.2 / 3.3: a silent follower leaves the ISR once now - lastCaughtUp > lag, not before.
TEST_F(PartitionIsrTest, Spec3_3_ShrinkAfterLagNotBefore) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  fetch(2, 0);
  fetch(3, 0);
  append(1, -1, kT0 + 1000);
  fetch(2, 1, kT0 + 1000);
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + kLag), std::nullopt);
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + kLag + 1), (Isr{1, 2}));
  EXPECT_EQ(p().isr(), (Isr{1, 2, 3})) << "only proposed; the controller commits";
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + 1000 + kLag + 1), (Isr{1, 2})) << "follower 2 is at the leader's LEO";
}

// spec 3.3: the leader is never a candidate; an ISR member with no replica state is out.
TEST_F(PartitionIsrTest, Spec3_3_LeaderIsNeverRemoved) {
  p().makeLeader(state(1, {1}), kT0);
  append(1);
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + 10 * kLag), std::nullopt);
  p().makeLeader(state(2, {1, 4}), kT0);  // 4 is not an assigned replica
  EXPECT_EQ(p().maybeShrinkIsr(kT0), (Isr{1}));
  p().makeFollower(state(3, {2}, {1, 2, 3}, 2));
  EXPECT_EQ(p().maybeShrinkIsr(kT0 + 10 * kLag), std::nullopt) << "only a leader shrinks";
}

// spec 3.3: committing the shrink recomputes the HW, which can complete waiting produces.
TEST_F(PartitionIsrTest, Spec3_3_CommittedShrinkRaisesHighWatermark) {
  p().makeLeader(state(1, {1, 2, 3}), kT0);
  const int64_t required = append(2);
  fetch(2, 2);
  ASSERT_EQ(p().highWatermark(), 0) << "follower 3 never fetched";
  const auto shrunk = p().maybeShrinkIsr(kT0 + kLag + 1);
  ASSERT_EQ(shrunk, (Isr{1, 2}));
  EXPECT_TRUE(p().applyIsr(*shrunk, kT0 + kLag + 1));
  EXPECT_EQ(p().highWatermark(), 2);
  EXPECT_EQ(p().checkEnoughReplicasReachOffset(required), (std::pair{true, ErrorCode::NONE}));
}

// spec 3.4: a non-ISR follower is proposed once its LEO reaches the HW.
TEST_F(PartitionIsrTest, Spec3_4_ExpandOnceLogEndReachesHighWatermark) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(4);
  fetch(2, 4);
  ASSERT_EQ(p().highWatermark(), 4);
  EXPECT_EQ(fetch(3, 2).proposedIsr, std::nullopt);
  EXPECT_EQ(fetch(3, 4).proposedIsr, (Isr{1, 2, 3}));
  EXPECT_FALSE(p().applyIsr({1, 2, 3}, kT0));
  EXPECT_EQ(p().isr(), (Isr{1, 2, 3}));
  EXPECT_EQ(fetch(3, 4).proposedIsr, std::nullopt) << "already in the ISR";
}

// spec 3.4: ... and the leader epoch start offset.
TEST_F(PartitionIsrTest, Spec3_4_ExpandNeedsLeaderEpochStartOffset) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(4);
  fetch(2, 2);
  ASSERT_EQ(p().highWatermark(), 2);
  p().makeLeader(state(2, {1, 2}), kT0);  // re-elected: epoch start offset 4
  EXPECT_EQ(fetch(3, 3).proposedIsr, std::nullopt) << "at the HW, below the epoch start";
  EXPECT_EQ(fetch(3, 4).proposedIsr, (Isr{1, 2, 3}));
}

// spec 2.6: a new leader forgets follower LEOs; ISR followers count as caught up now.
TEST_F(PartitionIsrTest, Spec2_6_NewLeaderResetsFollowerStates) {
  Log source;
  ASSERT_EQ(source.appendAsLeader(makeBatch(3), 1).error, ErrorCode::NONE);
  p().makeFollower(state(1, {2, 1}, {1, 2, 3}, 2));
  ASSERT_EQ(p().appendRecordsAsFollower(source.batches()[0].bytes).error, ErrorCode::NONE);
  p().updateFollowerHighWatermark(1);

  EXPECT_TRUE(p().makeLeader(state(2, {1, 2}), kT0 + 5));
  EXPECT_TRUE(p().isLeader());
  EXPECT_EQ(p().leaderEpoch(), 2);
  EXPECT_EQ(followerState(2).logEndOffset, -1);
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0 + 5);
  EXPECT_EQ(followerState(3).logEndOffset, -1);
  EXPECT_EQ(followerState(3).lastCaughtUpTimeMs, 0);
  EXPECT_EQ(p().highWatermark(), 1) << "the unknown LEO of ISR follower 2 holds the HW";
  EXPECT_TRUE(fetch(2, 3, kT0 + 6).highWatermarkIncreased);
  EXPECT_EQ(p().highWatermark(), 3);
}

// spec 2.6: a re-elected leader keeps follower LEOs and restarts their fetch clocks.
TEST_F(PartitionIsrTest, Spec2_6_ReelectedLeaderKeepsFollowerLogEnds) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(2);
  fetch(2, 2);
  fetch(3, 1);
  EXPECT_FALSE(p().makeLeader(state(2, {1, 2}), kT0 + 50)) << "was leader already";
  EXPECT_EQ(p().leaderEpoch(), 2);
  EXPECT_EQ(followerState(2).logEndOffset, 2);
  EXPECT_EQ(followerState(2).lastFetchLeaderLogEndOffset, 2);
  EXPECT_EQ(followerState(2).lastFetchTimeMs, kT0 + 50);
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0 + 50);
  EXPECT_EQ(followerState(3).logEndOffset, 1);
  EXPECT_EQ(followerState(3).lastCaughtUpTimeMs, 0);
  EXPECT_EQ(followerState(3).lastFetchTimeMs, 0);
}

// spec 2.2: makeLeader recomputes the HW (here the ISR is the new leader alone).
TEST_F(PartitionIsrTest, Spec2_2_MakeLeaderRecomputesHighWatermark) {
  Log source;
  ASSERT_EQ(source.appendAsLeader(makeBatch(5), 1).error, ErrorCode::NONE);
  p().makeFollower(state(1, {2, 1}, {1, 2}, 2));
  ASSERT_EQ(p().appendRecordsAsFollower(source.batches()[0].bytes).error, ErrorCode::NONE);
  ASSERT_EQ(p().highWatermark(), 0);
  p().makeLeader(state(2, {1}, {1, 2}), kT0);
  EXPECT_EQ(p().highWatermark(), 5);
}

// A state with an older epoch is ignored; the same epoch updates assignment and ISR only.
TEST_F(PartitionIsrTest, MakeLeaderIgnoresOlderEpochAndKeepsStatesAtSameEpoch) {
  p().makeLeader(state(3, {1, 2}), kT0);
  append(2);
  fetch(2, 2);
  EXPECT_FALSE(p().makeLeader(state(2, {1}), kT0));
  EXPECT_EQ(p().leaderEpoch(), 3);
  EXPECT_EQ(p().isr(), (Isr{1, 2}));
  EXPECT_FALSE(p().makeLeader(state(3, {1, 2}, {1, 2, 4}), kT0 + 9));
  EXPECT_EQ(followerState(2).logEndOffset, 2);
  EXPECT_EQ(followerState(2).lastCaughtUpTimeMs, kT0);
  EXPECT_EQ(followerState(4).logEndOffset, -1);
  EXPECT_EQ(p().followers().size(), 2u) << "replica 3 was unassigned";
  EXPECT_EQ(p().replicas(), (Isr{1, 2, 4}));
}

// spec 6.3: makeFollower clears the ISR and follower states; it reports leader/epoch changes.
TEST_F(PartitionIsrTest, Spec6_3_MakeFollowerClearsLeaderState) {
  p().makeLeader(state(1, {1, 2}), kT0);
  append(1);
  fetch(2, 1);
  ASSERT_EQ(p().highWatermark(), 1);
  EXPECT_TRUE(p().makeFollower(state(2, {2}, {1, 2, 3}, 2)));
  EXPECT_FALSE(p().isLeader());
  EXPECT_EQ(p().leaderId(), 2);
  EXPECT_EQ(p().leaderEpoch(), 2);
  EXPECT_TRUE(p().isr().empty());
  EXPECT_TRUE(p().followers().empty());
  EXPECT_FALSE(p().makeFollower(state(2, {2}, {1, 2, 3}, 2)));
  EXPECT_FALSE(p().makeFollower(state(1, {3}, {1, 2, 3}, 3)));
  EXPECT_EQ(p().leaderId(), 2);
  EXPECT_TRUE(p().makeFollower(state(3, {3}, {1, 2, 3}, 3)));
  EXPECT_EQ(p().highWatermark(), 1) << "a follower keeps its HW";
}

}  // namespace
}  // namespace kafkalite::mock
