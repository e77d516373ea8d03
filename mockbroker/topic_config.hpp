#pragma once
/// \file
/// Topic configuration as Kafka has it (storage's LogConfig, ServerTopicConfigSynonyms):
/// every topic config with its type, default, validation and broker synonym; a topic's
/// dynamic configs (DYNAMIC_TOPIC_CONFIG) resolved over the cluster's static broker
/// configs (STATIC_BROKER_CONFIG, from MockClusterOptions) and Kafka's defaults
/// (DEFAULT_CONFIG); and the entries DescribeConfigs answers for topics and brokers.
///
/// The brokers act on TopicConfig, the resolved values of the configs the mock honours:
/// min.insync.replicas, retention.bytes, retention.ms, max.message.bytes,
/// message.timestamp.type, cleanup.policy (delete; compact is accepted and stored but
/// nothing is compacted) and unclean.leader.election.enable. compression.type and every
/// other config are validated, stored and described, but not enforced.
///
/// Threading: pure functions over values.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "protocol/messages/describe_configs.hpp"
#include "protocol/messages/incremental_alter_configs.hpp"

namespace kafkalite::mock {

/// An error and its message, as an admin API answers it (Kafka's ApiError).
struct ApiError {
  ErrorCode error = ErrorCode::NONE;
  std::string message;
  [[nodiscard]] bool ok() const noexcept { return error == ErrorCode::NONE; }
  /// The message to put on the wire: null on success, else `message` or, when empty,
  /// the error's description.
  [[nodiscard]] std::optional<std::string> wireMessage() const;
};

/// The values the brokers act on for one topic.
struct TopicConfig {
  int32_t minInsyncReplicas = 1;      ///< min.insync.replicas (spec 1.2, 2.3)
  int64_t retentionBytes = -1;        ///< retention.bytes per partition; -1 = unbounded
  int64_t retentionMs = 604800000;    ///< retention.ms; -1 = unbounded
  int32_t maxMessageBytes = 1048588;  ///< max.message.bytes (largest batch)
  bool logAppendTime = false;         ///< message.timestamp.type = LogAppendTime
  bool cleanupDelete = true;          ///< cleanup.policy contains delete (retention, DeleteRecords)
  bool cleanupCompact = false;        ///< cleanup.policy contains compact (keys required; not compacted)
  bool uncleanLeaderElection = false; ///< unclean.leader.election.enable (spec 6.1)
  std::string compressionType = "producer";  ///< compression.type (stored and checked; batches keep their codec)
  int64_t messageTimestampBeforeMaxMs = INT64_MAX;  ///< message.timestamp.before.max.ms
  int64_t messageTimestampAfterMaxMs = INT64_MAX;   ///< message.timestamp.after.max.ms
  bool operator==(const TopicConfig&) const = default;
};

/// A topic's dynamic configs: name → canonical value.
using TopicConfigOverrides = std::map<std::string, std::string>;

/// One of Kafka's topic configs.
struct TopicConfigDef {
  std::string_view name;
  protocol::ConfigType type;
  std::string_view defaultValue;  ///< Kafka's default, as DescribeConfigs writes it
  /// The broker config it takes its default from, or empty (no server default).
  std::string_view brokerSynonym;
  /// The broker config that holds Kafka's default when it is another synonym
  /// (log.retention.hours for retention.ms), and that default; empty when it is
  /// brokerSynonym itself.
  std::string_view defaultSynonym;
  std::string_view defaultSynonymValue;
  bool honoured;  ///< the mock acts on it
  std::string_view documentation;
};

/// Every topic config Kafka 3.9 knows, in Kafka's order.
std::span<const TopicConfigDef> topicConfigDefs() noexcept;
/// The definition of `name`, or nullptr for a name that is no topic config.
const TopicConfigDef* findTopicConfig(std::string_view name) noexcept;

/// Checks one value as Kafka's ConfigDef would and returns it in canonical form
/// (trimmed, numbers re-printed, booleans in lower case, lists joined with ","), or
/// INVALID_CONFIG with Kafka's message ("Invalid value x for configuration y: ...",
/// "Unknown topic config name: y").
[[nodiscard]] ApiError canonicalTopicConfigValue(std::string_view name, std::string_view value, std::string& out);

/// Checks a whole set of dynamic configs as Kafka's LogConfig.validate does after each
/// value passed: min.compaction.lag.ms ≤ max.compaction.lag.ms, and no tiered storage
/// (the mock has none). INVALID_CONFIG on failure.
[[nodiscard]] ApiError validateTopicConfigs(const TopicConfigOverrides& overrides);

/// IncrementalAlterConfigs on a topic's dynamic configs: SET (checked and made canonical),
/// DELETE (a config that is not set is fine), APPEND / SUBTRACT on list configs, from the
/// current value or the default. INVALID_CONFIG with Kafka's message otherwise.
[[nodiscard]] ApiError applyIncrementalAlter(TopicConfigOverrides& configs, const std::string& name,
                                             protocol::AlterConfigOp op, const std::optional<std::string>& value);

/// The value of broker config `brokerConfigName` that the cluster's options set
/// (STATIC_BROKER_CONFIG), or nothing when they leave it at Kafka's default.
[[nodiscard]] std::optional<std::string> staticBrokerConfig(std::string_view brokerConfigName,
                                                            const MockClusterOptions& options);

/// The values the brokers act on: each config from the topic's overrides, else from the
/// cluster's static broker config, else Kafka's default.
[[nodiscard]] TopicConfig resolveTopicConfig(const TopicConfigOverrides& overrides, const MockClusterOptions& options);

/// One entry of a DescribeConfigs answer.
struct ConfigEntry {
  struct Synonym {
    std::string name;
    std::optional<std::string> value;
    protocol::ConfigSource source = protocol::ConfigSource::DefaultConfig;
  };
  std::string name;
  std::optional<std::string> value;
  protocol::ConfigSource source = protocol::ConfigSource::DefaultConfig;
  bool readOnly = false;
  bool sensitive = false;
  protocol::ConfigType type = protocol::ConfigType::Unknown;
  std::vector<Synonym> synonyms;  ///< strongest first: topic, static broker, default
  std::string documentation;
};

/// Every topic config of a topic with these overrides (or only `keys`, when given), as
/// Kafka's ConfigHelper describes them: value, source, synonyms, type, documentation.
[[nodiscard]] std::vector<ConfigEntry> describeTopicConfigs(const TopicConfigOverrides& overrides,
                                                            const MockClusterOptions& options,
                                                            const std::optional<std::vector<std::string>>& keys);

/// The broker configs the mock has (the ones its options set and the topic configs'
/// broker synonyms), for broker `brokerId`. Broker configs are static in the mock:
/// STATIC_BROKER_CONFIG when the cluster's options set them, else DEFAULT_CONFIG.
[[nodiscard]] std::vector<ConfigEntry> describeBrokerConfigs(int32_t brokerId, const MockClusterOptions& options,
                                                             const std::optional<std::vector<std::string>>& keys);

}  // namespace kafkalite::mock
