#include "mockbroker/purgatory/delayed_operation.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "mockbroker/topic_partition.hpp"

namespace kafkalite::mock {
namespace {

// Completes when `completable` is set, or on the `completeOnTry`-th tryComplete. Counts every
// callback. Hooks capture raw pointers only, so no reference cycles.
class MockOperation : public DelayedOperation {
 public:
  explicit MockOperation(int64_t delayMs) : DelayedOperation(delayMs) {}

  bool tryComplete() override {
    ++tryCompleteCalls;
    if (completable || tryCompleteCalls == completeOnTry) {
      return forceComplete();
    }
    return false;
  }
  void onComplete() override {
    ++onCompleteCalls;
    if (onCompleteHook) onCompleteHook();
  }
  void onExpiration() override {
    ++onExpirationCalls;
    if (onExpirationHook) onExpirationHook();
  }

  bool completable = false;
  int completeOnTry = -1;
  int tryCompleteCalls = 0;
  int onCompleteCalls = 0;
  int onExpirationCalls = 0;
  std::function<void()> onCompleteHook;
  std::function<void()> onExpirationHook;
};

using Purgatory = DelayedOperationPurgatory<TopicPartition>;

const TopicPartition kTp0{"orders", 0};
const TopicPartition kTp1{"orders", 1};
const TopicPartition kTp2{"payments", 0};

std::shared_ptr<MockOperation> makeOp(int64_t delayMs) {
  return std::make_shared<MockOperation>(delayMs);
}

// spec 5.2 step 1 and 4: completable at once -> true, nothing watched, nothing timed.
TEST(PurgatoryTest, CompletesAtWatchTimeReturnsTrue) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  op->completable = true;
  const std::vector<TopicPartition> keys{kTp0, kTp1};
  EXPECT_TRUE(purgatory.tryCompleteElseWatch(op, keys));
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(op->tryCompleteCalls, 1);
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  purgatory.advanceClock(1000);
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(op->onExpirationCalls, 0);
}

// spec 5.2 steps 2-4: not completable -> watched on every key, tried a second time, timed.
TEST(PurgatoryTest, IncompleteIsWatchedOnEveryKeyAndTimed) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  const std::vector<TopicPartition> keys{kTp0, kTp1};
  EXPECT_FALSE(purgatory.tryCompleteElseWatch(op, keys));
  EXPECT_EQ(op->tryCompleteCalls, 2);
  EXPECT_EQ(purgatory.watched(), 2u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 2u);
  EXPECT_EQ(purgatory.numDelayed(), 1u);
  EXPECT_EQ(op->onCompleteCalls, 0);
}

// spec 5.2: the second tryComplete, after watching, may complete it: true, not timed.
TEST(PurgatoryTest, SecondTryAfterWatchingCanComplete) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  op->completeOnTry = 2;
  EXPECT_TRUE(purgatory.tryCompleteElseWatch(op, kTp0));
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 0u);  // sweeps the completed entry (spec 5.3)
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
}

// spec 5.2 step 4: an operation completed before the call is not completed "by this call".
TEST(PurgatoryTest, AlreadyCompletedOperationReturnsFalseAndIsNotWatched) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  ASSERT_TRUE(op->forceComplete());
  op->completable = true;
  EXPECT_FALSE(purgatory.tryCompleteElseWatch(op, kTp0));
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
}

// spec 5.3 and 5.1: checkAndComplete completes once, cancels the timer entry, deletes the key;
// a later expiry time is a no-op.
TEST(PurgatoryTest, CheckAndCompleteCompletesOnceAndErasesKey) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  purgatory.tryCompleteElseWatch(op, kTp0);
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 0u);
  EXPECT_EQ(op->tryCompleteCalls, 3);
  op->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
  EXPECT_EQ(purgatory.advanceClock(1000), 0u);
  EXPECT_EQ(op->onExpirationCalls, 0);
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 0u);
  EXPECT_EQ(purgatory.checkAndComplete(kTp2), 0u);  // unknown key
  EXPECT_EQ(op->onCompleteCalls, 1);
}

// spec 5.3: completed through one key, the op lingers on its other key until that key is
// checked, which removes it without calling tryComplete and deletes the key.
TEST(PurgatoryTest, CompletedOperationsAreRemovedFromOtherKeysWithoutRetrying) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  const std::vector<TopicPartition> keys{kTp0, kTp1};
  purgatory.tryCompleteElseWatch(op, keys);
  op->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(purgatory.watched(), 1u);
  const int tries = op->tryCompleteCalls;
  EXPECT_EQ(purgatory.checkAndComplete(kTp1), 0u);
  EXPECT_EQ(op->tryCompleteCalls, tries);
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
  EXPECT_EQ(op->onCompleteCalls, 1);
}

