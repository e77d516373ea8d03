// The kafkalite-broker program (KAFKALITE_BROKER_BIN, three brokers) against thousands of
// mutated requests (support/request_mutator.hpp: bit flips, truncations, length and size
// lies, random API keys and versions, spliced and inserted bytes), sent in pipelined bursts
// of up to 24 frames on fresh connections to every broker, valid requests mostly first so the
// broker reaches the mutated ones behind them. Most clients half-close and read until the
// broker has answered or refused everything and closed; every eighth hangs up at once.
// Between bursts a well-behaved client still gets ApiVersions and Metadata from every
// broker, and can produce with acks=all and read back what it produced; at the end SIGTERM
// ends the program with exit status 0 (under the asan preset: no error and no leak report).
// Kafka's SocketServer closes the connection of a request it cannot parse, and only that one.
//
// KAFKALITE_MUTATION_SEED and KAFKALITE_MUTATION_BURSTS change the run (defaults: a fixed
// seed, 5000 bursts); a failure prints the seed that reproduces it.

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "support/kafka_client.hpp"
#include "support/request_mutator.hpp"
#include "support/subprocess.hpp"

namespace kafkalite::testing {
namespace {

uint64_t envNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

class BrokerMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Subprocess>(SubprocessOptions{
        {KAFKALITE_BROKER_BIN, "--brokers", "3", "--topic", "base:3:3", "--no-admin"}, std::nullopt, std::nullopt,
        temp_.path() + "/broker.err"});
    bool ready = false;
    const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(20));
    while (!ready) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto line = broker_->readLine(std::max(left, std::chrono::milliseconds(1)));
      if (!line) break;
      if (line->rfind("bootstrap.servers=", 0) == 0) {
        for (std::size_t pos = 18; pos < line->size();) {
          const std::size_t colon = line->find(':', pos);
          const std::size_t comma = line->find(',', pos);
          ports_.push_back(static_cast<uint16_t>(std::stoi(line->substr(colon + 1, comma - colon - 1))));
          pos = comma == std::string::npos ? line->size() : comma + 1;
        }
      }
      ready = *line == "ready";
    }
    ASSERT_TRUE(ready) << "no 'ready' line; stderr: " << stderrText();
    ASSERT_EQ(ports_.size(), 3u);
  }

  std::string stderrText() const { return readFile(temp_.path() + "/broker.err"); }

  /// Every broker answers ApiVersions and Metadata; a produce with acks=all to the leader of
  /// one partition succeeds, and a fetch from its offset returns the record.
  void checkHealthy(int round) {
    SCOPED_TRACE("health check " + std::to_string(round));
    const auto exited = broker_->wait(std::chrono::milliseconds(0));
    ASSERT_FALSE(exited.has_value()) << "kafkalite-broker ended: " << describeWaitStatus(*exited)
                                     << "; stderr: " << stderrText();
    std::map<int32_t, uint16_t> portOf;
    std::vector<int32_t> leaders;
    for (const uint16_t port : ports_) {
      KafkaTestClient client("127.0.0.1", port);
      protocol::ApiVersionsRequest hello;
      hello.clientSoftwareName = "health";
      hello.clientSoftwareVersion = "1";
      const auto versions = client.roundTrip(hello, 3);
      ASSERT_TRUE(versions.ok()) << "port " << port << ": " << versions.error;
      ASSERT_EQ(errName(versions.body.errorCode), "NONE");
      const auto metadata = client.roundTrip(metadataRequest(std::vector<std::string>{"base"}), 9);
      ASSERT_TRUE(metadata.ok()) << "port " << port << ": " << metadata.error;
      const auto* topic = findTopic(metadata.body, "base");
      ASSERT_NE(topic, nullptr);
      ASSERT_EQ(errName(topic->errorCode), "NONE");
      ASSERT_EQ(topic->partitions.size(), 3u);
      leaders.clear();
      for (const auto& p : topic->partitions) leaders.push_back(p.leaderId);
      for (const auto& b : metadata.body.brokers) portOf[b.nodeId] = static_cast<uint16_t>(b.port);
    }
    const auto partition = static_cast<int32_t>(round % 3);
    const int32_t leader = leaders[static_cast<std::size_t>(partition)];
    ASSERT_TRUE(portOf.contains(leader)) << "partition " << partition << " has no live leader (" << leader << ")";
    KafkaTestClient client("127.0.0.1", portOf[leader]);
    const std::string value = "health-" + std::to_string(round);
    const auto batch = makeValueBatch({value});
    const auto produced = client.roundTrip(produceRequest("base", partition, batch, -1, 30000), 9);
    ASSERT_TRUE(produced.ok()) << produced.error;
    const auto* pr = findPartition(produced.body, "base", partition);
    ASSERT_NE(pr, nullptr);
    ASSERT_EQ(errName(pr->errorCode), "NONE");
    const auto fetched = client.roundTrip(fetchRequest("base", partition, pr->baseOffset, 0, 1), 12);
    ASSERT_TRUE(fetched.ok()) << fetched.error;
    const auto* fp = findPartition(fetched.body, "base", partition);
    ASSERT_NE(fp, nullptr);
    ASSERT_EQ(errName(fp->errorCode), "NONE");
    const auto records = decodeRecords(fp->records.bytes);
    ASSERT_FALSE(records.empty()) << "nothing read back at offset " << pr->baseOffset;
    EXPECT_EQ(records.front().offset, pr->baseOffset);
    EXPECT_EQ(records.front().value, value);
  }

  TempDir temp_{"kafkalite-mutation"};
  std::unique_ptr<Subprocess> broker_;
  std::vector<uint16_t> ports_;
};

