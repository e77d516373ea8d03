// Controller: topic administration (CreateTopics, DeleteTopics, CreatePartitions,
// AlterConfigs, ElectLeaders) with the checks and error messages of Kafka's controller
// (ReplicationControlManager, ConfigurationControlManager).

#include <algorithm>
#include <memory>

#include "mockbroker/controller.hpp"
#include "protocol/topic_name.hpp"

namespace kafkalite::mock {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Kafka's Topic.unifyCollisionChars: '.' and '_' collide in metric names.
std::string unifyCollisionChars(std::string name) {
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

}  // namespace

std::vector<int32_t> Controller::aliveBrokersLocked() const {
  std::vector<int32_t> ids;
  for (const auto& [id, b] : brokers_) {
    if (b.alive) ids.push_back(id);
  }
  return ids;
}

protocol::Uuid Controller::newTopicIdLocked() {
  for (;;) {
    const protocol::Uuid id{random_(), random_()};
    if (id == protocol::Uuid{}) continue;
    const bool used = std::any_of(topics_.begin(), topics_.end(), [&](const auto& t) { return t.second.id == id; });
    if (!used) return id;
  }
}

CreateTopicResult Controller::createTopic(const NewTopic& topic, bool validateOnly) {
  std::lock_guard lock(mutex_);
  CreateTopicResult result;
  if (const auto why = protocol::topicNameError(topic.name)) {
    result.error = {ErrorCode::INVALID_TOPIC_EXCEPTION, *why};
    return result;
  }
  if (topics_.contains(topic.name)) {
    result.error = {ErrorCode::TOPIC_ALREADY_EXISTS, "Topic '" + topic.name + "' already exists."};
    return result;
  }
  for (const auto& [name, existing] : topics_) {
    if (unifyCollisionChars(name) == unifyCollisionChars(topic.name)) {
      result.error = {ErrorCode::INVALID_TOPIC_EXCEPTION,
                      "Topic '" + topic.name + "' collides with existing topic: " + name};
      return result;
    }
  }
  // Configs first, as Kafka's controller computes them before the placement.
  std::vector<std::string> nullConfigs;
  for (const auto& [name, value] : topic.configs) {
    if (!value) {
      nullConfigs.push_back(name);
      continue;
    }
    std::string canonical;
    if (ApiError e = canonicalTopicConfigValue(name, *value, canonical); !e.ok()) {
      result.error = std::move(e);
      return result;
    }
    result.configs[name] = canonical;
  }
  if (!nullConfigs.empty()) {
    std::string names;
    for (const auto& n : nullConfigs) names += (names.empty() ? "" : ",") + n;
    result.error = {ErrorCode::INVALID_CONFIG, "Null value not supported for topic configs: " + names};
    return result;
  }
  if (ApiError e = validateTopicConfigs(result.configs); !e.ok()) {
    result.error = std::move(e);
    return result;
  }

  std::vector<std::vector<int32_t>> assignment;
  if (!topic.assignments.empty()) {
    if (topic.replicationFactor != -1) {
      result.error = {ErrorCode::INVALID_REQUEST,
                      "A manual partition assignment was specified, but replication factor was not set to -1."};
      return result;
    }
    if (topic.numPartitions != -1) {
      result.error = {ErrorCode::INVALID_REQUEST,
                      "A manual partition assignment was specified, but numPartitions was not set to -1."};
      return result;
    }
    std::map<int32_t, std::vector<int32_t>> byPartition;
    std::optional<std::size_t> replicationFactor;
    for (const auto& [partition, replicas] : topic.assignments) {
      if (byPartition.contains(partition)) {
        result.error = {ErrorCode::INVALID_REPLICA_ASSIGNMENT,
                        "Found multiple manual partition assignments for partition " + std::to_string(partition)};
        return result;
      }
      if (ApiError e = checkAssignmentLocked(replicas, replicationFactor, partition); !e.ok()) {
        result.error = std::move(e);
        return result;
      }
      replicationFactor = replicas.size();
      byPartition[partition] = replicas;
    }
    for (int32_t p = 0; p < static_cast<int32_t>(byPartition.size()); ++p) {
      if (!byPartition.contains(p)) {
        result.error = {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "partitions should be a consecutive 0-based integer sequence"};
        return result;
      }
      assignment.push_back(byPartition[p]);
    }
  } else if (topic.replicationFactor < -1 || topic.replicationFactor == 0) {
    result.error = {ErrorCode::INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value."};
    return result;
  } else if (topic.numPartitions < -1 || topic.numPartitions == 0) {
    result.error = {ErrorCode::INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value."};
    return result;
  } else {
    const int32_t partitions = topic.numPartitions == -1 ? options_.defaultPartitions : topic.numPartitions;
    const int32_t replicationFactor =
        topic.replicationFactor == -1 ? options_.defaultReplicationFactor : topic.replicationFactor;
    const std::vector<int32_t> alive = aliveBrokersLocked();
    if (replicationFactor > static_cast<int32_t>(alive.size())) {
      // The rule, as Kafka's ZooKeeper-based controller words it: live brokers only.
      result.error = {ErrorCode::INVALID_REPLICATION_FACTOR,
                      "Replication factor: " + std::to_string(replicationFactor) +
                          " larger than available brokers: " + std::to_string(alive.size()) + "."};
      return result;
    }
    assignment = placeLocked(topic.name, alive, 0, partitions, replicationFactor);
  }

  result.numPartitions = static_cast<int32_t>(assignment.size());
  result.replicationFactor = static_cast<int16_t>(assignment.front().size());
  for (const auto& replicas : assignment) {
    for (int32_t r : replicas) {
      if (aliveLocked(r)) result.replicaBrokers.insert(r);
    }
  }
  if (validateOnly) return result;
  addTopicLocked(topic.name, assignment, result.configs);
  result.topicId = topics_.at(topic.name).id;
  return result;
}

ApiError Controller::checkAssignmentLocked(const std::vector<int32_t>& replicas,
                                           std::optional<std::size_t> replicationFactor, int32_t partition) const {
  // Kafka's validateManualPartitionAssignment, then "all fenced" for the partition.
  if (replicas.empty()) {
    return {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list."};
  }
  std::vector<int32_t> sorted = replicas;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!brokers_.contains(sorted[i])) {
      return {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker " +
                                                         std::to_string(sorted[i]) + ", but no such broker is registered."};
    }
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the broker " +
                                                         std::to_string(sorted[i]) + " more than once."};
    }
  }
  if (replicationFactor && sorted.size() != *replicationFactor) {
    return {ErrorCode::INVALID_REPLICA_ASSIGNMENT,
            "The manual partition assignment includes a partition with " + std::to_string(sorted.size()) +
                " replica(s), but this is not consistent with previous partitions, which have " +
                std::to_string(*replicationFactor) + " replica(s)."};
  }
  if (std::none_of(replicas.begin(), replicas.end(), [&](int32_t r) { return aliveLocked(r); })) {
    return {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "All brokers specified in the manual partition assignment for partition " +
                                                       std::to_string(partition) + " are fenced or in controlled shutdown."};
  }
  return {};
}

