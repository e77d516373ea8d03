// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs over the wire at every
// advertised version (Kafka's ConfigHelper, ConfigAdminManager and
// ConfigurationControlManager): names, values, sources, synonyms, types and read-only
// flags as Kafka reports them, Kafka's errors, and the honoured topic configs taking
// effect at once: min.insync.replicas (spec 1.2), max.message.bytes,
// message.timestamp.type, retention.bytes (never above the high watermark),
// retention.ms, cleanup.policy and unclean.leader.election.enable (spec 6.1).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/admin_client.hpp"
#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::AlterConfigOp;
using protocol::AlterConfigsRequest;
using protocol::ConfigResourceType;
using protocol::ConfigSource;
using protocol::ConfigType;
using protocol::DescribeConfigsRequest;
using protocol::IncrementalAlterConfigsRequest;

constexpr auto kTopic = ConfigResourceType::Topic;
constexpr auto kBroker = ConfigResourceType::Broker;

MockClusterOptions threeBrokers() {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  return o;
}

TEST(DescribeConfigs, EveryVersionDescribesTopicConfigsWithSourcesAndSynonyms) {
  MockClusterOptions o = threeBrokers();
  o.retentionBytes = 5000000;  // a static broker config (log.retention.bytes)
  MockCluster cluster(o);
  cluster.createTopic(TopicSpec{"described", 1, 1, std::nullopt, {{"min.insync.replicas", "1"}, {"retention.ms", "60000"}}});
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<DescribeConfigsRequest>()) {
    SCOPED_TRACE("DescribeConfigs v" + std::to_string(v));
    auto request = describeConfigsRequest(kTopic, "described", /*includeSynonyms=*/true);
    request.includeDocumentation = true;
    const auto reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    ASSERT_EQ(reply.body.results.size(), 1u);
    const auto& result = reply.body.results[0];
    EXPECT_EQ(errName(result.errorCode), "NONE");
    EXPECT_EQ(result.resourceName, "described");
    EXPECT_GE(result.configs.size(), 30u) << "every topic config Kafka has";
    const auto* retention = findConfig(result, "retention.ms");
    const auto* bytes = findConfig(result, "retention.bytes");
    const auto* policy = findConfig(result, "cleanup.policy");
    ASSERT_TRUE(retention && bytes && policy);
    EXPECT_EQ(retention->value, "60000");
    EXPECT_EQ(bytes->value, "5000000");
    EXPECT_EQ(policy->value, "delete");
    EXPECT_FALSE(retention->readOnly);
    if (v == 0) {
      EXPECT_FALSE(retention->isDefault);
      EXPECT_FALSE(bytes->isDefault);
      EXPECT_TRUE(policy->isDefault);
    } else {
      EXPECT_EQ(retention->configSource, static_cast<int8_t>(ConfigSource::DynamicTopicConfig));
      EXPECT_EQ(bytes->configSource, static_cast<int8_t>(ConfigSource::StaticBrokerConfig));
      EXPECT_EQ(policy->configSource, static_cast<int8_t>(ConfigSource::DefaultConfig));
      // Strongest first: the topic's value, then the broker's, then Kafka's default.
      ASSERT_EQ(retention->synonyms.size(), 2u);
      EXPECT_EQ(retention->synonyms[0].name, "retention.ms");
      EXPECT_EQ(retention->synonyms[1].name, "log.retention.hours");
      EXPECT_EQ(retention->synonyms[1].value, "168");
      ASSERT_EQ(bytes->synonyms.size(), 2u);
      EXPECT_EQ(bytes->synonyms[0].name, "log.retention.bytes");
      EXPECT_EQ(bytes->synonyms[0].source, static_cast<int8_t>(ConfigSource::StaticBrokerConfig));
    }
    if (v >= 3) {
      EXPECT_EQ(retention->configType, static_cast<int8_t>(ConfigType::Long));
      EXPECT_EQ(policy->configType, static_cast<int8_t>(ConfigType::List));
      EXPECT_TRUE(retention->documentation.has_value() && !retention->documentation->empty());
    }

    // Only the keys asked for; errors per resource.
    DescribeConfigsRequest some;
    some.resources.push_back({static_cast<int8_t>(kTopic), "described", std::vector<std::string>{"retention.ms"}, {}});
    some.resources.push_back({static_cast<int8_t>(kTopic), "missing", std::nullopt, {}});
    some.resources.push_back({static_cast<int8_t>(kTopic), "bad/name", std::nullopt, {}});
    some.resources.push_back({static_cast<int8_t>(99), "x", std::nullopt, {}});
    const auto many = client->roundTrip(some, v);
    ASSERT_TRUE(many.ok()) << many.error;
    ASSERT_EQ(many.body.results.size(), 4u);
    ASSERT_EQ(many.body.results[0].configs.size(), 1u);
    EXPECT_EQ(many.body.results[0].configs[0].name, "retention.ms");
    EXPECT_EQ(errName(many.body.results[1].errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(errName(many.body.results[2].errorCode), "INVALID_TOPIC_EXCEPTION");
    EXPECT_EQ(errName(many.body.results[3].errorCode), "INVALID_REQUEST");
  }
}

TEST(DescribeConfigs, BrokerResourcesDescribeTheBrokersStaticConfigs) {
  MockClusterOptions o = threeBrokers();
  o.minInsyncReplicas = 2;
  MockCluster cluster(o);
  auto client = connectTo(cluster, 2);
  for (const int16_t v : allVersions<DescribeConfigsRequest>()) {
    SCOPED_TRACE("DescribeConfigs v" + std::to_string(v));
    DescribeConfigsRequest request;
    request.resources.push_back({static_cast<int8_t>(kBroker), "2", std::nullopt, {}});
    request.resources.push_back({static_cast<int8_t>(kBroker), "3", std::nullopt, {}});
    request.resources.push_back({static_cast<int8_t>(kBroker), "two", std::nullopt, {}});
    request.resources.push_back({static_cast<int8_t>(kBroker), "", std::nullopt, {}});
    const auto reply = client->roundTrip(request, v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    ASSERT_EQ(reply.body.results.size(), 4u);
    const auto& mine = reply.body.results[0];
    EXPECT_EQ(errName(mine.errorCode), "NONE");
    const auto* id = findConfig(mine, "broker.id");
    const auto* minIsr = findConfig(mine, "min.insync.replicas");
    const auto* maxBytes = findConfig(mine, "message.max.bytes");
    ASSERT_TRUE(id && minIsr && maxBytes);
    EXPECT_EQ(id->value, "2");
    EXPECT_TRUE(id->readOnly);
    EXPECT_EQ(minIsr->value, "2");
    EXPECT_EQ(maxBytes->value, "1048588");
    if (v >= 1) {
      EXPECT_EQ(minIsr->configSource, static_cast<int8_t>(ConfigSource::StaticBrokerConfig));
      EXPECT_EQ(maxBytes->configSource, static_cast<int8_t>(ConfigSource::DefaultConfig));
    }
    EXPECT_EQ(errName(reply.body.results[1].errorCode), "INVALID_REQUEST") << "another broker's configs";
    EXPECT_EQ(errName(reply.body.results[2].errorCode), "INVALID_REQUEST");
    EXPECT_EQ(errName(reply.body.results[3].errorCode), "NONE") << "cluster-wide dynamic defaults: none";
    EXPECT_TRUE(reply.body.results[3].configs.empty());
  }
}

TEST(AlterConfigs, EveryVersionReplacesTheTopicsConfigsAndRefusesWhatKafkaRefuses) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"altered", 1, 1, std::nullopt, {{"retention.ms", "60000"}}});
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<AlterConfigsRequest>()) {
    SCOPED_TRACE("AlterConfigs v" + std::to_string(v));
    const auto alter = [&](std::vector<std::pair<std::string, std::optional<std::string>>> configs, bool validateOnly = false,
                           int8_t type = static_cast<int8_t>(kTopic), const std::string& name = "altered") {
      AlterConfigsRequest r;
      AlterConfigsRequest::AlterConfigsResource res;
      res.resourceType = type;
      res.resourceName = name;
      for (auto& [k, value] : configs) res.configs.push_back({k, value, {}});
      r.resources.push_back(res);
      r.validateOnly = validateOnly;
      const auto reply = client->roundTrip(r, v);
      EXPECT_TRUE(reply.ok()) << reply.error;
      return reply.ok() ? errName(reply.body.responses.at(0).errorCode) : std::string("no reply");
    };
    // retention.ms is not listed: it returns to its default.
    EXPECT_EQ(alter({{"retention.bytes", "1000000"}, {"cleanup.policy", " delete , compact "}}), "NONE");
    EXPECT_EQ(cluster.topicConfigs("altered"),
              (std::map<std::string, std::string>{{"cleanup.policy", "delete,compact"}, {"retention.bytes", "1000000"}}));
    EXPECT_EQ(alter({{"retention.bytes", "big"}}), "INVALID_CONFIG");
    EXPECT_EQ(alter({{"no.such.config", "1"}}), "INVALID_CONFIG");
    EXPECT_EQ(alter({{"retention.bytes", std::nullopt}}), "INVALID_REQUEST");
    EXPECT_EQ(alter({{"retention.bytes", "1"}, {"retention.bytes", "2"}}), "INVALID_REQUEST");
    EXPECT_EQ(alter({{"retention.bytes", "1"}}, false, static_cast<int8_t>(kTopic), "missing"), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(alter({{"message.max.bytes", "1"}}, false, static_cast<int8_t>(kBroker), "1"), "INVALID_REQUEST");
    EXPECT_EQ(alter({{"retention.bytes", "7"}}, /*validateOnly=*/true), "NONE");
    EXPECT_EQ(cluster.topicConfigs("altered").at("retention.bytes"), "1000000") << "refused or validated only";
  }
}

