#pragma once
/// \file
/// Broker: one mock Kafka broker — its event-loop thread, listener, KafkaApis,
/// ReplicaManager, GroupCoordinator and replica fetchers. Stopping it discards everything but its
/// logs (BrokerStorage, owned by the cluster), so a restart is a new process on
/// the same "disk".
///
/// Threading: start/stop/call from any thread except the broker's own;
/// onLeaderAndIsr from the controller (it only posts).

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "mockbroker/asio.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/replica_manager.hpp"

namespace kafkalite::mock {

class FaultInjector;
class GroupCoordinator;
class RequestLog;

class Broker : public ControllerListener {
 public:
  /// `requestLog`, when given, records every request this broker receives.
  Broker(int32_t id, const MockClusterOptions& options, Controller& controller, FaultInjector& faults,
         BrokerStorage& storage, RequestLog* requestLog = nullptr);
  ~Broker() override;

  /// Binds host:port (0 = ephemeral) and starts the event loop. Returns the bound port.
  /// Throws boost::system::system_error if the port cannot be bound.
  uint16_t start(uint16_t port);
  /// Closes every socket, drops delayed operations unanswered and joins the thread.
  void stop();
  [[nodiscard]] bool running() const;
  [[nodiscard]] int32_t id() const noexcept { return id_; }

  /// Runs `fn(ReplicaManager&)` on the broker's thread and waits for it. Returns false
  /// without running it when the broker is not running; rethrows what `fn` throws.
  bool call(const std::function<void(ReplicaManager&)>& fn);
  /// As call(), with the broker's GroupCoordinator.
  bool callCoordinator(const std::function<void(GroupCoordinator&)>& fn);
  /// Tells the replica fetchers that stalls or cuts changed.
  void wakeFetchers();

  void onLeaderAndIsr(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config) override;
  void onStopReplica(const TopicPartition& tp, bool deletePartition) override;
  void post(std::function<void()> fn) override;

 private:
  struct Runtime;

  // Runs the io_context until it stops, logging and surviving what a handler throws.
  void runEventLoop(boost::asio::io_context& io) noexcept;

  const int32_t id_;
  const MockClusterOptions& options_;
  Controller& controller_;
  FaultInjector& faults_;
  BrokerStorage& storage_;
  RequestLog* requestLog_;
  mutable std::mutex mutex_;  ///< guards runtime_ (the pointer, not what it points to) and pendingDeletes_
  /// Partitions deleted while the broker was stopped: their logs go when it starts.
  std::set<TopicPartition> pendingDeletes_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace kafkalite::mock
