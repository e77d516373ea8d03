#include "produce_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <thread>

#include "kafkalite/producer.hpp"

namespace kafkalite::bench {

namespace {

using Clock = std::chrono::steady_clock;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// sentNs[i] is written by the benchmark thread before send(i) (the hand-off publishes it);
// the rest by the producer's I/O thread, one callback at a time, and read by the
// benchmark thread only after close() has joined that thread.
struct RunState {
  std::vector<int64_t> sentNs;
  std::vector<int64_t> doneNs;
  std::vector<uint8_t> failed;
  std::vector<std::pair<std::error_code, int64_t>> errorCounts;
  int64_t lastCallbackNs = 0;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

int64_t sweepRecords() {
  const char* env = std::getenv("KAFKALITE_SWEEP_RECORDS");
  if (env == nullptr || *env == '\0') return 200000;
  return std::max<int64_t>(1, std::atoll(env));
}

kafkalite::mock::MockClusterOptions clusterWithTopic(const std::string& topic, int16_t replicationFactor) {
  kafkalite::mock::MockClusterOptions options;
  options.brokers = kBrokers;
  options.topics = {{topic, kPartitions, replicationFactor, std::nullopt}};
  return options;
}

ProduceResult runProduce(const kafkalite::mock::MockCluster& cluster, const std::string& topic,
                         std::map<std::string, std::string> settings, int64_t records) {
  settings["bootstrap.servers"] = cluster.bootstrapServers();
  const auto n = static_cast<std::size_t>(records);
  RunState run;
  run.sentNs.assign(n, 0);
  run.doneNs.assign(n, 0);
  run.failed.assign(n, 0);

  kafkalite::Producer producer(settings);
  (void)producer.partitionsFor(topic, std::chrono::seconds(30));  // metadata before the clock starts

  std::string value(kValueBytes, 'x');
  const int64_t startNs = nowNs();
  for (std::size_t i = 0; i < n; ++i) {
    for (int b = 0; b < 8; ++b) value[static_cast<std::size_t>(b)] = static_cast<char>((i >> (56 - 8 * b)) & 0xff);
    RunState* state = &run;
    const auto index = static_cast<uint32_t>(i);
    state->sentNs[i] = nowNs();
    producer.send(kafkalite::ProducerRecord(topic, value), [state, index](std::error_code ec, const RecordMetadata&) {
      const int64_t now = nowNs();
      state->doneNs[index] = now;
      if (ec) {
        state->failed[index] = 1;
        auto it = std::find_if(state->errorCounts.begin(), state->errorCounts.end(),
                               [&](const auto& e) { return e.first == ec; });
        if (it == state->errorCounts.end()) {
          state->errorCounts.emplace_back(ec, 1);
        } else {
          ++it->second;
        }
      }
      state->lastCallbackNs = now;
    });
  }
  ProduceResult result;
  result.records = records;
  result.flushed = producer.flush(std::chrono::minutes(5));
  // close() joins the I/O thread: every callback's writes are visible from here on.
  producer.close(std::chrono::seconds(30));
  result.seconds = static_cast<double>(run.lastCallbackNs - startNs) / 1e9;

  std::vector<double> latencyUs;
  latencyUs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (run.doneNs[i] == 0) continue;
    if (run.failed[i] != 0) {
      ++result.errors;
      continue;
    }
    ++result.delivered;
    latencyUs.push_back(static_cast<double>(run.doneNs[i] - run.sentNs[i]) / 1e3);
  }
  std::sort(latencyUs.begin(), latencyUs.end());
  result.p50Us = percentile(latencyUs, 0.50);
  result.p99Us = percentile(latencyUs, 0.99);
  result.p999Us = percentile(latencyUs, 0.999);
  result.maxUs = latencyUs.empty() ? 0 : latencyUs.back();
  result.errorCounts = std::move(run.errorCounts);
  result.failed = std::move(run.failed);
  return result;
}

void warmUp(const kafkalite::mock::MockCluster& cluster, const std::string& topic) {
  kafkalite::Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                                {"request.required.acks", "-1"},
                                {"request.timeout.ms", "30000"},
                                {"queue.buffering.max.ms", "0"}});
  std::vector<std::future<RecordMetadata>> acks;
  for (int32_t p = 0; p < kPartitions; ++p) {
    kafkalite::ProducerRecord record(topic, std::string("warmup"), std::string("warmup"));
    record.partition = p;
    acks.push_back(producer.send(std::move(record)));
  }
  try {
    for (auto& f : acks) (void)f.get();
  } catch (const std::system_error& e) {
    throw std::runtime_error("warm-up record failed: " + std::string(e.what()));
  }
}

