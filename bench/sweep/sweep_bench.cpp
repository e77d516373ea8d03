// The producer against the in-process cluster, over its batching and durability settings:
//
//   Produce/batch:B/linger:L/acks:A/rf:R/iterations:1/manual_time
//     batch.num.messages B {1, 10, 200, 1000, 10000} × queue.buffering.max.ms L {0, 5, 100,
//     1000} × request.required.acks A {0, 1, -1} × replication factor R {1, 3}: 120 runs.
//
// Each run starts a fresh 3-broker MockCluster with one topic of 6 partitions (so no run
// inherits another's logs or replication work), builds a kafkalite::Producer with those
// settings plus queue.buffering.max.messages=100000 and queue.enqueue.timeout.ms=-1, and
// sends N keyless 100-byte records (N = KAFKALITE_SWEEP_RECORDS, default 200000; N/10 for
// batch 1 and 10, which send one request per 1 or 10 records: the label says which),
// then flushes. Time (manual) = first send() → last callback. Counters: see reportRun()
// in produce_run.hpp, plus log_records = records in the leaders' logs afterwards, which
// must equal `records` when no record failed (the label says LOG MISMATCH otherwise), and
// log_wait_ms = how long after the last callback the logs took to hold every delivered
// record (acks=0 completes a record when it is written to the socket, before the broker
// has appended it; waited for up to 10 s).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "produce_run.hpp"

namespace kafkalite::bench {
namespace {

int64_t recordsFor(int64_t batch, std::string& label) {
  const int64_t n = sweepRecords();
  if (batch <= 10) {
    const int64_t scaled = std::max<int64_t>(1, n / 10);
    label = "records:" + std::to_string(scaled) + " (N/10)";
    return scaled;
  }
  label = "records:" + std::to_string(n) + " (N)";
  return n;
}

void Produce(benchmark::State& state) {
  const int64_t batch = state.range(0);
  const int64_t linger = state.range(1);
  const int64_t acks = state.range(2);
  const auto rf = static_cast<int16_t>(state.range(3));
  std::string label;
  const int64_t records = recordsFor(batch, label);
  const std::string topic = "sweep-b" + std::to_string(batch) + "-l" + std::to_string(linger) + "-a" +
                            std::to_string(acks) + "-rf" + std::to_string(rf);
  for (auto _ : state) {
    kafkalite::mock::MockCluster cluster(clusterWithTopic(topic, rf));
    const ProduceResult result = runProduce(cluster, topic,
                                            {{"batch.num.messages", std::to_string(batch)},
                                             {"queue.buffering.max.ms", std::to_string(linger)},
                                             {"request.required.acks", std::to_string(acks)},
                                             {"queue.buffering.max.messages", "100000"},
                                             {"queue.enqueue.timeout.ms", "-1"}},
                                            records);
    if (!reportRun(state, result)) return;
    // acks=0 completes a record once it is written to the socket: the brokers may still be
    // appending. log_wait_ms is how long after the run the leaders' logs took to hold them.
    const auto waitStart = std::chrono::steady_clock::now();
    const int64_t logRecords = awaitLeaderLogRecords(cluster, topic, result.delivered, std::chrono::seconds(10));
    state.counters["log_wait_ms"] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - waitStart).count();
    state.counters["log_records"] = static_cast<double>(logRecords);
    if (result.errors > 0) label += " ERRORS: " + describeErrors(result);
    if (result.errors == 0 && logRecords != records) {
      label += " LOG MISMATCH: " + std::to_string(logRecords) + " in the log";
    }
  }
  state.SetLabel(label);
}

BENCHMARK(Produce)
    ->ArgNames({"batch", "linger", "acks", "rf"})
    ->ArgsProduct({{1, 10, 200, 1000, 10000}, {0, 5, 100, 1000}, {0, 1, -1}, {1, 3}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kafkalite::bench
