#pragma once
// What one `kafkalite-perf produce` run shares between its parts: the options, the
// counters the delivery callbacks update, the record payload and the send pacing.
//
// Threading: ProduceOptions is read-only once parsed. RunState is written by two
// threads: the sending thread (firstSendNs, sent, sentBytes) and the client's single
// callback thread (latencyUs, lastCallbackNs, completed, errors); the progress thread
// only loads the atomics. The plain fields are read after the callback thread has been
// joined. RecordPayload (record_payload.hpp) and Pacer belong to the sending thread.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/perf/histogram.hpp"
#include "bench/perf/record_payload.hpp"
#include "bench/perf/run_clock.hpp"

namespace kafkalite::perf {

using Clock = std::chrono::steady_clock;

/// A bad command line or a setting a client refused: exit status 2, message on stderr.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The options of `kafkalite-perf produce`.
struct ProduceOptions {
  std::string client = "kafkalite";  ///< "kafkalite" or "librdkafka"
  std::string bootstrap;             ///< -b; empty with --rdkafka-mock
  std::string topic;                 ///< -t
  uint64_t count = 0;                ///< -n
  std::size_t size = 0;              ///< -s, value bytes, >= 8
  std::vector<std::pair<std::string, std::string>> settings;  ///< -X, in order
  double rate = 0;                   ///< --rate, records/s; 0 = as fast as possible
  bool keys = false;                 ///< --keys
  std::string payload = "filler";    ///< --payload: filler, text or random (RecordPayload)
  bool quiet = false;                ///< --quiet
  int rdkafkaMockBrokers = 0;        ///< --rdkafka-mock N; 0 = off
  int partitions = 6;                ///< --partitions, for --rdkafka-mock's topic
  int replicationFactor = 1;         ///< --rf, for --rdkafka-mock's topic
};

/// Nanoseconds on the steady clock, the unit every timestamp of a run is kept in (read
/// through the time-stamp counter where that is safe: see run_clock.hpp).
inline int64_t nowNs() noexcept { return RunClock::nowNs(); }

/// Counters and latencies of one run (see the file comment for who writes what).
struct RunState {
  std::atomic<uint64_t> sent{0};       ///< records handed to the client
  std::atomic<uint64_t> completed{0};  ///< callbacks seen, successful or not
  std::atomic<uint64_t> errors{0};     ///< callbacks with an error
  int64_t firstSendNs = 0;             ///< just before the first send call
  uint64_t sentBytes = 0;              ///< key + value bytes handed to the client
  int64_t lastCallbackNs = 0;          ///< when the last callback ran
  LatencyHistogram latencyUs;          ///< send call -> callback, successful records only
  std::string firstError;              ///< text of the first failure, for stderr

  /// Called on the client's callback thread for every record; `error` is null on
  /// success, else the failure's text.
  void onCompletion(int64_t sentNs, const std::string* error) noexcept {
    const int64_t now = nowNs();
    lastCallbackNs = now;
    if (error == nullptr) {
      // Never negative: the send and the callback may read the counters of two CPUs.
      latencyUs.record(static_cast<uint64_t>(std::max<int64_t>(0, now - sentNs)) / 1000);
    } else {
      noteError(*error);
    }
    completed.fetch_add(1, std::memory_order_release);
  }

  /// A record the client refused at send(): it never gets a callback, so it is counted
  /// here, on the sending thread.
  void onRejected(const std::string& error) noexcept {
    noteError(error);
    completed.fetch_add(1, std::memory_order_release);
  }

 private:
  // Only the failure counted first writes firstError, so the two threads never race on it.
  void noteError(const std::string& error) noexcept {
    if (errors.fetch_add(1, std::memory_order_relaxed) != 0) return;
    try {
      firstError = error;
    } catch (...) {  // the count still says it failed
    }
  }
};

/// Paces sending at a fixed rate against an absolute schedule (record i is due at
/// start + i / rate), so a late wake-up is made up by sending the records already due
/// back to back rather than drifting. Sleeps until shortly before a record is due and
/// spins only the last kSpinTailNs, where a sleep would overshoot by more than it waits.
class Pacer {
 public:
  explicit Pacer(double rate) : intervalNs_(rate > 0 ? 1e9 / rate : 0) {}
  /// Waits until record i is due. Call start() first. Never throws.
  void waitFor(uint64_t i) const noexcept {
    if (intervalNs_ <= 0) return;
    const int64_t due = startNs_ + static_cast<int64_t>(static_cast<double>(i) * intervalNs_);
    for (int64_t now = nowNs(); now < due; now = nowNs()) {
      if (due - now > kSpinTailNs) {
        std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due - kSpinTailNs)));
      }
    }
  }
  /// Fixes the schedule's origin at now.
  void start() noexcept { startNs_ = nowNs(); }

 private:
  static constexpr int64_t kSpinTailNs = 20'000;
  double intervalNs_;
  int64_t startNs_ = 0;
};

/// librdkafka's own mock cluster (rd_kafka_mock_cluster_new), living in this process in
/// a producer handle of its own, with the run's topic created. The baseline that
/// `compare --baseline-broker rdkafka-mock` measures kafkalite-broker against.
/// Threading: its threads are librdkafka's; construct and destroy on one thread.
class RdkafkaMock {
 public:
  /// Starts `brokers` mock brokers and creates `topic`. Throws std::runtime_error.
  RdkafkaMock(int brokers, const std::string& topic, int partitions, int replicationFactor);
  ~RdkafkaMock();
  RdkafkaMock(const RdkafkaMock&) = delete;
  RdkafkaMock& operator=(const RdkafkaMock&) = delete;
  /// host:port,... of the mock brokers.
  [[nodiscard]] const std::string& bootstrapServers() const noexcept { return bootstrap_; }

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::string bootstrap_;
};

/// Runs `opts` with kafkalite::Producer. Throws UsageError when the producer refuses
/// the settings (ConfigException). Returns when every record has completed or been
/// failed by the client's close. Defined in kafkalite_client.cpp.
void runKafkalite(const ProduceOptions& opts, RunState& state);

/// Runs `opts` with librdkafka's C API (and, with --rdkafka-mock, its mock cluster in
/// this process). Throws UsageError for a refused setting, std::runtime_error when the
/// client or the mock cluster cannot start. Defined in rdkafka_client.cpp.
void runRdkafka(const ProduceOptions& opts, RunState& state);

}  // namespace kafkalite::perf
