#pragma once
/// \file
/// MockCluster: N Kafka brokers in this process, on real loopback sockets, that
/// replicate with real FetchRequests, hold acks=-1 replies in a purgatory until
/// the in-sync followers have the data, and elect new leaders when a broker stops.
/// Any Kafka client can connect to bootstrapServers(): kafkalite's producer, librdkafka,
/// kcat, the Java client.
///
/// The control surface breaks the cluster on purpose (stop brokers, move leaders,
/// inject request errors, slow a broker down, stall a follower, cut the network
/// between two brokers) and the views read every replica's state and records, so a
/// test can assert what Kafka would have done.
///
/// Threading: every member function may be called from any thread, concurrently.
/// Each broker runs its own event-loop thread; views are consistent snapshots taken
/// on those threads. No member function is called back into from the cluster.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/log.hpp"

namespace kafkalite::mock {

/// A topic to create.
struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  int16_t replicationFactor = 1;
  /// Per-topic min.insync.replicas; the cluster's value when unset.
  std::optional<int32_t> minInsyncReplicas;
};

/// How the cluster behaves. Defaults follow Kafka's broker defaults unless noted.
struct MockClusterOptions {
  int32_t brokers = 1;                  ///< broker ids are 1..brokers
  std::vector<TopicSpec> topics;        ///< created before the constructor returns
  int32_t minInsyncReplicas = 1;        ///< min.insync.replicas
  int64_t replicaLagTimeMaxMs = 30000;  ///< replica.lag.time.max.ms (spec 3.2)
  bool autoCreateTopics = true;         ///< auto.create.topics.enable
  int32_t defaultPartitions = 1;        ///< num.partitions, for auto-created topics
  int16_t defaultReplicationFactor = 1; ///< default.replication.factor (capped at the broker count)
  int64_t retentionBytes = -1;          ///< retention.bytes per partition; -1 = unbounded
  int32_t messageMaxBytes = 1048588;    ///< message.max.bytes (largest batch accepted)
  int32_t socketRequestMaxBytes = 104857600;  ///< socket.request.max.bytes (largest frame)
  /// queued.max.request.bytes: bytes of request frames a broker reads ahead of handling
  /// them, over all its connections; past it connections wait before reading their next
  /// frame (backpressure, never a disconnect). -1 = unbounded, Kafka's default. Each
  /// connection has at most one request in progress anyway (Kafka mutes a connection
  /// until its request is answered), so this bounds reading across connections.
  int64_t queuedMaxRequestBytes = -1;
  bool uncleanLeaderElection = false;   ///< unclean.leader.election.enable (spec 6.1)
  /// Spec 2.3: Kafka 3.7+ holds the HW while |ISR| < min ISR. false = the pre-3.7 rule.
  bool hwRequiresMinIsr = true;
  int32_t replicaFetchWaitMaxMs = 500;  ///< replica.fetch.wait.max.ms (spec 4.10)
  int32_t replicaFetchBackoffMs = 1000; ///< replica.fetch.backoff.ms (spec 4.10)
  std::string host = "127.0.0.1";       ///< listen and advertised host
  /// Listen ports by broker (index 0 = broker 1); empty or 0 = an ephemeral port.
  std::vector<uint16_t> ports;
  std::string clusterId = "kafkalite-mock-cluster";
  /// Where the brokers' log lines go: an unexpected exception in a request handler (the
  /// client's connection is closed, the broker goes on), a follower that cannot append
  /// what it fetched, a request with bytes after its last field (debug). Called on the
  /// brokers' threads, possibly several at once. Empty = standard error.
  LogCallback logCallback;
  /// Lines less important than this are not produced.
  LogLevel logLevel = LogLevel::Warning;
};

/// How a broker stops.
enum class StopMode {
  Clean,  ///< controlled shutdown: leadership moves away first, then the sockets close
  Hard,   ///< as a crash: sockets close at once, then the controller notices
};

/// One replica's state, read on its broker's thread.
struct ReplicaView {
  int32_t brokerId = -1;
  bool online = false;  ///< the broker is running
  int64_t logStartOffset = 0;
  int64_t logEndOffset = 0;
  int64_t highWatermark = 0;
};

/// The controller's view of a partition plus every replica's log offsets.
struct PartitionView {
  std::string topic;
  int32_t partition = 0;
  int32_t leader = -1;  ///< -1: offline
  int32_t leaderEpoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<ReplicaView> replicaStates;  ///< in assignment order
};

/// One record as stored in a replica's log.
struct StoredRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t producerId = -1;
  int32_t leaderEpoch = -1;  ///< partitionLeaderEpoch of its batch
  bool operator==(const StoredRecord&) const = default;
};

/// A broker's address as clients see it.
struct BrokerView {
  int32_t id = -1;
  std::string host;
  uint16_t port = 0;
  bool online = false;
};

