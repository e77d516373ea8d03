// librdkafka's Admin API (C; Debian's 2.0.2 and 2.15.1, one test binary each) against the
// in-process mock cluster: CreateTopics with configs and an explicit assignment,
// DescribeConfigs, AlterConfigs, CreatePartitions,
// DeleteRecords and DeleteTopics; a topic created with min.insync.replicas=3 on
// replication factor 3 refusing acks=all once a replica stops (spec 1.2); and the request
// log showing that an idempotent librdkafka producer sent InitProducerId before its first
// Produce.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"
#include "support/rdkafka_versions.hpp"

namespace kafkalite::testing {
namespace {

void dropLog(const rd_kafka_t*, int, const char*, const char*) {}

/// A librdkafka producer handle (the Admin API runs on any client handle).
class Client {
 public:
  explicit Client(const std::vector<std::pair<std::string, std::string>>& settings) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : settings) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        error = k + ": " + err;
        rd_kafka_conf_destroy(conf);
        return;
      }
    }
    rd_kafka_conf_set_log_cb(conf, dropLog);
    rd_kafka_conf_set_dr_msg_cb(conf, &Client::onDelivery);
    rd_kafka_conf_set_opaque(conf, this);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) error = err;
    queue = rd_kafka_queue_new(rk);
  }
  ~Client() {
    if (queue) rd_kafka_queue_destroy(queue);
    if (rk) rd_kafka_destroy(rk);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Waits for the next admin result on this client's queue.
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> waitResult() {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(scaledTimeout(std::chrono::seconds(30)).count()));
    return {ev, rd_kafka_event_destroy};
  }
  rd_kafka_AdminOptions_t* options(rd_kafka_admin_op_t op) {
    rd_kafka_AdminOptions_t* o = rd_kafka_AdminOptions_new(rk, op);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, 30000, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(o, 30000, err, sizeof err);
    return o;
  }

  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  std::string error;
  std::vector<rd_kafka_resp_err_t> delivered;

 private:
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<Client*>(opaque)->delivered.push_back(m->err);
  }
};

std::string name(rd_kafka_resp_err_t e) { return rd_kafka_err2name(e); }

