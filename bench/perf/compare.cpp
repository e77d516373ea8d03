#include "bench/perf/compare.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/perf/child_process.hpp"
#include "bench/perf/json_line.hpp"

namespace kafkalite::perf {
namespace {

constexpr auto kBrokerStartTimeout = std::chrono::seconds(30);
constexpr auto kBrokerStopGrace = std::chrono::seconds(5);

// One of the two things compared: which client, against which broker.
struct Side {
  std::string name;    // column title and summary key
  std::string client;  // the produce run's --client
  bool rdkafkaMock = false;
};

// A figure of the table: its name (also the JSON key) and how the table prints it.
struct Figure {
  const char* name;
  const char* format;
};
constexpr Figure kFigures[] = {
    {"msgs_per_s", "%.0f"},     {"mb_per_s", "%.2f"},          {"p50_us", "%.0f"},
    {"p99_us", "%.0f"},         {"p999_us", "%.0f"},           {"max_us", "%.0f"},
    {"cpu_s_per_msg", "%.3g"},  {"broker_cpu_s_per_msg", "%.3g"}, {"total_cpu_s_per_msg", "%.3g"},
    {"peak_rss_kb", "%.0f"},
};
constexpr const char* kNumericFields[] = {"msgs",   "bytes",  "seconds", "msgs_per_s", "mb_per_s",
                                          "p50_us", "p99_us", "p999_us", "max_us",     "errors",
                                          "cpu_user_s", "cpu_sys_s", "peak_rss_kb"};

std::string format(const char* fmt, double value) {
  char text[64];
  std::snprintf(text, sizeof text, fmt, value);
  return text;
}

std::string locateBroker() {
  if (const char* env = std::getenv("KAFKALITE_BROKER_BIN"); env != nullptr && *env != '\0') return env;
  const std::string self = selfExecutable();
  const std::string dir = self.substr(0, self.rfind('/'));
  // The build tree (build/<preset>/bench/ next to build/<preset>/mockbroker/), then an
  // installation with both programs in one directory.
  for (const std::string& candidate : {dir + "/../mockbroker/kafkalite-broker", dir + "/kafkalite-broker"}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("kafkalite-broker not found next to " + self +
                           " (looked in ../mockbroker/ and ./); set KAFKALITE_BROKER_BIN");
}

// Starts kafkalite-broker and returns it once it printed `ready`; sets `bootstrap`.
std::unique_ptr<ChildProcess> startBroker(const CompareOptions& o, std::string& bootstrap) {
  const std::string topic = o.topic + ":" + std::to_string(o.partitions) + ":" + std::to_string(o.replicationFactor);
  auto broker = std::make_unique<ChildProcess>(std::vector<std::string>{
      locateBroker(), "--brokers", std::to_string(o.brokers), "--topic", topic, "--no-admin", "--retention-bytes",
      std::to_string(o.brokerRetentionBytes)});
  const auto deadline = std::chrono::steady_clock::now() + kBrokerStartTimeout;
  while (auto line = broker->readLine(deadline)) {
    if (line->rfind("bootstrap.servers=", 0) == 0) bootstrap = line->substr(18);
    if (*line == "ready") {
      if (bootstrap.empty()) throw std::runtime_error("kafkalite-broker said ready before bootstrap.servers=");
      return broker;
    }
  }
  const int status = broker->terminate(kBrokerStopGrace);
  throw std::runtime_error("kafkalite-broker did not get ready (exit status " + std::to_string(status) + ")");
}

std::vector<std::string> produceArgs(const CompareOptions& o, const Side& side, const std::string& bootstrap) {
  std::vector<std::string> args{selfExecutable(), "produce", "--client", side.client, "-t", o.topic, "-n",
                                std::to_string(o.count), "-s", std::to_string(o.size), "--quiet"};
  if (side.rdkafkaMock) {
    args.insert(args.end(), {"--rdkafka-mock", std::to_string(o.brokers), "--partitions",
                             std::to_string(o.partitions), "--rf", std::to_string(o.replicationFactor)});
  } else {
    args.insert(args.end(), {"-b", bootstrap});
  }
  for (const auto& [key, value] : o.settings) args.insert(args.end(), {"-X", key + "=" + value});
  if (!o.rate.empty()) args.insert(args.end(), {"--rate", o.rate});
  if (o.keys) args.emplace_back("--keys");
  args.insert(args.end(), {"--payload", o.payload});
  return args;
}

struct RunResult {
  bool ok = false;
  std::map<std::string, double> figures;  // kFigures' names
  std::string outputLine;                 // for --output
  std::string summary;                    // for stderr
};

// Runs one produce child and checks what it printed.
// `run` 0 is a warm-up run.
RunResult runOnce(const CompareOptions& o, const Side& side, const std::string& bootstrap, ChildProcess* broker,
                  int run) {
  const double brokerCpuBefore = broker != nullptr && !side.rdkafkaMock ? broker->cpuSeconds() : -1;
  ChildProcess child(produceArgs(o, side, bootstrap));
  std::string out = child.readAll();
  const int status = child.wait();
  const double brokerCpu = brokerCpuBefore >= 0 ? broker->cpuSeconds() - brokerCpuBefore : -1;
  const std::string brokerName = side.rdkafkaMock ? "rdkafka-mock" : broker != nullptr ? "kafkalite-broker" : "external";

  RunResult r;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  const auto json = out.find('\n') == std::string::npos ? parseJsonLine(out) : std::nullopt;
  bool valid = json.has_value() && json->count("client") == 1 && json->at("client").isString &&
               json->at("client").text == side.client;
  for (const char* field : kNumericFields) {
    valid = valid && json->count(field) == 1 && !json->at(field).isString;
  }
  std::string prefix = "{\"run\":" + (run == 0 ? std::string("\"warm-up\"") : std::to_string(run)) +
                       ",\"broker\":\"" + brokerName + "\",\"exit_status\":" + std::to_string(status);
  if (brokerCpu >= 0) prefix += ",\"broker_cpu_s\":" + format("%.3f", brokerCpu);
  if (!valid) {
    r.outputLine = prefix + ",\"client\":\"" + side.client + "\",\"error\":\"no valid JSON line on stdout\"}";
    r.summary = "FAILED (exit status " + std::to_string(status) + ", no valid JSON line)";
    return r;
  }
  r.outputLine = prefix + "," + out.substr(out.find('{') + 1);
  const auto num = [&](const char* field) { return json->at(field).number; };
  const double msgs = std::max(num("msgs"), 1.0);
  for (const char* field : {"msgs_per_s", "mb_per_s", "p50_us", "p99_us", "p999_us", "max_us", "peak_rss_kb"}) {
    r.figures[field] = num(field);
  }
  const double cpu = num("cpu_user_s") + num("cpu_sys_s");
  r.figures["cpu_s_per_msg"] = cpu / msgs;
  // The rdkafka mock runs inside the produce process, so its CPU is in the client's;
  // kafkalite-broker's is measured from outside. "total" is comparable across both.
  if (brokerCpu >= 0) {
    r.figures["broker_cpu_s_per_msg"] = brokerCpu / msgs;
    r.figures["total_cpu_s_per_msg"] = (cpu + brokerCpu) / msgs;
  } else if (side.rdkafkaMock) {
    r.figures["total_cpu_s_per_msg"] = cpu / msgs;
  }
  r.ok = status == 0 && num("errors") == 0;
  r.summary = format("%.0f msgs/s", num("msgs_per_s")) + format(", p99 %.0f us", num("p99_us")) +
              format(", %.0f errors", num("errors")) + (r.ok ? "" : " - FAILED (exit status " + std::to_string(status) + ")");
  return r;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The median of every figure over one side's successful runs.
std::map<std::string, double> medians(const std::vector<RunResult>& runs) {
  std::map<std::string, std::vector<double>> values;
  for (const auto& r : runs) {
    if (!r.ok) continue;
    for (const auto& [name, value] : r.figures) values[name].push_back(value);
  }
  std::map<std::string, double> out;
  for (const auto& [name, list] : values) out[name] = median(list);
  return out;
}

std::string jsonObject(const std::map<std::string, double>& figures) {
  std::string out = "{";
  for (const auto& [name, value] : figures) {
    out += (out.size() > 1 ? ",\"" : "\"") + name + "\":" + format("%.9g", value);
  }
  return out + "}";
}

}  // namespace

int runCompare(const CompareOptions& o) {
  std::vector<Side> sides(2);
  if (o.baselineRdkafkaMock) {
    sides[0] = {"kafkalite-broker", "librdkafka", false};
    sides[1] = {"rdkafka-mock", "librdkafka", true};
  } else {
    sides[0] = {"kafkalite", "kafkalite", false};
    sides[1] = {"librdkafka", "librdkafka", false};
  }
  std::ofstream output;
  if (!o.output.empty()) {
    output.open(o.output, std::ios::trunc);
    if (!output) {
      std::fprintf(stderr, "kafkalite-perf: cannot write %s\n", o.output.c_str());
      return 2;
    }
  }
  std::string bootstrap = o.bootstrap;
  std::unique_ptr<ChildProcess> broker;
  if (bootstrap.empty()) {
    try {
      broker = startBroker(o, bootstrap);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kafkalite-perf: %s\n", e.what());
      return 2;
    }
    std::fprintf(stderr, "kafkalite-perf: kafkalite-broker (%d brokers) at %s\n", o.brokers, bootstrap.c_str());
  }

  std::vector<std::vector<RunResult>> results(sides.size());
  bool allOk = true;
  // One produce run (`run` 0: a warm-up), logged on stderr and to --output.
  const auto runAndLog = [&](const Side& side, int run, const std::string& label) {
    RunResult result;
    try {
      result = runOnce(o, side, bootstrap, broker.get(), run);
    } catch (const std::exception& e) {
      result.summary = std::string("FAILED: ") + e.what();
    }
    std::fprintf(stderr, "kafkalite-perf: %s %s: %s\n", label.c_str(), side.name.c_str(), result.summary.c_str());
    if (output && !result.outputLine.empty()) output << result.outputLine << '\n' << std::flush;
    allOk = allOk && result.ok;
    return result;
  };
  // Warm-up: each side once, not counted. kafkalite-broker's logs start empty, so the
  // first runs pay for its memory's first touch (page faults) that later runs reuse.
  for (int w = 0; w < o.warmupRuns; ++w) {
    for (const Side& side : sides) runAndLog(side, 0, "warm-up");
  }
  int run = 0;
  for (int r = 0; r < o.runs; ++r) {
    for (std::size_t s = 0; s < sides.size(); ++s) {
      ++run;
      const std::string label = "run " + std::to_string(run) + "/" + std::to_string(o.runs * sides.size());
      results[s].push_back(runAndLog(sides[s], run, label));
    }
  }
  if (broker) {
    if (const int status = broker->terminate(kBrokerStopGrace); status != 0) {
      std::fprintf(stderr, "kafkalite-perf: kafkalite-broker exited with status %d\n", status);
    }
  }

  const auto a = medians(results[0]);
  const auto b = medians(results[1]);
  std::map<std::string, double> ratio;
  std::printf("%llu records of %zu bytes to topic %s (%d partitions, rf %d), median of %d runs per side "
              "after %d warm-up run(s)\n",
              static_cast<unsigned long long>(o.count), o.size, o.topic.c_str(), o.partitions, o.replicationFactor,
              o.runs, o.warmupRuns);
  const std::string ratioTitle = sides[0].name + "/" + sides[1].name;
  std::printf("%-22s %16s %16s %30s\n", "figure", sides[0].name.c_str(), sides[1].name.c_str(), ratioTitle.c_str());
  for (const Figure& f : kFigures) {
    const auto ia = a.find(f.name);
    const auto ib = b.find(f.name);
    if (ia == a.end() && ib == b.end()) continue;
    const std::string va = ia == a.end() ? "-" : format(f.format, ia->second);
    const std::string vb = ib == b.end() ? "-" : format(f.format, ib->second);
    std::string vr = "-";
    if (ia != a.end() && ib != b.end() && ib->second != 0) {
      ratio[f.name] = ia->second / ib->second;
      vr = format("%.3f", ratio[f.name]);
    }
    std::printf("%-22s %16s %16s %30s\n", f.name, va.c_str(), vb.c_str(), vr.c_str());
  }
  if (o.baselineRdkafkaMock) {
    std::printf("(rdkafka-mock runs inside the produce process: its CPU and memory are in the client's figures;\n"
                " kafkalite-broker's CPU is measured from outside and added in total_cpu_s_per_msg)\n");
  }
  std::fflush(stdout);
  if (output) {
    output << "{\"summary\":{\"" << sides[0].name << "\":" << jsonObject(a) << ",\"" << sides[1].name
           << "\":" << jsonObject(b) << ",\"ratio\":" << jsonObject(ratio) << "}}\n";
  }
  if (!allOk) std::fprintf(stderr, "kafkalite-perf: at least one run failed\n");
  return allOk ? 0 : 1;
}

}  // namespace kafkalite::perf
