#include <map>
#include <mutex>
#include <stdexcept>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/broker.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/request_log.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {

namespace {

std::optional<std::string> asString(const std::optional<std::span<const uint8_t>>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::vector<StoredRecord> decodeLog(const Log& log) {
  std::vector<StoredRecord> out;
  for (const auto& batch : log.batches()) {
    protocol::DecodeError error;
    const auto view = protocol::RecordBatchView::parse(batch.bytes, error);
    if (!view) continue;
    auto cursor = view->records(threadDecompressor(log.config().maxDecompressedBatchBytes));
    protocol::RecordView record;
    while (cursor.next(record)) {
      StoredRecord r;
      r.offset = view->offsetOf(record);
      r.timestamp = view->timestampOf(record);
      r.key = asString(record.key);
      r.value = asString(record.value);
      auto headers = record.headers();
      protocol::RecordHeaderView header;
      while (headers.next(header)) r.headers.emplace_back(std::string(header.key), asString(header.value));
      r.producerId = view->producerId();
      r.leaderEpoch = view->partitionLeaderEpoch();
      out.push_back(std::move(r));
    }
  }
  return out;
}

// The broker-wide log settings every partition starts from; each topic's configs
// (resolveTopicConfig, with these options as the static broker configs) then apply.
LogConfig logConfigFor(const MockClusterOptions& options) {
  if (options.logMessageTimestampType != "CreateTime" && options.logMessageTimestampType != "LogAppendTime") {
    throw std::invalid_argument("log.message.timestamp.type must be CreateTime or LogAppendTime, not " +
                                options.logMessageTimestampType);
  }
  if (!brokerCompressionTypeForName(options.compressionType)) {
    throw std::invalid_argument("compression.type must be producer, uncompressed, gzip, snappy, lz4 or zstd, not " +
                                options.compressionType);
  }
  LogConfig config;
  config.retentionBytes = options.retentionBytes;
  config.maxMessageBytes = options.messageMaxBytes;
  config.maxDecompressedBatchBytes = options.maxDecompressedBatchBytes;
  return config;
}

}  // namespace

class MockCluster::Impl {
 public:
  explicit Impl(MockClusterOptions o)
      : options(std::move(o)), controller(options), requestLog(options.requestLogCapacity) {
    if (options.brokers < 1) throw std::invalid_argument("MockCluster needs at least one broker");
    if (options.ports.size() > static_cast<std::size_t>(options.brokers)) {
      throw std::invalid_argument("more ports than brokers");
    }
    // Auto-creation uses these; checked here so that no request can meet them.
    if (options.defaultPartitions < 1) throw std::invalid_argument("defaultPartitions must be at least 1");
    if (options.defaultReplicationFactor < 1) throw std::invalid_argument("defaultReplicationFactor must be at least 1");
    const auto& g = options.groupCoordinator;
    if (g.offsetsTopicPartitions < 1 || g.offsetsTopicReplicationFactor < 1) {
      throw std::invalid_argument("offsets.topic.num.partitions and offsets.topic.replication.factor must be >= 1");
    }
    if (g.initialRebalanceDelayMs < 0 || g.minSessionTimeoutMs < 0 || g.minSessionTimeoutMs > g.maxSessionTimeoutMs ||
        g.offsetCommitTimeoutMs < 1 || g.offsetMetadataMaxBytes < 0 || g.maxSize < 1) {
      throw std::invalid_argument("group coordinator options out of range (min session timeout above the max?)");
    }
    for (int32_t id = 1; id <= options.brokers; ++id) {
      auto& s = storage[id] = std::make_unique<BrokerStorage>();
      s->logConfig = logConfigFor(options);
      brokers[id] = std::make_unique<Broker>(id, options, controller, faults, *s, &requestLog);
      const auto index = static_cast<std::size_t>(id - 1);
      ports[id] = index < options.ports.size() ? options.ports[index] : 0;
      controller.registerBroker(id, options.host, ports[id], brokers[id].get());
    }
    for (auto& [id, broker] : brokers) startLocked(id);
  }

  ~Impl() {
    for (auto& [id, broker] : brokers) broker->stop();
  }

  void startLocked(int32_t id) {
    Broker& broker = *brokers.at(id);
    if (broker.running()) return;
    ports[id] = broker.start(ports[id]);  // a restart binds the old port again
    controller.setBrokerPort(id, ports[id]);
    controller.brokerStarted(id);
    syncLocked();
  }

