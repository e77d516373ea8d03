#pragma once
// `kafkalite-perf compare`: runs `produce` as child processes, alternating two sides,
// and prints per figure the median of each side and their ratio.
//
// Threading: single-threaded.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kafkalite::perf {

/// The options of `kafkalite-perf compare`.
struct CompareOptions {
  std::string bootstrap;        ///< -b; empty = start kafkalite-broker
  int brokers = 1;              ///< --brokers (also the rdkafka mock's broker count)
  int runs = 5;                 ///< --runs, per side
  int warmupRuns = 1;           ///< --warmup, per side, before the counted runs
  int partitions = 6;           ///< --partitions of the topic created at start
  int replicationFactor = 1;    ///< --rf of that topic
  std::string topic;            ///< -t
  uint64_t count = 0;           ///< -n
  std::size_t size = 0;         ///< -s
  std::vector<std::pair<std::string, std::string>> settings;  ///< -X, passed through
  std::string rate;             ///< --rate as given, passed through; empty = unpaced
  bool keys = false;            ///< --keys, passed through
  std::string payload = "filler";  ///< --payload, passed through
  std::string output;           ///< --output FILE; empty = none
  bool baselineRdkafkaMock = false;  ///< --baseline-broker rdkafka-mock
  /// --retention-bytes of the kafkalite-broker it starts (per partition replica; -1 =
  /// unbounded). The broker keeps its logs in memory and every run appends COUNT
  /// records to the same topic, so without a bound ten runs of T5 alone would hold ~11 GB.
  int64_t brokerRetentionBytes = int64_t{64} << 20;
};

/// Runs the comparison: exit status 0 when every run succeeded, 1 when one failed, 2
/// when the broker could not be started or the output file opened.
int runCompare(const CompareOptions& options);

}  // namespace kafkalite::perf
