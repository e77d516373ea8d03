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
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/partition.hpp"
#include "mockbroker/topic_config.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::mock {

/// Receives the controller's decisions. Called with the controller's mutex held:
/// implementations must only enqueue work (post to their event loop).
class ControllerListener {
 public:
  virtual ~ControllerListener() = default;
  /// LeaderAndIsr: the partition's state and its topic's config (sent again, at the same
  /// leader epoch, when only the config changed).
  virtual void onLeaderAndIsr(const TopicPartition& tp, const LeaderAndIsr& state, const TopicConfig& config) = 0;
  /// StopReplica: the broker stops hosting `tp`; with `deletePartition` its log goes too
  /// (topic deletion). Sent to stopped brokers too: they apply it when they start again.
  virtual void onStopReplica(const TopicPartition& tp, bool deletePartition) {
    (void)tp;
    (void)deletePartition;
  }
  /// Runs `fn` on the broker's thread after everything pushed to it before; drops it
  /// when the broker is not running. The default runs it at once.
  virtual void post(std::function<void()> fn) { fn(); }
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
  bool internal = false;           ///< __consumer_offsets: Metadata says is_internal
  protocol::Uuid id;              ///< random, never zero; a re-created topic gets a new one
  TopicConfigOverrides configs;   ///< the topic's dynamic configs
  TopicConfig config;             ///< resolved over the cluster's broker configs
  std::vector<PartitionRegistration> partitions;
};

/// One topic of a CreateTopics request.
struct NewTopic {
  std::string name;
  int32_t numPartitions = -1;     ///< -1: the cluster's default (num.partitions)
  int16_t replicationFactor = -1; ///< -1: the cluster's default (default.replication.factor)
  /// An explicit assignment: (partition, replicas) pairs; then both counts must be -1.
  std::vector<std::pair<int32_t, std::vector<int32_t>>> assignments;
  std::vector<std::pair<std::string, std::optional<std::string>>> configs;
};

/// What creating (or validating) a topic gave.
struct CreateTopicResult {
  ApiError error;
  protocol::Uuid topicId;
  int32_t numPartitions = -1;
  int16_t replicationFactor = -1;
  TopicConfigOverrides configs;
  std::set<int32_t> replicaBrokers;  ///< live brokers told about it
};

