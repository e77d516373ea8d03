// CreateTopics, DeleteTopics and CreatePartitions over the wire, at every version the
// broker advertises, decoded through the codec's tables: what they create, Kafka's error
// codes for what they refuse (ReplicationControlManager, ControllerApis), the timeout_ms
// wait for leaders, spec 1.7(a) for requests waiting on a deleted topic, and a topic
// re-created under an old name starting at offset 0 on every replica.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/admin_client.hpp"
#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using protocol::ConfigSource;
using protocol::CreatePartitionsRequest;
using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using protocol::DeleteTopicsRequest;

MockClusterOptions threeBrokers() {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  return o;
}

const CreateTopicsResponse::CreatableTopicResult* resultFor(const CreateTopicsResponse& r, const std::string& name) {
  for (const auto& t : r.topics) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(CreateTopics, EveryVersionCreatesTheTopicWithItsConfigsAndLeadersServingIt) {
  MockCluster cluster(threeBrokers());
  auto client = connectTo(cluster, cluster.controllerId());
  for (const int16_t v : allVersions<CreateTopicsRequest>()) {
    SCOPED_TRACE("CreateTopics v" + std::to_string(v));
    const std::string name = "created-v" + std::to_string(v);
    const auto reply = client->roundTrip(createTopicsRequest(name, 3, 2, {{"retention.bytes", "100000"}}), v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    const auto* t = resultFor(reply.body, name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(errName(t->errorCode), "NONE");
    if (v >= 1) {
      EXPECT_FALSE(t->errorMessage.has_value());
    }
    if (v >= 5) {
      // KIP-525: the partitions, replication factor and every config come back.
      EXPECT_EQ(t->numPartitions, 3);
      EXPECT_EQ(t->replicationFactor, 2);
      ASSERT_TRUE(t->configs.has_value());
      bool sawRetention = false;
      bool sawMinIsr = false;
      for (const auto& c : *t->configs) {
        if (c.name == "retention.bytes") {
          sawRetention = true;
          EXPECT_EQ(c.value, "100000");
          EXPECT_EQ(c.configSource, static_cast<int8_t>(ConfigSource::DynamicTopicConfig));
        }
        if (c.name == "min.insync.replicas") {
          sawMinIsr = true;
          EXPECT_EQ(c.value, "1");
          EXPECT_EQ(c.configSource, static_cast<int8_t>(ConfigSource::DefaultConfig));
        }
      }
      EXPECT_TRUE(sawRetention && sawMinIsr);
    }
    if (v >= 7) {
      EXPECT_FALSE(t->topicId == protocol::Uuid{}) << "a created topic has an id";
    }

    // Answered only once every partition's leader serves it: a produce right away succeeds.
    const auto parts = cluster.partitions();
    int count = 0;
    for (const auto& p : parts) {
      if (p.topic != name) continue;
      ++count;
      EXPECT_EQ(p.replicas.size(), 2u);
      ASSERT_GE(p.leader, 1) << describe(p);
      auto leader = connectTo(cluster, p.leader);
      const auto batch = makeValueBatch({"x"});
      const auto produced = produce(*leader, name, p.partition, batch, 1);
      EXPECT_EQ(errName(produced.errorCode), "NONE") << describe(produced);
    }
    EXPECT_EQ(count, 3);
    EXPECT_EQ(cluster.topicConfigs(name), (std::map<std::string, std::string>{{"retention.bytes", "100000"}}));
  }
}

TEST(CreateTopics, RefusesWithKafkasErrorsAtEveryVersion) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"exists", 1, 1});
  cluster.createTopic(TopicSpec{"a.b", 1, 1});
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<CreateTopicsRequest>()) {
    SCOPED_TRACE("CreateTopics v" + std::to_string(v));
    const auto expect = [&](CreateTopicsRequest request, const std::string& name, const std::string& error) {
      const auto reply = client->roundTrip(request, v);
      ASSERT_TRUE(reply.ok()) << reply.error;
      const auto* t = resultFor(reply.body, name);
      ASSERT_NE(t, nullptr) << name;
      EXPECT_EQ(errName(t->errorCode), error) << name;
      if (v >= 1 && error != "NONE") {
        EXPECT_TRUE(t->errorMessage.has_value() && !t->errorMessage->empty()) << name;
      }
    };
    expect(createTopicsRequest("exists", 1, 1), "exists", "TOPIC_ALREADY_EXISTS");
    expect(createTopicsRequest("bad name", 1, 1), "bad name", "INVALID_TOPIC_EXCEPTION");
    expect(createTopicsRequest("a_b", 1, 1), "a_b", "INVALID_TOPIC_EXCEPTION");  // collides with a.b
    expect(createTopicsRequest("zero", 0, 1), "zero", "INVALID_PARTITIONS");
    expect(createTopicsRequest("rf0", 1, 0), "rf0", "INVALID_REPLICATION_FACTOR");
    expect(createTopicsRequest("rf4", 1, 4), "rf4", "INVALID_REPLICATION_FACTOR");
    expect(createTopicsRequest("badvalue", 1, 1, {{"retention.ms", "soon"}}), "badvalue", "INVALID_CONFIG");
    expect(createTopicsRequest("badrange", 1, 1, {{"min.insync.replicas", "0"}}), "badrange", "INVALID_CONFIG");
    expect(createTopicsRequest("badname", 1, 1, {{"retention.hours", "1"}}), "badname", "INVALID_CONFIG");
    expect(createTopicsRequest("badchoice", 1, 1, {{"message.timestamp.type", "Now"}}), "badchoice", "INVALID_CONFIG");

    auto nullValue = createTopicsRequest("nullvalue", 1, 1);
    nullValue.topics[0].configs.push_back({"retention.ms", std::nullopt, {}});
    expect(nullValue, "nullvalue", "INVALID_CONFIG");

    auto twice = createTopicsRequest("twice", 1, 1);
    twice.topics.push_back(twice.topics[0]);
    expect(twice, "twice", "INVALID_REQUEST");

    auto both = createTopicsRequest("both", 1, 1);
    both.topics[0].assignments.push_back({0, {1}, {}});
    expect(both, "both", "INVALID_REQUEST");
    auto unknownBroker = createTopicsRequest("unknownbroker", -1, -1);
    unknownBroker.topics[0].assignments.push_back({0, {1, 9}, {}});
    expect(unknownBroker, "unknownbroker", "INVALID_REPLICA_ASSIGNMENT");
    auto gap = createTopicsRequest("gap", -1, -1);
    gap.topics[0].assignments.push_back({1, {1}, {}});
    expect(gap, "gap", "INVALID_REPLICA_ASSIGNMENT");
    auto sameBroker = createTopicsRequest("samebroker", -1, -1);
    sameBroker.topics[0].assignments.push_back({0, {2, 2}, {}});
    expect(sameBroker, "samebroker", "INVALID_REPLICA_ASSIGNMENT");

    if (v >= 1) {
      // validate_only: the answer a real creation would get, and nothing created.
      const std::string name = "validated-v" + std::to_string(v);
      expect(createTopicsRequest(name, 2, 2, {{"cleanup.policy", "compact"}}, 30000, true), name, "NONE");
      EXPECT_THROW((void)cluster.topicConfigs(name), std::out_of_range);
    }
  }
  for (const auto& p : cluster.partitions()) {
    EXPECT_TRUE(p.topic == "exists" || p.topic == "a.b") << "created by a refused request: " << p.topic;
  }
}

