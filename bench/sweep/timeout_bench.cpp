// What happens to producers when DelayedProduce times out: acks=-1, replication factor 3,
// and replication slower than request.timeout.ms.
//
//   DelayedProduceTimeout/fault:F/request_timeout_ms:T/iterations:1/manual_time
//     T (request.timeout.ms, which is both the ProduceRequest's timeout_ms, i.e. how long
//     the broker's DelayedProduce may wait, and the producer's own deadline for the
//     response) in {50, 200, 1000, 1500}; F one of:
//       leader_rtt_100ms     every response of the leader (broker 1) is delayed by 100 ms:
//                            the followers' fetch responses, so replication takes ~100 ms,
//                            and also the produce responses (MockCluster::setBrokerRtt
//                            delays every response a broker sends; there is no knob for
//                            replication alone)
//       follower_rtt_100ms   setBrokerRtt(100 ms) on the two followers (brokers 2 and 3):
//                            they serve nothing for this topic, so replication is not
//                            slowed; the control case
//       stalled_followers    stallFollower on brokers 2 and 3: no replication at all, so
//                            every DelayedProduce expires
//
// Each run: a fresh 3-broker cluster with replica.lag.time.max.ms = 10 min (so the ISR
// stays {1, 2, 3} for the whole run and every acks=-1 append waits for both followers,
// instead of the ISR shrinking after the default 30 s); one topic of 6 partitions, all led
// by broker 1 (moveLeader); one acknowledged acks=-1 record per partition (key "warmup",
// not counted), so both followers replicate from broker 1 before the fault goes in; the
// fault; then a producer with acks=-1, batch.num.messages=1000, queue.buffering.max.ms=5,
// queue.buffering.max.messages=100000, queue.enqueue.timeout.ms=-1 and the default
// retries (3) and retry.backoff.ms (100) sends N/10 records (the label gives the count).
// A run whose every attempt times out lasts about 4 × (T + 100 ms) per wave of requests.
// Afterwards the leader's logs are read back and each record's sequence number (the first
// 8 bytes of its value) is counted.
//
// Counters, besides those of reportRun() (produce_run.hpp):
//   log_records         records of the run in the leader's logs
//   duplicates          records (sequence numbers) appended more than once
//   extra_copies        log_records - distinct records: appends beyond the first
//   max_copies          most appends of one record (at most retries + 1 = 4)
//   failed_but_written  records whose callback reported an error that are in the log anyway
//   lost_acked          records whose callback reported success that are not in the log
//   committed_records   records of the run below the leader's high watermark when the
//                       producer finished (all copies counted)
// Retries are not counted by the producer's API; extra_copies and max_copies are the
// retries that reached the log.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "produce_run.hpp"

namespace kafkalite::bench {
namespace {

enum class Fault { LeaderRtt, FollowerRtt, StalledFollowers };

constexpr int32_t kLeader = 1;
constexpr std::chrono::milliseconds kReplicationDelay(100);
constexpr int64_t kReplicaLagTimeMaxMs = 600'000;

const char* describe(Fault fault) {
  switch (fault) {
    case Fault::LeaderRtt: return "leader (broker 1) RTT 100 ms";
    case Fault::FollowerRtt: return "followers (brokers 2, 3) RTT 100 ms";
    case Fault::StalledFollowers: return "followers (brokers 2, 3) stalled";
  }
  return "";
}

void DelayedProduceTimeout(benchmark::State& state, Fault fault) {
  const int64_t requestTimeoutMs = state.range(0);
  const int64_t records = std::max<int64_t>(1, sweepRecords() / 10);
  const std::string topic = "delayed-produce-timeout";
  std::string label = std::string(describe(fault)) + "; records:" + std::to_string(records) + " (N/10)";
  for (auto _ : state) {
    kafkalite::mock::MockClusterOptions options = clusterWithTopic(topic, 3);
    options.replicaLagTimeMaxMs = kReplicaLagTimeMaxMs;
    kafkalite::mock::MockCluster cluster(options);
    for (int32_t p = 0; p < kPartitions; ++p) {
      if (cluster.partition(topic, p).leader != kLeader) cluster.moveLeader(topic, p, kLeader);
    }
    warmUp(cluster, topic);  // replication from broker 1 runs before the fault goes in
    switch (fault) {
      case Fault::LeaderRtt:
        cluster.setBrokerRtt(kLeader, kReplicationDelay);
        break;
      case Fault::FollowerRtt:
        cluster.setBrokerRtt(2, kReplicationDelay);
        cluster.setBrokerRtt(3, kReplicationDelay);
        break;
      case Fault::StalledFollowers:
        cluster.stallFollower(2);
        cluster.stallFollower(3);
        break;
    }
    const ProduceResult result = runProduce(cluster, topic,
                                            {{"request.required.acks", "-1"},
                                             {"request.timeout.ms", std::to_string(requestTimeoutMs)},
                                             {"batch.num.messages", "1000"},
                                             {"queue.buffering.max.ms", "5"},
                                             {"queue.buffering.max.messages", "100000"},
                                             {"queue.enqueue.timeout.ms", "-1"}},
                                            records);
    // Before healAll(): what the followers had when the producer finished (warm-up excluded).
    const int64_t committed = leaderCommittedRecords(cluster, topic) - kPartitions;
    cluster.healAll();
    if (!reportRun(state, result)) return;
    const LogCopies copies = countLogCopies(cluster, topic, result);
    state.counters["log_records"] = static_cast<double>(copies.logRecords);
    state.counters["duplicates"] = static_cast<double>(copies.duplicates);
    state.counters["extra_copies"] = static_cast<double>(copies.extraCopies);
    state.counters["max_copies"] = static_cast<double>(copies.maxCopies);
    state.counters["failed_but_written"] = static_cast<double>(copies.failedButWritten);
    state.counters["lost_acked"] = static_cast<double>(copies.lostAcked);
    state.counters["committed_records"] = static_cast<double>(committed);
    if (result.errors > 0) label += "; errors: " + describeErrors(result);
  }
  state.SetLabel(label);
}

void registerTimeoutSuite() {
  for (const auto& [name, fault] : {std::pair{"leader_rtt_100ms", Fault::LeaderRtt},
                                    std::pair{"follower_rtt_100ms", Fault::FollowerRtt},
                                    std::pair{"stalled_followers", Fault::StalledFollowers}}) {
    benchmark::RegisterBenchmark((std::string("DelayedProduceTimeout/fault:") + name).c_str(), DelayedProduceTimeout,
                                 fault)
        ->ArgName("request_timeout_ms")
        ->Arg(50)
        ->Arg(200)
        ->Arg(1000)
        ->Arg(1500)
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
}

const bool kRegistered = (registerTimeoutSuite(), true);

}  // namespace
}  // namespace kafkalite::bench
