// The follower's ReplicaFetcher against a scripted leader on a real socket (spec 4.7, 4.8;
// Kafka's AbstractFetcherThread and ReplicaFetcherThread), for what issue 11 found missing:
// - OFFSET_OUT_OF_RANGE: the follower asks the leader for its log end offset (ListOffsets,
//   timestamp -1, replica id = the follower) and truncates to it when it is below its own;
//   it used to truncate to the leader's HW, dropping records the leader still had;
// - the leader's log_start_offset in a fetch response moves the follower's log start (never
//   past its HW), so the earliest offset does not move backwards if it leads next;
// - a fetched batch the follower cannot append is logged as an error, not ignored.
// The follower's ReplicaManager and fetcher run on this thread's io_context, in bounded steps.

#include "mockbroker/replica_fetcher.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/fetch.hpp"
#include "protocol/messages/list_offsets.hpp"
#include "support/kafka_messages.hpp"
#include "support/sniff_server.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::mock {
namespace {

using namespace std::chrono_literals;
using FetchPartition = protocol::FetchResponse::FetchableTopicResponse::PartitionData;

constexpr int32_t kFollower = 1;
constexpr int32_t kLeader = 2;
constexpr int32_t kEpoch = 3;

// A batch as a leader stores it: offsets from `baseOffset`, stamped with kEpoch.
std::vector<uint8_t> storedBatch(int64_t baseOffset, int records = 1) {
  std::vector<std::string> values;
  for (int i = 0; i < records; ++i) values.push_back("v" + std::to_string(baseOffset + i));
  auto bytes = testing::makeValueBatch(values, testing::BatchOptions{1000});
  protocol::RecordBatchBuilder::setBaseOffset(bytes, baseOffset);
  protocol::RecordBatchBuilder::setPartitionLeaderEpoch(bytes, kEpoch);
  return bytes;
}

// What the scripted leader saw and answers; shared with its thread.
struct Script {
  std::mutex mutex;
  std::vector<std::pair<protocol::ApiKey, int64_t>> seen;  ///< (api, fetch offset or ListOffsets timestamp)
  std::vector<FetchPartition> fetchAnswers;                  ///< one per Fetch, in order; then no answer
  int64_t leaderEndOffset = -1;                              ///< the ListOffsets answer
  std::vector<uint8_t> records;                              ///< kept alive for the answers' views
};

class ReplicaFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.brokers = 2;
    options_.replicaFetchBackoffMs = 10;
    options_.logLevel = LogLevel::Debug;
    options_.logCallback = [this](LogLevel level, std::string_view, std::string_view line) {
      std::lock_guard lock(logMutex_);
      if (level <= LogLevel::Warning) logged_.emplace_back(line);
    };
    controller_ = std::make_unique<Controller>(options_);
    controller_->registerBroker(kFollower, "127.0.0.1", 1, nullptr);
    controller_->registerBroker(kLeader, "127.0.0.1", leader_.port(), nullptr);
    controller_->brokerStarted(kFollower);
    controller_->brokerStarted(kLeader);
    controller_->createTopic(TopicSpec{"t", 1, 2, std::nullopt});
    replicaManager_ = std::make_unique<ReplicaManager>(
        kFollower, options_, storage_, *controller_, [] { return nowMs(); },
        [this](const TopicPartition& tp, int32_t leader) {
          if (leader < 0) return;
          fetcher_ = std::make_shared<ReplicaFetcher>(io_, kFollower, leader, options_, *controller_, faults_,
                                                     *replicaManager_);
          fetcher_->addPartition(tp);
        });
  }

  void TearDown() override {
    if (fetcher_) fetcher_->shutdown();
    io_.run_for(50ms);  // lets the fetcher's aborted operations finish
  }

  static int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  // The follower's log holds offsets [0, leo), then it follows kLeader at kEpoch.
  void startFollowing(int64_t leo) {
    Partition* p = nullptr;
    LeaderAndIsr state{.leader = kLeader, .leaderEpoch = kEpoch, .isr = {kLeader, kFollower},
                       .replicas = {kLeader, kFollower}, .offlineReplicas = {}};
    // As a follower at the epoch, then its log as earlier fetches left it.
    storage_.logFor(tp_);
    replicaManager_->becomeLeaderOrFollower(tp_, state, TopicConfig{});
    p = replicaManager_->partition(tp_);
    for (int64_t o = 0; o < leo; ++o) ASSERT_EQ(p->appendRecordsAsFollower(storedBatch(o)).error, ErrorCode::NONE);
    p->updateFollowerHighWatermark(leo);
  }

  Partition& partition() { return *replicaManager_->partition(tp_); }

  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + testing::scaledTimeout(10s);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_one_for(10ms);
    }
    return true;
  }

  std::vector<std::string> logged() {
    std::lock_guard lock(logMutex_);
    return logged_;
  }

  const TopicPartition tp_{"t", 0};
  Script script_;
  testing::SniffServer leader_{[this](const protocol::RequestHeader& h, std::span<const uint8_t>,
                                      std::span<const uint8_t> body) -> std::optional<std::vector<uint8_t>> {
    std::lock_guard lock(script_.mutex);
    std::vector<uint8_t> out;
    if (h.apiKey == protocol::ApiKey::ListOffsets) {
      protocol::ListOffsetsRequest request;
      if (protocol::decode(body, h.apiVersion, request) || request.replicaId != kFollower) return std::nullopt;
      script_.seen.emplace_back(h.apiKey, request.topics.at(0).partitions.at(0).timestamp);
      protocol::ListOffsetsResponse response;
      response.topics.push_back({"t", {}, {}});
      protocol::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse p;
      p.offset = script_.leaderEndOffset;
      p.leaderEpoch = kEpoch;
      response.topics[0].partitions.push_back(p);
      EXPECT_FALSE(protocol::encodeResponseFrame(h.correlationId, h.apiVersion, response, out));
      return out;
    }
    protocol::FetchRequest request;
    if (protocol::decode(body, h.apiVersion, request)) return std::nullopt;
    script_.seen.emplace_back(h.apiKey, request.topics.at(0).partitions.at(0).fetchOffset);
    if (script_.fetchAnswers.empty()) return std::nullopt;  // holds the fetch, as max_wait would
    protocol::FetchResponse response;
    response.responses.push_back({"t", {}, {}});
    response.responses[0].partitions.push_back(script_.fetchAnswers.front());
    script_.fetchAnswers.erase(script_.fetchAnswers.begin());
    EXPECT_FALSE(protocol::encodeResponseFrame(h.correlationId, h.apiVersion, response, out));
    return out;
  }};
  MockClusterOptions options_;
  std::unique_ptr<Controller> controller_;
  FaultInjector faults_;
  BrokerStorage storage_;
  boost::asio::io_context io_;
  std::mutex logMutex_;
  std::vector<std::string> logged_;
  std::unique_ptr<ReplicaManager> replicaManager_;
  std::shared_ptr<ReplicaFetcher> fetcher_;
};

