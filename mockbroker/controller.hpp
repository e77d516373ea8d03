#pragma once
/// \file
/// Controller: the cluster's metadata authority — brokers, topics, replica
/// assignments, leaders, leader epochs and ISRs — and the elections of spec §6.
///
/// It plays the part of Kafka's controller quorum: brokers send it ISR changes
/// (AlterPartition) and it pushes LeaderAndIsr decisions to the brokers that host
/// a replica. Pushes are made while the controller's mutex is held and are only
/// enqueued (ControllerListener implementations post to their own thread), so each
/// broker sees decisions in the order they were taken.
///
/// Threading: every member function may be called from any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/partition.hpp"

namespace kafkalite::mock {

/// Per-topic settings a broker needs for its replicas.
struct TopicConfig {
  int32_t minInsyncReplicas = 1;
};

/// Receives the controller's decisions. Called with the controller's mutex held:
/// implementations must only enqueue work (post to their event loop).
class ControllerListener {
 public:
  virtual ~ControllerListener() = default;
  virtual void onLeaderAndIsr(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config) = 0;
  /// StopReplica with deletion: the topic was deleted; the replica and its log go.
  virtual void onStopReplica(const TopicPartition& tp) = 0;
};

struct BrokerRegistration {
  int32_t id = -1;
  std::string host;
  uint16_t port = 0;
  bool alive = false;
};

struct PartitionRegistration {
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t leader = -1;
  int32_t leaderEpoch = 0;
};

struct TopicRegistration {
  std::string name;
  TopicConfig config;
  std::vector<PartitionRegistration> partitions;
};

/// A consistent copy of the metadata, for Metadata responses and views.
struct MetadataSnapshot {
  std::vector<BrokerRegistration> brokers;
  std::map<std::string, TopicRegistration> topics;
  int32_t controllerId = -1;
};

class Controller {
 public:
  explicit Controller(const MockClusterOptions& options);

  /// A broker process exists (running or not) at host:port; `listener` gets its decisions.
  void registerBroker(int32_t id, std::string host, uint16_t port, ControllerListener* listener);
  void setBrokerPort(int32_t id, uint16_t port);

  /// Creates a topic: replicas spread round-robin over the brokers (Kafka's assignment
  /// without racks), the first live replica leads, the live replicas form the ISR.
  /// Throws std::invalid_argument if it exists or RF is not in [1, brokers].
  void createTopic(const TopicSpec& spec);
  /// Creates the topic with the cluster's defaults unless it exists; for auto-creation.
  /// Returns false if it could not (auto-creation off, no broker alive, or a name that
  /// breaks Kafka's topic rule). Never throws but std::bad_alloc.
  bool createTopicIfAbsent(const std::string& name);
  /// Deletes a topic: it leaves the metadata at once and every live replica is told to
  /// drop its partitions and logs (onStopReplica). Returns the replicas' broker ids, so
  /// the caller can drop the logs of brokers that are down. Throws std::invalid_argument
  /// if there is no such topic.
  std::vector<int32_t> deleteTopic(const std::string& name);

  /// The broker came up: it is alive again; every partition it hosts is pushed to it, and
  /// offline partitions it can lead are elected (spec 6.1).
  void brokerStarted(int32_t id);
  /// The broker stopped: it leaves every ISR (the last member stays, spec 6.2) and each
  /// partition it led gets a new leader per spec 6.1, with leader epoch + 1.
  void brokerStopped(int32_t id);
  /// Controlled shutdown (StopMode::Clean), before the broker closes: moves every
  /// leadership it holds to another in-sync replica, as Kafka's ControlledShutdown does.
  void prepareShutdown(int32_t id);

  /// AlterPartition from a leader: commits `isr` if `leaderId` and `leaderEpoch` still
  /// hold. Returns whether it was committed. Followers are not told (they ignore the ISR).
  bool alterPartitionIsr(const TopicPartition& tp, int32_t leaderId, int32_t leaderEpoch, const std::vector<int32_t>& isr);

  /// Makes `brokerId` leader with epoch + 1 (MockCluster::moveLeader), if it is a live
  /// member of the ISR. Otherwise, unless `unclean`, nothing changes and it throws
  /// std::system_error(PREFERRED_LEADER_NOT_AVAILABLE): Kafka never elects a replica that
  /// may lack acknowledged records. With `unclean` an out-of-sync live replica is elected
  /// as Kafka's unclean election does (ISR = [it]; the others truncate to its log); a
  /// replica that is down throws std::system_error(ELIGIBLE_LEADERS_NOT_AVAILABLE).
  /// Throws std::invalid_argument if the partition does not exist or `brokerId` is not
  /// one of its replicas.
  void moveLeader(const TopicPartition& tp, int32_t brokerId, bool unclean = false);

  [[nodiscard]] MetadataSnapshot snapshot() const;
  [[nodiscard]] std::optional<PartitionRegistration> partition(const TopicPartition& tp) const;
  [[nodiscard]] std::optional<BrokerRegistration> broker(int32_t id) const;
  [[nodiscard]] int32_t controllerId() const;
  [[nodiscard]] bool topicExists(const std::string& name) const;

  /// Cluster-wide producer ids for InitProducerId.
  int64_t nextProducerId() { return nextProducerId_.fetch_add(1); }

 private:
  void createTopicLocked(const TopicSpec& spec);
  void electLocked(const std::string& topic, int32_t partition, PartitionRegistration& p, int32_t excluded);
  void pushLocked(const std::string& topic, int32_t partition, const PartitionRegistration& p, const TopicConfig& config);
  [[nodiscard]] bool aliveLocked(int32_t id) const;
  [[nodiscard]] int32_t controllerIdLocked() const;

  const MockClusterOptions options_;
  mutable std::mutex mutex_;
  std::map<int32_t, BrokerRegistration> brokers_;
  std::map<int32_t, ControllerListener*> listeners_;
  std::map<std::string, TopicRegistration> topics_;
  std::atomic<int64_t> nextProducerId_{1000};
};

}  // namespace kafkalite::mock
