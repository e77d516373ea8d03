// kafkalite-broker: the mock Kafka cluster as a program, for tests in any language.
//
// Starts a MockCluster (and, unless --no-admin, its HTTP control endpoint), prints
//   bootstrap.servers=HOST:PORT,...
//   admin=http://HOST:PORT        (unless --no-admin)
//   ready
// on stdout, then runs until SIGINT or SIGTERM and exits 0. A bad option exits 2,
// a failure to start (a port in use, say) exits 1.
//
// Threading: SIGINT and SIGTERM are blocked before any thread starts, so every
// thread inherits the mask and one signal thread alone takes them, in sigwait(). Once
// the cluster is ready, the first signal wakes the main thread, which stops the admin
// endpoint and the cluster and exits 0. A signal before "ready" (a start that hangs)
// or a second signal (a stop that hangs) ends the process at once with 128 + signal.

#include <malloc.h>
#include <signal.h>

#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/admin/admin_server.hpp"
#include "mockbroker/log_validator.hpp"
#include "protocol/topic_name.hpp"

namespace {

using kafkalite::mock::MockClusterOptions;
using kafkalite::mock::TopicSpec;

constexpr const char* kUsage = R"(Usage: kafkalite-broker [options]

Runs a mock Kafka cluster until SIGINT or SIGTERM. Prints bootstrap.servers=...,
admin=http://... and ready on stdout once it serves.

Options:
  --brokers N                     number of brokers, ids 1..N (default 1)
  --topic NAME[:PARTITIONS[:RF]]  create a topic at start (repeatable); PARTITIONS and
                                  RF default to --default-partitions and
                                  --default-replication-factor
  --min-insync-replicas N         min.insync.replicas (default 1)
  --replica-lag-time-max-ms N     replica.lag.time.max.ms (default 30000)
  --no-auto-create                disable auto.create.topics.enable
  --default-partitions N          num.partitions for auto-created topics (default 1)
  --default-replication-factor N  default.replication.factor (default 1)
  --retention-bytes N             log.retention.bytes per partition (default -1, unbounded)
  --retention-ms N                log.retention.ms (default 604800000; -1 unbounded)
  --retention-check-interval-ms N log.retention.check.interval.ms (default 300000)
  --request-log-size N            requests each broker's request log keeps (default 1000;
                                  0 turns it off); read it at GET /v1/requests
  --message-max-bytes N           message.max.bytes (default 1048588)
  --log-message-timestamp-type T  CreateTime (default) or LogAppendTime
  --compression-type C            compression.type: producer (default), uncompressed, gzip,
                                  snappy, lz4 or zstd; batches keep their codec whatever
                                  it says (no recompression); zstd refuses Fetch below v10
  --max-decompressed-batch-bytes N  largest decompressed records of one compressed batch
                                  (default 67108864); beyond it MESSAGE_TOO_LARGE
  --queued-max-request-bytes N    queued.max.request.bytes: request bytes a broker reads
                                  ahead of handling them, over all its connections; past
                                  it clients wait (default -1, unbounded)
  --log-level LEVEL               error, warn, info or debug (default info); log lines go
                                  to standard error
  --unclean-leader-election       enable unclean.leader.election.enable
  --hw-ignores-min-isr            advance the high watermark below min ISR (pre-3.7 rule)
  --group-initial-rebalance-delay-ms N
                                  group.initial.rebalance.delay.ms (default 3000; 0 for tests)
  --group-min-session-timeout-ms N
                                  group.min.session.timeout.ms (default 6000)
  --group-max-session-timeout-ms N
                                  group.max.session.timeout.ms (default 1800000)
  --offsets-topic-partitions N    offsets.topic.num.partitions (default 50)
  --offsets-topic-replication-factor N
                                  offsets.topic.replication.factor (default 3, capped at --brokers)
  --host H                        listen and advertised host (default 127.0.0.1)
  --port P                        broker i listens on P+i-1 (default 0: ephemeral)
  --admin-port P                  HTTP control endpoint port (default 0: ephemeral)
  --no-admin                      do not start the HTTP control endpoint
  --help                          print this help and exit
Values may also be given as --option=VALUE.
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  MockClusterOptions cluster;
  std::vector<std::string> topics;  ///< raw --topic values, resolved after all options
  int64_t basePort = 0;
  uint16_t adminPort = 0;
  bool admin = true;
  bool help = false;
};

int64_t parseInt(std::string_view option, std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) {
    throw UsageError(std::string(option) + ": expected an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got '" + std::string(text) + "'");
  }
  return v;
}

