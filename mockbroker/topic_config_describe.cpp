#include "mockbroker/topic_config.hpp"

#include <algorithm>

namespace kafkalite::mock {

namespace {

using protocol::ConfigSource;
using protocol::ConfigType;

bool wanted(const std::optional<std::vector<std::string>>& keys, std::string_view name) {
  // Kafka's ConfigHelper: a null or empty key list means every config.
  return !keys || keys->empty() || std::find(keys->begin(), keys->end(), name) != keys->end();
}

}  // namespace

std::vector<ConfigEntry> describeTopicConfigs(const TopicConfigOverrides& overrides, const MockClusterOptions& options,
                                              const std::optional<std::vector<std::string>>& keys) {
  std::vector<ConfigEntry> out;
  for (const TopicConfigDef& def : topicConfigDefs()) {
    if (!wanted(keys, def.name)) continue;
    ConfigEntry entry;
    entry.name = std::string(def.name);
    entry.type = def.type;
    entry.documentation = std::string(def.documentation);
    // Kafka's ConfigHelper.createTopicConfigEntry: the topic's own value, then the broker
    // synonyms that are set, then the broker default; the first one is the source.
    if (const auto it = overrides.find(entry.name); it != overrides.end()) {
      entry.synonyms.push_back({entry.name, it->second, ConfigSource::DynamicTopicConfig});
    }
    if (!def.brokerSynonym.empty()) {
      const std::string broker(def.brokerSynonym);
      if (auto s = staticBrokerConfig(broker, options)) entry.synonyms.push_back({broker, *s, ConfigSource::StaticBrokerConfig});
      if (def.defaultSynonym.empty()) {
        entry.synonyms.push_back({broker, std::string(def.defaultValue), ConfigSource::DefaultConfig});
      } else {
        entry.synonyms.push_back(
            {std::string(def.defaultSynonym), std::string(def.defaultSynonymValue), ConfigSource::DefaultConfig});
      }
    }
    if (!entry.synonyms.empty() && entry.synonyms.front().source != ConfigSource::DefaultConfig) {
      entry.source = entry.synonyms.front().source;
      entry.value = entry.synonyms.front().value;
    } else {
      entry.source = ConfigSource::DefaultConfig;
      entry.value = std::string(def.defaultValue);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<ConfigEntry> describeBrokerConfigs(int32_t brokerId, const MockClusterOptions& options,
                                               const std::optional<std::vector<std::string>>& keys) {
  struct Static {
    std::string name;
    std::optional<std::string> value;
    bool set;  ///< given by the cluster's options (STATIC_BROKER_CONFIG)
    ConfigType type;
    bool readOnly;
    std::string documentation;
  };
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  std::vector<Static> all = {
      {"broker.id", std::to_string(brokerId), true, ConfigType::Int, true, "This broker's id."},
      {"num.partitions", std::to_string(options.defaultPartitions), options.defaultPartitions != 1, ConfigType::Int,
       true, "Partitions of an auto-created topic (and of CreateTopics with num_partitions -1)."},
      {"default.replication.factor", std::to_string(options.defaultReplicationFactor),
       options.defaultReplicationFactor != 1, ConfigType::Short, true,
       "Replication factor of an auto-created topic (and of CreateTopics with replication_factor -1)."},
      {"auto.create.topics.enable", flag(options.autoCreateTopics), !options.autoCreateTopics, ConfigType::Boolean, true,
       "Whether Metadata requests create unknown topics."},
      {"delete.topic.enable", "true", false, ConfigType::Boolean, true, "Whether DeleteTopics is allowed."},
      {"replica.lag.time.max.ms", std::to_string(options.replicaLagTimeMaxMs), options.replicaLagTimeMaxMs != 30000,
       ConfigType::Long, true, "How long a follower may lag before it leaves the ISR."},
      {"replica.fetch.wait.max.ms", std::to_string(options.replicaFetchWaitMaxMs), options.replicaFetchWaitMaxMs != 500,
       ConfigType::Int, true, "Longest wait of a follower's fetch."},
      {"replica.fetch.backoff.ms", std::to_string(options.replicaFetchBackoffMs),
       options.replicaFetchBackoffMs != 1000, ConfigType::Int, true, "Follower back-off after a fetch error."},
      {"socket.request.max.bytes", std::to_string(options.socketRequestMaxBytes),
       options.socketRequestMaxBytes != 104857600, ConfigType::Int, true, "Largest request frame."},
      {"log.retention.check.interval.ms", std::to_string(options.retentionCheckIntervalMs),
       options.retentionCheckIntervalMs != 300000, ConfigType::Long, true, "How often retention.ms is checked."},
  };
  // The topic configs' broker synonyms: dynamic broker configs in Kafka (not read-only).
  for (const TopicConfigDef& def : topicConfigDefs()) {
    if (def.brokerSynonym.empty()) continue;
    const std::string broker(def.brokerSynonym);
    const auto set = staticBrokerConfig(broker, options);
    std::optional<std::string> value = set;
    if (!value && def.defaultSynonym.empty()) value = std::string(def.defaultValue);
    all.push_back({broker, value, set.has_value(), def.type, false, std::string(def.documentation)});
    if (!def.defaultSynonym.empty() && def.defaultSynonym != def.brokerSynonym) {
      all.push_back({std::string(def.defaultSynonym), std::string(def.defaultSynonymValue), false,
                     def.defaultSynonym.ends_with("hours") ? ConfigType::Int : def.type, false,
                     std::string(def.documentation)});
    }
  }
  std::sort(all.begin(), all.end(), [](const Static& a, const Static& b) { return a.name < b.name; });
  all.erase(std::unique(all.begin(), all.end(), [](const Static& a, const Static& b) { return a.name == b.name; }),
            all.end());
  std::vector<ConfigEntry> out;
  for (const Static& s : all) {
    if (!wanted(keys, s.name)) continue;
    ConfigEntry entry;
    entry.name = s.name;
    entry.value = s.value;
    entry.source = s.set ? ConfigSource::StaticBrokerConfig : ConfigSource::DefaultConfig;
    entry.readOnly = s.readOnly;
    entry.type = s.type;
    entry.documentation = s.documentation;
    entry.synonyms.push_back({s.name, s.value, entry.source});
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace kafkalite::mock