TEST(LibrdkafkaAdmin, CreatesDescribesAltersGrowsTrimsAndDeletesTopics) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  MockCluster cluster(o);
  Client client({{"bootstrap.servers", cluster.bootstrapServers()}, {"client.id", "rdkafka-admin"}});
  ASSERT_TRUE(client.error.empty()) << client.error;
  char err[512];

  // CreateTopics: configs on one topic, an explicit assignment on the other, one refused.
  rd_kafka_NewTopic_t* topics[3];
  topics[0] = rd_kafka_NewTopic_new("rk-configured", 2, 3, err, sizeof err);
  ASSERT_EQ(rd_kafka_NewTopic_set_config(topics[0], "min.insync.replicas", "2"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_NewTopic_set_config(topics[0], "cleanup.policy", "delete"), RD_KAFKA_RESP_ERR_NO_ERROR);
  topics[1] = rd_kafka_NewTopic_new("rk-placed", 1, -1, err, sizeof err);
  const int32_t replicas[] = {3, 1};
  ASSERT_EQ(rd_kafka_NewTopic_set_replica_assignment(topics[1], 0, const_cast<int32_t*>(replicas), 2, err, sizeof err),
            RD_KAFKA_RESP_ERR_NO_ERROR)
      << err;
  topics[2] = rd_kafka_NewTopic_new("rk-bad", 1, 1, err, sizeof err);
  ASSERT_EQ(rd_kafka_NewTopic_set_config(topics[2], "retention.ms", "never"), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_AdminOptions_t* options = client.options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(client.rk, topics, 3, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no CreateTopics result";
    ASSERT_EQ(name(rd_kafka_event_error(ev.get())), "NO_ERROR") << rd_kafka_event_error_string(ev.get());
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
    ASSERT_EQ(n, 3u);
    std::map<std::string, std::string> errors;
    for (size_t i = 0; i < n; ++i) errors[rd_kafka_topic_result_name(results[i])] = name(rd_kafka_topic_result_error(results[i]));
    EXPECT_EQ(errors, (std::map<std::string, std::string>{
                          {"rk-bad", "INVALID_CONFIG"}, {"rk-configured", "NO_ERROR"}, {"rk-placed", "NO_ERROR"}}));
  }
  EXPECT_EQ(cluster.topicConfigs("rk-configured"),
            (std::map<std::string, std::string>{{"cleanup.policy", "delete"}, {"min.insync.replicas", "2"}}));
  EXPECT_EQ(cluster.partition("rk-placed", 0).replicas, (std::vector<int32_t>{3, 1}));

  // DescribeConfigs of a topic and a broker.
  rd_kafka_ConfigResource_t* describe[2] = {rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "rk-configured"),
                                            rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, "2")};
  options = client.options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_DescribeConfigs(client.rk, describe, 2, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  for (auto* r : describe) rd_kafka_ConfigResource_destroy(r);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no DescribeConfigs result";
    ASSERT_EQ(name(rd_kafka_event_error(ev.get())), "NO_ERROR") << rd_kafka_event_error_string(ev.get());
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
    ASSERT_EQ(n, 2u);
    std::map<std::string, std::string> seen;
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(name(rd_kafka_ConfigResource_error(resources[i])), "NO_ERROR");
      size_t count = 0;
      const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &count);
      for (size_t j = 0; j < count; ++j) {
        const std::string key = std::string(rd_kafka_ConfigResource_name(resources[i])) + "/" +
                                rd_kafka_ConfigEntry_name(entries[j]);
        const char* value = rd_kafka_ConfigEntry_value(entries[j]);
        seen[key] = std::string(value ? value : "null") + " " +
                    rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[j])) +
                    (rd_kafka_ConfigEntry_is_read_only(entries[j]) ? " read-only" : "");
      }
    }
    EXPECT_EQ(seen["rk-configured/min.insync.replicas"], "2 DYNAMIC_TOPIC_CONFIG");
    EXPECT_EQ(seen["rk-configured/retention.ms"], "604800000 DEFAULT_CONFIG");
    EXPECT_EQ(seen["2/broker.id"], "2 STATIC_BROKER_CONFIG read-only");
  }

  // AlterConfigs (replaces the topic's configs), then CreatePartitions.
  rd_kafka_ConfigResource_t* alter = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "rk-configured");
  rd_kafka_ConfigResource_set_config(alter, "retention.bytes", "2000000");
  options = client.options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  rd_kafka_AlterConfigs(client.rk, &alter, 1, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy(alter);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no AlterConfigs result";
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev.get()), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(name(rd_kafka_ConfigResource_error(resources[0])), "NO_ERROR");
  }
  EXPECT_EQ(cluster.topicConfigs("rk-configured"), (std::map<std::string, std::string>{{"retention.bytes", "2000000"}}));

  rd_kafka_NewPartitions_t* grow = rd_kafka_NewPartitions_new("rk-configured", 4, err, sizeof err);
  options = client.options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
  rd_kafka_CreatePartitions(client.rk, &grow, 1, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewPartitions_destroy(grow);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no CreatePartitions result";
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.get()), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(name(rd_kafka_topic_result_error(results[0])), "NO_ERROR");
  }
  EXPECT_EQ(cluster.partition("rk-configured", 3).replicas.size(), 3u);

  // DeleteRecords up to the high watermark, after some records.
  auto leader = connectTo(cluster, cluster.partition("rk-configured", 0).leader);
  const auto batch = makeValueBatch(numberedValues("r", 6));
  ASSERT_EQ(errName(produce(*leader, "rk-configured", 0, batch, -1).errorCode), "NONE");
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "rk-configured", 0)->offset = RD_KAFKA_OFFSET_END;
  rd_kafka_DeleteRecords_t* trim = rd_kafka_DeleteRecords_new(offsets);
  rd_kafka_topic_partition_list_destroy(offsets);
  options = client.options(RD_KAFKA_ADMIN_OP_DELETERECORDS);
  rd_kafka_DeleteRecords(client.rk, &trim, 1, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_DeleteRecords_destroy(trim);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no DeleteRecords result";
    ASSERT_EQ(name(rd_kafka_event_error(ev.get())), "NO_ERROR") << rd_kafka_event_error_string(ev.get());
    const rd_kafka_topic_partition_list_t* result =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev.get()));
    ASSERT_EQ(result->cnt, 1);
    EXPECT_EQ(name(result->elems[0].err), "NO_ERROR");
    EXPECT_EQ(result->elems[0].offset, 6) << "the new low watermark";
  }
  EXPECT_EQ(replicaOf(cluster.partition("rk-configured", 0), cluster.partition("rk-configured", 0).leader).logStartOffset, 6);

  // DeleteTopics, of a topic and of one that does not exist.
  rd_kafka_DeleteTopic_t* del[2] = {rd_kafka_DeleteTopic_new("rk-placed"), rd_kafka_DeleteTopic_new("rk-missing")};
  options = client.options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_DeleteTopics(client.rk, del, 2, options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  for (auto* d : del) rd_kafka_DeleteTopic_destroy(d);
  {
    auto ev = client.waitResult();
    ASSERT_TRUE(ev) << "no DeleteTopics result";
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
    ASSERT_EQ(n, 2u);
    std::map<std::string, std::string> errors;
    for (size_t i = 0; i < n; ++i) errors[rd_kafka_topic_result_name(results[i])] = name(rd_kafka_topic_result_error(results[i]));
    EXPECT_EQ(errors, (std::map<std::string, std::string>{{"rk-missing", "UNKNOWN_TOPIC_OR_PART"},
                                                          {"rk-placed", "NO_ERROR"}}));
  }
  EXPECT_THROW((void)cluster.partition("rk-placed", 0), std::out_of_range);

  // This librdkafka's versions (support/rdkafka_versions.hpp), from the request log.
  std::map<std::string, int16_t> versions;
  mock::RequestFilter filter;
  filter.clientId = "rdkafka-admin";
  for (const auto& r : cluster.requests(filter)) versions[r.apiName] = r.apiVersion;
  EXPECT_EQ(versions["CreateTopics"], kRdkafkaSends.createTopics);
  EXPECT_EQ(versions["DescribeConfigs"], kRdkafkaSends.describeConfigs);
  EXPECT_EQ(versions["AlterConfigs"], kRdkafkaSends.alterConfigs);
  EXPECT_EQ(versions["CreatePartitions"], kRdkafkaSends.createPartitions);
  EXPECT_EQ(versions["DeleteRecords"], kRdkafkaSends.deleteRecords);
  EXPECT_EQ(versions["DeleteTopics"], kRdkafkaSends.deleteTopics);
}

