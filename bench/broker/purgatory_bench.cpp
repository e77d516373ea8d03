// Purgatory and timing wheel costs with a million operations waiting (spec 5.6-5.8).
//
// Every suite reports items_per_second and time_per_op (CPU time per item). Setup and the work
// that keeps the population steady run with timing paused.
//
//   BM_PurgatoryInsertWatch    (a) make_shared + tryCompleteElseWatch on 1 key, random timeout
//                                  1-30000 ms, into a purgatory holding 1 M waiting operations
//   BM_PurgatoryCheckAndComplete (b) checkAndComplete on a key whose 100 operations all complete
//   BM_PurgatoryCheckNoneReady    checkAndComplete on a key whose 100 operations stay waiting
//   BM_TimerAddCancel          (c) Timer::add + TimerTask::cancel next to 1 M pending tasks
//   BM_TimerAddCancelShared        the same through add(shared_ptr), as the purgatory does
//   BM_TimerExpiry             (d) advanceClock 1 ms at a time until 1 M tasks have run
//   BM_PurgatoryExpiry/<purge>     the same for purgatory operations, purge interval 1000
//                                  (spec 5.4 default) or effectively off

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "mockbroker/purgatory/delayed_operation.hpp"
#include "mockbroker/purgatory/timing_wheel.hpp"
#include "mockbroker/topic_partition.hpp"

namespace {

using kafkalite::mock::DelayedOperation;
using kafkalite::mock::DelayedOperationPurgatory;
using kafkalite::mock::Timer;
using kafkalite::mock::TimerTask;
using kafkalite::mock::TopicPartition;
using Purgatory = DelayedOperationPurgatory<TopicPartition>;

constexpr int kPending = 1'000'000;
constexpr int kKeys = 10'000;  // 100 waiting operations per partition
constexpr int kOpsPerKey = kPending / kKeys;
constexpr int64_t kMaxTimeoutMs = 30'000;  // request.timeout.ms (spec 3.6)
constexpr std::size_t kRandomPool = 1 << 16;

// Completes when its partition's flag is set, like a DelayedProduce once the HW passes.
class BenchOperation final : public DelayedOperation {
 public:
  BenchOperation(int64_t delayMs, const bool* ready) : DelayedOperation(delayMs), ready_(ready) {}
  bool tryComplete() override { return *ready_ && forceComplete(); }
  void onComplete() override {}
  void onExpiration() override {}

 private:
  const bool* ready_;
};

class NoopTask final : public TimerTask {
 public:
  using TimerTask::TimerTask;
  void run() override {}
};

const bool kNeverReady = false;

std::vector<TopicPartition> makeKeys() {
  std::vector<TopicPartition> keys;
  keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    keys.push_back(TopicPartition{"topic-" + std::to_string(i / 100), i % 100});
  }
  return keys;
}

std::vector<int64_t> randomTimeouts(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> timeout(1, kMaxTimeoutMs);
  std::vector<int64_t> out(n);
  for (auto& t : out) t = timeout(rng);
  return out;
}

std::vector<int> randomIndices(std::size_t n, int bound, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> index(0, bound - 1);
  std::vector<int> out(n);
  for (auto& i : out) i = index(rng);
  return out;
}

// kOpsPerKey waiting operations on every key; `ready[k]` is key k's completion flag.
void fillPurgatory(Purgatory& purgatory, const std::vector<TopicPartition>& keys,
                   const bool* ready) {
  const std::vector<int64_t> timeouts = randomTimeouts(kPending, 1);
  for (int i = 0; i < kPending; ++i) {
    const int key = i % kKeys;
    purgatory.tryCompleteElseWatch(std::make_shared<BenchOperation>(timeouts[i], &ready[key]),
                                   keys[key]);
  }
}