TEST(IncrementalAlterConfigs, EveryVersionAppliesSetDeleteAppendAndSubtract) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"incremental", 1, 1, std::nullopt, {{"retention.ms", "60000"}}});
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<IncrementalAlterConfigsRequest>()) {
    SCOPED_TRACE("IncrementalAlterConfigs v" + std::to_string(v));
    const auto alter = [&](std::vector<std::tuple<std::string, AlterConfigOp, std::optional<std::string>>> ops,
                           bool validateOnly = false) {
      const auto reply = client->roundTrip(incrementalAlterRequest("incremental", ops, validateOnly), v);
      EXPECT_TRUE(reply.ok()) << reply.error;
      return reply.ok() ? errName(reply.body.responses.at(0).errorCode) : std::string("no reply");
    };
    EXPECT_EQ(alter({{"max.message.bytes", AlterConfigOp::Set, "2000"}, {"cleanup.policy", AlterConfigOp::Append, "compact"}}),
              "NONE");
    EXPECT_EQ(cluster.topicConfigs("incremental"),
              (std::map<std::string, std::string>{
                  {"cleanup.policy", "delete,compact"}, {"max.message.bytes", "2000"}, {"retention.ms", "60000"}}));
    EXPECT_EQ(alter({{"cleanup.policy", AlterConfigOp::Subtract, "delete"},
                     {"retention.ms", AlterConfigOp::Delete, std::nullopt},
                     {"never.set", AlterConfigOp::Delete, std::nullopt}}),
              "NONE");
    EXPECT_EQ(cluster.topicConfigs("incremental"),
              (std::map<std::string, std::string>{{"cleanup.policy", "compact"}, {"max.message.bytes", "2000"}}));
    EXPECT_EQ(alter({{"max.message.bytes", AlterConfigOp::Append, "1"}}), "INVALID_CONFIG");
    EXPECT_EQ(alter({{"cleanup.policy", AlterConfigOp::Append, "shred"}}), "INVALID_CONFIG");
    EXPECT_EQ(alter({{"max.message.bytes", static_cast<AlterConfigOp>(7), "1"}}), "INVALID_REQUEST");
    EXPECT_EQ(alter({{"max.message.bytes", AlterConfigOp::Set, std::nullopt}}), "INVALID_REQUEST");
    EXPECT_EQ(alter({{"min.compaction.lag.ms", AlterConfigOp::Set, "10"}, {"max.compaction.lag.ms", AlterConfigOp::Set, "5"}}),
              "INVALID_CONFIG");
    EXPECT_EQ(alter({{"remote.storage.enable", AlterConfigOp::Set, "true"}}), "INVALID_CONFIG");
    EXPECT_EQ(alter({{"max.message.bytes", AlterConfigOp::Set, "1"}}, /*validateOnly=*/true), "NONE");
    EXPECT_EQ(cluster.topicConfigs("incremental").at("max.message.bytes"), "2000");
    // Back to the start for the next version.
    EXPECT_EQ(alter({{"cleanup.policy", AlterConfigOp::Delete, std::nullopt},
                     {"max.message.bytes", AlterConfigOp::Delete, std::nullopt},
                     {"retention.ms", AlterConfigOp::Set, "60000"}}),
              "NONE");
  }
}