FetchPartition answer(ErrorCode error, int64_t highWatermark, int64_t logStartOffset) {
  FetchPartition p;
  p.partitionIndex = 0;
  p.errorCode = static_cast<int16_t>(error);
  p.highWatermark = highWatermark;
  p.lastStableOffset = highWatermark;
  p.logStartOffset = logStartOffset;
  p.records = protocol::Records::of({});
  return p;
}

// Spec 4.8 (AbstractFetcherThread.fetchOffsetAndTruncate): the leader's log end offset 3 is
// below ours (5), so the follower truncates to 3 — not to the leader's HW of 1, which would
// drop records 1 and 2 that the leader still has.
TEST_F(ReplicaFetcherTest, Issue11_OffsetOutOfRangeTruncatesToTheLeadersLogEndOffset) {
  {
    std::lock_guard lock(script_.mutex);
    script_.fetchAnswers.push_back(answer(ErrorCode::OFFSET_OUT_OF_RANGE, 1, 0));
    script_.leaderEndOffset = 3;
  }
  startFollowing(5);
  ASSERT_TRUE(runUntil([&] {
    std::lock_guard lock(script_.mutex);
    return script_.seen.size() >= 3;  // Fetch at 5, ListOffsets latest, Fetch again
  }));
  std::lock_guard lock(script_.mutex);
  EXPECT_EQ(script_.seen[0], std::pair(protocol::ApiKey::Fetch, int64_t{5}));
  EXPECT_EQ(script_.seen[1], std::pair(protocol::ApiKey::ListOffsets, int64_t{-1}));
  EXPECT_EQ(script_.seen[2], std::pair(protocol::ApiKey::Fetch, int64_t{3})) << "fetches on from the leader's end";
  EXPECT_EQ(partition().logEndOffset(), 3);
}

