// The kafkalite-broker program (KAFKALITE_BROKER_BIN) as other languages' tests use it:
// started as a child process, it prints bootstrap.servers=..., admin=http://... and
// ready; kcat produces to it and consumes from it; SIGTERM ends it with exit status 0.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <signal.h>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mockbroker/admin/json.hpp"
#include "support/kcat.hpp"
#include "support/subprocess.hpp"

namespace kafkalite::testing {
namespace {

/// `GET path` on the admin endpoint `http://127.0.0.1:PORT`: the response body ("" on failure).
std::string httpGet(const std::string& admin, const std::string& path) {
  const int port = std::stoi(admin.substr(admin.rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const std::size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

/// Reads the child's startup lines; fills bootstrap and admin; true once it printed "ready".
bool awaitReady(Subprocess& broker, std::string& bootstrap, std::string& admin) {
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(20));
  for (int lines = 0; lines < 20; ++lines) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto line = broker.readLine(std::max(left, std::chrono::milliseconds(1)));
    if (!line) return false;
    if (line->rfind("bootstrap.servers=", 0) == 0) bootstrap = line->substr(18);
    if (line->rfind("admin=", 0) == 0) admin = line->substr(6);
    if (*line == "ready") return true;
  }
  return false;
}

TEST(BrokerBinary, ServesKcatAndExitsZeroOnSigterm) {
  const TempDir temp("kafkalite-broker-bin");
  Subprocess broker(SubprocessOptions{{KAFKALITE_BROKER_BIN, "--brokers", "3", "--topic", "bin:2:3",
                                       "--min-insync-replicas", "2", "--no-auto-create"},
                                      std::nullopt, std::nullopt, temp.path() + "/broker.err"});
  std::string bootstrap;
  std::string admin;
  bool ready = false;
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(20));
  for (int lines = 0; lines < 20 && !ready; ++lines) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto line = broker.readLine(std::max(left, std::chrono::milliseconds(1)));
    if (!line) break;
    if (line->rfind("bootstrap.servers=", 0) == 0) bootstrap = line->substr(18);
    if (line->rfind("admin=", 0) == 0) admin = line->substr(6);
    if (*line == "ready") ready = true;
  }
  ASSERT_TRUE(ready) << "no 'ready' line; stderr: " << readFile(temp.path() + "/broker.err");
  EXPECT_EQ(admin.rfind("http://127.0.0.1:", 0), 0u) << admin;

