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
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/log.hpp"

namespace kafkalite::mock {

/// A topic to create: TopicSpec{"orders", 6, 3}, TopicSpec{"orders", 6, 3, 2} (min ISR 2),
/// TopicSpec{"orders", 6, 3, std::nullopt, {{"retention.bytes", "1048576"}}}.
struct TopicSpec {
  TopicSpec() = default;
  TopicSpec(std::string topic, int32_t partitionCount = 1, int16_t replicas = 1,
            std::optional<int32_t> minIsr = std::nullopt, std::map<std::string, std::string> topicConfigs = {})
      : name(std::move(topic)),
        partitions(partitionCount),
        replicationFactor(replicas),
        minInsyncReplicas(minIsr),
        configs(std::move(topicConfigs)) {}

  std::string name;
  int32_t partitions = 1;
  int16_t replicationFactor = 1;
  /// Per-topic min.insync.replicas; the cluster's value when unset.
  std::optional<int32_t> minInsyncReplicas;
  /// Topic configs by Kafka's names ("retention.bytes", "cleanup.policy", ...), validated
  /// as CreateTopics validates them (README: "Topic configs").
  std::map<std::string, std::string> configs;
};

/// The group coordinator's settings: Kafka's broker configs of the same names.
struct GroupCoordinatorOptions {
  int32_t initialRebalanceDelayMs = 3000;     ///< group.initial.rebalance.delay.ms (tests may use 0)
  int32_t minSessionTimeoutMs = 6000;         ///< group.min.session.timeout.ms
  int32_t maxSessionTimeoutMs = 1800000;      ///< group.max.session.timeout.ms
  int32_t maxSize = 2147483647;               ///< group.max.size
  int32_t offsetsTopicPartitions = 50;        ///< offsets.topic.num.partitions
  int16_t offsetsTopicReplicationFactor = 3;  ///< offsets.topic.replication.factor (capped at the broker count)
  int32_t offsetMetadataMaxBytes = 4096;      ///< offset.metadata.max.bytes
  int32_t offsetCommitTimeoutMs = 5000;       ///< offsets.commit.timeout.ms
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
  int64_t retentionBytes = -1;          ///< log.retention.bytes per partition; -1 = unbounded
  int64_t retentionMs = 604800000;      ///< log.retention.ms (7 days); -1 = unbounded
  int64_t retentionCheckIntervalMs = 300000;  ///< log.retention.check.interval.ms (time retention)
  int32_t messageMaxBytes = 1048588;    ///< message.max.bytes (largest batch accepted)
  /// log.message.timestamp.type: "CreateTime" or "LogAppendTime" (the broker stamps its
  /// clock into every appended batch).
  std::string logMessageTimestampType = "CreateTime";
  /// compression.type: "producer", "uncompressed", "gzip", "snappy", "lz4" or "zstd".
  /// Batches keep the codec they arrive in whatever it says (no recompression); "zstd"
  /// refuses Fetch below v10 with UNSUPPORTED_COMPRESSION_TYPE, as Kafka does.
  std::string compressionType = "producer";
  /// Most bytes the records of one compressed batch may decompress to; a batch beyond it
  /// is refused with MESSAGE_TOO_LARGE (the mock's bound against decompression bombs).
  std::size_t maxDecompressedBatchBytes = std::size_t{64} << 20;
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
  GroupCoordinatorOptions groupCoordinator;
  /// Requests each broker's request log keeps (the newest ones); 0 turns the log off.
  std::size_t requestLogCapacity = 1000;
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

/// One member of a consumer group, as its coordinator holds it.
struct GroupMemberView {
  std::string memberId;
  std::optional<std::string> groupInstanceId;  ///< set for a static member
  std::string clientId;
  std::string clientHost;
  int32_t sessionTimeoutMs = 0;
  int32_t rebalanceTimeoutMs = 0;
  std::vector<std::string> protocols;  ///< in the member's order of preference
  std::string assignment;              ///< from the last SyncGroup, as sent; empty before one
  /// `assignment` decoded (Kafka's ConsumerProtocol) for a "consumer" group: topic → partitions.
  std::vector<std::pair<std::string, std::vector<int32_t>>> assignedPartitions;
};

/// A group's committed offset of one partition, and how far the partition is ahead of it.
struct CommittedOffsetView {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leaderEpoch = -1;  ///< -1: not given with the commit
  std::string metadata;
  int64_t highWatermark = -1;  ///< the partition leader's; -1 when unknown
  int64_t lag = -1;            ///< max(0, highWatermark - offset); -1 when unknown
};

/// A consumer group (Kafka's GroupMetadata), read on its coordinator's thread.
struct GroupView {
  std::string groupId;
  int32_t coordinator = -1;  ///< broker id
  /// "Empty", "PreparingRebalance", "CompletingRebalance" or "Stable".
  std::string state;
  int32_t generationId = 0;
  std::string protocolType;  ///< "" until a member joined
  std::string protocol;      ///< the chosen protocol (assignor); "" when none
  std::string leaderId;      ///< "" when none
  std::vector<GroupMemberView> members;      ///< by member id
  std::vector<CommittedOffsetView> offsets;  ///< by topic and partition
};

/// How a logged request ended.
enum class RequestOutcome {
  Pending,           ///< not answered yet (or its broker stopped first)
  Answered,          ///< a response was sent
  NoResponse,        ///< none is sent for it (acks=0 produce)
  ConnectionClosed,  ///< the broker closed the connection instead of answering
};

/// One request a broker received, as its request log keeps it.
struct RequestRecord {
  uint64_t sequence = 0;  ///< cluster-wide, increasing in arrival order, from 1
  std::chrono::system_clock::time_point receivedAt;
  std::optional<std::chrono::system_clock::time_point> answeredAt;
  int32_t brokerId = -1;
  uint64_t connectionId = 0;  ///< one number per client connection, cluster-wide
  std::string clientAddress;  ///< "127.0.0.1:53124"
  std::optional<std::string> clientId;
  int16_t apiKey = 0;          ///< Kafka's key: 0 Produce, 1 Fetch, 3 Metadata, 22 InitProducerId, ...
  std::string apiName;         ///< "Produce", "Metadata", ...
  int16_t apiVersion = 0;
  int32_t correlationId = 0;
  std::vector<std::string> topics;  ///< the topics it names, in order, each once
  /// Decoded facts, by Kafka's field names: {"acks", "-1"}, {"timeout_ms", "30000"},
  /// {"records", "orders-0:10,orders-1:4"}, ... (README lists them per API).
  std::vector<std::pair<std::string, std::string>> details;
  std::string summary;  ///< the details as one line: "acks=-1 timeout_ms=30000 ..."
  RequestOutcome outcome = RequestOutcome::Pending;
  /// The first non-zero error code of the response (top level first), NONE otherwise.
  ErrorCode error = ErrorCode::NONE;