TopicSpec parseTopic(const std::string& text, const MockClusterOptions& o) {
  TopicSpec spec;
  const std::size_t c1 = text.find(':');
  const std::size_t c2 = c1 == std::string::npos ? std::string::npos : text.find(':', c1 + 1);
  if (c2 != std::string::npos && text.find(':', c2 + 1) != std::string::npos) {
    throw UsageError("--topic: expected NAME[:PARTITIONS[:RF]], got '" + text + "'");
  }
  spec.name = text.substr(0, c1);
  if (!kafkalite::protocol::isValidTopicName(spec.name)) {
    throw UsageError("--topic: '" + spec.name + "' is not a topic name (1-249 characters of [a-zA-Z0-9._-])");
  }
  spec.partitions = o.defaultPartitions;
  spec.replicationFactor = o.defaultReplicationFactor;
  if (c1 != std::string::npos) {
    const std::string_view rest = std::string_view(text).substr(c1 + 1);
    const std::string_view parts = rest.substr(0, c2 == std::string::npos ? rest.size() : c2 - c1 - 1);
    spec.partitions = static_cast<int32_t>(parseInt("--topic " + text + " partitions", parts, 1, 100'000));
  }
  if (c2 != std::string::npos) {
    spec.replicationFactor = static_cast<int16_t>(
        parseInt("--topic " + text + " replication factor", std::string_view(text).substr(c2 + 1), 1, 32767));
  }
  if (spec.replicationFactor > o.brokers) {
    throw UsageError("--topic " + text + ": replication factor " + std::to_string(spec.replicationFactor) +
                     " exceeds --brokers " + std::to_string(o.brokers));
  }
  return spec;
}

Args parseArgs(int argc, char** argv) {
  Args a;
  auto& o = a.cluster;
  o.logLevel = kafkalite::LogLevel::Info;  // a program's operator wants to see more than an embedding test
  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inlineValue;
    if (const std::size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inlineValue = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const auto value = [&]() -> std::string {
      if (inlineValue) return *inlineValue;
      if (i + 1 >= argc) throw UsageError(arg + ": missing value");
      return argv[++i];
    };
    const auto flag = [&] {
      if (inlineValue) throw UsageError(arg + ": takes no value");
    };
    if (arg == "--help" || arg == "-h") {
      flag();
      a.help = true;
    } else if (arg == "--brokers") {
      o.brokers = static_cast<int32_t>(parseInt(arg, value(), 1, 1000));
    } else if (arg == "--topic") {
      a.topics.push_back(value());
    } else if (arg == "--min-insync-replicas") {
      o.minInsyncReplicas = static_cast<int32_t>(parseInt(arg, value(), 1, 32767));
    } else if (arg == "--replica-lag-time-max-ms") {
      o.replicaLagTimeMaxMs = parseInt(arg, value(), 1, kInt32Max);
    } else if (arg == "--no-auto-create") {
      flag();
      o.autoCreateTopics = false;
    } else if (arg == "--default-partitions") {
      o.defaultPartitions = static_cast<int32_t>(parseInt(arg, value(), 1, 100'000));
    } else if (arg == "--default-replication-factor") {
      o.defaultReplicationFactor = static_cast<int16_t>(parseInt(arg, value(), 1, 32767));
    } else if (arg == "--retention-bytes") {
      o.retentionBytes = parseInt(arg, value(), -1, std::numeric_limits<int64_t>::max());
    } else if (arg == "--retention-ms") {
      o.retentionMs = parseInt(arg, value(), -1, std::numeric_limits<int64_t>::max());
    } else if (arg == "--retention-check-interval-ms") {
      o.retentionCheckIntervalMs = parseInt(arg, value(), 1, std::numeric_limits<int64_t>::max());
    } else if (arg == "--request-log-size") {
      o.requestLogCapacity = static_cast<std::size_t>(parseInt(arg, value(), 0, 10'000'000));
    } else if (arg == "--message-max-bytes") {
      o.messageMaxBytes = static_cast<int32_t>(parseInt(arg, value(), 1, kInt32Max));
    } else if (arg == "--log-message-timestamp-type") {
      o.logMessageTimestampType = value();
      if (o.logMessageTimestampType != "CreateTime" && o.logMessageTimestampType != "LogAppendTime") {
        throw UsageError(arg + ": expected CreateTime or LogAppendTime, got '" + o.logMessageTimestampType + "'");
      }
    } else if (arg == "--compression-type") {
      o.compressionType = value();
      if (!kafkalite::mock::brokerCompressionTypeForName(o.compressionType)) {
        throw UsageError(arg + ": expected producer, uncompressed, gzip, snappy, lz4 or zstd, got '" +
                         o.compressionType + "'");
      }
    } else if (arg == "--max-decompressed-batch-bytes") {
      o.maxDecompressedBatchBytes = static_cast<std::size_t>(parseInt(arg, value(), 1, std::numeric_limits<int64_t>::max()));
    } else if (arg == "--queued-max-request-bytes") {
      o.queuedMaxRequestBytes = parseInt(arg, value(), -1, std::numeric_limits<int64_t>::max());
      if (o.queuedMaxRequestBytes == 0) throw UsageError(arg + ": must be -1 (unbounded) or positive");
    } else if (arg == "--log-level") {
      const std::string level = value();
      if (level == "error") {
        o.logLevel = kafkalite::LogLevel::Error;
      } else if (level == "warn") {
        o.logLevel = kafkalite::LogLevel::Warning;
      } else if (level == "info") {
        o.logLevel = kafkalite::LogLevel::Info;
      } else if (level == "debug") {
        o.logLevel = kafkalite::LogLevel::Debug;
      } else {
        throw UsageError(arg + ": expected error, warn, info or debug, got '" + level + "'");
      }
    } else if (arg == "--unclean-leader-election") {
      flag();
      o.uncleanLeaderElection = true;
    } else if (arg == "--hw-ignores-min-isr") {
      flag();
      o.hwRequiresMinIsr = false;
    } else if (arg == "--group-initial-rebalance-delay-ms") {
      o.groupCoordinator.initialRebalanceDelayMs = static_cast<int32_t>(parseInt(arg, value(), 0, kInt32Max));
    } else if (arg == "--group-min-session-timeout-ms") {
      o.groupCoordinator.minSessionTimeoutMs = static_cast<int32_t>(parseInt(arg, value(), 0, kInt32Max));
    } else if (arg == "--group-max-session-timeout-ms") {
      o.groupCoordinator.maxSessionTimeoutMs = static_cast<int32_t>(parseInt(arg, value(), 0, kInt32Max));
    } else if (arg == "--offsets-topic-partitions") {
      o.groupCoordinator.offsetsTopicPartitions = static_cast<int32_t>(parseInt(arg, value(), 1, 100'000));
    } else if (arg == "--offsets-topic-replication-factor") {
      o.groupCoordinator.offsetsTopicReplicationFactor = static_cast<int16_t>(parseInt(arg, value(), 1, 32767));
    } else if (arg == "--host") {
      o.host = value();
      if (o.host.empty()) throw UsageError("--host: must not be empty");
    } else if (arg == "--port") {
      a.basePort = parseInt(arg, value(), 0, 65535);
    } else if (arg == "--admin-port") {
      a.adminPort = static_cast<uint16_t>(parseInt(arg, value(), 0, 65535));
    } else if (arg == "--no-admin") {
      flag();
      a.admin = false;
    } else {
      throw UsageError("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  if (a.basePort != 0) {
    if (a.basePort + o.brokers - 1 > 65535) {
      throw UsageError("--port " + std::to_string(a.basePort) + ": ports up to " +
                       std::to_string(a.basePort + o.brokers - 1) + " are needed for " + std::to_string(o.brokers) +
                       " brokers");
    }
    for (int32_t b = 0; b < o.brokers; ++b) o.ports.push_back(static_cast<uint16_t>(a.basePort + b));
  }
  if (o.groupCoordinator.minSessionTimeoutMs > o.groupCoordinator.maxSessionTimeoutMs) {
    throw UsageError("--group-min-session-timeout-ms must not exceed --group-max-session-timeout-ms");
  }
  for (const std::string& t : a.topics) o.topics.push_back(parseTopic(t, o));
  return a;
}

/// Shared by main and the signal thread. Never destroyed, so the (detached) signal
/// thread may still use it while the process exits.
struct SignalState {
  std::mutex mutex;
  std::condition_variable received;
  bool ready = false;
  int signal = 0;
};

void startSignalThread(const sigset_t& signals, SignalState& state) {
  std::thread([signals, &state] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) return;  // cannot happen with a valid set
      std::lock_guard lock(state.mutex);
      if (!state.ready || state.signal != 0) std::_Exit(128 + sig);
      state.signal = sig;
      state.received.notify_all();
    }
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  // Fetch responses, request frames and record batches are megabytes each. glibc serves
  // such sizes with a fresh mmap per allocation and unmaps them when freed, so every fetch
  // paid for page faults on a new buffer (a third of the broker's samples under
  // replication, see docs/performance-profile.md). Serve them from the heap, and keep freed
  // memory, so buffers are reused.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  Args args;
  try {
    args = parseArgs(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "kafkalite-broker: " << e.what() << "\nTry 'kafkalite-broker --help'.\n";
    return 2;
  }
  if (args.help) {
    std::cout << kUsage << std::flush;
    return 0;
  }

  // Before any thread exists, so that all of them inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto& state = *new SignalState;  // see SignalState
  startSignalThread(signals, state);

  try {
    kafkalite::mock::MockCluster cluster(args.cluster);
    std::unique_ptr<kafkalite::mock::AdminServer> admin;
    if (args.admin) admin = std::make_unique<kafkalite::mock::AdminServer>(cluster, args.cluster.host, args.adminPort);

    {
      std::lock_guard lock(state.mutex);
      state.ready = true;  // from here on a signal stops the cluster cleanly
    }
    std::cout << "bootstrap.servers=" << cluster.bootstrapServers() << '\n';
    if (admin) std::cout << "admin=" << admin->url() << '\n';
    std::cout << "ready" << std::endl;

    {
      std::unique_lock lock(state.mutex);
      state.received.wait(lock, [&] { return state.signal != 0; });
    }
    if (admin) admin->stop();
  } catch (const std::invalid_argument& e) {
    std::cerr << "kafkalite-broker: invalid options: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kafkalite-broker: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
