// Issue 19: a deep pipeline (hundreds of large Produce requests in flight on one
// connection) must slow the client down, never reset its connection. Kafka stops reading a
// connection while its request is handled and bounds the request bytes it reads ahead
// (queued.max.request.bytes, SocketServer's MemoryPool); the client's writes then wait in
// its socket buffer. Checked with a raw client that writes 300 requests of 500 KB without
// reading, and with the producer keeping hundreds of requests in flight: every record is
// written exactly once.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "kafkalite/producer.hpp"
#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kRequests = 300;
constexpr std::size_t kValueBytes = 500 * 1000;

std::string valueFor(int i, std::size_t bytes = kValueBytes) {
  std::string v = "request-" + std::to_string(i) + "-";
  v.resize(bytes, static_cast<char>('a' + i % 26));
  return v;
}

// Writes `count` produce requests on `client` from its own thread while this thread reads
// the answers; returns the base offsets in answer order ({} and a failure on any error).
std::vector<int64_t> pipeline(KafkaTestClient& client, const std::string& topic, int count) {
  std::vector<int32_t> ids(static_cast<std::size_t>(count));
  std::atomic<int> written{0};
  std::atomic<bool> writeFailed{false};
  const int32_t firstId = client.nextCorrelationId();
  for (int i = 0; i < count; ++i) ids[static_cast<std::size_t>(i)] = firstId + i;
  std::thread writer([&] {
    for (int i = 0; i < count; ++i) {
      const auto batch = makeValueBatch({valueFor(i)});
      std::vector<uint8_t> frame;
      if (!client.encodeFrame(produceRequest(topic, 0, batch, 1), 7, frame, ids[static_cast<std::size_t>(i)]) ||
          !client.sendRaw(frame)) {
        writeFailed = true;
        return;
      }
      written = i + 1;
    }
  });
  std::vector<int64_t> offsets;
  for (int i = 0; i < count; ++i) {
    const auto out = receiveProduce(client, ids[static_cast<std::size_t>(i)], topic, 0, 7, scaledTimeout(60s));
    if (!out.answered() || out.error() != ErrorCode::NONE) {
      ADD_FAILURE() << "request " << i << " (" << written << " written): " << describe(out);
      break;
    }
    offsets.push_back(out.baseOffset);
  }
  if (offsets.size() != static_cast<std::size_t>(count)) client.close();  // unblocks the writer
  writer.join();
  EXPECT_FALSE(writeFailed) << client.lastError();
  return offsets;
}

std::vector<int64_t> consecutive(int64_t from, int count) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(from + i);
  return out;
}

// Kafka's default: no bound on queued request bytes; the muted connection alone holds the
// client back. 300 × 500 KB = 150 MB go through one connection, each answered once, in order.
TEST(DeepPipeline, Issue19_HundredsOfLargeRequestsOnOneConnectionAreAllAnsweredInOrder) {
  MockClusterOptions options;
  options.topics = {{"deep", 1, 1, std::nullopt}};
  options.retentionBytes = 8 << 20;  // the test checks answers, not what the log keeps
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  EXPECT_EQ(pipeline(*client, "deep", kRequests), consecutive(0, kRequests));
  EXPECT_EQ(replicaOf(cluster.partition("deep", 0), 1).logEndOffset, kRequests);
}

// queued.max.request.bytes far below one pipeline, with two pipelining connections: reading
// waits for memory (backpressure), nobody is disconnected and nothing is lost or doubled.
TEST(DeepPipeline, Issue19_QueuedMaxRequestBytesSlowsClientsDown) {
  MockClusterOptions options;
  options.topics = {{"a", 1, 1, std::nullopt}, {"b", 1, 1, std::nullopt}};
  options.retentionBytes = 8 << 20;
  options.queuedMaxRequestBytes = 1 << 20;  // about two requests
  MockCluster cluster(options);
  auto first = connectTo(cluster, 1);
  auto second = connectTo(cluster, 1);
  std::vector<int64_t> secondOffsets;
  std::thread other([&] { secondOffsets = pipeline(*second, "b", kRequests / 2); });
  EXPECT_EQ(pipeline(*first, "a", kRequests / 2), consecutive(0, kRequests / 2));
  other.join();
  EXPECT_EQ(secondOffsets, consecutive(0, kRequests / 2));
}

// The producer with hundreds of large requests in flight on its connection (200 KB, so that
// the test can read back all it wrote): every record is delivered once and stored once
// (issue 19's duplicates came from retries after a reset).
TEST(DeepPipeline, Issue19_ProducerWithHundredsOfLargeRequestsInFlightWritesEveryRecordOnce) {
  MockClusterOptions options;
  options.topics = {{"deep", 1, 1, std::nullopt}};
  MockCluster cluster(options);
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  {
    Producer producer({{"bootstrap.servers", cluster.bootstrapServers()},
                       {"acks", "1"},
                       {"linger.ms", "0"},
                       {"batch.num.messages", "1"},
                       {"message.max.bytes", "510000"},
                       {"max.in.flight.requests.per.connection", "1000"},
                       {"queue.buffering.max.messages", "1000"},
                       {"request.timeout.ms", "60000"},
                       {"retries", "3"}});
    for (int i = 0; i < kRequests; ++i) {
      producer.send(RecordView{"deep", std::nullopt, std::nullopt, valueFor(i, 200 * 1000), std::nullopt},
                    [&](std::error_code ec, const RecordMetadata&) { ++(ec ? failed : delivered); });
    }
    ASSERT_TRUE(producer.flush(scaledTimeout(120s)));
  }
  EXPECT_EQ(delivered, kRequests);
  EXPECT_EQ(failed, 0);
  std::map<std::string, int> stored;
  for (const auto& r : cluster.records("deep", 0, 1)) ++stored[r.value.value_or("").substr(0, 16)];
  EXPECT_EQ(stored.size(), static_cast<std::size_t>(kRequests));
  for (const auto& [prefix, n] : stored) EXPECT_EQ(n, 1) << prefix << " stored " << n << " times";
}

}  // namespace
}  // namespace kafkalite::testing
