// Does each added replica lower throughput and raise latency? The target workload
// (batch.num.messages=10000, queue.buffering.max.ms=5, queue.buffering.max.messages=1000000,
// queue.enqueue.timeout.ms=-1) at replication factor 1, 2 and 3, with acks 1 and -1:
//
//   Replication/rf:R/acks:A/iterations:1/manual_time
//
// Each run: a fresh 3-broker cluster, one topic of 6 partitions (leaders spread over the
// brokers), N records (KAFKALITE_SWEEP_RECORDS, default 200000). Counters: those of
// reportRun() (produce_run.hpp) and log_records (records in the leaders' logs).

#include <benchmark/benchmark.h>

#include <string>

#include "produce_run.hpp"

namespace kafkalite::bench {
namespace {

void Replication(benchmark::State& state) {
  const auto rf = static_cast<int16_t>(state.range(0));
  const int64_t acks = state.range(1);
  const int64_t records = sweepRecords();
  const std::string topic = "replication-rf" + std::to_string(rf) + "-a" + std::to_string(acks);
  std::string label = "records:" + std::to_string(records) + " (N)";
  for (auto _ : state) {
    kafkalite::mock::MockCluster cluster(clusterWithTopic(topic, rf));
    const ProduceResult result = runProduce(cluster, topic,
                                            {{"batch.num.messages", "10000"},
                                             {"queue.buffering.max.ms", "5"},
                                             {"request.required.acks", std::to_string(acks)},
                                             {"queue.buffering.max.messages", "1000000"},
                                             {"queue.enqueue.timeout.ms", "-1"}},
                                            records);
    if (!reportRun(state, result)) return;
    state.counters["log_records"] = static_cast<double>(leaderLogRecords(cluster, topic));
    if (result.errors > 0) label += " ERRORS: " + describeErrors(result);
  }
  state.SetLabel(label);
}

BENCHMARK(Replication)
    ->ArgNames({"rf", "acks"})
    ->ArgsProduct({{1, 2, 3}, {1, -1}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kafkalite::bench
