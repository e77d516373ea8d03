// ListOffsets as Kafka answers it (Partition.fetchOffsetForTimestamp, ReplicaManager.fetchOffset,
// UnifiedLog.fetchOffsetByTimestamp), in the cases issue 11 found wrong:
// - right after a leader change the new leader's HW may lag what earlier leaders
//   acknowledged: until it reaches the start offset of the new epoch, "latest" and lookups at
//   or past the HW answer OFFSET_NOT_AVAILABLE (v5+; LEADER_NOT_AVAILABLE before);
// - a lookup by timestamp, -3 (max timestamp) included, never answers an offset at or above
//   the HW (consumers cannot read it): past it, "not found" (-1);
// - the leader epoch answered is the epoch of the batch found (latest: the current epoch;
//   earliest: the epoch of the log start).

#include <gtest/gtest.h>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;
using PartitionResponse = protocol::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse;

PartitionResponse listOffsets(KafkaTestClient& client, int64_t timestamp, int16_t version) {
  const auto reply = client.roundTrip(listOffsetsRequest("t", 0, timestamp), version);
  EXPECT_TRUE(reply.ok()) << reply.error;
  const auto* p = reply.ok() ? findPartition(reply.body, "t", 0) : nullptr;
  if (p != nullptr) return *p;
  PartitionResponse none;
  none.errorCode = -1;
  return none;
}

// A new leader whose HW is below its epoch's start offset: broker F fetched record 0 from the
// old leader but has not learned the HW that covers it (its next fetch waits at the leader,
// replica.fetch.wait.max.ms being long), and the network between the two is cut before the
// move, so neither that answer nor the old leader's fetches reach F: F's HW stays below the
// start of its epoch until the network heals.
TEST(ListOffsetsLeaderChange, Issue11_OffsetNotAvailableWhileTheNewLeadersHighWatermarkLags) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  options.replicaFetchWaitMaxMs = 600000;
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  const int32_t oldLeader = view.leader;
  const int32_t newLeader = followersOf(view)[0];
  auto producer = connectTo(cluster, oldLeader);
  ASSERT_EQ(produce(*producer, "t", 0, makeBatch({TestRecord{std::nullopt, "r0", 5000, {}}}, BatchOptions{5000}), 1).error(),
            ErrorCode::NONE);
  ASSERT_TRUE(waitUntil([&] {
    const auto v = cluster.partition("t", 0);
    return replicaOf(v, newLeader).logEndOffset == 1 && replicaOf(v, oldLeader).highWatermark == 1;
  })) << describe(cluster.partition("t", 0));
  ASSERT_EQ(replicaOf(cluster.partition("t", 0), newLeader).highWatermark, 0);
  cluster.cutNetwork(oldLeader, newLeader);
  cluster.moveLeader("t", 0, newLeader);
  ASSERT_EQ(replicaOf(cluster.partition("t", 0), newLeader).highWatermark, 0) << describe(cluster.partition("t", 0));

  auto client = connectTo(cluster, newLeader);
  EXPECT_EQ(errName(listOffsets(*client, -1, 7).errorCode), "OFFSET_NOT_AVAILABLE");
  EXPECT_EQ(errName(listOffsets(*client, -1, 5).errorCode), "OFFSET_NOT_AVAILABLE");
  EXPECT_EQ(errName(listOffsets(*client, -1, 4).errorCode), "LEADER_NOT_AVAILABLE") << "before v5";
  EXPECT_EQ(errName(listOffsets(*client, 0, 7).errorCode), "OFFSET_NOT_AVAILABLE") << "a timestamp found past the HW";
  EXPECT_EQ(errName(listOffsets(*client, -3, 7).errorCode), "OFFSET_NOT_AVAILABLE");
  const auto earliest = listOffsets(*client, -2, 7);
  EXPECT_EQ(errName(earliest.errorCode), "NONE") << "the earliest offset is always known";
  EXPECT_EQ(earliest.offset, 0);

  cluster.healNetwork(oldLeader, newLeader);
  ASSERT_TRUE(waitUntil([&] { return listOffsets(*client, -1, 7).errorCode == 0; }));
  const auto latest = listOffsets(*client, -1, 7);
  EXPECT_EQ(latest.offset, 1);
  EXPECT_EQ(latest.leaderEpoch, view.leaderEpoch + 1);
}