// spec 1.2: the topic's min.insync.replicas decides, at once, whether acks=-1 is taken.
TEST(TopicConfigsTakeEffect, MinInsyncReplicasRefusesAcksAllBelowIt_Spec1_2) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"isr", 1, 3});
  const auto view = cluster.partition("isr", 0);
  auto client = connectTo(cluster, view.leader);
  const auto batch = makeValueBatch({"a"});
  cluster.stopBroker(followersOf(view).front(), StopMode::Hard);
  EXPECT_EQ(errName(produce(*client, "isr", 0, batch, -1).errorCode), "NONE");
  cluster.alterTopicConfigs("isr", {{"min.insync.replicas", "3"}});
  EXPECT_EQ(errName(produce(*client, "isr", 0, batch, -1).errorCode), "NOT_ENOUGH_REPLICAS");
  EXPECT_EQ(errName(produce(*client, "isr", 0, batch, 1).errorCode), "NONE") << "acks=1 ignores it";
  cluster.alterTopicConfigs("isr", {{"min.insync.replicas", std::nullopt}});
  EXPECT_EQ(errName(produce(*client, "isr", 0, batch, -1).errorCode), "NONE");
}

TEST(TopicConfigsTakeEffect, MaxMessageBytesBoundsTheBatch) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"small", 1, 1});
  auto client = connectTo(cluster, cluster.partition("small", 0).leader);
  const auto batch = makeValueBatch({std::string(500, 'x')});
  cluster.alterTopicConfigs("small", {{"max.message.bytes", "200"}});
  EXPECT_EQ(errName(produce(*client, "small", 0, batch, 1).errorCode), "MESSAGE_TOO_LARGE");
  cluster.alterTopicConfigs("small", {{"max.message.bytes", std::nullopt}});
  EXPECT_EQ(errName(produce(*client, "small", 0, batch, 1).errorCode), "NONE");
}