ApiError Controller::deleteTopic(const std::string& name, std::set<int32_t>* replicaBrokers) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."};
  const TopicRegistration topic = std::move(it->second);
  topics_.erase(it);
  // Removed from the metadata first, so that what the replicas answer while they drop it
  // (spec 1.7(a)) already says the topic is unknown.
  for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
    const TopicPartition tp{name, static_cast<int32_t>(p)};
    for (int32_t replica : topic.partitions[p].replicas) {
      if (replicaBrokers && aliveLocked(replica)) replicaBrokers->insert(replica);
      if (auto l = listeners_.find(replica); l != listeners_.end() && l->second) l->second->onStopReplica(tp, true);
    }
  }
  return {};
}

std::optional<std::string> Controller::topicName(const protocol::Uuid& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, topic] : topics_) {
    if (topic.id == id) return name;
  }
  return std::nullopt;
}

std::optional<protocol::Uuid> Controller::topicId(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second.id;
}

ApiError Controller::createPartitions(const std::string& name, int32_t count,
                                      const std::optional<std::vector<std::vector<int32_t>>>& assignments,
                                      bool validateOnly, std::set<int32_t>* replicaBrokers) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."};
  TopicRegistration& topic = it->second;
  const auto current = static_cast<int32_t>(topic.partitions.size());
  if (count == current) {
    return {ErrorCode::INVALID_PARTITIONS, "Topic already has " + std::to_string(current) + " partition(s)."};
  }
  if (count < current) {
    return {ErrorCode::INVALID_PARTITIONS, "The topic " + name + " currently has " + std::to_string(current) +
                                               " partition(s); " + std::to_string(count) + " would not be an increase."};
  }
  const int32_t additional = count - current;
  const std::size_t replicationFactor = topic.partitions.front().replicas.size();
  std::vector<std::vector<int32_t>> added;
  if (assignments) {
    if (static_cast<int32_t>(assignments->size()) != additional) {
      return {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + std::to_string(additional) +
                                                         " additional partition(s), but only " +
                                                         std::to_string(assignments->size()) + " assignment(s) were specified."};
    }
    for (std::size_t i = 0; i < assignments->size(); ++i) {
      if (ApiError e = checkAssignmentLocked((*assignments)[i], replicationFactor, current + static_cast<int32_t>(i));
          !e.ok()) {
        return e;
      }
    }
    added = *assignments;
  } else {
    const std::vector<int32_t> alive = aliveBrokersLocked();
    if (replicationFactor > alive.size()) {
      return {ErrorCode::INVALID_REPLICATION_FACTOR, "Replication factor: " + std::to_string(replicationFactor) +
                                                         " larger than available brokers: " + std::to_string(alive.size()) +
                                                         "."};
    }
    added = placeLocked(name, alive, current, additional, static_cast<int32_t>(replicationFactor));
  }
  if (validateOnly) return {};
  for (const auto& replicas : added) {
    topic.partitions.push_back(newPartitionLocked(replicas));
    const auto p = static_cast<int32_t>(topic.partitions.size() - 1);
    pushLocked(name, p, topic.partitions.back(), topic.config);
    if (replicaBrokers) {
      for (int32_t r : replicas) {
        if (aliveLocked(r)) replicaBrokers->insert(r);
      }
    }
  }
  return {};
}

