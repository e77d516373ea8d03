// The HTTP control endpoint (mockbroker/admin): an in-process MockCluster of 3 brokers
// with topic t (3 partitions, RF 3) and an AdminServer on an ephemeral port, driven
// over real HTTP/1.1 with a small Beast client. Every wait polls a condition with a
// deadline scaled by KAFKALITE_TIMEOUT_SCALE.

#include "mockbroker/admin/admin_server.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mockbroker/admin/json.hpp"
#include "support/cluster_helpers.hpp"
#include "support/http_client.hpp"

namespace kafkalite::testing {
namespace {

using mock::AdminServer;
using mock::detail::JsonValue;

class AdminServerTest : public ::testing::Test {
 protected:
  static MockClusterOptions options() {
    MockClusterOptions o;
    o.brokers = 3;
    o.autoCreateTopics = false;
    o.topics = {TopicSpec{"t", 3, 3, std::nullopt}};
    return o;
  }

  HttpReply call(Verb verb, const std::string& target, const std::string& body = {}) {
    return client_.request(verb, target, body);
  }

  /// The partition entry of GET /v1/cluster.
  JsonValue partitionJson(const std::string& topic, int64_t partition) {
    const HttpReply r = call(Verb::get, "/v1/cluster");
    for (const JsonValue& p : items(r.json["partitions"])) {
      if (strOf(p["topic"]) == topic && intOf(p["partition"]) == partition) return p;
    }
    return {};
  }

