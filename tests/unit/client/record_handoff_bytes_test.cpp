// The hand-off's byte bound (queue.buffering.max.kbytes / buffer.memory): enforced with the
// record count under the same queue.enqueue.timeout.ms rules, given back when records
// complete, a record larger than the whole bound accepted without bytes (it fails on the
// I/O thread), and copied records' buffers kept only within a budget.
#include "client/record_handoff.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/wait_until.hpp"

namespace kafkalite::client {
namespace {

using kafkalite::testing::waitUntil;

// Acquires a slot for a record with a value of `bytes` and publishes it.
uint32_t fill(RecordHandoff& h, int32_t timeoutMs, std::size_t bytes) {
  ProducerRecord record("t", std::string(bytes, 'v'));
  const uint32_t slot = h.acquire(timeoutMs, true, RecordSlot::recordBytes(record));
  h.slot(slot).setRecord(std::move(record));
  (void)h.publish(slot);
  return slot;
}

void drainAndComplete(RecordHandoff& h) {
  std::vector<uint32_t> drained;
  h.drain([&](uint32_t i) { drained.push_back(i); }, 1000);
  for (const uint32_t i : drained) h.complete(i, {}, RecordMetadata{});
}

TEST(RecordHandoffBytesTest, RecordBytesCountKeyValueAndHeaders) {
  ProducerRecord record("topic-is-not-counted", std::string("key"), std::string("value"));
  record.headers.push_back({"h1", std::string("xy")});
  record.headers.push_back({"h2", std::nullopt});
  EXPECT_EQ(RecordSlot::recordBytes(record), 3 + 5 + 4 + 2);
  EXPECT_EQ(RecordSlot::recordBytes(RecordView{"t", std::nullopt, "k", "vv", std::nullopt}), 3);
  RecordHandoff h(4);
  const uint32_t slot = h.acquire(0, true, RecordSlot::recordBytes(record));
  h.slot(slot).setRecord(std::move(record));
  EXPECT_EQ(h.slot(slot).recordBytes(), 14) << "the I/O thread computes the same from the slot";
}

TEST(RecordHandoffBytesTest, ZeroTimeoutThrowsQueueFullWhenTheBytesAreUsedUp) {
  RecordHandoff h(100, 1000);
  fill(h, 0, 600);
  try {
    fill(h, 0, 600);
    FAIL() << "no QueueFullException";
  } catch (const QueueFullException& e) {
    EXPECT_EQ(e.code(), make_error_code(ClientError::QueueFull));
    EXPECT_NE(std::string(e.what()).find("queue.buffering.max.kbytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(h.pending(), 1) << "the refused record took no slot";
  EXPECT_EQ(h.pendingBytes(), 600);
  EXPECT_NO_THROW(fill(h, 0, 400)) << "what is left still fits";
  EXPECT_EQ(h.pendingBytes(), 1000);
  drainAndComplete(h);
  EXPECT_EQ(h.pendingBytes(), 0) << "completion gives the bytes back";
  EXPECT_NO_THROW(fill(h, 0, 1000));
}

TEST(RecordHandoffBytesTest, PositiveTimeoutWaitsForBytesThenThrows) {
  RecordHandoff h(100, 1000);
  fill(h, 0, 900);
  EXPECT_THROW(fill(h, 30, 200), QueueFullException);
}

TEST(RecordHandoffBytesTest, NegativeTimeoutBlocksUntilBytesFree) {
  RecordHandoff h(100, 1000);
  fill(h, 0, 900);
  std::atomic<bool> done{false};
  std::thread sender([&] {
    fill(h, -1, 200);
    done = true;
  });
  ASSERT_TRUE(waitUntil([&] { return h.blockedSenders() == 1; }));
  EXPECT_FALSE(done.load());
  EXPECT_TRUE(h.exhausted()) << "a sender waits: batches go without lingering";
  drainAndComplete(h);
  sender.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(h.pendingBytes(), 200);
}

TEST(RecordHandoffBytesTest, ARecordLargerThanTheWholeBoundIsAcceptedWithoutBytes) {
  RecordHandoff h(100, 1000);
  fill(h, 0, 500);
  const uint32_t big = h.acquire(0, true, 5000);
  EXPECT_FALSE(h.charged(5000));
  EXPECT_EQ(h.pendingBytes(), 500) << "it takes no bytes (it fails with RecordTooLarge on the I/O thread)";
  h.abandon(big, 5000);
  EXPECT_EQ(h.pendingBytes(), 500);
  EXPECT_EQ(h.pending(), 1);
}

TEST(RecordHandoffBytesTest, CopiedRecordsKeepTheirBuffersOnlyWithinTheBudget) {
  RecordHandoff h(64, 16 * 1024 * 1024);  // budget: 1 MiB (a sixteenth)
  ASSERT_EQ(h.bodyBudget(), 1024u * 1024u);
  const std::string medium(10 * 1024, 'm');
  const std::string large(RecordHandoff::kMaxKeptBodyBytes + 1, 'L');
  std::vector<uint32_t> slots;
  for (int i = 0; i < 2; ++i) {
    const uint32_t s = h.acquire(0, true, static_cast<int64_t>(medium.size()));
    h.slot(s).copyRecord(RecordView{"t", std::nullopt, std::nullopt, medium, std::nullopt});
    slots.push_back(s);
  }
  const uint32_t bigSlot = h.acquire(0, true, static_cast<int64_t>(large.size()));
  h.slot(bigSlot).copyRecord(RecordView{"t", std::nullopt, std::nullopt, large, std::nullopt});
  for (const uint32_t s : slots) h.recycle(s);
  h.recycle(bigSlot);
  EXPECT_GE(h.keptBodyBytes(), 2 * medium.size()) << "medium copies keep their buffers for the next copy";
  EXPECT_LT(h.keptBodyBytes(), 2 * medium.size() + 1024);
  EXPECT_LT(h.slot(bigSlot).body->value.capacity(), 1024u) << "a large copy's buffer is freed";
  EXPECT_GE(h.takeReleasedHeapBytes(), large.size());
}

TEST(RecordHandoffBytesTest, ManyCopiesStayWithinTheBodyBudget) {
  RecordHandoff h(256, 2 * 1024 * 1024);  // budget: 128 KiB
  const std::string value(8 * 1024, 'v');
  std::vector<uint32_t> slots;
  for (int i = 0; i < 64; ++i) {
    const uint32_t s = h.acquire(0, true, static_cast<int64_t>(value.size()));
    h.slot(s).copyRecord(RecordView{"t", std::nullopt, std::nullopt, value, std::nullopt});
    slots.push_back(s);
  }
  for (const uint32_t s : slots) h.recycle(s);
  EXPECT_LE(h.keptBodyBytes(), h.bodyBudget());
  EXPECT_GE(h.takeReleasedHeapBytes(), 64 * value.size() - h.bodyBudget());
}

}  // namespace
}  // namespace kafkalite::client