// spec 1.2: a topic created through CreateTopics with min.insync.replicas=3 on RF 3 takes
// acks=all while all three are in sync and refuses it (NOT_ENOUGH_REPLICAS) with one stopped.
TEST(LibrdkafkaAdmin, MinInsyncReplicasSetAtCreationRefusesAcksAllWithAReplicaStopped_Spec1_2) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  MockCluster cluster(o);
  {
    Client admin({{"bootstrap.servers", cluster.bootstrapServers()}});
    char err[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new("strict", 1, 3, err, sizeof err);
    rd_kafka_NewTopic_set_config(topic, "min.insync.replicas", "3");
    rd_kafka_AdminOptions_t* options = admin.options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(admin.rk, &topic, 1, options, admin.queue);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy(topic);
    auto ev = admin.waitResult();
    ASSERT_TRUE(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
    ASSERT_EQ(n, 1u);
    ASSERT_EQ(name(rd_kafka_topic_result_error(results[0])), "NO_ERROR");
  }
  ASSERT_TRUE(waitFullyReplicated(cluster, "strict", 0));
  Client producer({{"bootstrap.servers", cluster.bootstrapServers()}, {"client.id", "strict-producer"},
                   {"acks", "all"}, {"retries", "0"}, {"linger.ms", "0"}, {"message.timeout.ms", "20000"}});
  const auto send = [&](const std::string& value) {
    producer.delivered.clear();
    EXPECT_EQ(rd_kafka_producev(producer.rk, RD_KAFKA_V_TOPIC("strict"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_flush(producer.rk, static_cast<int>(scaledTimeout(std::chrono::seconds(30)).count()));
    return producer.delivered.size() == 1 ? name(producer.delivered[0]) : std::string("no delivery report");
  };
  EXPECT_EQ(send("all three in sync"), "NO_ERROR");
  const auto view = cluster.partition("strict", 0);
  cluster.stopBroker(followersOf(view).front(), StopMode::Hard);
  EXPECT_EQ(send("one replica down"), "NOT_ENOUGH_REPLICAS");
  EXPECT_EQ(storedValues(cluster.records("strict", 0, view.leader)), (std::vector<std::string>{"all three in sync"}));

  mock::RequestFilter filter;
  filter.clientId = "strict-producer";
  filter.apiKey = 0;  // Produce
  const auto produces = cluster.requests(filter);
  ASSERT_FALSE(produces.empty());
  EXPECT_EQ(produces.back().detail("acks"), "-1");
  EXPECT_EQ(produces.back().error, ErrorCode::NOT_ENOUGH_REPLICAS);
}

// retention.bytes altered at run time by librdkafka's AlterConfigs moves the leader's log
// start at once, but never above the high watermark (Kafka's UnifiedLog.deletableSegments):
// with the follower stalled the records it has not fetched stay; once it catches up and the
// high watermark rises, retention takes them too (all but the newest batch).
TEST(LibrdkafkaAdmin, RetentionBytesAlteredAtRunTimeMovesTheLogStartButNeverAboveTheHighWatermark) {
  MockClusterOptions o;
  o.brokers = 2;
  o.topics = {TopicSpec{"trimmed", 1, 2}};
  MockCluster cluster(o);
  const auto view = cluster.partition("trimmed", 0);
  const int32_t follower = followersOf(view).front();
  Client producer({{"bootstrap.servers", cluster.bootstrapServers()}, {"acks", "1"}, {"linger.ms", "0"},
                   {"max.in.flight", "1"}});
  const auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string value(300, static_cast<char>('a' + i));
      ASSERT_EQ(rd_kafka_producev(producer.rk, RD_KAFKA_V_TOPIC("trimmed"), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
      rd_kafka_flush(producer.rk, static_cast<int>(scaledTimeout(std::chrono::seconds(30)).count()));  // one batch each
    }
  };
  send(0, 3);
  ASSERT_TRUE(waitFullyReplicated(cluster, "trimmed", 0));
  cluster.stallFollower(follower);
  send(3, 6);
  const auto leaderState = [&] { return replicaOf(cluster.partition("trimmed", 0), view.leader); };
  ASSERT_EQ(leaderState().logEndOffset, 6);
  ASSERT_EQ(leaderState().highWatermark, 3);

  rd_kafka_ConfigResource_t* alter = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "trimmed");
  rd_kafka_ConfigResource_set_config(alter, "retention.bytes", "1");
  rd_kafka_AdminOptions_t* options = producer.options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  rd_kafka_AlterConfigs(producer.rk, &alter, 1, options, producer.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy(alter);
  {
    auto ev = producer.waitResult();
    ASSERT_TRUE(ev) << "no AlterConfigs result";
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev.get()), &n);
    ASSERT_EQ(n, 1u);
    ASSERT_EQ(name(rd_kafka_ConfigResource_error(resources[0])), "NO_ERROR");
  }
  EXPECT_EQ(leaderState().logStartOffset, 3) << "at once, up to the high watermark and not past it";
  EXPECT_EQ(storedValues(cluster.records("trimmed", 0, view.leader)).size(), 3u);

  cluster.stallFollower(follower, false);
  ASSERT_TRUE(waitUntil([&] { return leaderState().highWatermark == 6; }));
  ASSERT_TRUE(waitUntil([&] { return leaderState().logStartOffset == 5; })) << describe(cluster.partition("trimmed", 0));
  EXPECT_EQ(storedValues(cluster.records("trimmed", 0, view.leader)), (std::vector<std::string>{std::string(300, 'f')}));
}

// The request log as a test uses it: an idempotent librdkafka producer asks for a producer
// id (InitProducerId) before its first Produce, and that Produce carries it.
TEST(LibrdkafkaAdmin, RequestLogShowsInitProducerIdBeforeTheFirstIdempotentProduce) {
  MockClusterOptions o;
  o.brokers = 3;
  o.topics = {TopicSpec{"idem", 2, 3}};
  MockCluster cluster(o);
  const uint64_t before = cluster.lastRequestSequence();
  Client producer({{"bootstrap.servers", cluster.bootstrapServers()}, {"client.id", "idem-producer"},
                   {"enable.idempotence", "true"}, {"linger.ms", "0"}});
  for (int i = 0; i < 5; ++i) {
    const std::string value = "v" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(producer.rk, RD_KAFKA_V_TOPIC("idem"), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_flush(producer.rk, static_cast<int>(scaledTimeout(std::chrono::seconds(30)).count()));
  ASSERT_EQ(producer.delivered.size(), 5u);

  mock::RequestFilter filter;
  filter.clientId = "idem-producer";
  filter.afterSequence = before;
  const auto requests = cluster.requests(filter);
  const auto firstOf = [&](const std::string& api) {
    return std::find_if(requests.begin(), requests.end(), [&](const mock::RequestRecord& r) { return r.apiName == api; });
  };
  const auto init = firstOf("InitProducerId");
  const auto produce = firstOf("Produce");
  ASSERT_NE(init, requests.end());
  ASSERT_NE(produce, requests.end());
  EXPECT_LT(init->sequence, produce->sequence);
  EXPECT_EQ(init->apiVersion, kRdkafkaSends.initProducerId);
  EXPECT_EQ(init->outcome, mock::RequestOutcome::Answered);
  EXPECT_EQ(init->error, ErrorCode::NONE);
  EXPECT_EQ(produce->detail("acks"), "-1");
  EXPECT_TRUE(produce->detail("producer_id").has_value()) << produce->summary;
  EXPECT_EQ(produce->topics, (std::vector<std::string>{"idem"}));
}

}  // namespace
}  // namespace kafkalite::testing