TEST(TopicConfigsTakeEffect, LogAppendTimeStampsBatchesWithTheBrokersClock) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"stamped", 1, 2, std::nullopt, {{"message.timestamp.type", "LogAppendTime"}}});
  const auto view = cluster.partition("stamped", 0);
  auto client = connectTo(cluster, view.leader);
  const int64_t before = wallClockMs();
  const auto batch = makeBatch({{"k", "v", 1000, {}}, {"k", "w", 2000, {}}}, BatchOptions{1000});
  const int32_t id = client->send(produceRequest("stamped", 0, batch, -1), 7);
  const auto reply = client->receive<protocol::ProduceResponse>(id, 7);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "stamped", 0);
  ASSERT_EQ(errName(p->errorCode), "NONE");
  EXPECT_GE(p->logAppendTimeMs, before);
  EXPECT_LE(p->logAppendTimeMs, wallClockMs());
  ASSERT_TRUE(waitFullyReplicated(cluster, "stamped", 0));
  for (int32_t replica : view.replicas) {
    for (const auto& r : cluster.records("stamped", 0, replica)) EXPECT_EQ(r.timestamp, p->logAppendTimeMs);
  }
  // Consumers get the batch with a valid CRC and the append time.
  const auto fetched = client->roundTrip(fetchRequest("stamped", 0, 0, 0, 1), 11);
  ASSERT_TRUE(fetched.ok()) << fetched.error;
  std::string error;
  const auto records = decodeRecords(findPartition(fetched.body, "stamped", 0)->records.bytes, &error);
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].timestamp, p->logAppendTimeMs);
}

// retention.bytes changed at run time moves the log start at once, but never above the
// high watermark (Kafka's UnifiedLog.deletableSegments); what the HW held back goes when
// the HW rises.
TEST(TopicConfigsTakeEffect, RetentionBytesMovesTheLogStartAtOnceButNeverAboveTheHighWatermark) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"kept", 1, 2});
  const auto view = cluster.partition("kept", 0);
  const int32_t follower = followersOf(view).front();
  auto client = connectTo(cluster, view.leader);
  std::vector<std::vector<uint8_t>> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(makeValueBatch({std::string(200, static_cast<char>('a' + i))}));
  for (int i = 0; i < 2; ++i) ASSERT_EQ(errName(produce(*client, "kept", 0, batches[i], -1).errorCode), "NONE");
  ASSERT_TRUE(waitFullyReplicated(cluster, "kept", 0));
  cluster.stallFollower(follower);
  for (int i = 2; i < 4; ++i) ASSERT_EQ(errName(produce(*client, "kept", 0, batches[i], 1).errorCode), "NONE");
  auto leader = replicaOf(cluster.partition("kept", 0), view.leader);
  ASSERT_EQ(leader.logEndOffset, 4);
  ASSERT_EQ(leader.highWatermark, 2);

  cluster.alterTopicConfigs("kept", {{"retention.bytes", "1"}});  // keep only the newest batch
  leader = replicaOf(cluster.partition("kept", 0), view.leader);
  EXPECT_EQ(leader.logStartOffset, 2) << "up to the high watermark and no further";
  EXPECT_EQ(storedValuesAt(cluster, "kept", 0, view.leader, 0, 4).size(), 2u);

  cluster.stallFollower(follower, false);
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("kept", 0), view.leader).highWatermark == 4; }));
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("kept", 0), view.leader).logStartOffset == 3; }))
      << describe(cluster.partition("kept", 0));
}

