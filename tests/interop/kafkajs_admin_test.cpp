// kafkajs 2.2.4's admin client (tests/interop/js/node_modules, pinned by package-lock.json)
// against the in-process mock cluster: tests/interop/js/admin.js creates a topic and waits
// for its leaders, reads its metadata, grows it, describes and alters its configs,
// produces, deletes records up to the high watermark and deletes the topic.

#include <gtest/gtest.h>

#include "support/cluster_helpers.hpp"
#include "support/script_run.hpp"

namespace kafkalite::testing {
namespace {

using mock::detail::JsonValue;
using mock::detail::serializeJson;

TEST(KafkajsAdmin, CreatesReadsGrowsConfiguresTrimsAndDeletesATopic) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  MockCluster cluster(o);
  const auto run = runScript({KAFKALITE_NODE, KAFKALITE_INTEROP_DIR "/js/admin.js", cluster.bootstrapServers()},
                             std::chrono::seconds(90));
  ASSERT_TRUE(run.exitedZero()) << run.describe();
  const JsonValue out = run.lastJson();
  ASSERT_TRUE(out.isObject()) << (run.lines.empty() ? std::string("no output") : run.lines.back());
  const auto text = [&](const char* key) { return serializeJson(out[key]); };

  EXPECT_EQ(text("created"), "true");
  EXPECT_EQ(text("createdAgain"), "false") << "kafkajs answers TOPIC_ALREADY_EXISTS with false";
  EXPECT_EQ(text("rf4"), R"("INVALID_REPLICATION_FACTOR")");
  EXPECT_EQ(text("partitions"), "[[0,true,2],[1,true,2],[2,true,2]]");
  EXPECT_EQ(text("grown"), "5");
  // DescribeConfigs v2: [value, isDefault, source].
  EXPECT_EQ(text("retention"), R"(["3600000",false,1])");
  EXPECT_EQ(text("minIsr"), R"(["1",true,5])");
  // AlterConfigs replaces the topic's configs: retention.ms is back to its default.
  EXPECT_EQ(text("afterAlter"), R"([["max.message.bytes","500000"],["retention.ms","604800000"]])");
  EXPECT_EQ(text("offsetsAfterDeleteRecords"), R"(["4","4"])");
  EXPECT_EQ(text("listedAfterDelete"), "false");
  EXPECT_TRUE(cluster.partitions().empty());

  // The versions kafkajs negotiated, from the request log: its highest (kafkajs ignores
  // the broker's minimum).
  std::map<std::string, int16_t> versions;
  mock::RequestFilter filter;
  filter.clientId = "kafkajs-admin";
  for (const auto& r : cluster.requests(filter)) versions[r.apiName] = r.apiVersion;
  EXPECT_EQ(versions["CreateTopics"], 3);
  EXPECT_EQ(versions["CreatePartitions"], 1);
  EXPECT_EQ(versions["DescribeConfigs"], 2);
  EXPECT_EQ(versions["AlterConfigs"], 1);
  EXPECT_EQ(versions["DeleteTopics"], 1);
  EXPECT_EQ(versions["DeleteRecords"], 1);
}

}  // namespace
}  // namespace kafkalite::testing
