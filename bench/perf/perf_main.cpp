// kafkalite-perf: producer throughput and latency, kafkalite::Producer against librdkafka.
//
//   kafkalite-perf produce ...   one run of one client; one JSON line on stdout
//   kafkalite-perf compare ...   alternating produce runs of both clients; a table
//
// Exit status: 0 success; 1 a record or a run failed; 2 bad arguments or a failed setup.

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/perf/compare.hpp"
#include "bench/perf/produce_run.hpp"
#include "bench/perf/progress.hpp"

namespace kafkalite::perf {
namespace {

constexpr const char* kUsage = R"(Usage:
  kafkalite-perf produce -b BOOTSTRAP -t TOPIC -n COUNT -s SIZE [-X key=value]... [--rate MSGS_PER_S]
                         [--keys] [--payload filler|text|random] [--client kafkalite|librdkafka] [--quiet]
                         [--rdkafka-mock N [--partitions P] [--rf R]]
  kafkalite-perf compare [-b BOOTSTRAP | --brokers N] [--runs N] [--warmup N] [--partitions P] [--rf R]
                         -t TOPIC -n COUNT -s SIZE [-X key=value]... [--rate MSGS_PER_S] [--keys]
                         [--payload filler|text|random]
                         [--output FILE] [--baseline-broker rdkafka-mock] [--retention-bytes B]

produce: sends COUNT records with one client and prints one JSON line on stdout:
  {"client","msgs","bytes","seconds","msgs_per_s","mb_per_s","p50_us","p99_us","p999_us",
   "max_us","errors","cpu_user_s","cpu_sys_s","peak_rss_kb"}
  The value of record i is i as 8 bytes big-endian, then SIZE - 8 bytes of --payload:
  filler ('x' repeated, the default), text (English-like words from a fixed vocabulary,
  a window moving with i: compresses as log lines do) or random (does not compress);
  the key is null, or with --keys the decimal string of i. Latency is send call to its
  callback (successful records). seconds = first send to last callback; MB = 10^6 bytes.
  -X key=value     a producer setting, given as is to either client (repeatable); keys
                   not given keep each client's own default. kafkalite blocks in send()
                   when its queue is full (queue.enqueue.timeout.ms=-1 unless given).
  --rate R         send R records/s on a fixed schedule (default: as fast as possible)
  --rdkafka-mock N produce into librdkafka's mock cluster of N brokers, started in this
                   process (-b not allowed), topic with --partitions P (6) and --rf R (1)
  --quiet          no progress on stderr
compare: starts `kafkalite-broker --brokers N --topic TOPIC:P:RF --no-admin
  --retention-bytes B` (unless -b), then runs `produce --quiet` as a child process
  --warmup times (1) per client, not counted, then --runs times (5) per client,
  alternating, and prints the median of every figure per client and their ratio.
  --retention-bytes B  retention.bytes of each partition replica of that broker, which
                   keeps its logs in memory across the runs (default 67108864; -1 keeps
                   everything: 10 runs of 10 M x 100 B then hold ~11 GB)
  --baseline-broker rdkafka-mock   compare the librdkafka client on kafkalite-broker with
                   it on librdkafka's own mock cluster instead of comparing two clients
  --output FILE    JSON lines: {"run":k,...} per run, then {"summary":{...}}
  Defaults: --brokers 1, --partitions 6, --rf 1. KAFKALITE_BROKER_BIN overrides the
  broker program (default: ../mockbroker/kafkalite-broker relative to this program).
Exit status: 0 ok; 1 a record or a run failed; 2 bad arguments or setup failed.
)";

// Walks argv: options are "-x VALUE", "--long VALUE" or "--long=VALUE". Used by main's
// thread only.
class ArgReader {
 public:
  ArgReader(int argc, char** argv, int first) : argc_(argc), argv_(argv), next_(first) {}
  bool next() {
    if (next_ >= argc_) return false;
    option_ = argv_[next_++];
    inline_.reset();
    if (const auto eq = option_.find('='); option_.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_ = option_.substr(eq + 1);
      option_.resize(eq);
    }
    return true;
  }
  [[nodiscard]] const std::string& option() const { return option_; }
  std::string value() {
    if (inline_) return *std::exchange(inline_, std::nullopt);
    if (next_ >= argc_) throw UsageError(option_ + ": missing value");
    return argv_[next_++];
  }
  void flag() const {
    if (inline_) throw UsageError(option_ + ": takes no value");
  }
  uint64_t integer(uint64_t min, uint64_t max) {
    const std::string text = value();
    uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) {
      throw UsageError(option_ + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                       "], got '" + text + "'");
    }
    return v;
  }
  /// A retention.bytes value: -1 (unbounded) or a positive byte count.
  int64_t retention() {
    const std::string text = value();
    if (text == "-1") return -1;
    int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 1) {
      throw UsageError(option_ + ": expected -1 or a positive number of bytes, got '" + text + "'");
    }
    return v;
  }
  std::string positiveNumber() {
    const std::string text = value();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(v > 0) || v > 1e12) {
      throw UsageError(option_ + ": expected a positive number, got '" + text + "'");
    }
    return text;
  }
  // -X key=value; a bootstrap.servers given this way is taken as -b.
  void setting(std::vector<std::pair<std::string, std::string>>& settings, std::string& bootstrap) {
    const std::string text = value();
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("-X: expected key=value, got '" + text + "'");
    std::string key = text.substr(0, eq);
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "bootstrap.servers" || lower == "metadata.broker.list") {
      bootstrap = text.substr(eq + 1);
    } else {
      settings.emplace_back(std::move(key), text.substr(eq + 1));
    }
  }
  [[noreturn]] void unknown() const { throw UsageError("unknown option '" + option_ + "'"); }

 private:
  int argc_;
  char** argv_;
  int next_;
  std::string option_;
  std::optional<std::string> inline_;
};

