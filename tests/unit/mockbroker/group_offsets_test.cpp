// Committed offsets and the group's persistence in __consumer_offsets: OffsetCommit and
// OffsetFetch (Kafka's GroupCoordinator.handleCommitOffsets / handleFetchOffsets), commits
// that wait for the offsets partition's followers (acks=-1) and require_stable, a coordinator
// that loses and regains its partition and reloads groups and offsets from the log,
// DeleteGroups and OffsetDelete (KIP-496).
#include "mockbroker/group/group_metadata_manager.hpp"

#include <gtest/gtest.h>

#include "group_coordinator_fixture.hpp"
#include "mockbroker/group/group_records.hpp"
#include "protocol/record_batch.hpp"

#include <limits>

namespace kafkalite::mock {
namespace {

const TopicPartition kOrders0{"orders", 0};
const TopicPartition kOrders1{"orders", 1};

class GroupOffsetsTest : public fixtures::GroupCoordinatorFixture {
 protected:
  TopicPartition offsetsPartition(const std::string& group) {
    return {"__consumer_offsets", gc().partitionFor(group)};
  }

  /// Both followers of the offsets partition report the leader's LEO, so its HW reaches it.
  void replicate(const TopicPartition& tp) {
    const int64_t leo = rm().partition(tp)->logEndOffset();
    for (int32_t follower : {2, 3}) {
      FetchParams params{.replicaId = follower, .maxWaitMs = 0, .minBytes = 1, .maxBytes = 1 << 20,
                         .isolation = FetchIsolation::LogEnd,
                         .partitions = {FetchPartitionRequest{.tp = tp, .fetchOffset = leo, .partitionMaxBytes = 1 << 20}}};
      rm().fetchMessages(params, [](std::vector<FetchPartitionResult>) {});
    }
  }
};

TEST_F(GroupOffsetsTest, AMemberCommitsAndFetchesOffsets) {
  start();
  const auto [a, gen] = stableSingleMember("g");
  const auto c = commit("g", a, gen, {{kOrders0, 42}, {kOrders1, 7}}, "meta");
  ASSERT_EQ(c->calls, 1);
  EXPECT_EQ(c->result.at(kOrders0), ErrorCode::NONE);
  EXPECT_EQ(c->result.at(kOrders1), ErrorCode::NONE);
  EXPECT_EQ(committed("g", kOrders0), 42);
  EXPECT_EQ(committed("g", kOrders1), 7);

  // Every committed partition (OffsetFetch v2+ with null topics), with its metadata.
  const auto [error, all] = gc().handleFetchOffsets("g", false, std::nullopt);
  EXPECT_EQ(error, ErrorCode::NONE);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, kOrders0);
  EXPECT_EQ(all[0].second.metadata, "meta");
  // A partition never committed, and a group that does not exist: -1, no error.
  EXPECT_EQ(committed("g", {"orders", 5}), -1);
  EXPECT_EQ(committed("nobody", kOrders0), -1);
  EXPECT_TRUE(gc().handleFetchOffsets("nobody", false, std::nullopt).second.empty());
}

TEST_F(GroupOffsetsTest, CommitsFromOutsideTheGenerationGetKafkasErrors) {
  start();
  const auto [a, gen] = stableSingleMember("g");
  EXPECT_EQ(commit("g", a, gen + 1, {{kOrders0, 1}})->result.at(kOrders0), ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(commit("g", "nobody", gen, {{kOrders0, 1}})->result.at(kOrders0), ErrorCode::UNKNOWN_MEMBER_ID);
  // Generation -1 without a member: only while the group has no members.
  EXPECT_EQ(commit("g", "", -1, {{kOrders0, 1}})->result.at(kOrders0), ErrorCode::UNKNOWN_MEMBER_ID);
  // A group that only stores offsets ("simple" consumer) is created by the commit.
  EXPECT_EQ(commit("simple", "", -1, {{kOrders0, 9}})->result.at(kOrders0), ErrorCode::NONE);
  EXPECT_EQ(committed("simple", kOrders0), 9);
  // A generation for a group that does not exist.
  EXPECT_EQ(commit("gone", "m", 3, {{kOrders0, 1}})->result.at(kOrders0), ErrorCode::ILLEGAL_GENERATION);
  // offset.metadata.max.bytes: only that partition fails.
  std::vector<std::pair<TopicPartition, OffsetAndMetadata>> mixed = {
      {kOrders0, OffsetAndMetadata{5, -1, std::string(4097, 'x'), -1}}, {kOrders1, OffsetAndMetadata{6, -1, "", -1}}};
  std::map<TopicPartition, ErrorCode> status;
  gc().handleCommitOffsets("g", a, std::nullopt, gen, mixed, [&](auto r) { status = std::move(r); });
  EXPECT_EQ(status.at(kOrders0), ErrorCode::OFFSET_METADATA_TOO_LARGE);
  EXPECT_EQ(status.at(kOrders1), ErrorCode::NONE);
  EXPECT_EQ(committed("g", kOrders0), -1);
  EXPECT_EQ(committed("g", kOrders1), 6);
  // During CompletingRebalance the member has no assignment yet.
  const auto jb = join("g", "");
  const auto ja = join("g", a);
  ASSERT_EQ(ja->calls, 1);
  EXPECT_EQ(commit("g", a, ja->result.generationId, {{kOrders0, 1}})->result.at(kOrders0), ErrorCode::REBALANCE_IN_PROGRESS);
}

// A commit is written with acks=-1: it is answered, and visible, once the offsets partition's
// in-sync followers have it. Meanwhile OffsetFetch with require_stable (v7) says
// UNSTABLE_OFFSET_COMMIT; without it the old offset is returned.
TEST_F(GroupOffsetsTest, ACommitWaitsForReplicationAndIsUnstableMeanwhile) {
  start(/*offsetsReplicas=*/3);
  const auto j = join("g", "");
  advance(0);
  const std::string a = j->result.memberId;
  const int32_t gen = j->result.generationId;
  const auto s = sync("g", gen, a, {{a, {}}});
  EXPECT_EQ(s->calls, 0) << "the group's new generation is stored with acks=-1 first";
  replicate(offsetsPartition("g"));
  ASSERT_EQ(s->calls, 1);
  EXPECT_EQ(s->result.error, ErrorCode::NONE);

  const auto c = commit("g", a, gen, {{kOrders0, 10}});
  EXPECT_EQ(c->calls, 0);
  EXPECT_EQ(committed("g", kOrders0), -1);
  const auto [error, unstable] = gc().handleFetchOffsets("g", true, std::vector<TopicPartition>{kOrders0});
  ASSERT_EQ(unstable.size(), 1u);
  EXPECT_EQ(unstable[0].second.error, ErrorCode::UNSTABLE_OFFSET_COMMIT);

  replicate(offsetsPartition("g"));
  ASSERT_EQ(c->calls, 1);
  EXPECT_EQ(c->result.at(kOrders0), ErrorCode::NONE);
  EXPECT_EQ(committed("g", kOrders0), 10);

  // Followers that never fetch: offsets.commit.timeout.ms passes, the commit fails with
  // REQUEST_TIMED_OUT and the old offset stays.
  const auto late = commit("g", a, gen, {{kOrders0, 20}});
  advance(options_.groupCoordinator.offsetCommitTimeoutMs);
  ASSERT_EQ(late->calls, 1);
  EXPECT_EQ(late->result.at(kOrders0), ErrorCode::REQUEST_TIMED_OUT);
  EXPECT_EQ(committed("g", kOrders0), 10);
}

// The group and its offsets live in __consumer_offsets: a coordinator that loses its
// partition drops the group (NOT_COORDINATOR), and one that leads it again reads it back from
// the log — same generation, members and assignments, offsets — so members carry on.
TEST_F(GroupOffsetsTest, AReelectedCoordinatorReloadsGroupsAndOffsetsFromTheLog) {
  start();
  const auto [a, gen] = stableSingleMember("g");
  commit("g", a, gen, {{kOrders0, 3}});
  commit("g", a, gen, {{kOrders0, 4}, {kOrders1, 8}});
  commit("simple", "", -1, {{kOrders1, 2}});
  const int32_t p = gc().partitionFor("g");

  lead(p, 2);
  EXPECT_EQ(heartbeat("g", a, gen), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(gc().handleFetchOffsets("g", false, std::nullopt).first, ErrorCode::NOT_COORDINATOR);

  lead(p, 1);
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(heartbeat("g", a, gen), ErrorCode::NONE);
  EXPECT_EQ(committed("g", kOrders0), 4);
  EXPECT_EQ(committed("g", kOrders1), 8);
  const auto v = view("g");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->generationId, gen);
  ASSERT_EQ(v->members.size(), 1u);
  EXPECT_EQ(v->members[0].memberId, a);
  EXPECT_EQ(v->members[0].assignedPartitions.size(), 1u);
  if (gc().partitionFor("simple") == p) {
    EXPECT_EQ(committed("simple", kOrders1), 2);
  }

  // A reloaded member that then goes silent expires a session timeout after the reload; the
  // group, now without members, moves on to an empty generation.
  advance(fixtures::kSessionMs - 1);
  EXPECT_EQ(state("g"), GroupState::Stable);
  advance(1);
  EXPECT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(view("g")->generationId, gen + 1);
  EXPECT_EQ(committed("g", kOrders0), 4) << "offsets outlive the members";
}

// Kafka's record formats: version-1 offset keys with version-3 values, version-2 group keys
// with version-3 values, readable by any tool that reads __consumer_offsets.
TEST_F(GroupOffsetsTest, TheLogHoldsKafkasOffsetAndGroupRecords) {
  start();
  const auto [a, gen] = stableSingleMember("g");
  commit("g", a, gen, {{kOrders0, 77}});
  const Log& log = rm().partition(offsetsPartition("g"))->log();
  int offsets = 0;
  int groups = 0;
  for (const StoredBatch& stored : log.batches()) {
    protocol::DecodeError error;
    const auto batch = protocol::RecordBatchView::parse(stored.bytes, error);
    ASSERT_TRUE(batch) << error.message();
    auto cursor = batch->records();
    protocol::RecordView record;
    while (cursor.next(record)) {
      ASSERT_TRUE(record.key && record.value);
      const auto key = records::readMessageKey(*record.key);
      ASSERT_TRUE(key);
      EXPECT_EQ(key->group, "g");
      if (key->kind == records::BaseKey::Kind::Offset) {
        ++offsets;
        EXPECT_EQ(key->version, 1);
        EXPECT_EQ(key->topicPartition, kOrders0);
        EXPECT_EQ((*record.value)[1], 3) << "OffsetCommitValue version 3";
        EXPECT_EQ(records::readOffsetMessageValue(*record.value)->committedOffset, 77);
      } else {
        ++groups;
        EXPECT_EQ(key->version, 2);
        const auto value = records::readGroupMessageValue(*record.value);
        ASSERT_TRUE(value);
        EXPECT_EQ(value->protocolType, "consumer");
        EXPECT_EQ(value->generation, gen);
        ASSERT_EQ(value->members.size(), 1u);
        EXPECT_EQ(value->members[0].memberId, a);
      }
    }
  }
  EXPECT_EQ(offsets, 1);
  EXPECT_EQ(groups, 1);
}

TEST_F(GroupOffsetsTest, DeleteGroupsDeletesOnlyEmptyGroupsAndTheirOffsetsForGood) {
  start();
  const auto [a, gen] = stableSingleMember("busy");
  commit("empty", "", -1, {{kOrders0, 5}});
  auto errors = gc().handleDeleteGroups({"busy", "empty", "unknown", "empty"});
  EXPECT_EQ(errors.at("busy"), ErrorCode::NON_EMPTY_GROUP);
  EXPECT_EQ(errors.at("empty"), ErrorCode::NONE);
  EXPECT_EQ(errors.at("unknown"), ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(committed("empty", kOrders0), -1);
  EXPECT_FALSE(view("empty"));
  // The tombstones keep it deleted when the partition is loaded again.
  const int32_t p = gc().partitionFor("empty");
  lead(p, 2);
  lead(p, 1);
  EXPECT_EQ(committed("empty", kOrders0), -1);
  EXPECT_FALSE(view("empty"));
  EXPECT_EQ(gc().handleDeleteGroups({"empty"}).at("empty"), ErrorCode::GROUP_ID_NOT_FOUND);
}

// KIP-496: a consumer group's offsets of topics its members subscribe to stay; others go.
TEST_F(GroupOffsetsTest, OffsetDeleteSparesSubscribedTopics) {
  start();
  const auto [a, gen] = stableSingleMember("g");  // subscribed to "orders"
  commit("g", a, gen, {{kOrders0, 1}, {{"audit", 0}, 2}});
  const auto [error, partitions] = gc().handleDeleteOffsets("g", {kOrders0, {"audit", 0}});
  EXPECT_EQ(error, ErrorCode::NONE);
  EXPECT_EQ(partitions.at(kOrders0), ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC);
  EXPECT_EQ(partitions.at(TopicPartition{"audit", 0}), ErrorCode::NONE);
  EXPECT_EQ(committed("g", kOrders0), 1);
  EXPECT_EQ(committed("g", {"audit", 0}), -1);
  EXPECT_EQ(gc().handleDeleteOffsets("nope", {kOrders0}).first, ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(gc().handleDeleteOffsets("", {kOrders0}).first, ErrorCode::INVALID_GROUP_ID);
}

// Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions, with Java's String.hashCode
// over UTF-16 code units.
TEST(GroupMetadataPartitionTest, MatchesJavasStringHashCode) {
  EXPECT_EQ(javaStringHashCode(""), 0);
  EXPECT_EQ(javaStringHashCode("hello"), 99162322);
  EXPECT_EQ(javaStringHashCode("Aa"), javaStringHashCode("BB"));  // Java's well-known collision
  EXPECT_EQ(javaStringHashCode("\xc3\xa9"), 0xe9);                  // U+00E9: one code unit
  EXPECT_EQ(javaStringHashCode("\xf0\x9f\x98\x80"), 0xd83d * 31 + 0xde00);  // U+1F600: a surrogate pair
  EXPECT_EQ(javaStringHashCode("\xff"), 0xfffd) << "an invalid byte reads as U+FFFD";
  // "polygenelubricants" hashes to Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
  EXPECT_EQ(javaStringHashCode("polygenelubricants"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(groupMetadataPartitionFor("polygenelubricants", 50), 0);
  EXPECT_EQ(groupMetadataPartitionFor("hello", 50), 99162322 % 50);
  EXPECT_EQ(groupMetadataPartitionFor("g", 3), 103 % 3);
}

}  // namespace
}  // namespace kafkalite::mock