int64_t leaderLogRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic) {
  int64_t total = 0;
  for (const auto& p : cluster.partitions()) {
    if (p.topic != topic) continue;
    for (const auto& r : p.replicaStates) {
      if (r.brokerId == p.leader) total += r.logEndOffset - r.logStartOffset;
    }
  }
  return total;
}

int64_t awaitLeaderLogRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic, int64_t expected,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const int64_t count = leaderLogRecords(cluster, topic);
    if (count >= expected || Clock::now() >= deadline) return count;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int64_t leaderCommittedRecords(const kafkalite::mock::MockCluster& cluster, const std::string& topic) {
  int64_t total = 0;
  for (const auto& p : cluster.partitions()) {
    if (p.topic != topic) continue;
    for (const auto& r : p.replicaStates) {
      if (r.brokerId == p.leader) total += r.highWatermark - r.logStartOffset;
    }
  }
  return total;
}

LogCopies countLogCopies(const kafkalite::mock::MockCluster& cluster, const std::string& topic,
                         const ProduceResult& result) {
  LogCopies out;
  std::vector<uint32_t> copies(static_cast<std::size_t>(result.records), 0);
  int64_t foreign = 0;
  for (const auto& p : cluster.partitions()) {
    if (p.topic != topic || p.leader < 0) continue;
    for (const auto& record : cluster.records(topic, p.partition, p.leader)) {
      if (record.key) continue;  // not sent by runProduce()
      ++out.logRecords;
      if (!record.value || record.value->size() < 8) {
        ++foreign;
        continue;
      }
      uint64_t seq = 0;
      for (int b = 0; b < 8; ++b) seq = (seq << 8) | static_cast<uint8_t>((*record.value)[static_cast<std::size_t>(b)]);
      if (seq >= copies.size()) {
        ++foreign;
        continue;
      }
      ++copies[seq];
    }
  }
  for (std::size_t i = 0; i < copies.size(); ++i) {
    const uint32_t c = copies[i];
    if (c > 0) ++out.distinct;
    if (c > 1) ++out.duplicates;
    out.maxCopies = std::max<int64_t>(out.maxCopies, c);
    const bool failed = i < result.failed.size() && result.failed[i] != 0;
    if (c == 0 && !failed) ++out.lostAcked;
    if (c > 0 && failed) ++out.failedButWritten;
  }
  out.extraCopies = out.logRecords - foreign - out.distinct;
  if (foreign != 0) throw std::logic_error("records without a sequence number in " + topic);
  return out;
}

std::string describeErrors(const ProduceResult& result) {
  std::string out;
  for (const auto& [ec, count] : result.errorCounts) {
    if (!out.empty()) out += ", ";
    out += ec.message() + " x" + std::to_string(count);
  }
  return out;
}

bool reportRun(benchmark::State& state, const ProduceResult& result) {
  state.SetIterationTime(result.seconds);
  state.counters["records"] = static_cast<double>(result.records);
  state.counters["records_per_s"] =
      result.seconds > 0 ? static_cast<double>(result.delivered) / result.seconds : 0.0;
  state.counters["p50_us"] = result.p50Us;
  state.counters["p99_us"] = result.p99Us;
  state.counters["p999_us"] = result.p999Us;
  state.counters["max_us"] = result.maxUs;
  state.counters["delivered"] = static_cast<double>(result.delivered);
  state.counters["errors"] = static_cast<double>(result.errors);
  if (result.delivered + result.errors != result.records) {
    state.SkipWithError(("callbacks missing: " + std::to_string(result.records - result.delivered - result.errors) +
                         " of " + std::to_string(result.records) + (result.flushed ? "" : " (flush timed out)"))
                            .c_str());
    return false;
  }
  return true;
}

}  // namespace kafkalite::bench