  void stopLocked(int32_t id, StopMode mode) {
    Broker& broker = *brokers.at(id);
    if (!broker.running()) return;
    if (mode == StopMode::Clean) {
      // Controlled shutdown: leadership moves first, so waiting produces answer
      // NOT_LEADER_OR_FOLLOWER (spec 6.4) before the sockets close.
      controller.prepareShutdown(id);
      syncLocked();
    }
    broker.stop();
    controller.brokerStopped(id);
    syncLocked();
  }

  /// Waits until every running broker has processed what the controller has pushed so far
  /// (pushes are posted in order, so a no-op posted after them runs after them).
  void syncLocked() {
    for (auto& [id, broker] : brokers) broker->call([](ReplicaManager&) {});
  }

  /// Every replica this broker holds: from its thread when running, from its storage when not.
  std::map<TopicPartition, ReplicaView> replicaStates(int32_t id) {
    std::map<TopicPartition, ReplicaView> states;
    Broker& broker = *brokers.at(id);
    const bool running = broker.call([&](ReplicaManager& rm) {
      for (const auto& [tp, partition] : rm.partitions()) {
        states[tp] = ReplicaView{id, true, partition->logStartOffset(), partition->logEndOffset(),
                                 partition->highWatermark()};
      }
    });
    if (!running) {
      for (const auto& [tp, log] : storage.at(id)->logs) {
        states[tp] = ReplicaView{id, false, log->logStartOffset(), log->logEndOffset(), -1};
      }
    }
    return states;
  }

  /// The broker leading the group's partition of __consumer_offsets, or -1.
  int32_t coordinatorOf(const std::string& groupId) const {
    const auto reg = controller.partition(
        {std::string(kGroupMetadataTopicName),
         groupMetadataPartitionFor(groupId, options.groupCoordinator.offsetsTopicPartitions)});
    return reg ? reg->leader : -1;
  }

  /// Runs `fn` on the coordinator of `groupId`; throws std::out_of_range when none runs.
  void onCoordinator(const std::string& groupId, const std::function<void(GroupCoordinator&)>& fn) {
    const int32_t id = coordinatorOf(groupId);
    const auto it = brokers.find(id);
    if (it == brokers.end() || !it->second->callCoordinator(fn)) {
      throw std::out_of_range("no running coordinator holds group '" + groupId + "'");
    }
  }

  MockClusterOptions options;
  Controller controller;
  RequestLog requestLog;
  FaultInjector faults;
  std::map<int32_t, std::unique_ptr<BrokerStorage>> storage;
  std::map<int32_t, std::unique_ptr<Broker>> brokers;
  std::map<int32_t, uint16_t> ports;
  std::mutex mutex;  ///< serialises start, stop and views
};

MockCluster::MockCluster(MockClusterOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  for (const auto& topic : impl_->options.topics) createTopic(topic);
}

MockCluster::~MockCluster() = default;

std::string MockCluster::bootstrapServers() const {
  std::string out;
  for (const auto& b : brokers()) {
    if (!out.empty()) out += ',';
    out += b.host + ':' + std::to_string(b.port);
  }
  return out;
}

std::vector<BrokerView> MockCluster::brokers() const {
  std::vector<BrokerView> out;
  for (const auto& b : impl_->controller.snapshot().brokers) out.push_back({b.id, b.host, b.port, b.alive});
  return out;
}

int32_t MockCluster::controllerId() const { return impl_->controller.controllerId(); }

const MockClusterOptions& MockCluster::options() const noexcept { return impl_->options; }

void MockCluster::createTopic(const TopicSpec& topic) {
  std::lock_guard lock(impl_->mutex);
  impl_->controller.createTopic(topic);
  impl_->syncLocked();
}

void MockCluster::deleteTopic(const std::string& topic) {
  std::lock_guard lock(impl_->mutex);
  if (const ApiError e = impl_->controller.deleteTopic(topic); !e.ok()) throw std::out_of_range("no topic " + topic);
  impl_->syncLocked();
}

void MockCluster::createPartitions(const std::string& topic, int32_t partitions) {
  std::lock_guard lock(impl_->mutex);
  const ApiError e = impl_->controller.createPartitions(topic, partitions, std::nullopt, false);
  if (e.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) throw std::out_of_range("no topic " + topic);
  if (!e.ok()) throw std::invalid_argument(e.message);
  impl_->syncLocked();
}

void MockCluster::alterTopicConfigs(const std::string& topic,
                                    const std::map<std::string, std::optional<std::string>>& changes) {
  std::lock_guard lock(impl_->mutex);
  const ApiError e = impl_->controller.alterTopicConfigs(
      topic,
      [&](TopicConfigOverrides& configs) -> ApiError {
        for (const auto& [name, value] : changes) {
          if (!value) {
            if (!findTopicConfig(name)) return {ErrorCode::INVALID_CONFIG, "Unknown topic config name: " + name};
            configs.erase(name);
            continue;
          }
          std::string canonical;
          if (ApiError invalid = canonicalTopicConfigValue(name, *value, canonical); !invalid.ok()) return invalid;
          configs[name] = canonical;
        }
        return {};
      },
      false);
  if (e.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) throw std::out_of_range("no topic " + topic);
  if (!e.ok()) throw std::invalid_argument(e.message);
  impl_->syncLocked();
}

std::map<std::string, std::string> MockCluster::topicConfigs(const std::string& topic) const {
  auto configs = impl_->controller.topicConfigs(topic);
  if (!configs) throw std::out_of_range("no topic " + topic);
  return *configs;
}

std::vector<RequestRecord> MockCluster::requests(const RequestFilter& filter) const {
  return impl_->requestLog.requests(filter);
}

uint64_t MockCluster::lastRequestSequence() const { return impl_->requestLog.lastSequence(); }

void MockCluster::clearRequests() { impl_->requestLog.clear(); }

void MockCluster::stopBroker(int32_t brokerId, StopMode mode) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->brokers.contains(brokerId)) throw std::invalid_argument("no broker " + std::to_string(brokerId));
  impl_->stopLocked(brokerId, mode);
}