  // Three brokers, all on loopback.
  std::vector<std::string> servers;
  for (std::size_t pos = 0; pos <= bootstrap.size();) {
    const std::size_t comma = bootstrap.find(',', pos);
    servers.push_back(bootstrap.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  ASSERT_EQ(servers.size(), 3u) << bootstrap;
  for (const auto& s : servers) EXPECT_EQ(s.rfind("127.0.0.1:", 0), 0u) << s;

  constexpr int kRecords = 2000;
  std::vector<std::pair<std::string, std::string>> input;
  for (int i = 0; i < kRecords; ++i) input.emplace_back("key" + std::to_string(i % 37), "value " + std::to_string(i));
  const auto produced = kcatProduce(bootstrap, "bin", input, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(30));
  ASSERT_TRUE(produced.exitedZero()) << produced.describe();

  std::vector<KcatRecord> read;
  std::string parseError;
  const auto consumed = kcatConsumeAll(bootstrap, "bin", temp.path(), std::chrono::seconds(30), read, parseError);
  ASSERT_TRUE(consumed.exitedZero()) << consumed.describe();
  EXPECT_TRUE(parseError.empty()) << parseError;
  ASSERT_EQ(read.size(), static_cast<size_t>(kRecords));
  std::set<std::string> values;
  std::map<int32_t, int64_t> nextOffset;
  std::map<std::string, int32_t> partitionOfKey;
  std::map<int32_t, int> lastIndex;
  for (const auto& r : read) {
    EXPECT_TRUE(values.insert(r.value).second) << r.value << " read twice";
    EXPECT_EQ(r.offset, nextOffset[r.partition]++) << "partition " << r.partition;
    const auto [it, fresh] = partitionOfKey.emplace(r.key, r.partition);
    EXPECT_EQ(it->second, r.partition) << "key " << r.key << " on two partitions";
    const int index = std::stoi(r.value.substr(6));
    EXPECT_EQ(r.key, "key" + std::to_string(index % 37));
    auto [last, first] = lastIndex.emplace(r.partition, index);
    if (!first) {
      EXPECT_LT(last->second, index) << "partition " << r.partition << " reordered";
      last->second = index;
    }
  }
  EXPECT_EQ(values.size(), static_cast<size_t>(kRecords));

  broker.signal(SIGTERM);
  const auto status = broker.wait(scaledTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value()) << "still running 20 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeWaitStatus(*status) << "; stderr: "
                                                               << readFile(temp.path() + "/broker.err");
}

// The group coordinator's options on the command line, and a group seen on the admin endpoint.
TEST(BrokerBinary, ServesConsumerGroupsAndShowsThemOnTheAdminEndpoint) {
  const TempDir temp("kafkalite-broker-groups");
  Subprocess broker(SubprocessOptions{{KAFKALITE_BROKER_BIN, "--brokers", "3", "--topic", "grp:3:3",
                                       "--group-initial-rebalance-delay-ms", "0", "--group-min-session-timeout-ms",
                                       "100", "--offsets-topic-partitions", "7", "--offsets-topic-replication-factor",
                                       "2"},
                                      std::nullopt, std::nullopt, temp.path() + "/broker.err"});
  std::string bootstrap;
  std::string admin;
  ASSERT_TRUE(awaitReady(broker, bootstrap, admin)) << readFile(temp.path() + "/broker.err");
  std::vector<std::pair<std::string, std::string>> input;
  for (int i = 0; i < 100; ++i) input.emplace_back("k" + std::to_string(i), "v" + std::to_string(i));
  ASSERT_TRUE(kcatProduce(bootstrap, "grp", input, temp.path(), {"-X", "acks=all"}, std::chrono::seconds(30)).exitedZero());
  std::vector<KcatRecord> read;
  std::string parseError;
  const auto run = kcatGroupConsume(bootstrap, "bin-group", "grp", temp.path(), {"-X", "auto.offset.reset=earliest"},
                                    std::chrono::seconds(30), read, parseError);
  ASSERT_TRUE(run.exitedZero()) << run.describe();
  EXPECT_EQ(read.size(), input.size());

  std::string error;
  const auto groups = mock::detail::parseJson(httpGet(admin, "/v1/groups"), error);
  ASSERT_TRUE(groups) << error;
  EXPECT_EQ(*(*groups)[0]["groupId"].asString(), "bin-group");
  EXPECT_EQ(*(*groups)[0]["state"].asString(), "Empty");
  const auto* offsets = (*groups)[0]["offsets"].asArray();
  ASSERT_TRUE(offsets);
  ASSERT_EQ(offsets->size(), 3u);
  for (const auto& o : *offsets) EXPECT_EQ(*o["lag"].asInt(), 0);
  const auto cluster = mock::detail::parseJson(httpGet(admin, "/v1/cluster"), error);
  ASSERT_TRUE(cluster) << error;
  int offsetsPartitions = 0;
  for (const auto& p : *(*cluster)["partitions"].asArray()) {
    if (*p["topic"].asString() != "__consumer_offsets") continue;
    ++offsetsPartitions;
    EXPECT_EQ(p["replicas"].asArray()->size(), 2u);
  }
  EXPECT_EQ(offsetsPartitions, 7);

  broker.signal(SIGTERM);
  const auto status = broker.wait(scaledTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeWaitStatus(*status);
}

TEST(BrokerBinary, RejectsAMinSessionTimeoutAboveTheMax) {
  const TempDir temp("kafkalite-broker-badgroup");
  Subprocess broker(SubprocessOptions{{KAFKALITE_BROKER_BIN, "--group-min-session-timeout-ms", "10",
                                       "--group-max-session-timeout-ms", "5"},
                                      std::nullopt, std::nullopt, temp.path() + "/broker.err"});
  const auto status = broker.wait(scaledTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << describeWaitStatus(*status);
  EXPECT_NE(readFile(temp.path() + "/broker.err").find("--group-min-session-timeout-ms"), std::string::npos);
}

}  // namespace
}  // namespace kafkalite::testing
