#include "mockbroker/controller.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "protocol/topic_name.hpp"

namespace kafkalite::mock {

namespace {
bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string idList(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}
}  // namespace

Controller::Controller(const MockClusterOptions& options) : options_(options) {}

void Controller::registerBroker(int32_t id, std::string host, uint16_t port, ControllerListener* listener) {
  std::lock_guard lock(mutex_);
  brokers_[id] = BrokerRegistration{id, std::move(host), port, false};
  listeners_[id] = listener;
}

void Controller::setBrokerPort(int32_t id, uint16_t port) {
  std::lock_guard lock(mutex_);
  brokers_.at(id).port = port;
}

bool Controller::aliveLocked(int32_t id) const {
  const auto it = brokers_.find(id);
  return it != brokers_.end() && it->second.alive;
}

int32_t Controller::controllerIdLocked() const {
  for (const auto& [id, b] : brokers_) {
    if (b.alive) return id;
  }
  return -1;
}

int32_t Controller::controllerId() const {
  std::lock_guard lock(mutex_);
  return controllerIdLocked();
}

void Controller::createTopic(const TopicSpec& spec) {
  std::lock_guard lock(mutex_);
  if (topics_.contains(spec.name)) throw std::invalid_argument("topic '" + spec.name + "' already exists");
  if (isInternalTopic(spec.name)) {
    throw std::invalid_argument("topic '" + spec.name + "' is internal: the group coordinator creates it");
  }
  createTopicLocked(spec);
}

bool Controller::createGroupMetadataTopicIfAbsent() {
  std::lock_guard lock(mutex_);
  return createGroupMetadataTopicLocked();
}

bool Controller::createGroupMetadataTopicLocked() {
  const std::string name(kGroupMetadataTopicName);
  if (topics_.contains(name)) return true;
  if (controllerIdLocked() < 0) return false;
  const auto& config = options_.groupCoordinator;
  TopicSpec spec;
  spec.name = name;
  spec.partitions = std::max(1, config.offsetsTopicPartitions);
  spec.replicationFactor = static_cast<int16_t>(
      std::clamp<int32_t>(config.offsetsTopicReplicationFactor, 1, static_cast<int32_t>(brokers_.size())));
  createTopicLocked(spec, true);
  return true;
}

bool Controller::createTopicIfAbsent(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (topics_.contains(name)) return true;
  if (isInternalTopic(name)) return createGroupMetadataTopicLocked();
  if (!options_.autoCreateTopics || controllerIdLocked() < 0 || !protocol::isValidTopicName(name)) return false;
  TopicSpec spec;
  spec.name = name;
  spec.partitions = options_.defaultPartitions;
  spec.replicationFactor =
      static_cast<int16_t>(std::min<int32_t>(options_.defaultReplicationFactor, static_cast<int32_t>(brokers_.size())));
  try {
    createTopicLocked(spec);
  } catch (const std::invalid_argument&) {
    return false;  // defaults the cluster's constructor checked; not reached
  }
  return true;
}

void Controller::createTopicLocked(const TopicSpec& spec, bool internal) {
  const auto brokerCount = static_cast<int32_t>(brokers_.size());
  if (auto why = protocol::topicNameError(spec.name)) throw std::invalid_argument(*why);  // Kafka's Topic.validate
  if (spec.partitions < 1) throw std::invalid_argument("topic '" + spec.name + "': partitions must be >= 1");
  if (spec.replicationFactor < 1 || spec.replicationFactor > brokerCount) {
    throw std::invalid_argument("topic '" + spec.name + "': replication factor " +
                                std::to_string(spec.replicationFactor) + " not in [1, " +
                                std::to_string(brokerCount) + "]");
  }
  TopicConfigOverrides configs;
  for (const auto& [name, value] : spec.configs) {
    std::string canonical;
    if (const ApiError e = canonicalTopicConfigValue(name, value, canonical); !e.ok()) {
      throw std::invalid_argument("topic '" + spec.name + "': " + e.message);
    }
    configs[name] = canonical;
  }
  if (spec.minInsyncReplicas) configs["min.insync.replicas"] = std::to_string(*spec.minInsyncReplicas);
  if (const ApiError e = validateTopicConfigs(configs); !e.ok()) {
    throw std::invalid_argument("topic '" + spec.name + "': " + e.message);
  }
  // Every registered broker, running or not, may hold a replica (the ISR starts with the
  // live ones).
  std::vector<int32_t> ids;
  for (const auto& [id, b] : brokers_) ids.push_back(id);
  addTopicLocked(spec.name, placeLocked(spec.name, ids, 0, spec.partitions, spec.replicationFactor), std::move(configs),
                 internal);
}

std::vector<std::vector<int32_t>> Controller::placeLocked(const std::string& topic, const std::vector<int32_t>& ids,
                                                          int32_t first, int32_t count, int32_t replicationFactor) const {
  // Kafka's rack-unaware assignment: replica r of partition p on broker (start + p + r) mod n,
  // so leaders spread over the brokers.
  std::vector<std::vector<int32_t>> out;
  if (ids.empty()) return out;
  const auto n = static_cast<int64_t>(ids.size());
  const auto start = static_cast<int64_t>(std::hash<std::string>{}(topic) % ids.size());
  for (int64_t p = first; p < static_cast<int64_t>(first) + count; ++p) {
    std::vector<int32_t> replicas;
    for (int64_t r = 0; r < replicationFactor; ++r) replicas.push_back(ids[static_cast<std::size_t>((start + p + r) % n)]);
    out.push_back(std::move(replicas));
  }
  return out;
}

PartitionRegistration Controller::newPartitionLocked(const std::vector<int32_t>& replicas) const {
  PartitionRegistration reg;
  reg.replicas = replicas;
  for (int32_t id : reg.replicas) {
    if (aliveLocked(id)) reg.isr.push_back(id);
  }
  reg.leader = reg.isr.empty() ? -1 : reg.isr.front();
  reg.leaderEpoch = 0;
  return reg;
}

void Controller::addTopicLocked(const std::string& name, const std::vector<std::vector<int32_t>>& assignment,
                                TopicConfigOverrides configs, bool internal) {
  TopicRegistration topic;
  topic.name = name;
  topic.internal = internal;
  topic.id = newTopicIdLocked();
  topic.config = resolveTopicConfig(configs, options_);
  topic.configs = std::move(configs);
  for (const auto& replicas : assignment) topic.partitions.push_back(newPartitionLocked(replicas));
  auto& stored = topics_[name] = std::move(topic);
  for (std::size_t p = 0; p < stored.partitions.size(); ++p) {
    pushLocked(name, static_cast<int32_t>(p), stored.partitions[p], stored.config);
  }
}

void Controller::pushLocked(const std::string& topic, int32_t partition, const PartitionRegistration& p,
                            const TopicConfig& config) {
  LeaderAndIsr state{p.leader, p.leaderEpoch, p.isr, p.replicas, {}};
  for (int32_t replica : p.replicas) {
    if (!aliveLocked(replica)) state.offlineReplicas.push_back(replica);
  }
  const TopicPartition tp{topic, partition};
  for (int32_t replica : p.replicas) {
    if (!aliveLocked(replica)) continue;
    if (auto it = listeners_.find(replica); it != listeners_.end() && it->second) {
      it->second->onLeaderAndIsr(tp, state, config);
    }
  }
}

void Controller::electLocked(const std::string& topic, int32_t partition, PartitionRegistration& p, int32_t excluded) {
  // spec 6.1: the first replica in assignment order that is live and in the ISR.
  int32_t leader = -1;
  for (int32_t r : p.replicas) {
    if (r != excluded && aliveLocked(r) && contains(p.isr, r)) {
      leader = r;
      break;
    }
  }
  const auto topicIt = topics_.find(topic);
  const bool unclean = topicIt != topics_.end() && topicIt->second.config.uncleanLeaderElection;
  if (leader < 0 && unclean) {
    // spec 6.1: unclean election picks the first live assigned replica; ISR = [leader].
    for (int32_t r : p.replicas) {
      if (r != excluded && aliveLocked(r)) {
        leader = r;
        p.isr = {r};
        break;
      }
    }
  }
  p.leader = leader;
  ++p.leaderEpoch;  // spec 6.2: every election bumps the epoch
  (void)partition;
}

void Controller::brokerStarted(int32_t id) {
  std::lock_guard lock(mutex_);
  brokers_.at(id).alive = true;
  for (auto& [name, topic] : topics_) {
    for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
      auto& p = topic.partitions[i];
      if (!contains(p.replicas, id)) continue;
      if (p.leader < 0) {
        // An offline partition can be led again once an ISR member is back (spec 6.1).
        if (contains(p.isr, id) || p.isr.empty() || topic.config.uncleanLeaderElection) {
          if (p.isr.empty()) p.isr = {id};
          electLocked(name, static_cast<int32_t>(i), p, -1);
        }
        pushLocked(name, static_cast<int32_t>(i), p, topic.config);
      } else {
        // It rejoins as a follower (spec 6.3); the leader learns it is ISR-eligible again.
        pushLocked(name, static_cast<int32_t>(i), p, topic.config);
      }
    }
  }
}