// The leader's log start is past our whole log: everything here is stale, restart there.
TEST_F(ReplicaFetcherTest, OffsetOutOfRangeBelowTheLeadersLogStartRestartsThere) {
  {
    std::lock_guard lock(script_.mutex);
    script_.fetchAnswers.push_back(answer(ErrorCode::OFFSET_OUT_OF_RANGE, 20, 10));
    script_.leaderEndOffset = 20;
  }
  startFollowing(2);
  ASSERT_TRUE(runUntil([&] {
    std::lock_guard lock(script_.mutex);
    return script_.seen.size() >= 3;
  }));
  std::lock_guard lock(script_.mutex);
  EXPECT_EQ(script_.seen[2], std::pair(protocol::ApiKey::Fetch, int64_t{10}));
  EXPECT_EQ(partition().logStartOffset(), 10);
  EXPECT_EQ(partition().logEndOffset(), 10);
}

// ReplicaFetcherThread.processPartitionData: log.maybeIncrementLogStartOffset(leader's log
// start), bounded by the follower's HW.
TEST_F(ReplicaFetcherTest, Issue11_TheLeadersLogStartOffsetMovesTheFollowersUpToItsHighWatermark) {
  {
    std::lock_guard lock(script_.mutex);
    script_.fetchAnswers.push_back(answer(ErrorCode::NONE, 4, 2));
    script_.fetchAnswers.push_back(answer(ErrorCode::NONE, 4, 7));  // past our HW: capped at 4
  }
  startFollowing(4);
  ASSERT_TRUE(runUntil([&] { return partition().logStartOffset() == 2; })) << partition().logStartOffset();
  ASSERT_TRUE(runUntil([&] { return partition().logStartOffset() == 4; })) << partition().logStartOffset();
  EXPECT_EQ(partition().highWatermark(), 4);
  EXPECT_EQ(partition().logEndOffset(), 4);
}

// AbstractFetcherThread logs a partition whose fetched data cannot be appended and backs it
// off; the follower used to drop the error silently.
TEST_F(ReplicaFetcherTest, Issue11_AFetchedBatchThatCannotBeAppendedIsLoggedAsAnError) {
  {
    std::lock_guard lock(script_.mutex);
    script_.records = storedBatch(9);  // we are at 2: not the next offset
    FetchPartition p = answer(ErrorCode::NONE, 10, 0);
    p.records = protocol::Records::of(script_.records);
    script_.fetchAnswers.push_back(p);
  }
  startFollowing(2);
  ASSERT_TRUE(runUntil([&] { return !logged().empty(); }));
  const auto lines = logged();
  EXPECT_NE(lines[0].find("cannot append"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("t-0"), std::string::npos) << lines[0];
  EXPECT_EQ(partition().logEndOffset(), 2);
}

}  // namespace
}  // namespace kafkalite::mock