constexpr uint64_t kMaxCount = uint64_t{1} << 40;
constexpr uint64_t kMaxSize = 1'000'000'000;

ProduceOptions parseProduce(ArgReader& args) {
  ProduceOptions o;
  while (args.next()) {
    const std::string& opt = args.option();
    if (opt == "-b") o.bootstrap = args.value();
    else if (opt == "-t") o.topic = args.value();
    else if (opt == "-n") o.count = args.integer(1, kMaxCount);
    else if (opt == "-s") o.size = args.integer(8, kMaxSize);
    else if (opt == "-X") args.setting(o.settings, o.bootstrap);
    else if (opt == "--rate") o.rate = std::strtod(args.positiveNumber().c_str(), nullptr);
    else if (opt == "--keys") args.flag(), o.keys = true;
    else if (opt == "--payload") o.payload = args.value();
    else if (opt == "--quiet") args.flag(), o.quiet = true;
    else if (opt == "--client") o.client = args.value();
    else if (opt == "--rdkafka-mock") o.rdkafkaMockBrokers = static_cast<int>(args.integer(1, 100));
    else if (opt == "--partitions") o.partitions = static_cast<int>(args.integer(1, 100'000));
    else if (opt == "--rf") o.replicationFactor = static_cast<int>(args.integer(1, 100));
    else args.unknown();
  }
  if (o.client != "kafkalite" && o.client != "librdkafka") {
    throw UsageError("--client: expected kafkalite or librdkafka, got '" + o.client + "'");
  }
  if (o.topic.empty()) throw UsageError("-t TOPIC is required");
  if (o.count == 0) throw UsageError("-n COUNT is required");
  if (o.size == 0) throw UsageError("-s SIZE is required");
  if (o.payload != "filler" && o.payload != "text" && o.payload != "random") {
    throw UsageError("--payload: expected filler, text or random, got '" + o.payload + "'");
  }
  if (o.rdkafkaMockBrokers > 0 && !o.bootstrap.empty()) throw UsageError("-b and --rdkafka-mock exclude each other");
  if (o.rdkafkaMockBrokers == 0 && o.bootstrap.empty()) throw UsageError("-b BOOTSTRAP is required");
  if (o.replicationFactor > std::max(o.rdkafkaMockBrokers, 1)) throw UsageError("--rf exceeds --rdkafka-mock N");
  return o;
}

CompareOptions parseCompare(ArgReader& args) {
  CompareOptions o;
  while (args.next()) {
    const std::string& opt = args.option();
    if (opt == "-b") o.bootstrap = args.value();
    else if (opt == "--brokers") o.brokers = static_cast<int>(args.integer(1, 100));
    else if (opt == "--runs") o.runs = static_cast<int>(args.integer(1, 1000));
    else if (opt == "--warmup") o.warmupRuns = static_cast<int>(args.integer(0, 1000));
    else if (opt == "--partitions") o.partitions = static_cast<int>(args.integer(1, 100'000));
    else if (opt == "--rf") o.replicationFactor = static_cast<int>(args.integer(1, 100));
    else if (opt == "-t") o.topic = args.value();
    else if (opt == "-n") o.count = args.integer(1, kMaxCount);
    else if (opt == "-s") o.size = args.integer(8, kMaxSize);
    else if (opt == "-X") args.setting(o.settings, o.bootstrap);
    else if (opt == "--rate") o.rate = args.positiveNumber();
    else if (opt == "--keys") args.flag(), o.keys = true;
    else if (opt == "--payload") o.payload = args.value();
    else if (opt == "--output") o.output = args.value();
    else if (opt == "--retention-bytes") o.brokerRetentionBytes = args.retention();
    else if (opt == "--baseline-broker") {
      if (args.value() != "rdkafka-mock") throw UsageError("--baseline-broker: only rdkafka-mock is known");
      o.baselineRdkafkaMock = true;
    } else args.unknown();
  }
  if (o.topic.empty()) throw UsageError("-t TOPIC is required");
  if (o.count == 0) throw UsageError("-n COUNT is required");
  if (o.size == 0) o.size = 100;
  if (o.payload != "filler" && o.payload != "text" && o.payload != "random") {
    throw UsageError("--payload: expected filler, text or random, got '" + o.payload + "'");
  }
  if (o.replicationFactor > o.brokers) throw UsageError("--rf exceeds --brokers");
  return o;
}

// One produce run: the client, the progress display, the JSON line.
int runProduce(ProduceOptions o) {
  (void)RunClock::nowNs();  // calibrates the run's clock (a 20 ms sleep) before anything is timed
  auto state = std::make_unique<RunState>();  // the histogram is ~60 KB: not on the stack
  std::unique_ptr<RdkafkaMock> mock;
  std::optional<ProgressReporter> progress;
  try {
    if (o.rdkafkaMockBrokers > 0) {
      mock = std::make_unique<RdkafkaMock>(o.rdkafkaMockBrokers, o.topic, o.partitions, o.replicationFactor);
      o.bootstrap = mock->bootstrapServers();
    }
    if (!o.quiet) progress.emplace(*state, o.count, o.client);
    if (o.client == "kafkalite") {
      runKafkalite(o, *state);
    } else {
      runRdkafka(o, *state);
    }
  } catch (const std::exception& e) {
    if (progress) progress->stop();
    std::fprintf(stderr, "kafkalite-perf: %s\n", e.what());
    return 2;
  }
  if (progress) progress->stop();
  mock.reset();  // part of the run's CPU, as its start was

  const RunState& s = *state;
  const uint64_t msgs = s.sent.load();
  const double seconds = std::max(1e-9, static_cast<double>(s.lastCallbackNs - s.firstSendNs) / 1e9);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto cpu = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  const uint64_t errors = s.errors.load();
  std::printf(
      "{\"client\":\"%s\",\"msgs\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,"
      "\"p50_us\":%llu,\"p99_us\":%llu,\"p999_us\":%llu,\"max_us\":%llu,\"errors\":%llu,\"cpu_user_s\":%.3f,"
      "\"cpu_sys_s\":%.3f,\"peak_rss_kb\":%ld}\n",
      o.client.c_str(), static_cast<unsigned long long>(msgs), static_cast<unsigned long long>(s.sentBytes), seconds,
      static_cast<double>(msgs) / seconds, static_cast<double>(s.sentBytes) / 1e6 / seconds,
      static_cast<unsigned long long>(s.latencyUs.percentile(0.50)),
      static_cast<unsigned long long>(s.latencyUs.percentile(0.99)),
      static_cast<unsigned long long>(s.latencyUs.percentile(0.999)),
      static_cast<unsigned long long>(s.latencyUs.max()), static_cast<unsigned long long>(errors),
      cpu(usage.ru_utime), cpu(usage.ru_stime), usage.ru_maxrss);
  std::fflush(stdout);
  if (errors > 0) {
    std::fprintf(stderr, "kafkalite-perf: %llu of %llu records failed; the first: %s\n",
                 static_cast<unsigned long long>(errors), static_cast<unsigned long long>(msgs), s.firstError.c_str());
    return 1;
  }
  return 0;
}

int run(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h" || command == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  ArgReader args(argc, argv, 2);
  if (command == "produce") return runProduce(parseProduce(args));
  if (command == "compare") return runCompare(parseCompare(args));
  throw UsageError(command.empty() ? "a command is required: produce or compare"
                                   : "unknown command '" + std::string(command) + "'");
}

}  // namespace
}  // namespace kafkalite::perf

int main(int argc, char** argv) {
  try {
    return kafkalite::perf::run(argc, argv);
  } catch (const kafkalite::perf::UsageError& e) {
    std::fprintf(stderr, "kafkalite-perf: %s\nTry 'kafkalite-perf --help'.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafkalite-perf: %s\n", e.what());
    return 2;
  }
}
