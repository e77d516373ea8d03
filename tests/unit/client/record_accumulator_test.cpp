// RecordAccumulator on its own (spec 8.1-8.3): batching by count and bytes, linger from
// the first record, ready() and drain() per leader, retries at the head of the queue.

#include "client/record_accumulator.hpp"

#include <gtest/gtest.h>

#include "unit/client/accumulator_fixture.hpp"

namespace kafkalite::client::testing {
namespace {

TEST_F(RecordAccumulatorTest, LingerCountsFromTheFirstRecord) {
  start();
  append(0, "a", 10);
  append(0, "b", 60);
  auto r = ready(109);
  EXPECT_TRUE(r.readyNodes.empty());
  EXPECT_EQ(r.nextReadyCheckMs, 110);
  r = ready(110);
  EXPECT_EQ(r.readyNodes, std::vector<int32_t>{1});
  const auto batches = drain(1, 110);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0]->recordCount(), 2);
  EXPECT_TRUE(batches[0]->closed());
}

TEST_F(RecordAccumulatorTest, BatchIsFullAtBatchNumMessages) {
  start();
  for (int i = 0; i < 3; ++i) append(0, "v", 0);
  EXPECT_EQ(ready(0).readyNodes, std::vector<int32_t>{1}) << "full: no linger";
  append(0, "v", 0);
  const auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0]->recordCount(), 3);
  EXPECT_TRUE(ready(0).readyNodes.empty()) << "the fourth record starts a batch that lingers";
}

TEST_F(RecordAccumulatorTest, BatchSizeAndMessageMaxBytes) {
  config.batchNumMessages = 1000;
  config.batchSizeBytes = 300;
  config.messageMaxBytes = 1000;
  start();
  EXPECT_EQ(append(0, std::string(100, 'a'), 0), RecordAccumulator::AppendStatus::Appended);
  EXPECT_EQ(append(0, std::string(100, 'b'), 0), RecordAccumulator::AppendStatus::Appended);
  EXPECT_EQ(append(0, std::string(100, 'c'), 0), RecordAccumulator::AppendStatus::Appended);
  EXPECT_EQ(append(0, std::string(500, 'd'), 0), RecordAccumulator::AppendStatus::Appended)
      << "alone it may exceed batch.size";
  EXPECT_EQ(append(0, std::string(2000, 'e'), 0), RecordAccumulator::AppendStatus::TooLarge)
      << "but never message.max.bytes";
  EXPECT_EQ(ready(0).readyNodes, std::vector<int32_t>{1});
  std::vector<int32_t> counts;
  for (int i = 0; i < 4; ++i) {
    ready(0, true);
    for (ProducerBatch* b : drain(1, 0)) counts.push_back(b->recordCount());
  }
  EXPECT_EQ(counts, (std::vector<int32_t>{2, 1, 1}));
}

TEST_F(RecordAccumulatorTest, AbortOnNewBatchLeavesTheRecordToTheCaller) {
  start();
  EXPECT_EQ(append(0, "a", 0, true), RecordAccumulator::AppendStatus::AbortedForNewBatch);
  EXPECT_EQ(append(0, "a", 0, false), RecordAccumulator::AppendStatus::Appended);
  EXPECT_EQ(append(0, "b", 0, true), RecordAccumulator::AppendStatus::Appended) << "the batch has room";
}

TEST_F(RecordAccumulatorTest, DrainTakesOneBatchPerPartitionOfTheNode) {
  start();
  for (int i = 0; i < 6; ++i) append(0, "p0", 0);  // two full batches
  append(2, "p2", 0);
  append(1, "p1", 0);  // led by broker 2
  const auto r = ready(0);
  EXPECT_EQ(r.readyNodes, std::vector<int32_t>{1});
  const auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 2u) << "partitions 0 and 2, one batch each, though 2 lingers";
  EXPECT_EQ(batches[0]->partition() + batches[1]->partition(), 2);
}

TEST_F(RecordAccumulatorTest, ExhaustedQueueOrFlushMakesEverythingReady) {
  start();
  append(0, "a", 0);
  EXPECT_TRUE(ready(0).readyNodes.empty());
  EXPECT_EQ(ready(0, true).readyNodes, std::vector<int32_t>{1});
  acc->setFlushing(true);
  EXPECT_EQ(ready(0).readyNodes, std::vector<int32_t>{1});
}

TEST_F(RecordAccumulatorTest, ReenqueuedBatchGoesFirstAfterBackoffAndRefresh) {
  start();
  for (int i = 0; i < 3; ++i) append(0, "first", 0);
  ready(0);
  auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  ProducerBatch* first = batches[0];
  first->attempts = 1;
  for (int i = 0; i < 3; ++i) append(0, "second", 0);
  acc->reenqueue(first, 10, metadata.refreshAttempts());
  EXPECT_TRUE(ready(59).readyNodes.empty()) << "backing off (the second batch waits behind)";
  EXPECT_EQ(ready(59).nextReadyCheckMs, 60);
  EXPECT_TRUE(ready(60).readyNodes.empty()) << "waiting for the metadata refresh";
  metadata.update(metadataResponse(2, {{"t", {1, 2, 1}}}), 60);
  EXPECT_EQ(ready(60).readyNodes, std::vector<int32_t>{1});
  batches = drain(1, 60);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], first);
}

TEST_F(RecordAccumulatorTest, MutedPartitionIsSkippedUntilUnmuted) {
  config.guaranteeOrder = true;
  start();
  for (int i = 0; i < 6; ++i) append(0, "v", 0);
  ready(0);
  auto batches = drain(1, 0);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(ready(0).readyNodes.empty());
  acc->unmute(*batches[0]);
  EXPECT_EQ(ready(0).readyNodes, std::vector<int32_t>{1});
}

TEST_F(RecordAccumulatorTest, UnknownLeaderIsReported) {
  metadata.update(metadataResponse(2, {{"t", {-1, 2, 1}}}), 0);
  start();
  for (int i = 0; i < 3; ++i) append(0, "v", 0);
  const auto r = ready(1000);
  EXPECT_TRUE(r.readyNodes.empty());
  EXPECT_TRUE(r.unknownLeaders);
}

TEST_F(RecordAccumulatorTest, RecordBytesAreReleasedOnceAppendedAndRecycled) {
  start();
  const uint32_t slot = handoff->acquire(0, false);
  RecordSlot& s = handoff->slot(slot);
  ProducerRecord record("t", std::string("k"), std::string(1000, 'v'));
  record.headers.push_back({"h", "x"});
  s.setRecord(std::move(record));
  ASSERT_EQ(acc->append(acc->topic("t"), 1, s, false), RecordAccumulator::AppendStatus::Appended);
  EXPECT_EQ(acc->topic("t").partitions[1].batches.front()->recordBytes, 1 + 1000 + 2)
      << "key, value and header count against the byte bound";
  handoff->recycle(slot);  // the batch holds the record now
  EXPECT_FALSE(s.keyBytes());
  EXPECT_FALSE(s.valueBytes());
  EXPECT_TRUE(s.headers().empty());
  EXPECT_LT(s.body->value.capacity(), 1000U);  // the application's buffer is freed
}

}  // namespace
}  // namespace kafkalite::client::testing