void Controller::brokerStopped(int32_t id) {
  std::lock_guard lock(mutex_);
  brokers_.at(id).alive = false;
  for (auto& [name, topic] : topics_) {
    for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
      auto& p = topic.partitions[i];
      if (!contains(p.replicas, id)) continue;
      const bool wasLeader = p.leader == id;
      // A dead broker leaves the ISR, except the last member (spec 6.2): with unclean
      // election off it is the only one that may lead again.
      if (contains(p.isr, id) && p.isr.size() > 1) std::erase(p.isr, id);
      if (wasLeader) {
        electLocked(name, static_cast<int32_t>(i), p, id);
        pushLocked(name, static_cast<int32_t>(i), p, topic.config);
      } else if (p.leader >= 0) {
        // The leader learns the smaller ISR, so acks=-1 need not wait for the dead follower.
        pushLocked(name, static_cast<int32_t>(i), p, topic.config);
      }
    }
  }
}

void Controller::prepareShutdown(int32_t id) {
  std::lock_guard lock(mutex_);
  for (auto& [name, topic] : topics_) {
    for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
      auto& p = topic.partitions[i];
      if (p.leader != id) continue;
      // Move leadership to another live ISR member if there is one; otherwise keep it
      // (brokerStopped then takes the partition offline, as Kafka would).
      const bool other = std::any_of(p.isr.begin(), p.isr.end(), [&](int32_t r) { return r != id && aliveLocked(r); });
      if (!other) continue;
      electLocked(name, static_cast<int32_t>(i), p, id);
      std::erase(p.isr, id);
      pushLocked(name, static_cast<int32_t>(i), p, topic.config);
    }
  }
}