TEST(CreateTopics, ReplicationFactorCountsLiveBrokersAndMinusOneMeansTheDefaults) {
  MockClusterOptions o = threeBrokers();
  o.defaultPartitions = 2;
  o.defaultReplicationFactor = 2;
  MockCluster cluster(o);
  cluster.stopBroker(3, StopMode::Hard);
  auto client = connectTo(cluster, 1);
  auto reply = client->roundTrip(createTopicsRequest("rf3", 1, 3), 4);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.topics[0].errorCode), "INVALID_REPLICATION_FACTOR");
  EXPECT_EQ(reply.body.topics[0].errorMessage, "Replication factor: 3 larger than available brokers: 2.");

  // v4+ (KIP-464): -1 takes num.partitions and default.replication.factor; replicas go to
  // live brokers only.
  reply = client->roundTrip(createTopicsRequest("defaults", -1, -1), 5);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.topics[0].errorCode), "NONE");
  EXPECT_EQ(reply.body.topics[0].numPartitions, 2);
  EXPECT_EQ(reply.body.topics[0].replicationFactor, 2);
  for (const auto& p : cluster.partitions()) {
    if (p.topic != "defaults") continue;
    EXPECT_EQ(sortedIds(p.replicas), (std::vector<int32_t>{1, 2})) << describe(p);
  }
}

