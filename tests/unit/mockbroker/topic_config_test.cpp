// Topic configs as Kafka's LogConfig validates them (ConfigDef types and validators,
// LogConfig.validate), how a topic's configs resolve over the broker's (sources and
// synonyms as ConfigHelper reports them), and IncrementalAlterConfigs' operations
// (ConfigurationControlManager).
#include "mockbroker/topic_config.hpp"

#include <gtest/gtest.h>

namespace kafkalite::mock {
namespace {

using protocol::AlterConfigOp;
using protocol::ConfigSource;

std::string canonical(std::string_view name, std::string_view value) {
  std::string out;
  const ApiError e = canonicalTopicConfigValue(name, value, out);
  return e.ok() ? out : "error: " + e.message;
}

TEST(TopicConfigTest, ValuesAreCheckedAsKafkasConfigDefChecksThem) {
  EXPECT_EQ(canonical("retention.ms", " +60000 "), "60000");
  EXPECT_EQ(canonical("unclean.leader.election.enable", "TRUE"), "true");
  EXPECT_EQ(canonical("cleanup.policy", " compact , delete"), "compact,delete");
  EXPECT_EQ(canonical("cleanup.policy", ""), "");
  EXPECT_EQ(canonical("compression.type", "zstd"), "zstd");
  EXPECT_EQ(canonical("follower.replication.throttled.replicas", "0:1, 1:2"), "0:1,1:2");
  EXPECT_EQ(canonical("leader.replication.throttled.replicas", "*"), "*");
  EXPECT_EQ(canonical("message.format.version", "2.8-IV1"), "2.8-IV1");
  EXPECT_EQ(canonical("min.cleanable.dirty.ratio", "0.25"), "0.25");
  EXPECT_EQ(canonical("compression.gzip.level", "-1"), "-1");

  EXPECT_EQ(canonical("retention.hours", "1"), "error: Unknown topic config name: retention.hours");
  EXPECT_EQ(canonical("retention.ms", "soon"),
            "error: Invalid value soon for configuration retention.ms: Not a number of type LONG");
  EXPECT_EQ(canonical("max.message.bytes", "3000000000"),
            "error: Invalid value 3000000000 for configuration max.message.bytes: Not a number of type INT");
  EXPECT_EQ(canonical("retention.ms", "-2"),
            "error: Invalid value -2 for configuration retention.ms: Value must be at least -1");
  EXPECT_EQ(canonical("min.insync.replicas", "0"),
            "error: Invalid value 0 for configuration min.insync.replicas: Value must be at least 1");
  EXPECT_EQ(canonical("compression.lz4.level", "18"),
            "error: Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
  EXPECT_EQ(canonical("compression.gzip.level", "0"),
            "error: Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1");
  EXPECT_EQ(canonical("message.timestamp.type", "Now"),
            "error: Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, "
            "LogAppendTime");
  EXPECT_EQ(canonical("cleanup.policy", "delete,shred"),
            "error: Invalid value shred for configuration cleanup.policy: String must be one of: compact, delete");
  EXPECT_EQ(canonical("preallocate", "yes"),
            "error: Invalid value yes for configuration preallocate: Expected value to be either true or false");
  EXPECT_EQ(canonical("min.cleanable.dirty.ratio", "1.5"),
            "error: Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
  EXPECT_NE(canonical("follower.replication.throttled.replicas", "0-1").find("error: "), std::string::npos);
  EXPECT_NE(canonical("message.format.version", "banana").find("error: "), std::string::npos);
}

TEST(TopicConfigTest, TheWholeSetIsCheckedAfterEachValue) {
  EXPECT_TRUE(validateTopicConfigs({{"min.compaction.lag.ms", "5"}}).ok());
  const ApiError lag = validateTopicConfigs({{"min.compaction.lag.ms", "10"}, {"max.compaction.lag.ms", "5"}});
  EXPECT_EQ(lag.error, ErrorCode::INVALID_CONFIG);
  EXPECT_EQ(lag.message, "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)");
  EXPECT_EQ(validateTopicConfigs({{"remote.storage.enable", "true"}}).error, ErrorCode::INVALID_CONFIG);
}

TEST(TopicConfigTest, ResolvesTheTopicsValueThenTheBrokersThenKafkasDefault) {
  MockClusterOptions options;
  EXPECT_EQ(resolveTopicConfig({}, options), TopicConfig{});
  options.minInsyncReplicas = 2;
  options.retentionBytes = 1000;
  options.uncleanLeaderElection = true;
  TopicConfig c = resolveTopicConfig({{"retention.bytes", "50"}, {"cleanup.policy", "compact"},
                                      {"message.timestamp.type", "LogAppendTime"}, {"max.message.bytes", "100"},
                                      {"retention.ms", "-1"}},
                                     options);
  EXPECT_EQ(c.minInsyncReplicas, 2);
  EXPECT_EQ(c.retentionBytes, 50);
  EXPECT_EQ(c.retentionMs, -1);
  EXPECT_EQ(c.maxMessageBytes, 100);
  EXPECT_TRUE(c.logAppendTime);
  EXPECT_FALSE(c.cleanupDelete);
  EXPECT_TRUE(c.cleanupCompact);
  EXPECT_TRUE(c.uncleanLeaderElection);
}

TEST(TopicConfigTest, DescribesSourcesAndSynonymsAsKafkasConfigHelper) {
  MockClusterOptions options;
  options.retentionBytes = 1000;
  const auto entries = describeTopicConfigs({{"min.insync.replicas", "2"}}, options, std::nullopt);
  EXPECT_EQ(entries.size(), topicConfigDefs().size());
  const auto find = [&](std::string_view name) -> const ConfigEntry& {
    for (const auto& e : entries) {
      if (e.name == name) return e;
    }
    throw std::out_of_range(std::string(name));
  };
  const ConfigEntry& minIsr = find("min.insync.replicas");
  EXPECT_EQ(minIsr.value, "2");
  EXPECT_EQ(minIsr.source, ConfigSource::DynamicTopicConfig);
  ASSERT_EQ(minIsr.synonyms.size(), 2u);
  EXPECT_EQ(minIsr.synonyms[1].source, ConfigSource::DefaultConfig);
  const ConfigEntry& bytes = find("retention.bytes");
  EXPECT_EQ(bytes.value, "1000");
  EXPECT_EQ(bytes.source, ConfigSource::StaticBrokerConfig);
  const ConfigEntry& segment = find("segment.ms");
  EXPECT_EQ(segment.value, "604800000");
  EXPECT_EQ(segment.source, ConfigSource::DefaultConfig);
  ASSERT_EQ(segment.synonyms.size(), 1u);
  EXPECT_EQ(segment.synonyms[0].name, "log.roll.hours");
  EXPECT_EQ(segment.synonyms[0].value, "168");
  EXPECT_TRUE(find("remote.storage.enable").synonyms.empty()) << "no broker synonym";
  EXPECT_FALSE(minIsr.readOnly);

  const auto some = describeTopicConfigs({}, options, std::vector<std::string>{"retention.ms", "nope"});
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].name, "retention.ms");

  const auto broker = describeBrokerConfigs(3, options, std::vector<std::string>{"broker.id", "log.retention.bytes"});
  ASSERT_EQ(broker.size(), 2u);
  EXPECT_EQ(broker[0].name, "broker.id");
  EXPECT_EQ(broker[0].value, "3");
  EXPECT_TRUE(broker[0].readOnly);
  EXPECT_EQ(broker[1].value, "1000");
  EXPECT_EQ(broker[1].source, ConfigSource::StaticBrokerConfig);
}

TEST(TopicConfigTest, IncrementalOperationsAsKafkasConfigurationControlManager) {
  TopicConfigOverrides c;
  ASSERT_TRUE(applyIncrementalAlter(c, "cleanup.policy", AlterConfigOp::Append, "compact").ok());
  EXPECT_EQ(c.at("cleanup.policy"), "delete,compact") << "appended to the default";
  ASSERT_TRUE(applyIncrementalAlter(c, "cleanup.policy", AlterConfigOp::Append, "compact").ok());
  EXPECT_EQ(c.at("cleanup.policy"), "delete,compact") << "no duplicates";
  ASSERT_TRUE(applyIncrementalAlter(c, "cleanup.policy", AlterConfigOp::Subtract, "delete,compact").ok());
  EXPECT_EQ(c.at("cleanup.policy"), "");
  const ApiError notList = applyIncrementalAlter(c, "retention.ms", AlterConfigOp::Append, "1");
  EXPECT_EQ(notList.error, ErrorCode::INVALID_CONFIG);
  EXPECT_EQ(notList.message, "Can't APPEND to key retention.ms because its type is not LIST.");
  EXPECT_EQ(applyIncrementalAlter(c, "retention.ms", AlterConfigOp::Set, "x").error, ErrorCode::INVALID_CONFIG);
  EXPECT_EQ(applyIncrementalAlter(c, "typo", AlterConfigOp::Set, "1").error, ErrorCode::INVALID_CONFIG);
  EXPECT_TRUE(applyIncrementalAlter(c, "typo", AlterConfigOp::Delete, std::nullopt).ok()) << "Kafka accepts it";
  ASSERT_TRUE(applyIncrementalAlter(c, "retention.ms", AlterConfigOp::Set, "5").ok());
  ASSERT_TRUE(applyIncrementalAlter(c, "retention.ms", AlterConfigOp::Delete, std::nullopt).ok());
  EXPECT_FALSE(c.contains("retention.ms"));
}

}  // namespace
}  // namespace kafkalite::mock
