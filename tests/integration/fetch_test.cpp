// Consumer fetches and ListOffsets against the mock cluster (broker-spec.md section 4 and
// 2.7): the HW bound, DelayedFetch completion by data, by min_bytes and by max_wait,
// out-of-range offsets, leader epoch checks, and offset lookups.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::FetchResponse;

MockClusterOptions cluster(int32_t brokers, int16_t rf) {
  MockClusterOptions o;
  o.brokers = brokers;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"f", 1, rf, std::nullopt}};
  return o;
}

struct FetchOutcome {
  std::string problem;  ///< empty when a response with the partition arrived
  int16_t errorCode = -1;
  int64_t highWatermark = -1;
  int64_t lastStableOffset = -1;
  int32_t preferredReadReplica = -2;
  std::vector<FetchedRecord> records;
};

FetchOutcome toOutcome(const Reply<FetchResponse>& reply) {
  FetchOutcome out;
  if (!reply.ok()) {
    out.problem = reply.error;
    return out;
  }
  if (reply.body.errorCode != 0) {
    out.problem = "top-level error " + errName(reply.body.errorCode);
    return out;
  }
  const auto* p = findPartition(reply.body, "f", 0);
  if (!p) {
    out.problem = "no partition f-0 in the response";
    return out;
  }
  out.errorCode = p->errorCode;
  out.highWatermark = p->highWatermark;
  out.lastStableOffset = p->lastStableOffset;
  out.preferredReadReplica = p->preferredReadReplica;
  std::string err;
  out.records = decodeRecords(p->records.bytes, &err);
  if (!err.empty()) out.problem = "records: " + err;
  return out;
}

FetchOutcome fetch(KafkaTestClient& c, int64_t offset, int32_t maxWaitMs = 0, int32_t minBytes = 1,
                   int16_t version = 11, int32_t leaderEpoch = -1) {
  return toOutcome(c.roundTrip(fetchRequest("f", 0, offset, maxWaitMs, minBytes, 1024 * 1024, leaderEpoch), version));
}