class MockCluster {
 public:
  /// Starts every broker, creates options.topics and waits until each partition has
  /// a leader that knows it. Throws std::system_error when a port cannot be bound and
  /// std::invalid_argument for inconsistent options (no broker, more ports than brokers,
  /// defaultPartitions or defaultReplicationFactor below 1, an invalid topic).
  ///
  /// Nothing a client sends can end the process: an exception that escapes a request
  /// handler is logged (see logCallback) and closes that client's connection only, and
  /// one that escapes any other work on a broker's thread is logged and the broker goes on.
  explicit MockCluster(MockClusterOptions options);
  /// Stops every broker (hard) and joins their threads.
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  /// "host:port,host:port,..." of every broker, running or not.
  [[nodiscard]] std::string bootstrapServers() const;
  [[nodiscard]] std::vector<BrokerView> brokers() const;
  [[nodiscard]] int32_t controllerId() const;
  [[nodiscard]] const MockClusterOptions& options() const noexcept;

  /// Creates a topic and waits until its leaders serve it. Throws std::invalid_argument
  /// if it exists, its name breaks Kafka's rule (1 to 249 characters of [a-zA-Z0-9._-],
  /// not "." or ".."; the message says which part), it has no partitions, or the
  /// replication factor is not in [1, brokers].
  void createTopic(const TopicSpec& topic);
  /// Deletes a topic, as Kafka's DeleteTopics: it leaves the metadata, every replica's
  /// partitions and logs go (also on brokers that are down), and acks=-1 produces still
  /// waiting on it are answered UNKNOWN_TOPIC_OR_PARTITION (spec 1.7(a)). Returns when
  /// the running brokers have dropped it. A later Metadata request may auto-create it
  /// again, empty. Throws std::invalid_argument if there is no such topic.
  void deleteTopic(const std::string& topic);

  /// Stops a broker (see StopMode). Its logs are kept, as a disk would keep them.
  /// Returns when the controller has elected new leaders for what it led.
  void stopBroker(int32_t brokerId, StopMode mode);
  /// Starts a stopped broker on its old port; it rejoins every partition as a follower,
  /// truncates to what the leader has, catches up and re-enters the ISR (spec 6.3).
  void startBroker(int32_t brokerId);
  [[nodiscard]] bool isBrokerRunning(int32_t brokerId) const;

  /// Makes `brokerId` the leader of a partition with leader epoch + 1, as Kafka's
  /// leader election does: only a running member of the ISR can be elected, so no
  /// acknowledged record is lost. Throws std::system_error with
  /// ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE (nothing changes) when `brokerId` is out
  /// of sync or not running. With `unclean` an out-of-sync running replica is elected
  /// anyway, as an unclean election does: the ISR becomes [brokerId] and every other
  /// replica truncates to its log, losing what it lacks (a stopped replica still throws,
  /// ErrorCode::ELIGIBLE_LEADERS_NOT_AVAILABLE). Throws std::invalid_argument if the
  /// partition does not exist or `brokerId` is not one of its replicas.
  void moveLeader(const std::string& topic, int32_t partition, int32_t brokerId, bool unclean = false);

  /// The next requests of API `apiKey` (Kafka's numeric key: 0 Produce, 1 Fetch, 3 Metadata,
  /// ...) answer with these errors, one per request, in order; then requests succeed again.
  /// `brokerId` -1 = on whichever broker receives them. Each reply is sent after `delay`.
  void pushRequestErrors(int16_t apiKey, std::vector<ErrorCode> errors, int32_t brokerId = -1,
                         std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  /// Every response of this broker is delayed by `rtt` (0 turns it off).
  void setBrokerRtt(int32_t brokerId, std::chrono::milliseconds rtt);
  /// Stops (or resumes) every replica fetcher of this broker: as a follower it stops
  /// fetching, so it falls out of the ISR after replica.lag.time.max.ms.
  void stallFollower(int32_t brokerId, bool stalled = true);
  /// Cuts (or restores) the network between two brokers: replication between them fails
  /// and reconnects only after healing. Clients still reach both.
  void cutNetwork(int32_t brokerA, int32_t brokerB);
  void healNetwork(int32_t brokerA, int32_t brokerB);
  /// Undoes every injected fault: request errors, RTTs, stalls and network cuts.
  void healAll();

  /// Every partition of every topic, sorted by topic and partition.
  [[nodiscard]] std::vector<PartitionView> partitions() const;
  /// One partition. Throws std::out_of_range if it does not exist.
  [[nodiscard]] PartitionView partition(const std::string& topic, int32_t partition) const;
  /// The records in one replica's log, from its log start to its LEO (not only up to the HW).
  /// Throws std::out_of_range if that broker holds no replica of the partition.
  [[nodiscard]] std::vector<StoredRecord> records(const std::string& topic, int32_t partition,
                                                  int32_t brokerId) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafkalite::mock
