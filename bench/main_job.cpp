// kafkalite-demo: the main job of scripts/demo.sh. Starts a 3-broker mock cluster in this
// process (topic "demo", 6 partitions, replication factor 3), sends records with
// kafkalite::Producer first under the default settings and then under tuned ones, and
// prints for each run the delivered and failed counts, throughput and the latency from
// send() to its callback (p50, p99, p99.9, max). A progress line goes to stderr every second.
//
//   kafkalite-demo [RECORDS] [VALUE_BYTES]      (defaults 1000000 and 100)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct RunResult {
  long delivered = 0;
  long failed = 0;
  double seconds = 0;
  std::vector<uint32_t> latenciesUs;  ///< of the delivered records
};

double percentile(std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

RunResult run(const std::string& bootstrap, std::map<std::string, std::string> settings, long records,
              std::size_t valueBytes, const char* label) {
  settings["bootstrap.servers"] = bootstrap;
  kafkalite::Producer producer(settings);
  RunResult result;
  // One slot per record, written by the I/O thread in the callback: no lock, no allocation.
  constexpr uint32_t kNotDelivered = UINT32_MAX;
  std::vector<uint32_t> latency(static_cast<std::size_t>(records), kNotDelivered);
  std::vector<Clock::time_point> sentAt(static_cast<std::size_t>(records));
  std::atomic<long> delivered{0};
  std::atomic<long> failed{0};
  std::atomic<bool> done{false};
  const std::string filler(valueBytes, 'x');

  std::thread progress([&] {
    // A progress line every second while records are in flight.
    const auto start = Clock::now();
    auto next = start + std::chrono::seconds(1);
    while (!done.load()) {
      std::this_thread::sleep_until(std::min(next, Clock::now() + std::chrono::milliseconds(50)));
      if (Clock::now() < next) continue;
      next += std::chrono::seconds(1);
      const long d = delivered.load();
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::fprintf(stderr, "  [%s] %ld / %ld delivered, %ld failed, %.0f records/s\n", label, d, records,
                   failed.load(), static_cast<double>(d) / elapsed);
    }
  });

  const auto start = Clock::now();
  for (long i = 0; i < records; ++i) {
    const auto slot = static_cast<std::size_t>(i);
    sentAt[slot] = Clock::now();
    producer.send(kafkalite::ProducerRecord("demo", std::nullopt, filler),
                  [&, slot](std::error_code ec, const kafkalite::RecordMetadata&) {
                    if (ec) {
                      failed.fetch_add(1, std::memory_order_relaxed);
                      return;
                    }
                    latency[slot] = static_cast<uint32_t>(
                        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sentAt[slot]).count());
                    delivered.fetch_add(1, std::memory_order_relaxed);
                  });
  }
  producer.flush(std::chrono::minutes(5));
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  producer.close(std::chrono::seconds(30));
  done = true;
  progress.join();
  result.delivered = delivered.load();
  result.failed = failed.load();
  for (long i = 0; i < records; ++i) {
    if (latency[static_cast<std::size_t>(i)] != kNotDelivered) {
      result.latenciesUs.push_back(latency[static_cast<std::size_t>(i)]);
    }
  }
  return result;
}

void report(const char* label, RunResult& r, std::size_t valueBytes) {
  std::sort(r.latenciesUs.begin(), r.latenciesUs.end());
  const double rate = static_cast<double>(r.delivered) / r.seconds;
  std::printf("%-8s delivered %ld, failed %ld, %.2f s, %.0f records/s, %.1f MB/s, latency us p50 %.0f p99 %.0f "
              "p99.9 %.0f max %.0f\n",
              label, r.delivered, r.failed, r.seconds, rate, rate * static_cast<double>(valueBytes) / 1e6,
              percentile(r.latenciesUs, 0.50), percentile(r.latenciesUs, 0.99), percentile(r.latenciesUs, 0.999),
              r.latenciesUs.empty() ? 0.0 : static_cast<double>(r.latenciesUs.back()));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const long records = argc > 1 ? std::stol(argv[1]) : 1000000;
  const std::size_t valueBytes = argc > 2 ? static_cast<std::size_t>(std::stoul(argv[2])) : 100;

  kafkalite::mock::MockClusterOptions options;
  options.brokers = 3;
  options.topics = {{"demo", 6, 3, std::nullopt}};
  kafkalite::mock::MockCluster cluster(options);
  std::printf("cluster: 3 brokers at %s, topic demo (6 partitions, replication factor 3)\n",
              cluster.bootstrapServers().c_str());
  std::printf("sending %ld records of %zu bytes per run\n", records, valueBytes);

  // The classic defaults: acks=1, queue.buffering.max.ms=1000, batch.num.messages=200,
  // queue.buffering.max.messages=10000.
  RunResult defaults = run(cluster.bootstrapServers(), {}, records, valueBytes, "default");
  report("default", defaults, valueBytes);

  const std::map<std::string, std::string> tuned = {
      {"request.required.acks", "-1"},          {"queue.buffering.max.ms", "5"},
      {"batch.num.messages", "10000"},          {"queue.buffering.max.messages", "1000000"},
      {"batch.size", "1000000"},
  };
  std::printf("tuned:   acks=-1 queue.buffering.max.ms=5 batch.num.messages=10000 "
              "queue.buffering.max.messages=1000000\n");
  RunResult tunedResult = run(cluster.bootstrapServers(), tuned, records, valueBytes, "tuned");
  report("tuned", tunedResult, valueBytes);
  return defaults.failed == 0 && tunedResult.failed == 0 ? 0 : 1;
}
