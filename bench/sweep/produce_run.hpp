#pragma once
// One producer run against an in-process MockCluster, shared by the sweep_bench suites:
// send N records of 100 bytes, flush, and measure the wall time from the first send() to
// the last callback and each record's send() → callback latency; then read back what the
// cluster stored.
//
// Every record's value starts with its sequence number i (8 bytes, big-endian), so the
// partition logs can be checked for records appended more than once.
//
// Threading: runProduce() and the log readers are called on the benchmark thread; the
// callbacks run on the producer's I/O thread and write only their record's slots.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kafkalite/mock/cluster.hpp"

namespace kafkalite::bench {

inline constexpr std::size_t kValueBytes = 100;
inline constexpr int32_t kPartitions = 6;
inline constexpr int32_t kBrokers = 3;

/// KAFKALITE_SWEEP_RECORDS, default 200000 (at least 1).
int64_t sweepRecords();

/// A 3-broker cluster holding one topic of kPartitions partitions.
kafkalite::mock::MockClusterOptions clusterWithTopic(const std::string& topic, int16_t replicationFactor);

/// What one run observed.
struct ProduceResult {
  int64_t records = 0;    ///< records sent
  int64_t delivered = 0;  ///< callbacks without error
  int64_t errors = 0;     ///< callbacks with an error
  bool flushed = false;   ///< flush() saw every record complete in time
  double seconds = 0;     ///< first send() → last callback
  double p50Us = 0, p99Us = 0, p999Us = 0, maxUs = 0;  ///< latency of the delivered records
  std::vector<std::pair<std::error_code, int64_t>> errorCounts;  ///< by error, first seen first
  std::vector<uint8_t> failed;  ///< per record: 1 if its callback had an error
};

/// Runs a kafkalite::Producer with `settings` (bootstrap.servers is added) sending
/// `records` keyless records to `topic`. Waits for the topic's metadata before the clock
/// starts. Never throws for delivery failures; they are counted.
ProduceResult runProduce(const kafkalite::mock::MockCluster& cluster, const std::string& topic,
                         std::map<std::string, std::string> settings, int64_t records);

/// Polls leaderLogRecords() until it reaches `expected` or `timeout` passes; returns the
/// last count. With acks=0 a callback means "written to the socket", so the broker may
/// still be appending when the last callback has run.
int64_t awaitLeaderLogRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic, int64_t expected,
                              std::chrono::milliseconds timeout);

/// Sends one record with key "warmup" to every partition of `topic` with acks=-1 and waits
/// for each: afterwards every follower replicates from the current leader (after a
/// leadership change a follower can back off replica.fetch.backoff.ms before it does).
/// countLogCopies() ignores these records. Throws std::runtime_error if one fails.
void warmUp(const kafkalite::mock::MockCluster& cluster, const std::string& topic);

/// Records in the leaders' logs of `topic` (sum of the leaders' log end offsets).
int64_t leaderLogRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic);

/// Records below the leaders' high watermarks of `topic` (committed: every in-sync
/// replica has them).
int64_t leaderCommittedRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic);

/// How often each record sent by runProduce() appears in the leader's logs of `topic`
/// (keyed records, such as warmUp()'s, are skipped).
struct LogCopies {
  int64_t logRecords = 0;        ///< records of the run in the leaders' logs
  int64_t distinct = 0;          ///< distinct sequence numbers among them
  int64_t duplicates = 0;        ///< sequence numbers appended more than once
  int64_t extraCopies = 0;       ///< logRecords - distinct
  int64_t maxCopies = 0;         ///< most copies of one record
  int64_t lostAcked = 0;         ///< delivered (callback without error) but not in the log
  int64_t failedButWritten = 0;  ///< callback with an error, yet in the log
};
LogCopies countLogCopies(const kafkalite::mock::MockCluster& cluster, const std::string& topic,
                         const ProduceResult& result);

/// Reports a run: manual time (first send → last callback) and the counters records,
/// records_per_s (delivered records / that time), p50_us, p99_us, p999_us, max_us (of the
/// delivered records), delivered, errors. Skips with an error if callbacks are missing.
/// Returns false when it skipped.
bool reportRun(benchmark::State& state, const ProduceResult& result);

/// "TIMED_OUT x12, NOT_ENOUGH_REPLICAS x3" (empty when no errors).
std::string describeErrors(const ProduceResult& result);

}  // namespace kafkalite::bench