TEST_F(BrokerMutationTest, MutatedRequestsNeverStopTheBrokerOrItsOtherClients) {
  const uint64_t seed = envNumber("KAFKALITE_MUTATION_SEED", 20261207);
  const uint64_t bursts = envNumber("KAFKALITE_MUTATION_BURSTS", 5000);
  SCOPED_TRACE("KAFKALITE_MUTATION_SEED=" + std::to_string(seed));
  RequestMutator mutator(seed, "base");
  ASSERT_GT(mutator.validFrames(), 100u);
  ASSERT_NO_FATAL_FAILURE(checkHealthy(0));

  std::size_t mutatedFrames = 0;
  std::size_t validFrames = 0;
  std::size_t answered = 0;
  std::size_t closedByBroker = 0;  // bursts the broker ended by closing the connection
  std::map<std::string, int> kinds;
  // How long one burst's answers are awaited: a mutated request may legitimately wait
  // (a Fetch whose max_wait_ms became large), so a burst left unanswered is no failure.
  const auto burstWait = scaledTimeout(std::chrono::milliseconds(250));
  for (uint64_t b = 0; b < bursts; ++b) {
    auto connection = KafkaTestClient::tryConnect("127.0.0.1", ports_[b % ports_.size()]);
    ASSERT_NE(connection, nullptr) << "burst " << b << ": the broker does not accept connections";
    std::vector<uint8_t> burst;
    const std::size_t frames = 1 + mutator.pick(24);
    for (std::size_t i = 0; i < frames; ++i) {
      std::vector<uint8_t> frame;
      // Mostly valid requests first, so the broker gets to the mutated ones behind them.
      if (mutator.pick(frames) > i) {
        frame = mutator.validFrame();
        ++validFrames;
      } else {
        std::string how;
        frame = mutator.mutatedFrame(how);
        ++kinds[how.substr(0, how.find('+'))];
        ++mutatedFrames;
      }
      burst.insert(burst.end(), frame.begin(), frame.end());
    }
    // Pipelined: one write, or two split anywhere (a frame arriving in pieces).
    const std::size_t split = mutator.pick(3) == 0 ? mutator.pick(burst.size()) : burst.size();
    if (connection->sendRaw(std::span<const uint8_t>(burst).first(split)) && split < burst.size()) {
      (void)connection->sendRaw(std::span<const uint8_t>(burst).subspan(split));
    }
    if (b % 8 == 7) {  // some clients hang up at once, whatever is in progress
      connection.reset();
    } else {
      // The others half-close and read until the broker, which handles their requests one
      // at a time, has answered or refused them all and closed the connection.
      connection->shutdownWrite();
      const auto deadline = std::chrono::steady_clock::now() + burstWait;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const RawFrame f = connection->readFrame(std::max(left, std::chrono::milliseconds(1)));
        if (f.status == ReadStatus::Ok) {
          ++answered;
          continue;
        }
        if (f.status == ReadStatus::Closed) ++closedByBroker;
        break;
      }
    }
    connection.reset();
    if ((b + 1) % 100 == 0) {
      ASSERT_NO_FATAL_FAILURE(checkHealthy(static_cast<int>(b + 1)));
    }
  }
  ASSERT_NO_FATAL_FAILURE(checkHealthy(static_cast<int>(bursts) + 1));
  std::string summary;
  for (const auto& [kind, n] : kinds) summary += " " + kind + "=" + std::to_string(n);
  std::printf("%zu mutated and %zu valid frames in %llu bursts, %zu responses read, %zu bursts ended by the "
              "broker's close; first mutations:%s\n",
              mutatedFrames, validFrames, static_cast<unsigned long long>(bursts), answered, closedByBroker,
              summary.c_str());
  // The broker got through most bursts (a vacuous run, every burst cut short, fails here).
  EXPECT_GE(closedByBroker, bursts / 2);
  EXPECT_GE(answered, validFrames / 4);
  EXPECT_GE(mutatedFrames, bursts * 4) << "fewer mutated frames than the bursts should hold";

  broker_->signal(SIGTERM);
  const auto status = broker_->wait(scaledTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value()) << "still running 20 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeWaitStatus(*status) << "; stderr: "
                                                               << stderrText();
}

}  // namespace
}  // namespace kafkalite::testing