// spec 5.1, 1.8: expiry at exactly delayMs completes once and calls onExpiration; completion
// attempts afterwards are no-ops.
TEST(PurgatoryTest, ExpiryCompletesOnceThenCompletionIsNoop) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  purgatory.tryCompleteElseWatch(op, kTp0);
  EXPECT_EQ(purgatory.advanceClock(99), 0u);
  EXPECT_EQ(op->onCompleteCalls, 0);
  EXPECT_EQ(purgatory.advanceClock(100), 1u);
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(op->onExpirationCalls, 1);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  EXPECT_EQ(purgatory.watched(), 1u);  // lingers until swept (spec 5.3/5.4)
  op->completable = true;
  const int tries = op->tryCompleteCalls;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 0u);
  EXPECT_FALSE(op->forceComplete());
  EXPECT_EQ(op->tryCompleteCalls, tries);
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(op->onExpirationCalls, 1);
  EXPECT_EQ(purgatory.watched(), 0u);
}

// Delays count from the purgatory's current time, i.e. the last advanceClock.
TEST(PurgatoryTest, DelayCountsFromCurrentTime) {
  Purgatory purgatory("Fetch", 10'000);
  purgatory.advanceClock(10'500);
  auto op = makeOp(500);  // replica.fetch.wait.max.ms (spec 4.10)
  purgatory.tryCompleteElseWatch(op, kTp0);
  EXPECT_EQ(op->expirationMs(), 11'000);
  ASSERT_TRUE(purgatory.nextExpirationMs().has_value());
  EXPECT_LE(*purgatory.nextExpirationMs(), 11'000);
  purgatory.advanceClock(10'999);
  EXPECT_EQ(op->onExpirationCalls, 0);
  purgatory.advanceClock(11'000);
  EXPECT_EQ(op->onExpirationCalls, 1);
  EXPECT_EQ(purgatory.nextExpirationMs(), std::nullopt);
}

// spec 5.1: a completion before the timeout makes the later expiry a no-op.
TEST(PurgatoryTest, CompletionBeforeExpiryMakesExpiryNoop) {
  Purgatory purgatory("Produce");
  auto op = makeOp(100);
  purgatory.tryCompleteElseWatch(op, kTp0);
  purgatory.advanceClock(50);
  op->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(purgatory.advanceClock(200), 0u);
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_EQ(op->onExpirationCalls, 0);
}

// spec 5.1 race: A and B are due in the same tick. A's expiry completes B through
// checkAndComplete; B's own expiry, already scheduled to run in this tick, must not run.
TEST(PurgatoryTest, ExpiryRacingWithCompletionInSameTick) {
  Purgatory purgatory("Produce");
  auto a = makeOp(10);
  auto b = makeOp(10);
  MockOperation* bRaw = b.get();
  a->onExpirationHook = [&purgatory, bRaw] {
    bRaw->completable = true;
    EXPECT_EQ(purgatory.checkAndComplete(kTp1), 1u);
  };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp1);
  EXPECT_EQ(purgatory.advanceClock(10), 1u);
  EXPECT_EQ(a->onCompleteCalls, 1);
  EXPECT_EQ(a->onExpirationCalls, 1);
  EXPECT_EQ(b->onCompleteCalls, 1);
  EXPECT_EQ(b->onExpirationCalls, 0);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
}

// spec 5.1: forceComplete wins once, including when called again from inside onComplete.
TEST(PurgatoryTest, ForceCompleteWinsOnceEvenWhenNested) {
  auto op = makeOp(100);
  bool nestedResult = true;
  op->onCompleteHook = [&nestedResult, raw = op.get()] { nestedResult = raw->forceComplete(); };
  EXPECT_TRUE(op->forceComplete());
  EXPECT_FALSE(nestedResult);
  EXPECT_FALSE(op->forceComplete());
  EXPECT_EQ(op->onCompleteCalls, 1);
  EXPECT_TRUE(op->isCompleted());
}

// spec 5.4: once more than purgeInterval completed operations may linger, advanceClock sweeps
// every list and deletes keys left empty; below the threshold nothing is swept.
TEST(PurgatoryTest, PurgeSweepsCompletedWatchersPastInterval) {
  for (const std::size_t purgeInterval : {std::size_t{10}, Purgatory::kDefaultPurgeInterval}) {
    Purgatory purgatory("Produce", 0, purgeInterval);
    const TopicPartition shared{"all", 0};
    std::vector<std::shared_ptr<MockOperation>> ops;
    std::vector<std::weak_ptr<MockOperation>> completedWeak;
    for (int i = 0; i < 50; ++i) {
      ops.push_back(makeOp(1000));
      const std::vector<TopicPartition> keys{{"own", i}, shared};
      purgatory.tryCompleteElseWatch(ops.back(), keys);
    }
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(ops[i]->forceComplete());  // not through the purgatory: entries linger
      completedWeak.push_back(ops[i]);
    }
    ops.erase(ops.begin(), ops.begin() + 30);
    EXPECT_EQ(purgatory.watched(), 100u);
    EXPECT_EQ(purgatory.numDelayed(), 20u);
    purgatory.advanceClock(1);
    if (purgeInterval == 10) {
      EXPECT_EQ(purgatory.watched(), 40u);
      EXPECT_EQ(purgatory.numWatchedKeys(), 21u);  // 20 own keys + the shared one
      for (const auto& weak : completedWeak) EXPECT_TRUE(weak.expired());
    } else {
      EXPECT_EQ(purgatory.watched(), 100u);
      EXPECT_EQ(purgatory.numWatchedKeys(), 51u);
    }
  }
}

// Re-entrancy: A's onComplete completes B on another key through checkAndComplete.
TEST(PurgatoryTest, OnCompleteCallingCheckAndCompleteOnAnotherKey) {
  Purgatory purgatory("Produce");
  auto a = makeOp(100);
  auto b = makeOp(100);
  std::size_t nested = 0;
  a->onCompleteHook = [&purgatory, &nested, bRaw = b.get()] {
    bRaw->completable = true;
    nested = purgatory.checkAndComplete(kTp1);
  };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp1);
  a->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(nested, 1u);
  EXPECT_EQ(a->onCompleteCalls, 1);
  EXPECT_EQ(b->onCompleteCalls, 1);
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
}

// Re-entrancy on the same key: the nested call completes B, the outer call then skips it; each
// completes once and the key is deleted by the outermost call.
TEST(PurgatoryTest, OnCompleteCallingCheckAndCompleteOnSameKey) {
  Purgatory purgatory("Produce");
  auto a = makeOp(100);
  auto b = makeOp(100);
  std::size_t nested = 0;
  a->onCompleteHook = [&purgatory, &nested, bRaw = b.get()] {
    bRaw->completable = true;
    nested = purgatory.checkAndComplete(kTp0);
  };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp0);
  a->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(nested, 1u);
  EXPECT_EQ(a->onCompleteCalls, 1);
  EXPECT_EQ(b->onCompleteCalls, 1);
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
}

// Re-entrancy: an operation watched from inside a callback during checkAndComplete of the same
// key is kept (and not retried by the outer loop); the key survives.
TEST(PurgatoryTest, WatchFromCallbackDuringCheckOfSameKey) {
  Purgatory purgatory("Produce");
  auto a = makeOp(100);
  auto c = makeOp(100);
  a->onCompleteHook = [&purgatory, c] { purgatory.tryCompleteElseWatch(c, kTp0); };
  purgatory.tryCompleteElseWatch(a, kTp0);
  a->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(c->tryCompleteCalls, 2);
  EXPECT_EQ(purgatory.watched(), 1u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 1u);
  EXPECT_EQ(purgatory.numDelayed(), 1u);
  a->onCompleteHook = nullptr;  // drops the lambda's copy of c
}

// Re-entrancy from the timer: an expiry callback completes another operation.
TEST(PurgatoryTest, ExpiryCallbackCompletesOperationOnAnotherKey) {
  Purgatory purgatory("Produce");
  auto a = makeOp(10);
  auto b = makeOp(1000);
  a->onExpirationHook = [&purgatory, bRaw = b.get()] {
    bRaw->completable = true;
    purgatory.checkAndComplete(kTp1);
  };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp1);
  EXPECT_EQ(purgatory.advanceClock(10), 1u);
  EXPECT_EQ(b->onCompleteCalls, 1);
  EXPECT_EQ(b->onExpirationCalls, 0);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  purgatory.advanceClock(2000);
  EXPECT_EQ(b->onExpirationCalls, 0);
}

// The purgatory holds operations only while it needs them (shared ownership).
TEST(PurgatoryTest, ReferencesReleasedAfterCompletionAndSweep) {
  Purgatory purgatory("Produce");
  std::weak_ptr<MockOperation> completedWeak;
  std::weak_ptr<MockOperation> expiredWeak;
  {
    auto completed = makeOp(100);
    auto expired = makeOp(10);
    completedWeak = completed;
    expiredWeak = expired;
    purgatory.tryCompleteElseWatch(completed, kTp0);
    purgatory.tryCompleteElseWatch(expired, kTp1);
    completed->completable = true;
  }
  ASSERT_FALSE(completedWeak.expired());
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_TRUE(completedWeak.expired());
  purgatory.advanceClock(10);
  EXPECT_FALSE(expiredWeak.expired());  // the timer let go; the watcher list still holds it
  purgatory.checkAndComplete(kTp1);
  EXPECT_TRUE(expiredWeak.expired());
}

// cancelForKey: no callbacks, timer entries cancelled; an op also watched elsewhere can still
// complete through its other key but no longer expires.
TEST(PurgatoryTest, CancelForKeyDropsWithoutCompleting) {
  Purgatory purgatory("Fetch");
  auto a = makeOp(100);
  auto b = makeOp(100);
  purgatory.tryCompleteElseWatch(a, kTp0);
  const std::vector<TopicPartition> keys{kTp0, kTp1};
  purgatory.tryCompleteElseWatch(b, keys);
  const auto cancelled = purgatory.cancelForKey(kTp0);
  EXPECT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  EXPECT_EQ(purgatory.numWatchedKeys(), 1u);
  purgatory.advanceClock(1000);
  EXPECT_EQ(a->onCompleteCalls + a->onExpirationCalls + b->onCompleteCalls, 0);
  b->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp1), 1u);
  EXPECT_EQ(b->onCompleteCalls, 1);
  EXPECT_TRUE(purgatory.cancelForKey(kTp2).empty());
}