  static int64_t intOf(const JsonValue& v) { return v.asInt() ? *v.asInt() : -999; }
  static std::string strOf(const JsonValue& v) { return v.asString() ? *v.asString() : "<not a string>"; }
  static int boolOf(const JsonValue& v) { return v.asBool() ? int(*v.asBool()) : -1; }  // -1: not a bool
  static std::size_t sizeOf(const JsonValue& v) { return v.asArray() ? v.asArray()->size() : 999'999; }
  static const JsonValue::Array& items(const JsonValue& v) {
    static const JsonValue::Array kEmpty;
    return v.asArray() ? *v.asArray() : kEmpty;
  }

  MockCluster cluster_{options()};
  AdminServer server_{cluster_, "127.0.0.1", 0};
  HttpClient client_{server_.port()};
};

TEST_F(AdminServerTest, ClusterViewHasBrokersAndPartitions) {
  const HttpReply r = call(Verb::get, "/v1/cluster");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.keepAlive);
  const JsonValue& j = r.json;
  EXPECT_EQ(strOf(j["clusterId"]), cluster_.options().clusterId);
  EXPECT_EQ(intOf(j["controller"]), cluster_.controllerId());
  EXPECT_EQ(strOf(j["bootstrapServers"]), cluster_.bootstrapServers());
  const auto brokers = cluster_.brokers();
  ASSERT_EQ(sizeOf(j["brokers"]), brokers.size());
  for (std::size_t i = 0; i < brokers.size(); ++i) {
    const JsonValue& b = j["brokers"][i];
    EXPECT_EQ(intOf(b["id"]), brokers[i].id);
    EXPECT_EQ(strOf(b["host"]), brokers[i].host);
    EXPECT_EQ(intOf(b["port"]), brokers[i].port);
    EXPECT_EQ(boolOf(b["online"]), 1);
  }
  ASSERT_EQ(sizeOf(j["partitions"]), 3u);
  for (int32_t p = 0; p < 3; ++p) {
    const auto view = cluster_.partition("t", p);
    const JsonValue& pj = j["partitions"][static_cast<std::size_t>(p)];
    EXPECT_EQ(strOf(pj["topic"]), "t");
    EXPECT_EQ(intOf(pj["partition"]), p);
    EXPECT_EQ(intOf(pj["leader"]), view.leader);
    EXPECT_GE(intOf(pj["leaderEpoch"]), 0);
    EXPECT_EQ(sizeOf(pj["replicas"]), 3u);
    EXPECT_TRUE(pj["isr"].isArray());
    ASSERT_EQ(sizeOf(pj["replicaStates"]), 3u);
    for (const JsonValue& rs : items(pj["replicaStates"])) {
      EXPECT_TRUE(rs["brokerId"].isInt() && rs["online"].isBool() && rs["logStartOffset"].isInt() &&
                  rs["logEndOffset"].isInt() && rs["highWatermark"].isInt())
          << mock::detail::serializeJson(rs);
    }
  }
}

TEST_F(AdminServerTest, StoppingLeaderMovesLeadershipAndStartRejoins) {
  for (const char* mode : {"clean", "hard"}) {
    const JsonValue before = partitionJson("t", 0);
    const int64_t leader = intOf(before["leader"]);
    const int64_t epoch = intOf(before["leaderEpoch"]);
    ASSERT_GE(leader, 1) << mode;
    const std::string id = std::to_string(leader);
    const HttpReply stop = call(Verb::post, "/v1/brokers/" + id + "/stop?mode=" + mode);
    ASSERT_EQ(stop.status, 200u) << mode << ": " << stop.body;
    EXPECT_EQ(boolOf(stop.json["online"]), 0);
    EXPECT_TRUE(waitUntil([&] {
      const JsonValue p = partitionJson("t", 0);
      const int64_t now = intOf(p["leader"]);
      return now >= 1 && now != leader && intOf(p["leaderEpoch"]) > epoch;
    })) << mode << ": " << mock::detail::serializeJson(partitionJson("t", 0));
    const HttpReply cluster = call(Verb::get, "/v1/cluster");
    for (const JsonValue& b : items(cluster.json["brokers"])) {
      EXPECT_EQ(boolOf(b["online"]), intOf(b["id"]) == leader ? 0 : 1) << mode << " broker " << intOf(b["id"]);
    }

    const HttpReply start = call(Verb::post, "/v1/brokers/" + id + "/start");
    ASSERT_EQ(start.status, 200u) << mode << ": " << start.body;
    EXPECT_EQ(boolOf(start.json["online"]), 1);
    EXPECT_TRUE(waitUntil([&] {
      const JsonValue p = partitionJson("t", 0);
      for (const JsonValue& r : items(p["isr"])) {
        if (intOf(r) == leader) return true;
      }
      return false;
    }, std::chrono::seconds(20))) << mode << ": " << mock::detail::serializeJson(partitionJson("t", 0));
  }
}

TEST_F(AdminServerTest, MovingLeaderRaisesEpoch) {
  const auto view = cluster_.partition("t", 1);
  const int32_t target = followersOf(view).front();
  const HttpReply r = call(Verb::post, "/v1/partitions/t/1/leader?broker=" + std::to_string(target));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(intOf(r.json["leader"]), target);
  const JsonValue p = partitionJson("t", 1);
  EXPECT_EQ(intOf(p["leader"]), target);
  EXPECT_EQ(intOf(p["leaderEpoch"]), view.leaderEpoch + 1);
}

TEST_F(AdminServerTest, PushedErrorsAnswerTheNextProduceRequests) {
  const HttpReply r = call(Verb::post, "/v1/errors", R"({"apiKey":0,"errors":[6,"NOT_LEADER_OR_FOLLOWER"],"broker":-1,"delayMs":0})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto client = connectTo(cluster_, cluster_.partition("t", 0).leader);
  const auto batch = makeValueBatch({"x"});
  for (int i = 0; i < 2; ++i) {
    const auto out = produce(*client, "t", 0, batch, /*acks=*/1);
    ASSERT_TRUE(out.answered()) << out.detail;
    EXPECT_EQ(errName(out.errorCode), "NOT_LEADER_OR_FOLLOWER") << i;
  }
  const auto ok = produce(*client, "t", 0, batch, /*acks=*/1);
  ASSERT_TRUE(ok.answered()) << ok.detail;
  EXPECT_EQ(errName(ok.errorCode), "NONE");
}

TEST_F(AdminServerTest, FaultEndpointsAnswerOk) {
  for (const char* target : {"/v1/brokers/2/rtt?ms=5", "/v1/brokers/2/rtt?ms=0", "/v1/brokers/3/stall?on=true",
                             "/v1/brokers/3/stall?on=false", "/v1/network/cut?a=1&b=2", "/v1/network/heal?a=1&b=2",
                             "/v1/heal"}) {
    const HttpReply r = call(Verb::post, target);
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    EXPECT_EQ(boolOf(r.json["ok"]), 1) << target;
  }
}

TEST_F(AdminServerTest, CreatesTopics) {
  const HttpReply r = call(Verb::post, "/v1/topics", R"({"name":"u","partitions":2,"replicationFactor":2,"minInsyncReplicas":1})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(sizeOf(r.json["partitions"]), 2u);
  EXPECT_EQ(sizeOf(partitionJson("u", 1)["replicas"]), 2u);
  EXPECT_EQ(call(Verb::post, "/v1/topics", R"({"name":"u","partitions":2,"replicationFactor":2})").status, 400u);
}

TEST_F(AdminServerTest, BadInputsGetErrorsAndTheServerKeepsServing) {
  struct Case {
    Verb verb;
    std::string target, body;
    unsigned status;
  };
  const std::vector<Case> cases = {
      {Verb::post, "/v1/topics", "{not json", 400},
      {Verb::post, "/v1/topics", "[1,2]", 400},
      {Verb::post, "/v1/topics", R"({"name":"bad name!","partitions":1,"replicationFactor":1})", 400},
      {Verb::post, "/v1/topics", R"({"name":"v","partitions":0,"replicationFactor":1})", 400},
      {Verb::post, "/v1/topics", R"({"name":"v","partitions":1,"replicationFactor":9})", 400},
      {Verb::post, "/v1/errors", R"({"apiKey":0,"errors":"x"})", 400},
      {Verb::post, "/v1/errors", R"({"apiKey":0,"errors":[6],"broker":42})", 400},
      {Verb::post, "/v1/errors", R"({"errors":[6]})", 400},
      {Verb::post, "/v1/errors", std::string(100, '['), 400},
      {Verb::post, "/v1/brokers/9/stop", "", 400},
      {Verb::post, "/v1/brokers/abc/start", "", 400},
      {Verb::post, "/v1/brokers/1/stop?mode=gentle", "", 400},
      {Verb::post, "/v1/brokers/1/rtt?ms=-1", "", 400},
      {Verb::post, "/v1/brokers/1/rtt", "", 400},
      {Verb::post, "/v1/network/cut?a=1&b=1", "", 400},
      {Verb::post, "/v1/partitions/t/7/leader?broker=1", "", 400},
      {Verb::post, "/v1/partitions/nope/0/leader?broker=1", "", 400},
      {Verb::get, "/v1/partitions/t/0/records?broker=77", "", 400},
      {Verb::get, "/v1/partitions/t/x/records", "", 400},
      {Verb::get, "/v1/partitions/t/0/records?broker=%zz", "", 400},
      {Verb::get, "/v1/nothing", "", 404},
      {Verb::get, "/", "", 404},
      {Verb::get, "/v2/cluster", "", 404},
      {Verb::post, "/v1/cluster", "", 405},
      {Verb::get, "/v1/heal", "", 405},
      {Verb::delete_, "/v1/brokers/1/stop", "", 405},
      {Verb::post, "/v1/partitions/t/0/records", "", 405},
  };
  for (const Case& c : cases) {
    const HttpReply r = call(c.verb, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << c.body << ": " << r.body;
    EXPECT_TRUE(r.json["error"].isString()) << c.target << ": " << r.body;
    EXPECT_TRUE(r.keepAlive) << c.target;
    if (c.status == 405) {
      EXPECT_FALSE(r.allow.empty()) << c.target;
    }
  }
  EXPECT_EQ(call(Verb::get, "/v1/cluster").status, 200u);  // same connection
}

TEST_F(AdminServerTest, OversizedBodyGets413AndTheConnectionCloses) {
  const HttpReply r = call(Verb::post, "/v1/topics", std::string(AdminServer::kMaxBodyBytes + 1, ' '));
  EXPECT_EQ(r.status, 413u) << r.body;
  EXPECT_FALSE(r.keepAlive);
  EXPECT_TRUE(client_.closedByServer());
  EXPECT_EQ(HttpClient(server_.port()).request(Verb::get, "/v1/cluster").status, 200u);
}

TEST_F(AdminServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  ASSERT_TRUE(client_.sendRaw("NOT AN HTTP REQUEST\x01\r\n\r\n"));
  EXPECT_EQ(client_.read().status, 400u);
  EXPECT_TRUE(client_.closedByServer());
  HttpClient truncated(server_.port());
  ASSERT_TRUE(truncated.sendRaw("POST /v1/topics HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\""));
  EXPECT_EQ(HttpClient(server_.port()).request(Verb::get, "/v1/cluster").status, 200u);
}

TEST_F(AdminServerTest, KeepAlivePipeliningExpectContinueAndClose) {
  ASSERT_TRUE(client_.sendRaw("GET /v1/cluster HTTP/1.1\r\nHost: x\r\n\r\nPOST /v1/heal HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 0\r\n\r\n"));
  EXPECT_EQ(client_.read().status, 200u);
  EXPECT_EQ(client_.read().status, 200u);

  const std::string body = R"({"name":"e","partitions":1,"replicationFactor":1})";
  ASSERT_TRUE(client_.sendRaw("POST /v1/topics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(client_.read().status, 100u);
  ASSERT_TRUE(client_.sendRaw(body));
  EXPECT_EQ(client_.read().status, 201u);

  const HttpReply last = client_.request(Verb::get, "/v1/cluster", {}, {{http::field::connection, "close"}});
  EXPECT_EQ(last.status, 200u);
  EXPECT_FALSE(last.keepAlive);
  EXPECT_TRUE(client_.closedByServer());

  HttpClient http10(server_.port());
  EXPECT_EQ(http10.request(Verb::get, "/v1/cluster", {}, {}, 10).status, 200u);
  EXPECT_TRUE(http10.closedByServer());
}

TEST_F(AdminServerTest, RecordsEndpointShowsEachReplicasLog) {
  const int32_t leader = cluster_.partition("t", 2).leader;
  const std::string binary("\xff\x00" "bin", 5);
  const auto batch = makeBatch({TestRecord{"k1", "v1", 1000, {{"h", "x"}, {"n", std::nullopt}}},
                                TestRecord{std::nullopt, binary, 1001, {}},
                                TestRecord{"k3", std::nullopt, 1002, {}}},
                               BatchOptions{1000, -1, -1, -1});
  auto client = connectTo(cluster_, leader);
  const auto out = produce(*client, "t", 2, batch, /*acks=*/-1);
  ASSERT_TRUE(out.answered()) << out.detail;
  ASSERT_EQ(errName(out.errorCode), "NONE");
  ASSERT_TRUE(waitFullyReplicated(cluster_, "t", 2));

  for (int32_t broker : {leader, followersOf(cluster_.partition("t", 2)).front(), -1}) {
    const std::string query = broker < 0 ? "" : "?broker=" + std::to_string(broker);
    const HttpReply r = call(Verb::get, "/v1/partitions/t/2/records" + query);
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_EQ(sizeOf(r.json), 3u) << r.body;
    const JsonValue& first = r.json[0];
    EXPECT_EQ(intOf(first["offset"]), 0);
    EXPECT_EQ(intOf(first["timestamp"]), 1000);
    EXPECT_EQ(strOf(first["key"]), "k1");
    EXPECT_EQ(strOf(first["value"]), "v1");
    EXPECT_EQ(mock::detail::serializeJson(first["headers"]), R"([["h","x"],["n",null]])");
    EXPECT_EQ(intOf(first["producerId"]), -1);
    EXPECT_GE(intOf(first["leaderEpoch"]), 0);
    EXPECT_TRUE(r.json[1]["key"].isNull());
    // The invalid UTF-8 byte 0xff is escaped as \u00ff, so it reads back as U+00FF.
    EXPECT_NE(r.body.find(R"("value":"\u00ff\u0000bin")"), std::string::npos) << r.body;
    EXPECT_EQ(strOf(r.json[1]["value"]), std::string("\xc3\xbf\x00" "bin", 6));
    EXPECT_EQ(strOf(r.json[2]["key"]), "k3");
    EXPECT_TRUE(r.json[2]["value"].isNull());
  }
}

TEST_F(AdminServerTest, StopsWhileConnectionsAreOpen) {
  HttpClient idle(server_.port());
  ASSERT_TRUE(idle.sendRaw("GET /v1/clu"));  // a half-sent request
  server_.stop();
  EXPECT_TRUE(idle.closedByServer());
  server_.stop();  // idempotent
}

}  // namespace
}  // namespace kafkalite::testing
