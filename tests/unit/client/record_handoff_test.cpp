// The hand-off queue: queue.enqueue.timeout.ms in its three modes (spec 7.5), slots held
// until completion, one wake-up per drain cycle, pacing of senders far ahead of the I/O
// thread, completion of callbacks and futures.

#include "client/record_handoff.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include <atomic>
#include <thread>

#include "support/wait_until.hpp"

namespace kafkalite::client {
namespace {

using kafkalite::testing::waitUntil;

uint32_t fill(RecordHandoff& h, int32_t timeoutMs, std::string value, Producer::Callback cb = nullptr) {
  const uint32_t slot = h.acquire(timeoutMs, true);
  h.slot(slot).setRecord(ProducerRecord("t", std::move(value)));
  h.slot(slot).callback = std::move(cb);
  (void)h.publish(slot);
  return slot;
}

std::vector<uint32_t> drainAll(RecordHandoff& h) {
  std::vector<uint32_t> out;
  h.drain([&](uint32_t i) { out.push_back(i); }, 1000);
  return out;
}

TEST(RecordHandoffTest, ZeroTimeoutThrowsQueueFullAtOnce) {
  RecordHandoff h(2);
  fill(h, 0, "a");
  fill(h, 0, "b");
  EXPECT_THROW(h.acquire(0, true), QueueFullException);
  try {
    (void)h.acquire(0, true);
  } catch (const QueueFullException& e) {
    EXPECT_EQ(e.code(), make_error_code(ClientError::QueueFull));
    EXPECT_NE(std::string(e.what()).find("queue.buffering.max.messages"), std::string::npos);
  }
  EXPECT_EQ(h.pending(), 2);
  EXPECT_TRUE(h.exhausted());
}

TEST(RecordHandoffTest, SlotsComeBackOnlyWhenRecordsComplete) {
  RecordHandoff h(1);
  const uint32_t slot = fill(h, 0, "a");
  ASSERT_EQ(drainAll(h), std::vector<uint32_t>{slot});
  EXPECT_THROW(h.acquire(0, true), QueueFullException) << "drained is not completed";
  h.complete(slot, {}, RecordMetadata{});
  EXPECT_EQ(h.pending(), 0);
  EXPECT_NO_THROW(h.abandon(h.acquire(0, true)));
}

TEST(RecordHandoffTest, PositiveTimeoutThrowsWhenNoSlotFrees) {
  RecordHandoff h(1);
  fill(h, 0, "a");
  EXPECT_THROW(h.acquire(20, true), QueueFullException);
}

TEST(RecordHandoffTest, PositiveTimeoutSucceedsWhenASlotFreesMeanwhile) {
  RecordHandoff h(1);
  const uint32_t slot = fill(h, 0, "a");
  drainAll(h);
  std::atomic<bool> acquired{false};
  std::thread sender([&] {
    h.abandon(h.acquire(60'000, true));
    acquired = true;
  });
  ASSERT_TRUE(waitUntil([&] { return h.blockedSenders() == 1; }));
  h.complete(slot, {}, RecordMetadata{});
  sender.join();
  EXPECT_TRUE(acquired);
}

TEST(RecordHandoffTest, NegativeTimeoutBlocksUntilASlotFrees) {
  RecordHandoff h(1);
  const uint32_t slot = fill(h, 0, "a");
  drainAll(h);
  std::atomic<int> state{0};
  std::thread sender([&] {
    state = 1;
    const uint32_t s = h.acquire(-1, true);
    state = 2;
    h.abandon(s);
  });
  ASSERT_TRUE(waitUntil([&] { return h.blockedSenders() == 1; }));
  EXPECT_EQ(state.load(), 1);
  h.complete(slot, {}, RecordMetadata{});
  sender.join();
  EXPECT_EQ(state.load(), 2);
}

TEST(RecordHandoffTest, ShutdownWakesBlockedSendersWithProducerClosed) {
  RecordHandoff h(1);
  fill(h, 0, "a");
  std::error_code seen;
  std::thread sender([&] {
    try {
      (void)h.acquire(-1, true);
    } catch (const std::system_error& e) {
      seen = e.code();
    }
  });
  h.shutdown();
  sender.join();
  EXPECT_EQ(seen, make_error_code(ClientError::ProducerClosed));
  EXPECT_THROW(h.acquire(0, true), std::system_error);
}

TEST(RecordHandoffTest, OnlyTheFirstPublishOfACycleAsksForAWakeUp) {
  RecordHandoff h(10);
  auto publish = [&] {
    const uint32_t s = h.acquire(0, true);
    return h.publish(s).wake;
  };
  EXPECT_TRUE(publish());
  EXPECT_FALSE(publish());
  EXPECT_FALSE(publish());
  EXPECT_EQ(drainAll(h).size(), 3u);
  EXPECT_TRUE(publish()) << "after a drain the next publish posts again";
}

TEST(RecordHandoffTest, DrainStopsAtItsLimitAndAsksToContinue) {
  RecordHandoff h(10);
  for (int i = 0; i < 5; ++i) fill(h, 0, "v");
  std::vector<uint32_t> seen;
  EXPECT_TRUE(h.drain([&](uint32_t i) { seen.push_back(i); }, 2));
  EXPECT_FALSE(h.publish(h.acquire(0, true)).wake) << "the continuation is already posted";
  EXPECT_FALSE(h.drain([&](uint32_t i) { seen.push_back(i); }, 100));
  EXPECT_EQ(seen.size(), 6u);
}

// Publishes `n` records with null values; returns whether any publish asked to pace.
bool publishMany(RecordHandoff& h, std::size_t n) {
  bool paced = false;
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t slot = h.acquire(0, true);
    h.slot(slot).setRecord(ProducerRecord("t", std::nullopt));
    paced = h.publish(slot).pace || paced;
  }
  return paced;
}

std::size_t drainUpTo(RecordHandoff& h, std::size_t limit) {
  std::size_t n = 0;
  h.drain([&](uint32_t) { ++n; }, limit);
  return n;
}

TEST(RecordHandoffTest, PublishAsksToPaceOnlyAboveTheDepthLimit) {
  RecordHandoff h(3 * RecordHandoff::kPaceAbove);
  EXPECT_FALSE(publishMany(h, RecordHandoff::kPaceAbove)) << "up to kPaceAbove undrained records is not deep";
  // The next check (one per kPaceCheckEvery publishes) falls on the next record.
  EXPECT_TRUE(publishMany(h, 1));
  EXPECT_FALSE(publishMany(h, RecordHandoff::kPaceCheckEvery - 1)) << "only every kPaceCheckEvery-th publish looks";
  while (drainUpTo(h, 100'000) > 0) {
  }
  EXPECT_FALSE(publishMany(h, RecordHandoff::kPaceAbove)) << "drained: shallow again";
}

TEST(RecordHandoffTest, PaceWithZeroTimeoutNeverWaits) {
  RecordHandoff h(2 * RecordHandoff::kPaceAbove);
  ASSERT_TRUE(publishMany(h, RecordHandoff::kPaceAbove + 1));
  EXPECT_FALSE(h.pace(0)) << "queue.enqueue.timeout.ms = 0: back at once, still deep";
}

TEST(RecordHandoffTest, PaceWithPositiveTimeoutGivesUpWhenNothingDrains) {
  RecordHandoff h(2 * RecordHandoff::kPaceAbove);
  ASSERT_TRUE(publishMany(h, RecordHandoff::kPaceAbove + 1));
  EXPECT_FALSE(h.pace(20));
  EXPECT_EQ(h.pacingSenders(), 0);
}

TEST(RecordHandoffTest, PaceReturnsOnceTheIoThreadHasDrainedDownToTheResumeDepth) {
  const std::size_t total = RecordHandoff::kPaceAbove + 1;
  RecordHandoff h(2 * RecordHandoff::kPaceAbove);
  ASSERT_TRUE(publishMany(h, total));
  std::atomic<int> result{-1};
  std::thread sender([&] { result = h.pace(-1) ? 1 : 0; });
  ASSERT_TRUE(waitUntil([&] { return h.pacingSenders() == 1; }));
  std::size_t drained = 0;
  while (result.load() < 0 && drained < total) drained += drainUpTo(h, 512);
  sender.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_GE(drained, total - RecordHandoff::kPaceResumeAt) << "it waited until the depth was down to the resume depth";
}

TEST(RecordHandoffTest, ShutdownWakesPacingSenders) {
  RecordHandoff h(2 * RecordHandoff::kPaceAbove);
  ASSERT_TRUE(publishMany(h, RecordHandoff::kPaceAbove + 1));
  std::atomic<int> result{-1};
  std::thread sender([&] { result = h.pace(-1) ? 1 : 0; });
  ASSERT_TRUE(waitUntil([&] { return h.pacingSenders() == 1; }));
  h.shutdown();
  sender.join();
  EXPECT_EQ(result.load(), 0) << "woken by shutdown, the hand-off still deep";
}

TEST(RecordHandoffTest, CompleteRunsTheCallbackOnceAndSwallowsItsException) {
  RecordHandoff h(2);
  int calls = 0;
  const uint32_t slot = fill(h, 0, "a", [&](std::error_code ec, const RecordMetadata& md) {
    ++calls;
    EXPECT_EQ(ec, make_error_code(ErrorCode::NOT_ENOUGH_REPLICAS));
    EXPECT_EQ(md.partition, 3);
    throw std::runtime_error("callback bug");
  });
  drainAll(h);
  RecordMetadata md;
  md.partition = 3;
  h.complete(slot, ErrorCode::NOT_ENOUGH_REPLICAS, md);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(h.pending(), 0);
}

// A record appended to a batch gives its slot back at once but keeps its permit (the
// record still counts against queue.buffering.max.messages) until it completes.
TEST(RecordHandoffTest, RecycledSlotKeepsItsPermitUntilTheRecordCompletes) {
  RecordHandoff h(1);
  const uint32_t slot = h.acquire(0, true);
  int calls = 0;
  int64_t seenOffset = -1;
  h.slot(slot).setRecord(ProducerRecord("t", std::string("v")));
  h.slot(slot).timestampMs = 42;
  h.slot(slot).callback = [&](std::error_code ec, const RecordMetadata& md) {
    ++calls;
    EXPECT_FALSE(ec);
    seenOffset = md.offset;
  };
  PendingRecord pending = h.slot(slot).takeCompletion();
  h.recycle(slot);
  EXPECT_EQ(pending.timestampMs, 42);
  EXPECT_EQ(h.pending(), 1);
  EXPECT_THROW((void)h.acquire(0, true), QueueFullException);  // the permit is still held
  RecordMetadata md;
  md.offset = 7;
  h.completeDeferred(pending, {}, md);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seenOffset, 7);
  EXPECT_EQ(h.pending(), 1);  // given back with the batch's releaseDeferred()
  h.releaseDeferred();
  EXPECT_EQ(h.pending(), 0);
  EXPECT_EQ(h.acquire(0, true), slot);  // the recycled slot is reused
}

TEST(RecordHandoffTest, CompleteSetsTheFuture) {
  RecordHandoff h(2);
  const uint32_t a = h.acquire(0, true);
  std::promise<RecordMetadata> pa;
  auto fa = pa.get_future();
  h.slot(a).promise = std::make_unique<std::promise<RecordMetadata>>(std::move(pa));
  const uint32_t b = h.acquire(0, true);
  std::promise<RecordMetadata> pb;
  auto fb = pb.get_future();
  h.slot(b).promise = std::make_unique<std::promise<RecordMetadata>>(std::move(pb));
  RecordMetadata md;
  md.offset = 5;
  h.complete(a, {}, md);
  h.complete(b, ClientError::TimedOut, md);
  EXPECT_EQ(fa.get().offset, 5);
  try {
    fb.get();
    ADD_FAILURE() << "expected an exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), make_error_code(ClientError::TimedOut));
  }
}

TEST(RecordHandoffTest, ManyThreadsHandOffEveryRecordExactlyOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  RecordHandoff h(64);
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      try {
        for (int i = 0; i < kPerThread; ++i) fill(h, -1, std::to_string(t * kPerThread + i));
      } catch (const std::system_error&) {
        // shutdown() below, after a failure: the sender stops instead of blocking join().
      }
    });
  }
  std::vector<int> seen(kThreads * kPerThread, 0);
  int received = 0;
  // Bounded by a deadline: a lost record fails the test instead of hanging it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (received < kThreads * kPerThread && std::chrono::steady_clock::now() < deadline) {
    h.drain(
        [&](uint32_t i) {
          ++seen[static_cast<std::size_t>(std::stoi(std::string(reinterpret_cast<const char*>(h.slot(i).valueBytes()->data()), h.slot(i).valueBytes()->size())))];
          ++received;
          h.complete(i, {}, RecordMetadata{});
        },
        1000);
  }
  if (received < kThreads * kPerThread) h.shutdown();
  for (auto& s : senders) s.join();
  EXPECT_EQ(received, kThreads * kPerThread);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kThreads * kPerThread);
}

}  // namespace
}  // namespace kafkalite::client
