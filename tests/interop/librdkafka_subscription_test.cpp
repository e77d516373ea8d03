// librdkafka (C API; Debian's 2.0.2 and 2.15.1, one test binary each) asking for every topic
// against the in-process cluster:
// - rd_kafka_metadata(all_topics=1): one Metadata request for all topics (at v9+ librdkafka
//   2.15 writes its topic-array count as 4 bytes, which leaves bytes after the request's last
//   field; the broker ignores them as Kafka does) listing every topic, partition and broker;
// - a group consumer subscribed to the regular expression "^topic.*" (librdkafka matches it
//   against all-topics metadata): it is assigned every partition of every matching topic and
//   none of the others, reads each matching record once, and takes up a matching topic
//   created after it joined.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/kcat.hpp"
#include "support/rdkafka_group_consumer.hpp"
#include "support/rdkafka_versions.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

MockClusterOptions threeTopics() {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"topic-a", 3, 3, std::nullopt}, TopicSpec{"topic-b", 2, 2, std::nullopt},
              TopicSpec{"other", 2, 1, std::nullopt}};
  o.groupCoordinator.initialRebalanceDelayMs = 0;
  o.groupCoordinator.minSessionTimeoutMs = 100;
  o.groupCoordinator.offsetsTopicPartitions = 10;
  return o;
}

std::vector<std::pair<std::string, std::string>> keyed(const std::string& prefix, int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(prefix + std::to_string(i), "v" + std::to_string(i));
  return out;
}

TEST(LibrdkafkaMetadata, AllTopicsListsEveryTopicPartitionAndBroker) {
  MockCluster cluster(threeTopics());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstrapServers().c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "client.id", "all-topics", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;

  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e =
      rd_kafka_metadata(rk, /*all_topics=*/1, nullptr, &md, static_cast<int>(scaledTimeout(30s).count()));
  ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  std::set<int32_t> brokers;
  for (int i = 0; i < md->broker_cnt; ++i) brokers.insert(md->brokers[i].id);
  std::map<std::string, int> partitions;
  std::vector<std::string> problems;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (t.err) problems.push_back(std::string(t.topic) + ": " + rd_kafka_err2name(t.err));
    partitions[t.topic] = t.partition_cnt;
    for (int p = 0; p < t.partition_cnt; ++p) {
      if (!brokers.contains(t.partitions[p].leader)) {
        problems.push_back(std::string(t.topic) + "-" + std::to_string(p) + " led by an unlisted broker");
      }
    }
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_destroy(rk);
  EXPECT_EQ(brokers, (std::set<int32_t>{1, 2, 3}));
  EXPECT_TRUE(problems.empty()) << problems.front();
  // Internal topics (__consumer_offsets, once a group exists) may be listed as well.
  EXPECT_EQ(partitions["topic-a"], 3);
  EXPECT_EQ(partitions["topic-b"], 2);
  EXPECT_EQ(partitions["other"], 2);

  // One Metadata request for all topics ("*"), answered, at this librdkafka's version.
  mock::RequestFilter filter;
  filter.clientId = "all-topics";
  filter.apiKey = 3;
  std::vector<std::string> allTopicRequests;
  for (const auto& r : cluster.requests(filter)) {
    if (r.detail("topics") != "*") continue;
    allTopicRequests.push_back(r.summary);
    EXPECT_EQ(r.apiVersion, kRdkafkaSends.metadata);
    EXPECT_EQ(r.outcome, mock::RequestOutcome::Answered) << r.summary;
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.summary;
  }
  EXPECT_FALSE(allTopicRequests.empty());
}

RdKafkaGroupConsumer::Config regexConsumerConfig(const MockCluster& cluster) {
  return {{"bootstrap.servers", cluster.bootstrapServers()},
          {"group.id", "regex-group"},
          {"client.id", "regex-consumer"},
          {"auto.offset.reset", "earliest"},
          {"enable.auto.commit", "true"},
          {"auto.commit.interval.ms", "100"},
          {"session.timeout.ms", "6000"},
          {"heartbeat.interval.ms", "200"},
          {"topic.metadata.refresh.interval.ms", "500"}};
}

std::string describe(const std::map<std::string, std::set<int32_t>>& assignment) {
  std::string out;
  for (const auto& [topic, partitions] : assignment) {
    out += topic + "{";
    for (int32_t p : partitions) out += std::to_string(p) + " ";
    out += "} ";
  }
  return out.empty() ? "nothing" : out;
}

TEST(LibrdkafkaSubscription, RegexSubscriptionReadsEveryMatchingTopicAndTakesUpANewOne) {
  MockCluster cluster(threeTopics());
  const TempDir temp("kafkalite-rdkafka-regex");
  const std::string bootstrap = cluster.bootstrapServers();
  for (const std::string topic : {"topic-a", "topic-b", "other"}) {
    ASSERT_TRUE(kcatProduce(bootstrap, topic, keyed(topic + "-", 100), temp.path(), {"-X", "acks=all"}, 60s)
                    .exitedZero());
  }

  RdKafkaGroupConsumer consumer(regexConsumerConfig(cluster), {"^topic.*"});
  ASSERT_TRUE(consumer.ok()) << consumer.error();
  std::map<std::string, int> readPerKey;
  std::set<std::string> topicsRead;
  auto drain = [&] {
    while (auto m = consumer.poll(20)) {
      ++readPerKey[m->key];
      topicsRead.insert(m->topic);
    }
  };
  const std::map<std::string, std::set<int32_t>> matching{{"topic-a", {0, 1, 2}}, {"topic-b", {0, 1}}};
  ASSERT_TRUE(waitUntil([&] { drain(); return consumer.assignmentByTopic() == matching && readPerKey.size() == 200; },
                        60s))
      << "assigned " << describe(consumer.assignmentByTopic()) << ", read " << readPerKey.size()
      << "; errors " << describeCounts(consumer.errors);
  EXPECT_EQ(topicsRead, (std::set<std::string>{"topic-a", "topic-b"}));
  for (const auto& [key, times] : readPerKey) EXPECT_EQ(times, 1) << key;
  const auto group = cluster.group("regex-group");
  ASSERT_EQ(group.members.size(), 1u);
  std::map<std::string, std::set<int32_t>> byCoordinator;
  for (const auto& [topic, partitions] : group.members[0].assignedPartitions) {
    byCoordinator[topic].insert(partitions.begin(), partitions.end());
  }
  EXPECT_EQ(byCoordinator, matching);

  // A topic that matches, created after the consumer joined: the next metadata refresh
  // finds it, the group rebalances, and its records are read from the beginning.
  cluster.createTopic(TopicSpec{"topic-c", 2, 1, std::nullopt});
  ASSERT_TRUE(kcatProduce(bootstrap, "topic-c", keyed("topic-c-", 50), temp.path(), {"-X", "acks=all"}, 60s)
                  .exitedZero());
  auto withC = matching;
  withC["topic-c"] = {0, 1};
  ASSERT_TRUE(waitUntil([&] { drain(); return consumer.assignmentByTopic() == withC && readPerKey.size() == 250; },
                        60s))
      << "assigned " << describe(consumer.assignmentByTopic()) << ", read " << readPerKey.size()
      << "; errors " << describeCounts(consumer.errors);
  EXPECT_FALSE(topicsRead.contains("other"));
  for (const auto& [key, times] : readPerKey) EXPECT_EQ(times, 1) << key << " read again after the rebalance";
}

}  // namespace
}  // namespace kafkalite::testing