void MockCluster::startBroker(int32_t brokerId) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->brokers.contains(brokerId)) throw std::invalid_argument("no broker " + std::to_string(brokerId));
  impl_->startLocked(brokerId);
}

bool MockCluster::isBrokerRunning(int32_t brokerId) const {
  const auto it = impl_->brokers.find(brokerId);
  return it != impl_->brokers.end() && it->second->running();
}

void MockCluster::moveLeader(const std::string& topic, int32_t partition, int32_t brokerId, bool unclean) {
  std::lock_guard lock(impl_->mutex);
  impl_->controller.moveLeader({topic, partition}, brokerId, unclean);
  impl_->syncLocked();
}

void MockCluster::pushRequestErrors(int16_t apiKey, std::vector<ErrorCode> errors, int32_t brokerId,
                                    std::chrono::milliseconds delay) {
  impl_->faults.pushRequestErrors(apiKey, errors, brokerId, delay);
}

void MockCluster::setBrokerRtt(int32_t brokerId, std::chrono::milliseconds rtt) { impl_->faults.setRtt(brokerId, rtt); }

void MockCluster::stallFollower(int32_t brokerId, bool stalled) {
  impl_->faults.setStalled(brokerId, stalled);
  if (const auto it = impl_->brokers.find(brokerId); it != impl_->brokers.end()) it->second->wakeFetchers();
}

void MockCluster::cutNetwork(int32_t brokerA, int32_t brokerB) {
  impl_->faults.setCut(brokerA, brokerB, true);
  for (int32_t id : {brokerA, brokerB}) {
    if (const auto it = impl_->brokers.find(id); it != impl_->brokers.end()) it->second->wakeFetchers();
  }
}

void MockCluster::healNetwork(int32_t brokerA, int32_t brokerB) {
  impl_->faults.setCut(brokerA, brokerB, false);
  for (int32_t id : {brokerA, brokerB}) {
    if (const auto it = impl_->brokers.find(id); it != impl_->brokers.end()) it->second->wakeFetchers();
  }
}

void MockCluster::healAll() {
  impl_->faults.healAll();
  for (auto& [id, broker] : impl_->brokers) broker->wakeFetchers();
}

std::vector<PartitionView> MockCluster::partitions() const {
  std::lock_guard lock(impl_->mutex);
  const MetadataSnapshot snapshot = impl_->controller.snapshot();
  std::map<int32_t, std::map<TopicPartition, ReplicaView>> states;
  for (const auto& [id, broker] : impl_->brokers) states[id] = impl_->replicaStates(id);
  std::vector<PartitionView> out;
  for (const auto& [name, topic] : snapshot.topics) {
    for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
      const auto& reg = topic.partitions[i];
      PartitionView v{name, static_cast<int32_t>(i), reg.leader, reg.leaderEpoch, reg.replicas, reg.isr, {}};
      const TopicPartition tp{name, static_cast<int32_t>(i)};
      for (int32_t r : reg.replicas) {
        const auto& byTp = states[r];
        const auto it = byTp.find(tp);
        v.replicaStates.push_back(it != byTp.end() ? it->second : ReplicaView{r, impl_->brokers.at(r)->running(), 0, 0, -1});
      }
      out.push_back(std::move(v));
    }
  }
  return out;
}

