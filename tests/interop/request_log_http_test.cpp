// The request log over HTTP, as a test in any language uses it: kafkalite-broker runs as a
// child process, kcat produces with acks=all under its own client.id, and
// GET /v1/requests?api=Produce&clientId=... shows each Produce with its decoded summary
// and answer; since= reads only what came after a point; DELETE /v1/requests clears it.
// Also: topics with configs created and deleted over HTTP.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/kcat.hpp"
#include "support/subprocess.hpp"

namespace kafkalite::testing {
namespace {

using mock::detail::JsonValue;
using mock::detail::serializeJson;

const JsonValue::Array& items(const JsonValue& v) {
  static const JsonValue::Array kEmpty;
  return v.asArray() ? *v.asArray() : kEmpty;
}
std::string str(const JsonValue& v) { return v.asString() ? *v.asString() : serializeJson(v); }

TEST(RequestLogHttp, ShowsAClientsProduceRequestsAndClears) {
  const TempDir temp("kafkalite-request-log");
  Subprocess broker(SubprocessOptions{{KAFKALITE_BROKER_BIN, "--brokers", "2", "--topic", "logged:2:2",
                                       "--no-auto-create", "--request-log-size", "200"},
                                      std::nullopt, std::nullopt, temp.path() + "/broker.err"});
  std::string bootstrap;
  std::string admin;
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(20));
  for (bool ready = false; !ready;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto line = broker.readLine(std::max(left, std::chrono::milliseconds(1)));
    ASSERT_TRUE(line.has_value()) << "no 'ready' line; stderr: " << readFile(temp.path() + "/broker.err");
    if (line->rfind("bootstrap.servers=", 0) == 0) bootstrap = line->substr(18);
    if (line->rfind("admin=", 0) == 0) admin = line->substr(6);
    ready = *line == "ready";
  }
  const auto port = static_cast<uint16_t>(std::stoi(admin.substr(admin.rfind(':') + 1)));
  HttpClient http(port);

  std::vector<std::pair<std::string, std::string>> input;
  for (int i = 0; i < 20; ++i) input.emplace_back("k" + std::to_string(i), "v" + std::to_string(i));
  const auto produced = kcatProduce(bootstrap, "logged", input, temp.path(),
                                    {"-X", "client.id=kcat-logger", "-X", "acks=all"}, std::chrono::seconds(30));
  ASSERT_TRUE(produced.exitedZero()) << produced.describe();

  auto reply = http.request(Verb::get, "/v1/requests?api=Produce&clientId=kcat-logger");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const auto& produces = items(reply.json["requests"]);
  ASSERT_FALSE(produces.empty()) << reply.body;
  int64_t records = 0;
  for (const JsonValue& r : produces) {
    EXPECT_EQ(str(r["api"]), "Produce");
    EXPECT_EQ(str(r["apiVersion"]), "7");
    EXPECT_EQ(str(r["clientId"]), "kcat-logger");
    EXPECT_EQ(str(r["details"]["acks"]), "-1");
    EXPECT_EQ(str(r["outcome"]), "answered");
    EXPECT_EQ(str(r["error"]), "NONE");
    EXPECT_EQ(serializeJson(r["topics"]), R"(["logged"])");
    EXPECT_FALSE(str(r["clientAddress"]).empty());
    // "logged-0:7,logged-1:13": the record counts per partition.
    const std::string counts = str(r["details"]["records"]);
    for (std::size_t at = counts.find(':'); at != std::string::npos; at = counts.find(':', at + 1)) {
      records += std::stoll(counts.substr(at + 1));
    }
  }
  EXPECT_EQ(records, 20);

  // A narrower view: one broker; nothing after the newest sequence.
  reply = http.request(Verb::get, "/v1/requests?api=ApiVersions&clientId=kcat-logger&broker=1");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  for (const JsonValue& r : items(reply.json["requests"])) EXPECT_EQ(str(r["broker"]), "1");
  const std::string last = str(reply.json["lastSequence"]);
  reply = http.request(Verb::get, "/v1/requests?clientId=kcat-logger&since=" + last);
  EXPECT_TRUE(items(reply.json["requests"]).empty()) << reply.body;
  EXPECT_EQ(http.request(Verb::get, "/v1/requests?api=NoSuchApi").status, 400u);

  reply = http.request(Verb::delete_, "/v1/requests");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  reply = http.request(Verb::get, "/v1/requests?clientId=kcat-logger");
  EXPECT_TRUE(items(reply.json["requests"]).empty()) << reply.body;

  // Topics with configs over HTTP, then deleted.
  reply = http.request(Verb::post, "/v1/topics",
                       R"({"name":"configured","partitions":1,"replicationFactor":2,"configs":{"retention.ms":"60000"}})");
  EXPECT_EQ(reply.status, 201u) << reply.body;
  reply = http.request(Verb::post, "/v1/topics", R"({"name":"refused","partitions":1,"replicationFactor":1,"configs":{"retention.ms":"x"}})");
  EXPECT_EQ(reply.status, 400u) << reply.body;
  EXPECT_NE(str(reply.json["error"]).find("Invalid value x for configuration retention.ms"), std::string::npos) << reply.body;
  EXPECT_EQ(http.request(Verb::delete_, "/v1/topics/configured").status, 200u);
  EXPECT_EQ(http.request(Verb::delete_, "/v1/topics/configured").status, 400u) << "already gone";

  broker.signal(SIGTERM);
  const auto status = broker.wait(scaledTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeWaitStatus(*status);
}

}  // namespace
}  // namespace kafkalite::testing