  /// The value of detail `key`, if the request has it.
  [[nodiscard]] std::optional<std::string> detail(std::string_view key) const {
    for (const auto& [k, v] : details) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

/// Which logged requests MockCluster::requests returns; unset fields match everything.
struct RequestFilter {
  std::optional<int16_t> apiKey;
  std::optional<int32_t> brokerId;
  std::optional<std::string> clientId;
  std::optional<std::string> topic;   ///< requests that name this topic
  uint64_t afterSequence = 0;          ///< only requests with a larger sequence
  std::optional<std::chrono::system_clock::time_point> since;  ///< received at or after
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
  /// not "." or ".."; the message says which part), it has no partitions, the
  /// replication factor exceeds the number of brokers (running or not) or a config is
  /// invalid (with Kafka's message).
  void createTopic(const TopicSpec& topic);
  /// Deletes a topic as DeleteTopics does and waits until every running replica dropped
  /// it: waiting produces and fetches on it answer UNKNOWN_TOPIC_OR_PARTITION, and a
  /// topic created again under its name starts at offset 0. Throws std::out_of_range if
  /// it does not exist.
  void deleteTopic(const std::string& topic);
  /// Grows a topic to `partitions` partitions (CreatePartitions) and waits until their
  /// leaders serve them. Throws std::invalid_argument with Kafka's message if it cannot.
  void createPartitions(const std::string& topic, int32_t partitions);
  /// Sets (a value) or deletes (nullopt) topic configs, as IncrementalAlterConfigs does;
  /// they take effect before it returns. Throws std::invalid_argument with Kafka's
  /// message (and changes nothing) if a name or value is invalid, std::out_of_range if
  /// the topic does not exist.
  void alterTopicConfigs(const std::string& topic, const std::map<std::string, std::optional<std::string>>& changes);
  /// A topic's dynamic configs (the ones set on it). Throws std::out_of_range if it does
  /// not exist.
  [[nodiscard]] std::map<std::string, std::string> topicConfigs(const std::string& topic) const;

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

  /// The broker coordinating `groupId`: the leader of its partition of __consumer_offsets,
  /// which the first FindCoordinator creates. -1 before that, or while it has no leader.
  [[nodiscard]] int32_t groupCoordinator(const std::string& groupId) const;
  /// Every group the running coordinators hold, sorted by id.
  [[nodiscard]] std::vector<GroupView> groups() const;
  /// One group. Throws std::out_of_range if no running coordinator holds it.
  [[nodiscard]] GroupView group(const std::string& groupId) const;
  /// As if the member's session timed out now: it leaves and the others rebalance. Throws
  /// std::out_of_range for an unknown group or member.
  void expireMemberSession(const std::string& groupId, const std::string& memberId);
  /// Starts a rebalance, as a JoinGroup from the leader would: every member must join again.
  /// A group already rebalancing is left as it is. Throws std::out_of_range for an unknown
  /// group, std::invalid_argument for a group without members.
  void rebalanceGroup(const std::string& groupId);
  /// The logged requests that match `filter`, oldest first: each broker keeps its last
  /// options.requestLogCapacity requests (a request still being handled shows as Pending).
  [[nodiscard]] std::vector<RequestRecord> requests(const RequestFilter& filter = {}) const;
  /// The sequence of the newest request received so far (0 when none): give it to
  /// RequestFilter::afterSequence to see only what comes after.
  [[nodiscard]] uint64_t lastRequestSequence() const;
  /// Forgets every logged request (sequences keep counting).
  void clearRequests();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafkalite::mock