void produceOk(KafkaTestClient& c, const std::vector<uint8_t>& batch, int64_t expectedBase) {
  const auto r = produce(c, "f", 0, batch, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  ASSERT_EQ(errName(r.errorCode), "NONE");
  ASSERT_EQ(r.baseOffset, expectedBase);
}

// spec 4.3: a consumer offset in (HW, LEO] gets empty records and no error; past the LEO
// OFFSET_OUT_OF_RANGE. Consumers never see records above the HW; ListOffsets latest is
// the HW. interop.md section 2: LSO = HW and preferred read replica -1.
TEST(Fetch, ConsumerNeverSeesPastHighWatermark_Spec4_3) {
  MockCluster c(cluster(3, 3));
  const auto view = c.partition("f", 0);
  for (int32_t f : followersOf(view)) c.stallFollower(f);
  auto client = connectTo(c, view.leader);
  produceOk(*client, makeValueBatch(numberedValues("hw", 5)), 0);
  ASSERT_EQ(replicaOf(c.partition("f", 0), view.leader).logEndOffset, 5);
  ASSERT_EQ(leaderHighWatermark(c, "f", 0), 0) << describe(c.partition("f", 0));

  for (int64_t offset : {0, 3, 5}) {
    const auto out = fetch(*client, offset);
    ASSERT_TRUE(out.problem.empty()) << "offset " << offset << ": " << out.problem;
    EXPECT_EQ(errName(out.errorCode), "NONE") << "offset " << offset;
    EXPECT_TRUE(out.records.empty()) << "offset " << offset << ": records above the HW were served";
    EXPECT_EQ(out.highWatermark, 0) << "offset " << offset;
  }
  const auto past = fetch(*client, 6);
  ASSERT_TRUE(past.problem.empty()) << past.problem;
  EXPECT_EQ(errName(past.errorCode), "OFFSET_OUT_OF_RANGE");

  const auto latest = client->roundTrip(listOffsetsRequest("f", 0, -1), 2);
  ASSERT_TRUE(latest.ok()) << latest.error;
  ASSERT_NE(findPartition(latest.body, "f", 0), nullptr);
  EXPECT_EQ(findPartition(latest.body, "f", 0)->offset, 0) << "latest must be the HW, not the LEO";

  for (int32_t f : followersOf(view)) c.stallFollower(f, false);
  ASSERT_TRUE(waitUntil([&] { return leaderHighWatermark(c, "f", 0) == 5; })) << describe(c.partition("f", 0));
  const auto all = fetch(*client, 0);
  ASSERT_TRUE(all.problem.empty()) << all.problem;
  EXPECT_EQ(errName(all.errorCode), "NONE");
  EXPECT_EQ(all.highWatermark, 5);
  EXPECT_TRUE(all.lastStableOffset == 5 || all.lastStableOffset == -1) << all.lastStableOffset;
  EXPECT_EQ(all.preferredReadReplica, -1);
  EXPECT_EQ(valuesOf(all.records), numberedValues("hw", 5));
  for (size_t i = 0; i < all.records.size(); ++i) EXPECT_EQ(all.records[i].offset, static_cast<int64_t>(i));
}

// spec 4.4, 4.5: a fetch with nothing to return waits in the purgatory; the HW growth of
// a later produce completes it with the new records, without a second fetch (max_wait is
// a minute, far beyond the read deadline).
TEST(Fetch, FetchIssuedBeforeProduceReturnsTheRecords_Spec4_4_4_5) {
  MockCluster c(cluster(1, 1));
  auto consumer = connectTo(c, 1);
  auto producer = connectTo(c, 1);
  const int32_t id = consumer->send(fetchRequest("f", 0, 0, /*maxWaitMs=*/60000, /*minBytes=*/1), 11);
  ASSERT_GE(id, 0);
  EXPECT_FALSE(consumer->responsePending()) << "an empty fetch with max_wait 60 s must wait";
  produceOk(*producer, makeValueBatch(numberedValues("late", 3)), 0);
  const auto out = toOutcome(consumer->receive<FetchResponse>(id, 11));
  ASSERT_TRUE(out.problem.empty()) << out.problem;
  EXPECT_EQ(errName(out.errorCode), "NONE");
  EXPECT_EQ(valuesOf(out.records), numberedValues("late", 3));
}

// spec 4.5: a DelayedFetch completes early only once the bytes available reach
// min_bytes; one batch short of it keeps it waiting, the next completes it with both.
TEST(Fetch, DelayedFetchWaitsForMinBytes_Spec4_5) {
  MockCluster c(cluster(1, 1));
  auto consumer = connectTo(c, 1);
  auto producer = connectTo(c, 1);
  const auto first = makeValueBatch({std::string(100, 'a')});
  const auto second = makeValueBatch({std::string(100, 'b')});
  const int32_t minBytes = static_cast<int32_t>(first.size()) + 1;
  const int32_t id = consumer->send(fetchRequest("f", 0, 0, /*maxWaitMs=*/60000, minBytes), 11);
  ASSERT_GE(id, 0);
  produceOk(*producer, first, 0);
  EXPECT_FALSE(consumer->responsePending()) << "completed with fewer than min_bytes available";
  produceOk(*producer, second, 1);
  const auto out = toOutcome(consumer->receive<FetchResponse>(id, 11));
  ASSERT_TRUE(out.problem.empty()) << out.problem;
  EXPECT_EQ(errName(out.errorCode), "NONE");
  EXPECT_EQ(valuesOf(out.records), (std::vector<std::string>{std::string(100, 'a'), std::string(100, 'b')}));
}

// spec 4.6: when max_wait expires the broker re-reads and answers with whatever there is,
// possibly nothing, and no error.
TEST(Fetch, MaxWaitExpiryAnswersWithWhatIsAvailable_Spec4_6) {
  MockCluster c(cluster(1, 1));
  auto client = connectTo(c, 1);
  produceOk(*client, makeValueBatch(numberedValues("w", 2)), 0);
  const auto atEnd = fetch(*client, 2, /*maxWaitMs=*/100, /*minBytes=*/1);
  ASSERT_TRUE(atEnd.problem.empty()) << atEnd.problem;
  EXPECT_EQ(errName(atEnd.errorCode), "NONE");
  EXPECT_TRUE(atEnd.records.empty());
  EXPECT_EQ(atEnd.highWatermark, 2);

  const auto tooFew = fetch(*client, 0, /*maxWaitMs=*/100, /*minBytes=*/1024 * 1024);
  ASSERT_TRUE(tooFew.problem.empty()) << tooFew.problem;
  EXPECT_EQ(errName(tooFew.errorCode), "NONE");
  EXPECT_EQ(valuesOf(tooFew.records), numberedValues("w", 2));
}

// spec 4.3, 4.4: offsets past the LEO or below the log start are OFFSET_OUT_OF_RANGE, and
// an error is answered at once even with a long max_wait.
TEST(Fetch, OffsetOutOfRange_Spec4_3_4_4) {
  MockCluster c(cluster(1, 1));
  auto client = connectTo(c, 1);
  produceOk(*client, makeValueBatch(numberedValues("o", 3)), 0);
  for (int64_t offset : {int64_t{4}, int64_t{1000}, int64_t{-1}}) {
    const auto out = fetch(*client, offset, /*maxWaitMs=*/60000, /*minBytes=*/1);
    ASSERT_TRUE(out.problem.empty()) << "offset " << offset << ": " << out.problem;
    EXPECT_EQ(errName(out.errorCode), "OFFSET_OUT_OF_RANGE") << "offset " << offset;
    EXPECT_TRUE(out.records.empty());
  }
  const auto atEnd = fetch(*client, 3);
  ASSERT_TRUE(atEnd.problem.empty()) << atEnd.problem;
  EXPECT_EQ(errName(atEnd.errorCode), "NONE");
}

// Every advertised Fetch version (interop.md section 5: 4-12) returns the same records.
TEST(Fetch, EveryAdvertisedVersionReturnsTheSameRecords) {
  MockCluster c(cluster(1, 1));
  auto client = connectTo(c, 1);
  produceOk(*client, makeValueBatch(numberedValues("v", 3)), 0);
  for (int16_t version = 4; version <= 12; ++version) {
    const auto out = fetch(*client, 0, 0, 1, version);
    ASSERT_TRUE(out.problem.empty()) << "v" << version << ": " << out.problem;
    EXPECT_EQ(errName(out.errorCode), "NONE") << "v" << version;
    EXPECT_EQ(valuesOf(out.records), numberedValues("v", 3)) << "v" << version;
    EXPECT_EQ(out.highWatermark, 3) << "v" << version;
  }
}

// spec 2.7: a fetch naming an older leader epoch is fenced, a newer one is unknown.
TEST(Fetch, CurrentLeaderEpochIsChecked_Spec2_7) {
  MockCluster c(cluster(2, 2));
  const auto before = c.partition("f", 0);
  const int32_t newLeader = followersOf(before)[0];
  c.moveLeader("f", 0, newLeader);
  const auto view = c.partition("f", 0);
  ASSERT_EQ(view.leader, newLeader);
  ASSERT_EQ(view.leaderEpoch, before.leaderEpoch + 1);
  auto client = connectTo(c, newLeader);
  // The new leader learns its epoch from the controller; wait until it serves it.
  ASSERT_TRUE(waitUntil([&] {
    return fetch(*client, 0, 0, 1, 11, view.leaderEpoch).errorCode == 0;
  })) << describe(c.partition("f", 0));
  const auto fenced = fetch(*client, 0, 0, 1, 11, view.leaderEpoch - 1);
  ASSERT_TRUE(fenced.problem.empty()) << fenced.problem;
  EXPECT_EQ(errName(fenced.errorCode), "FENCED_LEADER_EPOCH");
  const auto unknown = fetch(*client, 0, 0, 1, 11, view.leaderEpoch + 1);
  ASSERT_TRUE(unknown.problem.empty()) << unknown.problem;
  EXPECT_EQ(errName(unknown.errorCode), "UNKNOWN_LEADER_EPOCH");
}

// ListOffsets: -2 earliest, -1 latest (the HW), a timestamp finds the first record at or
// after it (-1 when none), -3 (v7+) the record with the largest timestamp.
TEST(ListOffsets, EarliestLatestAndByTimestamp) {
  MockCluster c(cluster(1, 1));
  auto client = connectTo(c, 1);
  const int64_t t0 = 1'700'000'000'000;
  auto rec = [](std::string v, int64_t ts) { return TestRecord{std::nullopt, std::move(v), ts, {}}; };
  produceOk(*client, makeBatch({rec("a", t0), rec("b", t0 + 1000), rec("c", t0 + 2000)}, BatchOptions{t0, -1, -1, -1}),
            0);
  produceOk(*client, makeBatch({rec("d", t0 + 3000), rec("e", t0 + 4000)}, BatchOptions{t0 + 3000, -1, -1, -1}), 3);

  struct Case {
    int64_t timestamp;
    int64_t offset;
    int64_t foundTimestamp;  ///< -2: not checked
  };
  const std::vector<Case> cases = {
      {-2, 0, -2},          {-1, 5, -2},          {t0, 0, t0},          {t0 + 500, 1, t0 + 1000},
      {t0 + 1000, 1, t0 + 1000}, {t0 + 2500, 3, t0 + 3000}, {t0 + 4000, 4, t0 + 4000}, {t0 + 9999, -1, -1},
  };
  for (int16_t version : {int16_t{1}, int16_t{2}, int16_t{7}}) {
    for (const auto& k : cases) {
      const auto reply = client->roundTrip(listOffsetsRequest("f", 0, k.timestamp), version);
      ASSERT_TRUE(reply.ok()) << "v" << version << " ts " << k.timestamp << ": " << reply.error;
      const auto* p = findPartition(reply.body, "f", 0);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(errName(p->errorCode), "NONE") << "v" << version << " ts " << k.timestamp;
      EXPECT_EQ(p->offset, k.offset) << "v" << version << " ts " << k.timestamp;
      if (k.foundTimestamp != -2) {
        EXPECT_EQ(p->timestamp, k.foundTimestamp) << "v" << version << " ts " << k.timestamp;
      }
    }
  }
  const auto maxTs = client->roundTrip(listOffsetsRequest("f", 0, -3), 7);
  ASSERT_TRUE(maxTs.ok()) << maxTs.error;
  ASSERT_NE(findPartition(maxTs.body, "f", 0), nullptr);
  EXPECT_EQ(findPartition(maxTs.body, "f", 0)->offset, 4);
  EXPECT_EQ(findPartition(maxTs.body, "f", 0)->timestamp, t0 + 4000);

  const auto unknown = client->roundTrip(listOffsetsRequest("f", 9, -1), 2);
  ASSERT_TRUE(unknown.ok()) << unknown.error;
  ASSERT_NE(findPartition(unknown.body, "f", 9), nullptr);
  EXPECT_EQ(errName(findPartition(unknown.body, "f", 9)->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
}

// spec 1.2 (second check), 4.1: Produce and ListOffsets go to the leader; a follower
// answers NOT_LEADER_OR_FOLLOWER.
TEST(ListOffsets, FollowerAnswersNotLeader_Spec1_2_4_1) {
  MockCluster c(cluster(2, 2));
  const auto view = c.partition("f", 0);
  auto follower = connectTo(c, followersOf(view)[0]);
  const auto lo = follower->roundTrip(listOffsetsRequest("f", 0, -1), 2);
  ASSERT_TRUE(lo.ok()) << lo.error;
  ASSERT_NE(findPartition(lo.body, "f", 0), nullptr);
  EXPECT_EQ(errName(findPartition(lo.body, "f", 0)->errorCode), "NOT_LEADER_OR_FOLLOWER");
  const auto batch = makeValueBatch({"misrouted"});
  for (int16_t acks : {int16_t{1}, int16_t{-1}}) {
    const auto r = produce(*follower, "f", 0, batch, acks);
    ASSERT_TRUE(r.answered()) << r.detail;
    EXPECT_EQ(errName(r.errorCode), "NOT_LEADER_OR_FOLLOWER") << "acks=" << acks;
  }
  EXPECT_TRUE(c.records("f", 0, view.leader).empty());
}

}  // namespace
}  // namespace kafkalite::testing
