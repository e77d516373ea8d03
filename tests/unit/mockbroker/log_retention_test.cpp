// Log retention as Kafka's UnifiedLog applies it, with one batch per segment: bytes and
// time retention never delete a batch that ends above the high watermark
// (deletableSegments), a config change takes effect at once, a compact-only log keeps
// everything; and the topic configs that act on appends: LogAppendTime (LogValidator)
// and keys on compacted topics (LogValidator.validateKey). DeleteRecords on the leader
// never moves the log start above the high watermark (Partition.deleteRecordsOnLeader).
#include "mockbroker/log.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "batch_fixtures.hpp"
#include "partition_fixture.hpp"

namespace kafkalite::mock {
namespace {

using fixtures::BatchSpec;
using fixtures::makeBatch;
using fixtures::viewOf;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Four one-record batches of equal size, appended as leader.
void appendFour(Log& log) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(log.appendAsLeader(makeBatch(1), 0).error, ErrorCode::NONE);
}

TEST(LogRetentionTest, BytesRetentionStopsAtTheHighWatermarkAndResumesWhenItRises) {
  Log log;
  appendFour(log);
  log.updateHighWatermark(1);
  LogConfig config;
  config.retentionBytes = 1;  // keep the newest batch only
  log.setConfig(config);
  EXPECT_EQ(log.logStartOffset(), 1) << "batch 0 ends at the HW; batch 1 ends above it";
  log.updateHighWatermark(3);
  EXPECT_EQ(log.logStartOffset(), 3);
  log.updateHighWatermark(4);
  EXPECT_EQ(log.logStartOffset(), 3) << "the newest batch is never deleted by size";
}

TEST(LogRetentionTest, CompactOnlyLogsKeepEverything) {
  Log log;
  appendFour(log);
  log.updateHighWatermark(4);
  LogConfig config;
  config.retentionBytes = 1;
  config.retentionMs = 1;
  config.deleteEnabled = false;
  log.setConfig(config);
  EXPECT_FALSE(log.applyTimeRetention(nowMs()));
  EXPECT_EQ(log.logStartOffset(), 0);
}

TEST(LogRetentionTest, TimeRetentionDeletesExpiredBatchesUpToTheHighWatermark) {
  const int64_t now = nowMs();
  Log log;
  for (const int64_t age : {50'000, 40'000, 30'000, 1'000}) {
    ASSERT_EQ(log.appendAsLeader(makeBatch(BatchSpec{.records = 1, .baseTimestamp = now - age}), 0).error, ErrorCode::NONE);
  }
  LogConfig config;
  config.retentionMs = 20'000;
  log.setConfig(config);
  log.updateHighWatermark(2);
  EXPECT_TRUE(log.applyTimeRetention(now));
  EXPECT_EQ(log.logStartOffset(), 2) << "batch 2 expired too, but ends above the HW";
  log.updateHighWatermark(4);
  EXPECT_TRUE(log.applyTimeRetention(now));
  EXPECT_EQ(log.logStartOffset(), 3);
  EXPECT_FALSE(log.applyTimeRetention(now));
  EXPECT_TRUE(log.applyTimeRetention(now + 60'000)) << "everything expired: the log start reaches the LEO";
  EXPECT_EQ(log.logStartOffset(), 4);
  EXPECT_TRUE(log.batches().empty());
}

TEST(LogRetentionTest, LogAppendTimeStampsTheBatchWithAValidCrc) {
  LogConfig config;
  config.messageTimestampType = protocol::TimestampType::LogAppendTime;
  Log log(config);
  const int64_t before = nowMs();
  const auto info = log.appendAsLeader(makeBatch(BatchSpec{.records = 2, .baseTimestamp = 1000}), 3);
  ASSERT_EQ(info.error, ErrorCode::NONE);
  EXPECT_GE(info.logAppendTime, before);
  const auto view = viewOf(log.batches().front().bytes);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->crcValid());
  EXPECT_EQ(view->timestampType(), protocol::TimestampType::LogAppendTime);
  EXPECT_EQ(view->maxTimestamp(), info.logAppendTime);
  EXPECT_EQ(log.batches().front().maxTimestamp, info.logAppendTime);
  Log createTime;
  EXPECT_EQ(createTime.appendAsLeader(makeBatch(1), 0).logAppendTime, -1);
}

TEST(LogRetentionTest, CompactedLogsRefuseRecordsWithoutKeys) {
  LogConfig config;
  config.compact = true;
  Log log(config);
  protocol::RecordBatchBuilder builder;
  builder.begin(1000);
  const std::vector<uint8_t> value = {1, 2, 3};
  ASSERT_TRUE(builder.append(1000, std::nullopt, std::span<const uint8_t>(value)));
  builder.finish();
  const auto keyless = builder.takeBytes();
  const auto refused = log.appendAsLeader(keyless, 0);
  EXPECT_EQ(refused.error, ErrorCode::INVALID_RECORD);
  // Kafka's LogValidator.validateKey, reported per record (processRecordErrors).
  ASSERT_EQ(refused.recordErrors.size(), 1u);
  EXPECT_EQ(refused.recordErrors[0].batchIndex, 0);
  EXPECT_EQ(refused.recordErrors[0].message, "Compacted topic cannot accept message without key");
  EXPECT_EQ(refused.errorMessage.rfind("One or more records have been rejected due to 1 record errors", 0), 0u)
      << refused.errorMessage;
  EXPECT_EQ(log.appendAsLeader(makeBatch(2), 0).error, ErrorCode::NONE) << "keyed records are fine";
}

class DeleteRecordsTest : public fixtures::PartitionFixture {};

TEST_F(DeleteRecordsTest, NeverAboveTheHighWatermarkAndMinusOneMeansIt) {
  ASSERT_TRUE(p().makeLeader(state(1, {1}, {1}), fixtures::kT0));
  for (int i = 0; i < 3; ++i) ASSERT_GE(append(2), 0);  // RF 1: the HW follows the LEO (6)
  ASSERT_EQ(p().highWatermark(), 6);
  auto r = p().deleteRecordsOnLeader(7);
  EXPECT_EQ(r.error, ErrorCode::OFFSET_OUT_OF_RANGE);
  EXPECT_EQ(r.message, "Cannot increment the log start offset to 7 of partition orders-0 since it is larger than "
                       "the high watermark 6");
  EXPECT_EQ(p().deleteRecordsOnLeader(-2).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  r = p().deleteRecordsOnLeader(3);
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(r.lowWatermark, 3);
  EXPECT_EQ(p().logStartOffset(), 3);
  r = p().deleteRecordsOnLeader(1);
  EXPECT_EQ(r.lowWatermark, 3) << "the log start never moves back";
  r = p().deleteRecordsOnLeader(-1);
  EXPECT_EQ(r.lowWatermark, 6);

  p().makeFollower(state(2, {2, 1}, {1, 2}, 2));
  EXPECT_EQ(p().deleteRecordsOnLeader(6).error, ErrorCode::NOT_LEADER_OR_FOLLOWER);
}

TEST_F(DeleteRecordsTest, RefusedWhenTheCleanupPolicyHasNoDelete) {
  LogConfig config;
  config.deleteEnabled = false;
  log_.setConfig(config);
  ASSERT_TRUE(p().makeLeader(state(1, {1}, {1}), fixtures::kT0));
  ASSERT_GE(append(1), 0);
  EXPECT_EQ(p().deleteRecordsOnLeader(1).error, ErrorCode::POLICY_VIOLATION);
}

}  // namespace
}  // namespace kafkalite::mock