// UnifiedLog.fetchOffsetByTimestamp(MAX_TIMESTAMP) finds the record, ReplicaManager.fetchOffset
// drops it when it lies at or past the HW: a consumer could not read it.
TEST(ListOffsetsHighWatermark, Issue11_MaxTimestampAndTimestampsNeverAnswerAtOrAboveTheHighWatermark) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  MockCluster cluster(options);
  const auto view = cluster.partition("t", 0);
  auto client = connectTo(cluster, view.leader);
  ASSERT_EQ(produce(*client, "t", 0, makeBatch({TestRecord{std::nullopt, "old", 5000, {}}}, BatchOptions{5000}), -1).error(),
            ErrorCode::NONE);
  cluster.stallFollower(followersOf(view)[0]);  // still in the ISR: the HW stays at 1
  ASSERT_EQ(produce(*client, "t", 0, makeBatch({TestRecord{std::nullopt, "new", 9000, {}}}, BatchOptions{9000}), 1).error(),
            ErrorCode::NONE);
  ASSERT_EQ(leaderHighWatermark(cluster, "t", 0), 1);

  const auto max = listOffsets(*client, -3, 7);
  EXPECT_EQ(errName(max.errorCode), "NONE");
  EXPECT_EQ(max.offset, -1) << "the largest timestamp is at offset 1, above the HW";
  EXPECT_EQ(max.timestamp, -1);
  const auto late = listOffsets(*client, 8000, 7);
  EXPECT_EQ(late.offset, -1);
  const auto early = listOffsets(*client, 1000, 7);
  EXPECT_EQ(early.offset, 0);
  EXPECT_EQ(early.timestamp, 5000);
  EXPECT_EQ(errName(listOffsets(*client, -3, 6).errorCode), "UNSUPPORTED_VERSION") << "-3 needs v7";
}

// The epoch of the batch found, not the current one (ReplicaManager.fetchOffset, v4+); the
// earliest offset carries the epoch of the log start.
TEST(ListOffsetsEpoch, Issue11_LeaderEpochIsTheFoundBatchsEpoch) {
  MockClusterOptions options;
  options.brokers = 2;
  options.topics = {{"t", 1, 2, std::nullopt}};
  MockCluster cluster(options);
  const auto first = cluster.partition("t", 0);
  auto client = connectTo(cluster, first.leader);
  ASSERT_EQ(produce(*client, "t", 0, makeBatch({TestRecord{std::nullopt, "a", 5000, {}}}, BatchOptions{5000}), -1).error(),
            ErrorCode::NONE);
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  const int32_t other = followersOf(first)[0];
  cluster.moveLeader("t", 0, other);
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  cluster.moveLeader("t", 0, first.leader);
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0));
  ASSERT_EQ(produce(*client, "t", 0, makeBatch({TestRecord{std::nullopt, "b", 9000, {}}}, BatchOptions{9000}), -1).error(),
            ErrorCode::NONE);
  const int32_t epoch = cluster.partition("t", 0).leaderEpoch;
  ASSERT_EQ(epoch, first.leaderEpoch + 2);

  const auto a = listOffsets(*client, 1000, 7);
  EXPECT_EQ(a.offset, 0);
  EXPECT_EQ(a.leaderEpoch, first.leaderEpoch) << "record 0 was written in the first epoch";
  const auto b = listOffsets(*client, 6000, 4);
  EXPECT_EQ(b.offset, 1);
  EXPECT_EQ(b.leaderEpoch, epoch);
  const auto max = listOffsets(*client, -3, 7);
  EXPECT_EQ(max.offset, 1);
  EXPECT_EQ(max.leaderEpoch, epoch);
  EXPECT_EQ(listOffsets(*client, -2, 7).leaderEpoch, first.leaderEpoch) << "the epoch of the log start";
  EXPECT_EQ(listOffsets(*client, -1, 7).leaderEpoch, epoch) << "latest: the current epoch";
}

// KafkaApis: a partition named twice in one request is INVALID_REQUEST.
TEST(ListOffsetsValidation, APartitionNamedTwiceIsInvalidRequest) {
  MockClusterOptions options;
  options.topics = {{"t", 2, 1, std::nullopt}};
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  auto request = listOffsetsRequest("t", 0, -1);
  request.topics[0].partitions.push_back(request.topics[0].partitions[0]);
  request.topics[0].partitions.push_back(request.topics[0].partitions[0]);
  request.topics[0].partitions[2].partitionIndex = 1;
  const auto reply = client->roundTrip(request, 7);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto& partitions = reply.body.topics.at(0).partitions;
  ASSERT_EQ(partitions.size(), 3u);
  EXPECT_EQ(errName(partitions[0].errorCode), "INVALID_REQUEST");
  EXPECT_EQ(errName(partitions[1].errorCode), "INVALID_REQUEST");
  EXPECT_EQ(errName(partitions[2].errorCode), "NONE");
}

}  // namespace
}  // namespace kafkalite::testing