void setNsPerOp(benchmark::State& state, int64_t items) {
  state.SetItemsProcessed(items);
  // Seconds of CPU per item; the console prints it with an SI prefix, e.g. "85.2n" = 85.2 ns.
  state.counters["time_per_op"] = benchmark::Counter(
      static_cast<double>(items), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// (a)
void BM_PurgatoryInsertWatch(benchmark::State& state) {
  const std::vector<TopicPartition> keys = makeKeys();
  const auto neverReady = std::make_unique<bool[]>(kKeys);
  Purgatory purgatory("Produce");
  fillPurgatory(purgatory, keys, neverReady.get());
  const std::vector<int64_t> timeouts = randomTimeouts(kRandomPool, 2);
  const std::vector<int> keyIndex = randomIndices(kRandomPool, kKeys, 3);
  constexpr int kBatch = 1000;
  std::vector<std::shared_ptr<BenchOperation>> batch;
  batch.reserve(kBatch);
  std::vector<int> batchKeys;
  batchKeys.reserve(kBatch);
  std::size_t next = 0;
  while (state.KeepRunningBatch(kBatch)) {
    for (int j = 0; j < kBatch; ++j, ++next) {
      const std::size_t r = next % kRandomPool;
      auto op = std::make_shared<BenchOperation>(timeouts[r], &kNeverReady);
      purgatory.tryCompleteElseWatch(op, keys[static_cast<std::size_t>(keyIndex[r])]);
      batch.push_back(std::move(op));
      batchKeys.push_back(keyIndex[r]);
    }
    // Back to 1 M waiting: complete this batch and sweep it off its keys.
    state.PauseTiming();
    for (const auto& op : batch) op->forceComplete();
    for (const int k : batchKeys) purgatory.checkAndComplete(keys[static_cast<std::size_t>(k)]);
    batch.clear();
    batchKeys.clear();
    state.ResumeTiming();
  }
  setNsPerOp(state, state.iterations());
  state.counters["pending"] = static_cast<double>(purgatory.numDelayed());
}
BENCHMARK(BM_PurgatoryInsertWatch);

// (b) and its no-completion twin. Each timed round checks 100 keys; the pause refills them.
void checkAndCompleteRound(benchmark::State& state, bool complete) {
  const std::vector<TopicPartition> keys = makeKeys();
  auto ready = std::make_unique<bool[]>(kKeys);  // all false
  Purgatory purgatory("Produce");
  fillPurgatory(purgatory, keys, ready.get());
  const std::vector<int64_t> timeouts = randomTimeouts(kRandomPool, 4);
  constexpr int kKeysPerRound = 100;
  std::size_t nextKey = 0;
  std::size_t nextTimeout = 0;
  int64_t items = 0;
  for (auto _ : state) {
    const std::size_t first = nextKey;
    for (int j = 0; j < kKeysPerRound; ++j) {
      const std::size_t k = (first + static_cast<std::size_t>(j)) % kKeys;
      ready[k] = complete;
      const std::size_t completed = purgatory.checkAndComplete(keys[k]);
      items += complete ? static_cast<int64_t>(completed) : kOpsPerKey;
    }
    nextKey = (first + kKeysPerRound) % kKeys;
    if (complete) {
      state.PauseTiming();
      for (int j = 0; j < kKeysPerRound; ++j) {
        const std::size_t k = (first + static_cast<std::size_t>(j)) % kKeys;
        ready[k] = false;
        for (int n = 0; n < kOpsPerKey; ++n) {
          purgatory.tryCompleteElseWatch(
              std::make_shared<BenchOperation>(timeouts[nextTimeout++ % kRandomPool], &ready[k]),
              keys[k]);
        }
      }
      state.ResumeTiming();
    }
  }
  setNsPerOp(state, items);
  state.counters["pending"] = static_cast<double>(purgatory.numDelayed());
}

void BM_PurgatoryCheckAndComplete(benchmark::State& state) { checkAndCompleteRound(state, true); }
BENCHMARK(BM_PurgatoryCheckAndComplete);

void BM_PurgatoryCheckNoneReady(benchmark::State& state) { checkAndCompleteRound(state, false); }
BENCHMARK(BM_PurgatoryCheckNoneReady);

// (c)
std::vector<std::unique_ptr<NoopTask>> makeTasks(std::size_t n, uint64_t seed) {
  const std::vector<int64_t> timeouts = randomTimeouts(n, seed);
  std::vector<std::unique_ptr<NoopTask>> tasks;
  tasks.reserve(n);
  for (const int64_t t : timeouts) tasks.push_back(std::make_unique<NoopTask>(t));
  return tasks;
}

void BM_TimerAddCancel(benchmark::State& state) {
  Timer timer(0);
  const auto pending = makeTasks(kPending, 5);
  for (const auto& task : pending) timer.add(*task);
  const auto pool = makeTasks(4096, 6);
  std::size_t next = 0;
  for (auto _ : state) {
    NoopTask& task = *pool[next++ & 4095];
    timer.add(task);
    task.cancel();
  }
  setNsPerOp(state, state.iterations());
  state.counters["pending"] = static_cast<double>(timer.size());
}
BENCHMARK(BM_TimerAddCancel);

void BM_TimerAddCancelShared(benchmark::State& state) {
  Timer timer(0);
  const auto pending = makeTasks(kPending, 5);
  for (const auto& task : pending) timer.add(*task);
  const std::vector<int64_t> timeouts = randomTimeouts(4096, 6);
  std::vector<std::shared_ptr<NoopTask>> pool;
  for (const int64_t t : timeouts) pool.push_back(std::make_shared<NoopTask>(t));
  std::size_t next = 0;
  for (auto _ : state) {
    const std::shared_ptr<NoopTask>& task = pool[next++ & 4095];
    timer.add(task);
    task->cancel();
  }
  setNsPerOp(state, state.iterations());
}
BENCHMARK(BM_TimerAddCancelShared);

// (d)
void BM_TimerExpiry(benchmark::State& state) {
  const auto tasks = makeTasks(kPending, 7);
  int64_t items = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto timer = std::make_unique<Timer>(0);
    for (const auto& task : tasks) timer->add(*task);
    state.ResumeTiming();
    std::size_t ran = 0;
    for (int64_t now = 1; now <= kMaxTimeoutMs; ++now) ran += timer->advanceClock(now);
    items += static_cast<int64_t>(ran);
    state.PauseTiming();
    timer.reset();
    state.ResumeTiming();
  }
  setNsPerOp(state, items);
}
BENCHMARK(BM_TimerExpiry)->Unit(benchmark::kMillisecond);

void BM_PurgatoryExpiry(benchmark::State& state) {
  const std::vector<TopicPartition> keys = makeKeys();
  const auto neverReady = std::make_unique<bool[]>(kKeys);
  const auto purgeInterval = static_cast<std::size_t>(state.range(0));
  int64_t items = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto purgatory = std::make_unique<Purgatory>("Produce", 0, purgeInterval);
    fillPurgatory(*purgatory, keys, neverReady.get());
    state.ResumeTiming();
    std::size_t ran = 0;
    for (int64_t now = 1; now <= kMaxTimeoutMs; ++now) ran += purgatory->advanceClock(now);
    items += static_cast<int64_t>(ran);
    state.PauseTiming();
    purgatory.reset();
    state.ResumeTiming();
  }
  setNsPerOp(state, items);
}
BENCHMARK(BM_PurgatoryExpiry)->Arg(1000)->Arg(1 << 30)->Unit(benchmark::kMillisecond);

}  // namespace