/// ElectLeaders' election types (Kafka's ElectionType).
enum class ElectionType : int8_t { Preferred = 0, Unclean = 1 };

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
  /// Throws std::invalid_argument if it exists, RF is not in [1, brokers], or it is the
  /// internal __consumer_offsets (the group coordinator creates that one).
  void createTopic(const TopicSpec& spec);
  /// Creates the topic with the cluster's defaults unless it exists; for auto-creation.
  /// Returns false if it could not (auto-creation off, no broker alive, or a name that
  /// breaks Kafka's topic rule). __consumer_offsets is created as
  /// createGroupMetadataTopicIfAbsent does. Never throws but std::bad_alloc.
  bool createTopicIfAbsent(const std::string& name);
  /// Creates __consumer_offsets unless it exists, as Kafka's first FindCoordinator does:
  /// offsets.topic.num.partitions partitions, offsets.topic.replication.factor replicas
  /// (capped at the number of brokers), internal. Auto-creation settings do not apply.
  /// Returns false if no broker is alive.
  bool createGroupMetadataTopicIfAbsent();

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

  // ---- topic administration (controller_topics.cpp): Kafka's errors, never throws ----

  /// CreateTopics for one topic (the caller answers duplicates within one request):
  /// INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_CONFIG, INVALID_REQUEST,
  /// INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more than the live brokers),
  /// INVALID_REPLICA_ASSIGNMENT. Replicas are placed on live brokers; the first live one
  /// leads. With `validateOnly` nothing changes.
  CreateTopicResult createTopic(const NewTopic& topic, bool validateOnly);
  /// DeleteTopics for one topic: UNKNOWN_TOPIC_OR_PARTITION if it does not exist. Every
  /// replica gets StopReplica(delete), stopped ones included (they apply it on start).
  /// `replicaBrokers`, when given, receives the live brokers told.
  ApiError deleteTopic(const std::string& name, std::set<int32_t>* replicaBrokers = nullptr);
  /// The name of the topic with this id, if there is one.
  [[nodiscard]] std::optional<std::string> topicName(const protocol::Uuid& id) const;
  /// The id of a topic, if it exists.
  [[nodiscard]] std::optional<protocol::Uuid> topicId(const std::string& name) const;
  /// CreatePartitions: grows `topic` to `count` partitions, placed by the controller or
  /// as `assignments` (one replica list per new partition) says.
  ApiError createPartitions(const std::string& topic, int32_t count,
                            const std::optional<std::vector<std::vector<int32_t>>>& assignments, bool validateOnly,
                            std::set<int32_t>* replicaBrokers = nullptr);
  /// Changes a topic's dynamic configs: `edit` gets a copy of them and changes it (or
  /// returns an error); the result is validated as a whole (INVALID_CONFIG) and, unless
  /// `validateOnly`, takes effect at once: every replica gets the new TopicConfig, and
  /// unclean.leader.election.enable turned on elects the topic's offline partitions.
  ApiError alterTopicConfigs(const std::string& topic, const std::function<ApiError(TopicConfigOverrides&)>& edit,
                             bool validateOnly);
  /// A topic's dynamic configs, or nothing if it does not exist.
  [[nodiscard]] std::optional<TopicConfigOverrides> topicConfigs(const std::string& topic) const;
  /// ElectLeaders for one partition: preferred elects the first assigned replica if it is
  /// alive and in the ISR (else PREFERRED_LEADER_NOT_AVAILABLE); unclean elects a leader
  /// for a partition that has none, outside the ISR if it must (else
  /// ELIGIBLE_LEADERS_NOT_AVAILABLE); ELECTION_NOT_NEEDED when the leader is already right.
  ApiError electLeader(const TopicPartition& tp, ElectionType type, std::set<int32_t>* replicaBrokers = nullptr);
  /// Every partition of every topic, sorted.
  [[nodiscard]] std::vector<TopicPartition> allPartitions() const;
  /// Calls `done` on broker `replyBroker`'s thread once every running broker of `brokers`
  /// has handled what the controller pushed to it before this call. `done` is dropped
  /// when a broker stops first (the caller's own timeout then answers).
  void whenPropagated(const std::set<int32_t>& brokers, int32_t replyBroker, std::function<void()> done);

 private:
  void createTopicLocked(const TopicSpec& spec, bool internal = false);
  bool createGroupMetadataTopicLocked();
    /// Registers a topic whose every part was checked, and pushes its partitions.
  void addTopicLocked(const std::string& name, const std::vector<std::vector<int32_t>>& assignment,
                      TopicConfigOverrides configs, bool internal = false);
  /// Replica lists for partitions [first, first + count) over `brokerIds` (Kafka's
  /// rack-unaware assignment).
  [[nodiscard]] std::vector<std::vector<int32_t>> placeLocked(const std::string& topic, const std::vector<int32_t>& brokerIds,
                                                              int32_t first, int32_t count, int32_t replicationFactor) const;
  [[nodiscard]] PartitionRegistration newPartitionLocked(const std::vector<int32_t>& replicas) const;
  /// Kafka's checks of one partition's manual assignment (INVALID_REPLICA_ASSIGNMENT).
  [[nodiscard]] ApiError checkAssignmentLocked(const std::vector<int32_t>& replicas,
                                               std::optional<std::size_t> replicationFactor, int32_t partition) const;
  [[nodiscard]] std::vector<int32_t> aliveBrokersLocked() const;
  [[nodiscard]] protocol::Uuid newTopicIdLocked();
  void electLocked(const std::string& topic, int32_t partition, PartitionRegistration& p, int32_t excluded);
  void pushLocked(const std::string& topic, int32_t partition, const PartitionRegistration& p, const TopicConfig& config);
  [[nodiscard]] bool aliveLocked(int32_t id) const;
  [[nodiscard]] int32_t controllerIdLocked() const;

  const MockClusterOptions options_;
  mutable std::mutex mutex_;
  std::map<int32_t, BrokerRegistration> brokers_;
  std::map<int32_t, ControllerListener*> listeners_;
  std::map<std::string, TopicRegistration> topics_;
  std::mt19937_64 random_{std::random_device{}()};
  std::atomic<int64_t> nextProducerId_{1000};
};

}  // namespace kafkalite::mock