TEST(CreateTopics, ExplicitAssignmentPlacesReplicasAsAsked) {
  MockCluster cluster(threeBrokers());
  auto client = connectTo(cluster, 2);
  auto request = createTopicsRequest("placed", -1, -1);
  request.topics[0].assignments = {{0, {2, 3}, {}}, {1, {3, 1}, {}}};
  const auto reply = client->roundTrip(request, 7);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.topics[0].errorCode), "NONE");
  EXPECT_EQ(cluster.partition("placed", 0).replicas, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(cluster.partition("placed", 0).leader, 2);
  EXPECT_EQ(cluster.partition("placed", 1).replicas, (std::vector<int32_t>{3, 1}));
  EXPECT_EQ(cluster.partition("placed", 1).leader, 3);
}

TEST(DeleteTopics, EveryVersionDeletesByNameAndUnknownTopicsAreRefused) {
  MockCluster cluster(threeBrokers());
  auto client = connectTo(cluster, 1);
  for (const int16_t v : allVersions<DeleteTopicsRequest>()) {
    SCOPED_TRACE("DeleteTopics v" + std::to_string(v));
    const std::string name = "doomed-v" + std::to_string(v);
    cluster.createTopic(TopicSpec{name, 2, 3});
    auto reply = client->roundTrip(deleteTopicsRequest({name}, v), v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    ASSERT_EQ(reply.body.responses.size(), 1u);
    const auto& r = reply.body.responses[0];
    EXPECT_EQ(r.name, name);
    EXPECT_EQ(errName(r.errorCode), "NONE");
    if (v >= 6) {
      EXPECT_FALSE(r.topicId == protocol::Uuid{});
    }
    for (const auto& p : cluster.partitions()) EXPECT_NE(p.topic, name);
    const auto metadata = client->roundTrip(metadataRequest(std::vector<std::string>{name}, false), 4);
    ASSERT_TRUE(metadata.ok()) << metadata.error;
    EXPECT_EQ(errName(findTopic(metadata.body, name)->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");

    reply = client->roundTrip(deleteTopicsRequest({name}, v), v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(errName(reply.body.responses[0].errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
    reply = client->roundTrip(deleteTopicsRequest({"twice", "twice"}, v), v);
    ASSERT_TRUE(reply.ok()) << reply.error;
    for (const auto& t : reply.body.responses) EXPECT_EQ(errName(t.errorCode), "INVALID_REQUEST");
  }
}

TEST(DeleteTopics, V6DeletesByTopicIdAndChecksIds) {
  MockCluster cluster(threeBrokers());
  auto client = connectTo(cluster, 1);
  const auto created = client->roundTrip(createTopicsRequest("by-id", 1, 1), 7);
  ASSERT_TRUE(created.ok()) << created.error;
  const protocol::Uuid id = created.body.topics[0].topicId;

  DeleteTopicsRequest request;
  request.timeoutMs = 30000;
  request.topics.push_back({std::nullopt, id, {}});
  request.topics.push_back({std::nullopt, protocol::Uuid{7, 7}, {}});
  request.topics.push_back({std::nullopt, protocol::Uuid{}, {}});
  request.topics.push_back({std::string("by-id"), id, {}});
  const auto reply = client->roundTrip(request, 6);
  ASSERT_TRUE(reply.ok()) << reply.error;
  ASSERT_EQ(reply.body.responses.size(), 4u);
  EXPECT_EQ(errName(reply.body.responses[0].errorCode), "NONE");
  EXPECT_EQ(reply.body.responses[0].name, "by-id");
  EXPECT_EQ(errName(reply.body.responses[1].errorCode), "UNKNOWN_TOPIC_ID");
  EXPECT_FALSE(reply.body.responses[1].name.has_value());
  EXPECT_EQ(errName(reply.body.responses[2].errorCode), "INVALID_REQUEST");  // neither name nor id
  EXPECT_EQ(errName(reply.body.responses[3].errorCode), "INVALID_REQUEST");  // both
  EXPECT_THROW((void)cluster.partition("by-id", 0), std::out_of_range);
}

// spec 1.7(a): a DelayedProduce and a DelayedFetch waiting on a partition whose topic is
// deleted complete with UNKNOWN_TOPIC_OR_PARTITION.
TEST(DeleteTopics, WaitingProduceAndFetchCompleteWithUnknownTopic_Spec1_7a) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"held", 1, 2});
  const auto view = cluster.partition("held", 0);
  auto producer = connectTo(cluster, view.leader);
  auto consumer = connectTo(cluster, view.leader);
  // A first record the consumer can wait behind.
  const auto first = makeValueBatch({"first"});
  ASSERT_EQ(errName(produce(*producer, "held", 0, first, -1).errorCode), "NONE");
  ASSERT_TRUE(waitFullyReplicated(cluster, "held", 0));

  cluster.stallFollower(followersOf(view).front());  // the HW cannot pass the next append
  const auto batch = makeValueBatch({"waiting"});
  const int32_t produceId = producer->send(produceRequest("held", 0, batch, -1, 60000), 7);
  const int32_t fetchId = consumer->send(fetchRequest("held", 0, 1, 60000, 1), 11);
  ASSERT_GE(produceId, 0);
  ASSERT_GE(fetchId, 0);
  ASSERT_TRUE(waitUntil([&] { return replicaOf(cluster.partition("held", 0), view.leader).logEndOffset == 2; }));
  EXPECT_FALSE(producer->responsePending(std::chrono::milliseconds(50))) << "the produce should be waiting";

  cluster.deleteTopic("held");
  const auto produced = receiveProduce(*producer, produceId, "held", 0);
  ASSERT_TRUE(produced.answered()) << produced.detail;
  EXPECT_EQ(errName(produced.errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
  const auto fetched = consumer->receive<protocol::FetchResponse>(fetchId, 11);
  ASSERT_TRUE(fetched.ok()) << fetched.error;
  EXPECT_EQ(errName(findPartition(fetched.body, "held", 0)->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
}

TEST(DeleteTopics, TopicCreatedAgainStartsAtOffsetZeroOnEveryReplica) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"again", 1, 3});
  const auto before = cluster.partition("again", 0);
  auto client = connectTo(cluster, before.leader);
  const auto old = makeValueBatch(numberedValues("old", 5));
  ASSERT_EQ(errName(produce(*client, "again", 0, old, -1).errorCode), "NONE");
  ASSERT_TRUE(waitFullyReplicated(cluster, "again", 0));
  // One replica is down while the topic is deleted and created again: it forgets the old
  // log when it starts.
  const int32_t down = followersOf(before).front();
  cluster.stopBroker(down, StopMode::Hard);

  auto admin = connectTo(cluster, before.leader);
  auto deleted = admin->roundTrip(deleteTopicsRequest({"again"}, 4), 4);
  ASSERT_TRUE(deleted.ok()) << deleted.error;
  ASSERT_EQ(errName(deleted.body.responses[0].errorCode), "NONE");
  auto request = createTopicsRequest("again", -1, -1);
  request.topics[0].assignments.push_back({0, before.replicas, {}});
  const auto created = admin->roundTrip(request, 5);
  ASSERT_TRUE(created.ok()) << created.error;
  ASSERT_EQ(errName(created.body.topics[0].errorCode), "NONE");

  const auto now = cluster.partition("again", 0);
  auto leader = connectTo(cluster, now.leader);
  const auto fresh = makeValueBatch(numberedValues("new", 2));
  const auto produced = produce(*leader, "again", 0, fresh, 1);
  ASSERT_EQ(errName(produced.errorCode), "NONE") << describe(produced);
  EXPECT_EQ(produced.baseOffset, 0);
  cluster.startBroker(down);
  ASSERT_TRUE(waitFullyReplicated(cluster, "again", 0)) << describe(cluster.partition("again", 0));
  for (int32_t r : now.replicas) {
    EXPECT_EQ(storedValues(cluster.records("again", 0, r)), (std::vector<std::string>{"new-0", "new-1"})) << "broker " << r;
  }
}

TEST(CreatePartitions, EveryVersionGrowsTheTopicAndRefusesWhatKafkaRefuses) {
  MockCluster cluster(threeBrokers());
  cluster.createTopic(TopicSpec{"grow", 1, 2});
  auto client = connectTo(cluster, 1);
  int32_t count = 1;
  for (const int16_t v : allVersions<CreatePartitionsRequest>()) {
    SCOPED_TRACE("CreatePartitions v" + std::to_string(v));
    const auto ask = [&](const std::string& topic, int32_t n, bool validateOnly = false,
                         std::optional<std::vector<std::vector<int32_t>>> assignments = std::nullopt) {
      CreatePartitionsRequest r;
      CreatePartitionsRequest::CreatePartitionsTopic t;
      t.name = topic;
      t.count = n;
      if (assignments) {
        t.assignments.emplace();
        for (const auto& a : *assignments) t.assignments->push_back({a, {}});
      }
      r.topics.push_back(t);
      r.timeoutMs = 30000;
      r.validateOnly = validateOnly;
      const auto reply = client->roundTrip(r, v);
      EXPECT_TRUE(reply.ok()) << reply.error;
      return reply.ok() ? errName(reply.body.results.at(0).errorCode) : std::string("no reply");
    };
    EXPECT_EQ(ask("grow", count + 1), "NONE");
    ++count;
    EXPECT_EQ(cluster.partitions().size(), static_cast<std::size_t>(count));
    EXPECT_GE(cluster.partition("grow", count - 1).leader, 1);
    EXPECT_EQ(cluster.partition("grow", count - 1).replicas.size(), 2u);
    EXPECT_EQ(ask("grow", count), "INVALID_PARTITIONS");
    EXPECT_EQ(ask("grow", count - 1), "INVALID_PARTITIONS");
    EXPECT_EQ(ask("missing", 3), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(ask("grow", count + 2, false, std::vector<std::vector<int32_t>>{{1, 2}}), "INVALID_REPLICA_ASSIGNMENT");
    EXPECT_EQ(ask("grow", count + 1, false, std::vector<std::vector<int32_t>>{{1}}), "INVALID_REPLICA_ASSIGNMENT");
    EXPECT_EQ(ask("grow", count + 1, true), "NONE");
    EXPECT_EQ(cluster.partitions().size(), static_cast<std::size_t>(count)) << "validate_only created partitions";
  }
  // An explicit assignment is followed.
  CreatePartitionsRequest r;
  r.topics.push_back({"grow", count + 1, std::vector<CreatePartitionsRequest::CreatePartitionsTopic::CreatePartitionsAssignment>{{{3, 1}, {}}}, {}});
  r.timeoutMs = 30000;
  const auto reply = client->roundTrip(r, 3);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.results[0].errorCode), "NONE");
  EXPECT_EQ(cluster.partition("grow", count).replicas, (std::vector<int32_t>{3, 1}));
}

}  // namespace
}  // namespace kafkalite::testing
