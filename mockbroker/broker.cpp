#include "mockbroker/broker.hpp"

#include <chrono>

#include "mockbroker/broker_log.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_fetcher.hpp"
#include "mockbroker/socket_server.hpp"

namespace kafkalite::mock {

namespace asio = boost::asio;

namespace {
int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
// The event loop looks at the purgatories and the ISR at least this often.
constexpr int64_t kMaxTickIntervalMs = 100;
}  // namespace

/// Everything that lives only while the broker runs. The io_context is declared first so
/// that it is destroyed last, after every object holding a socket or timer on it.
struct Broker::Runtime {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<ReplicaManager> replicaManager;
  std::unique_ptr<GroupCoordinator> groupCoordinator;
  std::unique_ptr<KafkaApis> apis;
  std::unique_ptr<SocketServer> server;
  std::map<int32_t, std::shared_ptr<ReplicaFetcher>> fetchers;  ///< by leader id
  std::map<TopicPartition, int32_t> fetchedFrom;                ///< partition → leader id
  asio::steady_timer tickTimer{io};
  int64_t tickArmedAt = INT64_MAX;
  std::thread thread;

  void scheduleTick(int64_t atMs) {
    if (atMs >= tickArmedAt) return;
    tickArmedAt = atMs;
    tickTimer.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, atMs - steadyNowMs())));
    tickTimer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      tickArmedAt = INT64_MAX;
      replicaManager->tick();
      groupCoordinator->tick();
      int64_t next = std::min(replicaManager->nextTickMs(), steadyNowMs() + kMaxTickIntervalMs);
      if (const auto groups = groupCoordinator->nextTickMs()) next = std::min(next, *groups);
      scheduleTick(next);
    });
  }
};

Broker::Broker(int32_t id, const MockClusterOptions& options, Controller& controller, FaultInjector& faults,
               BrokerStorage& storage, RequestLog* requestLog)
    : id_(id), options_(options), controller_(controller), faults_(faults), storage_(storage), requestLog_(requestLog) {}

Broker::~Broker() { stop(); }

uint16_t Broker::start(uint16_t port) {
  std::lock_guard lock(mutex_);
  if (runtime_) return 0;
  for (const auto& tp : pendingDeletes_) storage_.logs.erase(tp);
  pendingDeletes_.clear();
  auto rt = std::make_unique<Runtime>();
  Runtime* raw = rt.get();
  rt->replicaManager = std::make_unique<ReplicaManager>(
      id_, options_, storage_, controller_, steadyNowMs, [this, raw](const TopicPartition& tp, int32_t leaderId) {
        // Re-point the replica fetchers (spec 6.3).
        if (const auto it = raw->fetchedFrom.find(tp); it != raw->fetchedFrom.end()) {
          if (auto f = raw->fetchers.find(it->second); f != raw->fetchers.end()) f->second->removePartition(tp);
          raw->fetchedFrom.erase(it);
        }
        if (leaderId < 0 || leaderId == id_) return;
        auto& fetcher = raw->fetchers[leaderId];
        if (!fetcher) {
          fetcher = std::make_shared<ReplicaFetcher>(raw->io, id_, leaderId, options_, controller_, faults_,
                                                     *raw->replicaManager);
        }
        raw->fetchedFrom[tp] = leaderId;
        fetcher->addPartition(tp);
        // A follower append or truncation may change what waiting fetches see.
        raw->scheduleTick(steadyNowMs());
      });
  rt->replicaManager->setWakeup([raw](int64_t atMs) { raw->scheduleTick(atMs); });
  rt->groupCoordinator = std::make_unique<GroupCoordinator>(options_, *rt->replicaManager, steadyNowMs, wallClockMs);
  rt->groupCoordinator->setWakeup([raw](int64_t atMs) { raw->scheduleTick(atMs); });
  rt->replicaManager->setGroupMetadataListener([raw](int32_t partition, bool isLeader, int32_t epoch) {
    if (isLeader) {
      raw->groupCoordinator->onElection(partition, epoch);
    } else {
      raw->groupCoordinator->onResignation(partition, epoch);
    }
  });
  rt->apis = std::make_unique<KafkaApis>(
      BrokerContext{id_, options_, controller_, faults_, *rt->replicaManager, *rt->groupCoordinator, rt->io, requestLog_});
  rt->server = std::make_unique<SocketServer>(rt->io, id_, options_.socketRequestMaxBytes, options_.queuedMaxRequestBytes,
                                              faults_, *rt->apis);
  const uint16_t bound = rt->server->listen(options_.host, port);
  rt->scheduleTick(steadyNowMs());
  rt->thread = std::thread([this, raw] { runEventLoop(raw->io); });
  runtime_ = std::move(rt);
  return bound;
}

