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
  createTopicLocked(spec);
}

bool Controller::createTopicIfAbsent(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (topics_.contains(name)) return true;
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

std::vector<int32_t> Controller::deleteTopic(const std::string& name) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) throw std::invalid_argument("topic '" + name + "' does not exist");
  const TopicRegistration topic = std::move(it->second);
  topics_.erase(it);
  std::vector<int32_t> hosts;
  for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
    const TopicPartition tp{name, static_cast<int32_t>(i)};
    for (const int32_t replica : topic.partitions[i].replicas) {
      if (!contains(hosts, replica)) hosts.push_back(replica);
      if (!aliveLocked(replica)) continue;
      if (const auto l = listeners_.find(replica); l != listeners_.end() && l->second) l->second->onStopReplica(tp);
    }
  }
  return hosts;
}

void Controller::createTopicLocked(const TopicSpec& spec) {
  const auto brokerCount = static_cast<int32_t>(brokers_.size());
  if (auto why = protocol::topicNameError(spec.name)) throw std::invalid_argument(*why);  // Kafka's Topic.validate
  if (spec.partitions < 1) throw std::invalid_argument("topic '" + spec.name + "': partitions must be >= 1");
  if (spec.replicationFactor < 1 || spec.replicationFactor > brokerCount) {
    throw std::invalid_argument("topic '" + spec.name + "': replication factor " +
                                std::to_string(spec.replicationFactor) + " not in [1, " +
                                std::to_string(brokerCount) + "]");
  }
  std::vector<int32_t> ids;
  for (const auto& [id, b] : brokers_) ids.push_back(id);
  TopicRegistration topic;
  topic.name = spec.name;
  topic.config.minInsyncReplicas = spec.minInsyncReplicas.value_or(options_.minInsyncReplicas);
  // Kafka's rack-unaware assignment: replica r of partition p on broker (start + p + r) mod n,
  // so leaders spread over the brokers.
  const auto start = static_cast<int32_t>(std::hash<std::string>{}(spec.name) % ids.size());
  for (int32_t p = 0; p < spec.partitions; ++p) {
    PartitionRegistration reg;
    for (int32_t r = 0; r < spec.replicationFactor; ++r) {
      reg.replicas.push_back(ids[static_cast<std::size_t>((start + p + r) % brokerCount)]);
    }
    for (int32_t id : reg.replicas) {
      if (aliveLocked(id)) reg.isr.push_back(id);
    }
    reg.leader = reg.isr.empty() ? -1 : reg.isr.front();
    reg.leaderEpoch = 0;
    topic.partitions.push_back(reg);
  }
  auto& stored = topics_[spec.name] = std::move(topic);
  for (int32_t p = 0; p < spec.partitions; ++p) {
    pushLocked(spec.name, p, stored.partitions[static_cast<std::size_t>(p)], stored.config);
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
  if (leader < 0 && options_.uncleanLeaderElection) {
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
  (void)topic;
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
        if (contains(p.isr, id) || p.isr.empty() || options_.uncleanLeaderElection) {
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