TEST(TopicConfigsTakeEffect, RetentionMsDeletesExpiredBatchesAtOnceAndOnItsInterval) {
  MockClusterOptions o = threeBrokers();
  o.retentionCheckIntervalMs = 20;
  MockCluster cluster(o);
  cluster.createTopic(TopicSpec{"aging", 1, 1});
  auto client = connectTo(cluster, cluster.partition("aging", 0).leader);
  const int64_t hourAgo = wallClockMs() - 3'600'000;
  const auto old = makeValueBatch({"old"}, BatchOptions{hourAgo});
  const auto recent = makeValueBatch({"recent"});
  ASSERT_EQ(errName(produce(*client, "aging", 0, old, 1).errorCode), "NONE");
  ASSERT_EQ(errName(produce(*client, "aging", 0, recent, 1).errorCode), "NONE");
  cluster.alterTopicConfigs("aging", {{"retention.ms", "600000"}});  // ten minutes
  EXPECT_EQ(cluster.partition("aging", 0).replicaStates[0].logStartOffset, 1);
  EXPECT_EQ(storedValues(cluster.records("aging", 0, cluster.partition("aging", 0).leader)),
            (std::vector<std::string>{"recent"}));
  // The periodic check (log.retention.check.interval.ms) deletes what expires later.
  cluster.alterTopicConfigs("aging", {{"retention.ms", "100"}});
  ASSERT_TRUE(waitUntil([&] { return cluster.partition("aging", 0).replicaStates[0].logStartOffset == 2; }));
}

TEST(TopicConfigsTakeEffect, CompactPolicyNeedsKeysAndRefusesDeleteRecords) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"compacted", 1, 1, std::nullopt, {{"cleanup.policy", "compact"}}});
  auto client = connectTo(cluster, cluster.partition("compacted", 0).leader);
  const auto keyless = makeValueBatch({"v"});
  EXPECT_EQ(errName(produce(*client, "compacted", 0, keyless, 1).errorCode), "INVALID_RECORD");
  const auto keyed = makeBatch({{"k", "v", std::nullopt, {}}});
  EXPECT_EQ(errName(produce(*client, "compacted", 0, keyed, 1).errorCode), "NONE");
  protocol::DeleteRecordsRequest del;
  del.topics.push_back({"compacted", {{0, 1, {}}}, {}});
  del.timeoutMs = 1000;
  const auto reply = client->roundTrip(del, 2);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.topics[0].partitions[0].errorCode), "POLICY_VIOLATION");
}

// spec 6.1: turning unclean.leader.election.enable on elects the topic's offline
// partitions from the live replicas outside the ISR, at once.
TEST(TopicConfigsTakeEffect, UncleanElectionEnabledElectsAnOfflinePartition_Spec6_1) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"offline", 1, 2});
  const auto view = cluster.partition("offline", 0);
  const int32_t follower = followersOf(view).front();
  cluster.stopBroker(follower, StopMode::Hard);    // leaves the ISR
  cluster.stopBroker(view.leader, StopMode::Hard);  // the last ISR member: offline
  cluster.startBroker(follower);
  auto now = cluster.partition("offline", 0);
  ASSERT_EQ(now.leader, -1) << describe(now);
  cluster.alterTopicConfigs("offline", {{"unclean.leader.election.enable", "true"}});
  now = cluster.partition("offline", 0);
  EXPECT_EQ(now.leader, follower) << describe(now);
  EXPECT_EQ(now.isr, (std::vector<int32_t>{follower}));
  EXPECT_GT(now.leaderEpoch, view.leaderEpoch);
}

}  // namespace
}  // namespace kafkalite::testing