void Broker::runEventLoop(asio::io_context& io) noexcept {
  // Request handlers have their own boundary (KafkaApis::handle); this one catches what
  // escapes any other handler on this thread (a controller decision, a replica fetcher, a
  // timer), so that nothing running here ends the process that embeds the cluster.
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      logLine(options_, LogLevel::Error, id_, std::string("unexpected exception on the event loop: ") + e.what());
    } catch (...) {
      logLine(options_, LogLevel::Error, id_, "unexpected exception on the event loop");
    }
  }
}

void Broker::stop() {
  std::unique_ptr<Runtime> rt;
  {
    std::lock_guard lock(mutex_);
    rt = std::move(runtime_);
  }
  if (!rt) return;
  Runtime* raw = rt.get();
  asio::post(raw->io, [raw] {
    raw->server->closeAll();
    for (auto& [leader, fetcher] : raw->fetchers) fetcher->shutdown();
    raw->groupCoordinator->shutdown();
    raw->replicaManager->shutdown();
    raw->tickTimer.cancel();
    raw->io.stop();
  });
  raw->thread.join();
  // Handlers still queued hold connections and fetchers; they go with the io_context,
  // which the Runtime destroys last.
  raw->fetchers.clear();
  raw->server.reset();
}

bool Broker::running() const {
  std::lock_guard lock(mutex_);
  return runtime_ != nullptr;
}

bool Broker::call(const std::function<void(ReplicaManager&)>& fn) {
  // The handler owns the promise: if the broker stops before running it, destroying the
  // handler breaks the promise and the wait below ends.
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard lock(mutex_);
    if (!runtime_) return false;
    Runtime* raw = runtime_.get();
    asio::post(raw->io, [raw, &fn, done] {
      try {
        fn(*raw->replicaManager);
        done->set_value();
      } catch (...) {
        done->set_exception(std::current_exception());  // rethrown to the caller, not on this thread
      }
    });
  }
  // If the broker stops before running it, the io_context drops the handler and the promise
  // breaks; treat that as "not running".
  try {
    future.get();
  } catch (const std::future_error&) {
    return false;
  }
  return true;
}

bool Broker::callCoordinator(const std::function<void(GroupCoordinator&)>& fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard lock(mutex_);
    if (!runtime_) return false;
    Runtime* raw = runtime_.get();
    asio::post(raw->io, [raw, &fn, done] {
      fn(*raw->groupCoordinator);
      // Whatever fn parked (a rebalance, a session) is due on the timer.
      raw->scheduleTick(steadyNowMs());
      done->set_value();
    });
  }
  try {
    future.get();
  } catch (const std::future_error&) {
    return false;
  }
  return true;
}

void Broker::wakeFetchers() {
  std::lock_guard lock(mutex_);
  if (!runtime_) return;
  Runtime* raw = runtime_.get();
  asio::post(raw->io, [raw] {
    for (auto& [leader, fetcher] : raw->fetchers) fetcher->wake();
  });
}

void Broker::onLeaderAndIsr(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config) {
  std::lock_guard lock(mutex_);
  if (!runtime_) return;
  Runtime* raw = runtime_.get();
  asio::post(raw->io, [raw, tp, state, config] {
    raw->replicaManager->becomeLeaderOrFollower(tp, state, config);
    raw->scheduleTick(steadyNowMs());
  });
}

void Broker::onStopReplica(const TopicPartition& tp, bool deletePartition) {
  std::lock_guard lock(mutex_);
  if (!runtime_) {
    // Its "disk" forgets the partition before the broker runs again, so a topic
    // re-created under the same name starts empty there too.
    if (deletePartition) pendingDeletes_.insert(tp);
    return;
  }
  // Kept pending until it ran: a broker that stops before running it drops it with its
  // event loop, and then applies it on start.
  if (deletePartition) pendingDeletes_.insert(tp);
  Runtime* raw = runtime_.get();
  asio::post(raw->io, [this, raw, tp, deletePartition] {
    raw->replicaManager->stopReplica(tp, deletePartition);
    std::lock_guard relock(mutex_);
    pendingDeletes_.erase(tp);
  });
}

void Broker::post(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  if (!runtime_) return;
  asio::post(runtime_->io, std::move(fn));
}

}  // namespace kafkalite::mock