// Broker stop: everything dropped, nothing completed, references released, still usable.
TEST(PurgatoryTest, ShutdownDropsEverythingWithoutCallbacks) {
  Purgatory purgatory("Produce");
  std::vector<std::weak_ptr<MockOperation>> weak;
  int callbacks = 0;
  for (int i = 0; i < 10; ++i) {
    auto op = makeOp(10 * i);
    op->onCompleteHook = [&callbacks] { ++callbacks; };
    weak.push_back(op);
    const std::vector<TopicPartition> keys{{"t", i}, kTp0};
    purgatory.tryCompleteElseWatch(op, keys);
  }
  purgatory.shutdown();
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  for (const auto& w : weak) EXPECT_TRUE(w.expired());
  purgatory.advanceClock(10'000);
  EXPECT_EQ(callbacks, 0);

  auto op = makeOp(5);
  purgatory.tryCompleteElseWatch(op, kTp0);
  purgatory.advanceClock(10'005);
  EXPECT_EQ(op->onExpirationCalls, 1);
}

// Broker stop from inside a completion callback, while checkAndComplete walks the same key.
TEST(PurgatoryTest, ShutdownFromInsideCheckAndComplete) {
  Purgatory purgatory("Produce");
  auto a = makeOp(100);
  auto b = makeOp(100);
  a->onCompleteHook = [&purgatory] { purgatory.shutdown(); };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp0);
  a->completable = true;
  b->completable = true;
  EXPECT_EQ(purgatory.checkAndComplete(kTp0), 1u);
  EXPECT_EQ(b->onCompleteCalls, 0);
  EXPECT_EQ(purgatory.numWatchedKeys(), 0u);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  a->onCompleteHook = nullptr;
}

// Broker stop from an expiry callback: operations due in the same tick are dropped, not run.
TEST(PurgatoryTest, ShutdownFromInsideExpiry) {
  Purgatory purgatory("Fetch");
  auto a = makeOp(10);
  auto b = makeOp(10);
  a->onExpirationHook = [&purgatory] { purgatory.shutdown(); };
  purgatory.tryCompleteElseWatch(a, kTp0);
  purgatory.tryCompleteElseWatch(b, kTp1);
  EXPECT_EQ(purgatory.advanceClock(10), 1u);
  EXPECT_EQ(a->onExpirationCalls, 1);
  EXPECT_EQ(b->onCompleteCalls, 0);
  EXPECT_EQ(purgatory.numDelayed(), 0u);
  EXPECT_EQ(purgatory.watched(), 0u);
  a->onExpirationHook = nullptr;
}

// The key type the broker watches on (spec 1.5, 4.4).
TEST(TopicPartitionTest, EqualityHashAndText) {
  const TopicPartition a{"orders", 3};
  const TopicPartition b{"orders", 3};
  const TopicPartition c{"orders", 4};
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_LT(a, c);
  EXPECT_EQ(std::hash<TopicPartition>{}(a), std::hash<TopicPartition>{}(b));
  EXPECT_EQ(a.toString(), "orders-3");
  std::ostringstream os;
  os << c;
  EXPECT_EQ(os.str(), "orders-4");
  std::unordered_set<std::size_t> hashes;
  for (int p = 0; p < 1000; ++p) hashes.insert(TopicPartitionHash{}(TopicPartition{"t", p}));
  EXPECT_EQ(hashes.size(), 1000u);
}

}  // namespace
}  // namespace kafkalite::mock