bool Controller::alterPartitionIsr(const TopicPartition& tp, int32_t leaderId, int32_t leaderEpoch,
                                   const std::vector<int32_t>& isr) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(tp.topic);
  if (it == topics_.end() || tp.partition < 0 || tp.partition >= static_cast<int32_t>(it->second.partitions.size())) {
    return false;
  }
  auto& p = it->second.partitions[static_cast<std::size_t>(tp.partition)];
  if (p.leader != leaderId || p.leaderEpoch != leaderEpoch || isr.empty()) return false;
  // Kafka rejects an ISR with a fenced (dead) broker in it.
  for (int32_t r : isr) {
    if (!contains(p.replicas, r) || !aliveLocked(r)) return false;
  }
  p.isr = isr;
  return true;
}

void Controller::moveLeader(const TopicPartition& tp, int32_t brokerId, bool unclean) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(tp.topic);
  if (it == topics_.end() || tp.partition < 0 || tp.partition >= static_cast<int32_t>(it->second.partitions.size())) {
    throw std::invalid_argument("no partition " + tp.toString());
  }
  auto& p = it->second.partitions[static_cast<std::size_t>(tp.partition)];
  if (!contains(p.replicas, brokerId)) {
    throw std::invalid_argument("broker " + std::to_string(brokerId) + " is not a replica of " + tp.toString() +
                                " (replicas " + idList(p.replicas) + ")");
  }
  const bool alive = aliveLocked(brokerId);
  const bool inSync = contains(p.isr, brokerId);
  if (!alive && unclean) {
    // Kafka's unclean election: no live replica to elect.
    throw std::system_error(make_error_code(ErrorCode::ELIGIBLE_LEADERS_NOT_AVAILABLE),
                            "broker " + std::to_string(brokerId) + " is not running, so it cannot lead " + tp.toString());
  }
  if (!alive || (!inSync && !unclean)) {
    // Kafka's preferred-replica election refuses a replica that is down or out of sync: it
    // may lack records the ISR acknowledged, which every replica would then truncate away.
    throw std::system_error(make_error_code(ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE),
                            "broker " + std::to_string(brokerId) + (alive ? " is not in the ISR " : " is not running; ISR ") +
                                idList(p.isr) + " of " + tp.toString() +
                                (alive ? ": electing it may lose acknowledged records; ask for an unclean move to do it anyway"
                                       : ""));
  }
  p.leader = brokerId;
  ++p.leaderEpoch;  // spec 6.2
  if (!inSync) p.isr = {brokerId};  // spec 6.1: an unclean election's ISR is the leader alone
  pushLocked(tp.topic, tp.partition, p, it->second.config);
}

MetadataSnapshot Controller::snapshot() const {
  std::lock_guard lock(mutex_);
  MetadataSnapshot s;
  for (const auto& [id, b] : brokers_) s.brokers.push_back(b);
  s.topics = topics_;
  s.controllerId = controllerIdLocked();
  return s;
}

std::optional<PartitionRegistration> Controller::partition(const TopicPartition& tp) const {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(tp.topic);
  if (it == topics_.end() || tp.partition < 0 || tp.partition >= static_cast<int32_t>(it->second.partitions.size())) {
    return std::nullopt;
  }
  return it->second.partitions[static_cast<std::size_t>(tp.partition)];
}

std::optional<BrokerRegistration> Controller::broker(int32_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = brokers_.find(id);
  if (it == brokers_.end()) return std::nullopt;
  return it->second;
}

bool Controller::topicExists(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return topics_.contains(name);
}

}  // namespace kafkalite::mock
