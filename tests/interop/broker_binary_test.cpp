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

#include "support/kcat.hpp"
#include "support/subprocess.hpp"

namespace kafkalite::testing {
namespace {

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

}  // namespace
}  // namespace kafkalite::testing