PartitionView MockCluster::partition(const std::string& topic, int32_t partition) const {
  for (auto& p : partitions()) {
    if (p.topic == topic && p.partition == partition) return p;
  }
  throw std::out_of_range("no partition " + topic + "-" + std::to_string(partition));
}

std::vector<StoredRecord> MockCluster::records(const std::string& topic, int32_t partition, int32_t brokerId) const {
  std::lock_guard lock(impl_->mutex);
  const TopicPartition tp{topic, partition};
  const auto reg = impl_->controller.partition(tp);
  if (!reg || std::find(reg->replicas.begin(), reg->replicas.end(), brokerId) == reg->replicas.end()) {
    throw std::out_of_range("broker " + std::to_string(brokerId) + " holds no replica of " + tp.toString());
  }
  std::vector<StoredRecord> out;
  Broker& broker = *impl_->brokers.at(brokerId);
  const bool running = broker.call([&](ReplicaManager&) {
    auto& logs = impl_->storage.at(brokerId)->logs;
    if (const auto it = logs.find(tp); it != logs.end()) out = decodeLog(*it->second);
  });
  if (!running) {
    auto& logs = impl_->storage.at(brokerId)->logs;
    if (const auto it = logs.find(tp); it != logs.end()) out = decodeLog(*it->second);
  }
  return out;
}

}  // namespace kafkalite::mock

namespace kafkalite::mock {

int32_t MockCluster::groupCoordinator(const std::string& groupId) const { return impl_->coordinatorOf(groupId); }

std::vector<GroupView> MockCluster::groups() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<GroupView> out;
  for (const auto& [id, broker] : impl_->brokers) {
    broker->callCoordinator([&, brokerId = id](GroupCoordinator& coordinator) {
      for (auto& view : coordinator.groupViews()) {
        view.coordinator = brokerId;
        out.push_back(std::move(view));
      }
    });
  }
  // Lag: each committed partition's high watermark, read on its leader.
  std::map<int32_t, std::vector<CommittedOffsetView*>> byLeader;
  for (auto& view : out) {
    for (auto& o : view.offsets) {
      if (const auto reg = impl_->controller.partition({o.topic, o.partition}); reg && reg->leader >= 0) {
        byLeader[reg->leader].push_back(&o);
      }
    }
  }
  for (auto& entry : byLeader) {
    // A lambda cannot capture a structured binding before C++20's P1091 (clang 14 refuses it).
    auto& offsets = entry.second;
    impl_->brokers.at(entry.first)->call([&](ReplicaManager& rm) {
      for (CommittedOffsetView* o : offsets) {
        const Partition* p = rm.partition({o->topic, o->partition});
        if (p == nullptr || !p->isLeader()) continue;
        o->highWatermark = p->highWatermark();
        o->lag = std::max<int64_t>(0, o->highWatermark - o->offset);
      }
    });
  }
  std::sort(out.begin(), out.end(), [](const GroupView& a, const GroupView& b) { return a.groupId < b.groupId; });
  return out;
}

GroupView MockCluster::group(const std::string& groupId) const {
  for (auto& g : groups()) {
    if (g.groupId == groupId) return g;
  }
  throw std::out_of_range("no group '" + groupId + "'");
}

void MockCluster::expireMemberSession(const std::string& groupId, const std::string& memberId) {
  std::lock_guard lock(impl_->mutex);
  bool expired = false;
  impl_->onCoordinator(groupId, [&](GroupCoordinator& c) { expired = c.expireMemberSession(groupId, memberId); });
  if (!expired) throw std::out_of_range("group '" + groupId + "' has no member '" + memberId + "'");
}

void MockCluster::rebalanceGroup(const std::string& groupId) {
  std::lock_guard lock(impl_->mutex);
  auto outcome = GroupCoordinator::RebalanceOutcome::UnknownGroup;
  impl_->onCoordinator(groupId, [&](GroupCoordinator& c) { outcome = c.forceRebalance(groupId); });
  if (outcome == GroupCoordinator::RebalanceOutcome::UnknownGroup) throw std::out_of_range("no group '" + groupId + "'");
  if (outcome == GroupCoordinator::RebalanceOutcome::NoMembers) {
    throw std::invalid_argument("group '" + groupId + "' has no members to rebalance");
  }
}

}  // namespace kafkalite::mock
