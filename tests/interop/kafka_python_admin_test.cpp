// kafka-python 2.0.2's KafkaAdminClient (Debian's python3-kafka) against the in-process
// mock cluster: tests/interop/python/kafka_python_admin.py creates topics (partitions and
// replication factor, an explicit assignment, configs, validate_only), describes topic and
// broker configs, alters them, grows a topic that a producer and a consumer then use,
// describes the cluster and deletes a topic; this test checks what it reports, the
// cluster's state and the versions kafka-python sent, from the request log.

#include <gtest/gtest.h>

#include "support/cluster_helpers.hpp"
#include "support/script_run.hpp"

namespace kafkalite::testing {
namespace {

using mock::detail::JsonValue;
using mock::detail::serializeJson;

std::string text(const JsonValue& v) { return serializeJson(v); }

TEST(KafkaPythonAdmin, CreatesDescribesAltersGrowsAndDeletesTopics) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.clusterId = "kp-cluster";
  MockCluster cluster(o);
  const auto run = runScript({KAFKALITE_PYTHON, KAFKALITE_INTEROP_DIR "/python/kafka_python_admin.py",
                              cluster.bootstrapServers()},
                             std::chrono::seconds(90));
  ASSERT_TRUE(run.exitedZero()) << run.describe();
  const JsonValue out = run.lastJson();
  ASSERT_TRUE(out.isObject()) << (run.lines.empty() ? std::string("no output") : run.lines.back());

  EXPECT_EQ(text(out["create_version"]), "3");
  EXPECT_EQ(text(out["create"]), R"([["kp-doomed",0],["kp-orders",0],["kp-placed",0]])");
  EXPECT_EQ(text(out["create_again"]), R"("TopicAlreadyExistsError")");
  EXPECT_EQ(text(out["create_rf4"]), R"("InvalidReplicationFactorError")");
  EXPECT_EQ(text(out["create_bad_config"]), R"("InvalidConfigurationError")");
  EXPECT_EQ(text(out["create_bad_name"]), R"("InvalidTopicError")");
  EXPECT_EQ(text(out["validated_exists"]), "false");

  // DescribeConfigs v2: [value, read_only, source]; 1 = DYNAMIC_TOPIC_CONFIG, 5 = DEFAULT_CONFIG,
  // 4 = STATIC_BROKER_CONFIG.
  EXPECT_EQ(text(out["describe_version"]), "2");
  EXPECT_EQ(text(out["topic_configs"]),
            R"({"cleanup.policy":["delete",false,5],"min.insync.replicas":["2",false,1],"retention.ms":["3600000",false,1]})");
  EXPECT_EQ(text(out["broker_configs"]), R"({"broker.id":["1",true,4],"min.insync.replicas":["1",false,5]})");
  // AlterConfigs v1 replaces the topic's configs: min.insync.replicas returns to its default.
  EXPECT_EQ(text(out["alter_version"]), "1");
  EXPECT_EQ(text(out["alter"]), "[0]");
  EXPECT_EQ(text(out["alter_bad"]), "[40]");  // INVALID_CONFIG
  EXPECT_EQ(text(out["topic_configs_after"]),
            R"({"min.insync.replicas":["1",false,5],"retention.bytes":["1048576",false,1],"retention.ms":["7200000",false,1]})");
  EXPECT_EQ(cluster.topicConfigs("kp-orders"),
            (std::map<std::string, std::string>{{"retention.bytes", "1048576"}, {"retention.ms", "7200000"}}));

  EXPECT_EQ(text(out["partitions_before"]), "3");
  EXPECT_EQ(text(out["create_partitions"]), R"([["kp-orders",0]])");
  EXPECT_EQ(text(out["create_partitions_shrink"]), R"("InvalidPartitionsError")");
  EXPECT_EQ(text(out["produced"]), "[5,0]");
  EXPECT_EQ(text(out["consumed"]), R"(["on the new partition"])");
  EXPECT_EQ(storedValues(cluster.records("kp-orders", 5, cluster.partition("kp-orders", 5).leader)),
            (std::vector<std::string>{"on the new partition"}));
  EXPECT_EQ(cluster.partition("kp-placed", 0).replicas, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(cluster.partition("kp-placed", 1).replicas, (std::vector<int32_t>{2, 3}));

  EXPECT_EQ(text(out["cluster"]), R"(["kp-cluster",1,[1,2,3]])");
  EXPECT_EQ(text(out["delete_version"]), "3");
  EXPECT_EQ(text(out["delete"]), R"([["kp-doomed",0]])");
  EXPECT_EQ(text(out["doomed_listed"]), "false");
  EXPECT_EQ(text(out["delete_again"]), R"("UnknownTopicOrPartitionError")");
  EXPECT_THROW((void)cluster.partition("kp-doomed", 0), std::out_of_range);

  // The request log saw kafka-python's admin requests, each answered.
  mock::RequestFilter admin;
  admin.clientId = "kafka-python-admin";
  int creates = 0;
  for (const auto& r : cluster.requests(admin)) {
    EXPECT_NE(r.outcome, mock::RequestOutcome::Pending) << r.apiName << " " << r.summary;
    if (r.apiName == "CreateTopics") {
      ++creates;
      EXPECT_EQ(r.apiVersion, 3);
    }
  }
  EXPECT_GE(creates, 6);
}

}  // namespace
}  // namespace kafkalite::testing