ApiError Controller::alterTopicConfigs(const std::string& name, const std::function<ApiError(TopicConfigOverrides&)>& edit,
                                       bool validateOnly) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist."};
  TopicRegistration& topic = it->second;
  TopicConfigOverrides next = topic.configs;
  if (ApiError e = edit(next); !e.ok()) return e;
  if (ApiError e = validateTopicConfigs(next); !e.ok()) return e;
  if (validateOnly) return {};
  topic.configs = std::move(next);
  topic.config = resolveTopicConfig(topic.configs, options_);
  for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
    auto& p = topic.partitions[i];
    // Turning unclean election on elects the partitions that have no leader (Kafka's
    // controller does this when the config changes).
    if (p.leader < 0 && topic.config.uncleanLeaderElection) electLocked(name, static_cast<int32_t>(i), p, -1);
    pushLocked(name, static_cast<int32_t>(i), p, topic.config);
  }
  return {};
}

std::optional<TopicConfigOverrides> Controller::topicConfigs(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second.configs;
}

ApiError Controller::electLeader(const TopicPartition& tp, ElectionType type, std::set<int32_t>* replicaBrokers) {
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(tp.topic);
  if (it == topics_.end()) return {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "No such topic as " + tp.topic};
  TopicRegistration& topic = it->second;
  if (tp.partition < 0 || tp.partition >= static_cast<int32_t>(topic.partitions.size())) {
    return {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "No such partition as " + tp.toString()};
  }
  auto& p = topic.partitions[static_cast<std::size_t>(tp.partition)];
  const int32_t preferred = p.replicas.front();
  if ((type == ElectionType::Preferred && p.leader == preferred) || (type == ElectionType::Unclean && p.leader >= 0)) {
    return {ErrorCode::ELECTION_NOT_NEEDED, {}};
  }
  if (type == ElectionType::Preferred) {
    // Only an in-sync, live preferred replica may take over (Kafka's PREFERRED election).
    if (!aliveLocked(preferred) || !contains(p.isr, preferred)) return {ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE, {}};
    p.leader = preferred;
    ++p.leaderEpoch;  // spec 6.2
  } else {
    // spec 6.1 with unclean allowed: a live ISR member first, else the first live replica.
    int32_t leader = -1;
    for (int32_t r : p.replicas) {
      if (aliveLocked(r) && contains(p.isr, r)) {
        leader = r;
        break;
      }
    }
    if (leader < 0) {
      for (int32_t r : p.replicas) {
        if (aliveLocked(r)) {
          leader = r;
          p.isr = {r};
          break;
        }
      }
    }
    if (leader < 0) return {ErrorCode::ELIGIBLE_LEADERS_NOT_AVAILABLE, {}};
    p.leader = leader;
    ++p.leaderEpoch;  // spec 6.2
  }
  pushLocked(tp.topic, tp.partition, p, topic.config);
  if (replicaBrokers) {
    for (int32_t r : p.replicas) {
      if (aliveLocked(r)) replicaBrokers->insert(r);
    }
  }
  return {};
}

std::vector<TopicPartition> Controller::allPartitions() const {
  std::lock_guard lock(mutex_);
  std::vector<TopicPartition> out;
  for (const auto& [name, topic] : topics_) {
    for (std::size_t p = 0; p < topic.partitions.size(); ++p) out.push_back({name, static_cast<int32_t>(p)});
  }
  return out;
}

void Controller::whenPropagated(const std::set<int32_t>& brokers, int32_t replyBroker, std::function<void()> done) {
  std::vector<ControllerListener*> targets;
  ControllerListener* reply = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (int32_t id : brokers) {
      const auto it = listeners_.find(id);
      if (aliveLocked(id) && it != listeners_.end() && it->second) targets.push_back(it->second);
    }
    if (const auto it = listeners_.find(replyBroker); it != listeners_.end()) reply = it->second;
  }
  if (reply == nullptr) return;
  if (targets.empty()) {
    reply->post(std::move(done));
    return;
  }
  // Each target runs a no-op behind what was pushed to it; the last one to run hands
  // `done` to the replying broker.
  struct Barrier {
    std::atomic<std::size_t> remaining;
    std::function<void()> done;
    ControllerListener* reply;
  };
  auto barrier = std::make_shared<Barrier>();
  barrier->remaining = targets.size();
  barrier->done = std::move(done);
  barrier->reply = reply;
  for (ControllerListener* target : targets) {
    target->post([barrier] {
      if (barrier->remaining.fetch_sub(1) == 1) barrier->reply->post(std::move(barrier->done));
    });
  }
}

}  // namespace kafkalite::mock
