// Hostile and broken clients (interop.md section 6; Kafka's SocketServer behaviour): garbage,
// truncated frames, oversized size prefixes, unknown API keys and versions, disconnects in
// the middle of a request. The broker closes that one connection or answers it with an
// error; other connections keep being served and no acknowledged record is lost.

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

enum class Expect {
  Close,          ///< the broker must close the connection (no correlation id to answer)
  CloseOrAnswer,  ///< closing or answering the correlation id are both acceptable
  Nothing,        ///< the client disconnects itself; nothing to observe on it
};

struct BadInput {
  std::string name;
  std::function<std::vector<uint8_t>()> bytes;
  Expect expect;
  int32_t correlationId = -1;  ///< for CloseOrAnswer
};

// GoogleTest prints parameters in failure messages and ctest listings: the name says it all.
void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

void putBE(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

/// size | api_key | api_version | correlation_id | client_id "x" | body
std::vector<uint8_t> frameWith(int16_t apiKey, int16_t apiVersion, int32_t correlationId,
                               const std::vector<uint8_t>& body) {
  std::vector<uint8_t> inner;
  putBE(inner, static_cast<uint16_t>(apiKey), 2);
  putBE(inner, static_cast<uint16_t>(apiVersion), 2);
  putBE(inner, static_cast<uint32_t>(correlationId), 4);
  putBE(inner, 1, 2);
  inner.push_back('x');
  inner.insert(inner.end(), body.begin(), body.end());
  std::vector<uint8_t> out;
  putBE(out, inner.size(), 4);
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

std::vector<uint8_t> validProduceFrame() {
  static const auto batch = makeValueBatch({"never-complete"});
  std::vector<uint8_t> out;
  protocol::RequestHeader h{protocol::ApiKey::Produce, 7, 500, "x", {}};
  EXPECT_FALSE(protocol::encodeRequestFrame(h, produceRequest("t", 0, batch, 1), out).has_value());
  return out;
}

std::vector<BadInput> badInputs() {
  std::vector<BadInput> v;
  v.push_back({"RandomBytesInAPlausibleFrame",
               [] {
                 std::vector<uint8_t> body;
                 uint32_t x = 12345;
                 for (int i = 0; i < 200; ++i) {
                   x = x * 1103515245u + 12345u;
                   body.push_back(static_cast<uint8_t>(x >> 16));
                 }
                 return frameWith(0, 7, 101, body);  // a Produce v7 header, then noise
               },
               Expect::CloseOrAnswer, 101});
  v.push_back({"HttpRequest",  // "GET " read as a size prefix is ~1.1 GB
               [] {
                 const std::string http = "GET / HTTP/1.1\r\nHost: kafka\r\n\r\n";
                 return std::vector<uint8_t>(http.begin(), http.end());
               },
               Expect::Close});
  v.push_back({"NegativeSizePrefix", [] { return std::vector<uint8_t>{0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4}; },
               Expect::Close});
  v.push_back({"ZeroSizeFrame", [] { return std::vector<uint8_t>{0, 0, 0, 0}; }, Expect::Close});
  v.push_back({"FrameAboveSocketRequestMaxBytes",  // the fixture sets socket.request.max.bytes = 1 MiB
               [] {
                 std::vector<uint8_t> out;
                 putBE(out, 2u * 1024 * 1024, 4);
                 const auto head = frameWith(0, 7, 102, {});
                 out.insert(out.end(), head.begin() + 4, head.end());
                 return out;
               },
               Expect::Close});
  v.push_back({"UnknownApiKey", [] { return frameWith(999, 0, 103, {0, 0, 0, 0}); }, Expect::CloseOrAnswer, 103});
  v.push_back({"NegativeApiKey", [] { return frameWith(-7, 0, 104, {}); }, Expect::CloseOrAnswer, 104});
  v.push_back({"UnknownProduceVersion", [] { return frameWith(0, 99, 105, {0xff, 0xff, 0, 1, 0, 0, 0, 10}); },
               Expect::CloseOrAnswer, 105});
  v.push_back({"UnknownFetchVersion", [] { return frameWith(1, 200, 106, {}); }, Expect::CloseOrAnswer, 106});
  v.push_back({"ProduceClaimingHugeTopicArray",
               [] {
                 std::vector<uint8_t> body{0xff, 0xff, 0, 1, 0, 0, 0x03, 0xe8};  // null txn id, acks 1, 1000 ms
                 putBE(body, 0x7fffffff, 4);                                    // topics: 2^31-1, none follow
                 return frameWith(0, 7, 107, body);
               },
               Expect::CloseOrAnswer, 107});
  v.push_back({"TruncatedBodyInsideAFrame",
               [] {
                 auto f = validProduceFrame();
                 // Shrink the size prefix so the frame ends in the middle of the records.
                 const uint32_t size = static_cast<uint32_t>(f.size() - 4 - 20);
                 f.resize(f.size() - 20);
                 f[0] = static_cast<uint8_t>(size >> 24);
                 f[1] = static_cast<uint8_t>(size >> 16);
                 f[2] = static_cast<uint8_t>(size >> 8);
                 f[3] = static_cast<uint8_t>(size);
                 return f;
               },
               Expect::CloseOrAnswer, 500});
  v.push_back({"TruncatedFrameThenDisconnect",
               [] {
                 auto f = validProduceFrame();
                 f.resize(f.size() / 2);
                 return f;
               },
               Expect::Nothing});
  v.push_back({"ParkedFetchThenDisconnect",
               [] {
                 std::vector<uint8_t> out;
                 protocol::RequestHeader h{protocol::ApiKey::Fetch, 11, 600, "x", {}};
                 // At the LEO (1) with max_wait 60 s: parked in the fetch purgatory.
                 EXPECT_FALSE(protocol::encodeRequestFrame(h, fetchRequest("t", 0, 1, 60000, 1), out).has_value());
                 return out;
               },
               Expect::Nothing});
  return v;
}

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, OnlyThatConnectionSuffers) {
  const BadInput& input = GetParam();
  MockClusterOptions o;
  o.brokers = 1;
  o.autoCreateTopics = false;
  o.socketRequestMaxBytes = 1024 * 1024;
  o.topics = {TopicSpec{"t", 1, 1, std::nullopt}};
  MockCluster cluster(o);

  auto healthy = connectTo(cluster, 1);
  const auto before = makeValueBatch({"before"});
  const auto r0 = produce(*healthy, "t", 0, before, 1);
  ASSERT_TRUE(r0.answered()) << r0.detail;
  ASSERT_EQ(errName(r0.errorCode), "NONE");

  auto bad = connectTo(cluster, 1);
  const auto bytes = input.bytes();
  (void)bad->sendRaw(bytes);  // the broker may close before it has read everything
  const auto deadline = scaledTimeout(std::chrono::seconds(10));
  if (input.expect == Expect::Nothing) {
    bad->close();
  } else {
    std::vector<RawFrame> frames;
    const bool closed = bad->waitClosed(deadline, &frames);
    if (input.expect == Expect::Close) {
      EXPECT_TRUE(closed) << "the broker kept the connection open";
      EXPECT_TRUE(frames.empty()) << "there is no correlation id to answer";
    } else {
      const bool answered = !frames.empty() && frames.front().correlationId() == input.correlationId;
      EXPECT_TRUE(closed || answered) << "neither closed nor answered correlation id " << input.correlationId
                                      << " (frames: " << frames.size() << ")";
      for (const auto& f : frames) EXPECT_EQ(f.correlationId(), input.correlationId);
    }
  }

  // The healthy connection, and a new one, are still served; nothing acknowledged is lost.
  EXPECT_TRUE(cluster.isBrokerRunning(1));
  const auto after = makeValueBatch({"after"});
  const auto r1 = produce(*healthy, "t", 0, after, 1);
  ASSERT_TRUE(r1.answered()) << r1.detail;
  EXPECT_EQ(errName(r1.errorCode), "NONE");
  EXPECT_EQ(r1.baseOffset, 1);
  auto fresh = connectTo(cluster, 1);
  const auto reply = fresh->roundTrip(fetchRequest("t", 0, 0, 0, 1), 11);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* p = findPartition(reply.body, "t", 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(valuesOf(decodeRecords(p->records.bytes)), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(storedValues(cluster.records("t", 0, 1)), (std::vector<std::string>{"before", "after"}));
}

INSTANTIATE_TEST_SUITE_P(BadInput, BadInputTest, ::testing::ValuesIn(badInputs()),
                         [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

// interop.md section 6: an unsupported ApiVersions version is answered with error 35 in a
// v0 body that lists key 18, so the client can retry lower; the connection stays usable.
TEST(BadInput, UnsupportedApiVersionsVersionGetsErrorInV0Body) {
  MockClusterOptions o;
  o.brokers = 1;
  MockCluster cluster(o);
  auto client = connectTo(cluster, 1);
  // ApiVersions v9: a flexible request header (v2: client_id, then an empty tag section)
  // and a compact body (two empty compact strings, no tags), as a newer client sends.
  std::vector<uint8_t> inner;
  putBE(inner, 18, 2);
  putBE(inner, 9, 2);
  putBE(inner, 42, 4);
  putBE(inner, 1, 2);
  inner.push_back('x');
  inner.push_back(0);  // header tags
  inner.insert(inner.end(), {1, 1, 0});
  std::vector<uint8_t> frame;
  putBE(frame, inner.size(), 4);
  frame.insert(frame.end(), inner.begin(), inner.end());
  ASSERT_TRUE(client->sendRaw(frame));
  const auto reply = client->receive<protocol::ApiVersionsResponse>(42, 0);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(reply.body.errorCode), "UNSUPPORTED_VERSION");
  bool listsApiVersions = false;
  for (const auto& k : reply.body.apiKeys) {
    if (k.apiKey == 18) {
      listsApiVersions = true;
      EXPECT_EQ(k.maxVersion, 3);
    }
  }
  EXPECT_TRUE(listsApiVersions);

  protocol::ApiVersionsRequest req;
  req.clientSoftwareName = "retry";
  req.clientSoftwareVersion = "1";
  const auto retry = client->roundTrip(req, 3);
  ASSERT_TRUE(retry.ok()) << retry.error;
  EXPECT_EQ(errName(retry.body.errorCode), "NONE");
}

// A client that disconnects while its acks=-1 produce is held loses only its answer: the
// records were appended and are committed once replication resumes, and other clients
// are served throughout.
TEST(BadInput, DisconnectWhileProduceIsHeld_Spec1_8) {
  MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"t", 1, 3, std::nullopt}};
  MockCluster cluster(o);
  const auto view = cluster.partition("t", 0);
  const int32_t slow = followersOf(view)[1];
  cluster.stallFollower(slow);
  {
    auto leaving = connectTo(cluster, view.leader);
    const auto batch = makeValueBatch({"orphan"});
    ASSERT_GE(leaving->send(produceRequest("t", 0, batch, -1, 60000), 7), 0);
    ASSERT_TRUE(waitUntil([&] { return cluster.records("t", 0, view.leader).size() == 1; }));
  }  // disconnects with the produce in the purgatory
  auto other = connectTo(cluster, view.leader);
  const auto one = makeValueBatch({"acks1"});
  const auto r = produce(*other, "t", 0, one, 1);
  ASSERT_TRUE(r.answered()) << r.detail;
  EXPECT_EQ(r.baseOffset, 1);

  cluster.stallFollower(slow, false);
  ASSERT_TRUE(waitFullyReplicated(cluster, "t", 0)) << describe(cluster.partition("t", 0));
  const auto all = makeValueBatch({"all"});
  const auto r2 = produce(*other, "t", 0, all, -1);
  ASSERT_TRUE(r2.answered()) << r2.detail;
  EXPECT_EQ(errName(r2.errorCode), "NONE");
  EXPECT_EQ(r2.baseOffset, 2);
  for (int32_t b : view.replicas) {
    EXPECT_EQ(storedValuesAt(cluster, "t", 0, b, 0, 3), (std::vector<std::string>{"orphan", "acks1", "all"}))
        << "broker " << b;
  }
}

}  // namespace
}  // namespace kafkalite::testing
