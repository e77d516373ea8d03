// Issue 19, the producer's side: librdkafka 2.15.1's mock cluster answers Metadata v12 with
// one byte after the response's tagged fields and names controller id 0, which is not among
// its brokers. Kafka's clients read a message's fields and ignore what follows
// (AbstractResponse.parseResponse), and a producer has no use for the controller. The
// producer used to drop the connection ("trailing bytes after the message") and never got
// metadata. Here a scripted broker answers every request that way; the records must arrive,
// and the bytes left over are reported at debug level.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "kafkalite/producer.hpp"
#include "protocol/messages/all.hpp"
#include "support/kafka_messages.hpp"
#include "support/sniff_server.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {
namespace {

using namespace std::chrono_literals;

// Appends `extra` bytes to a whole response frame and fixes its size prefix.
template <class M>
std::vector<uint8_t> frameWithExtraBytes(int32_t correlationId, int16_t version, const M& body, std::size_t extra) {
  std::vector<uint8_t> out;
  EXPECT_FALSE(protocol::encodeResponseFrame(correlationId, version, body, out));
  out.insert(out.end(), extra, 0x00);
  protocol::detail::storeBigEndian(out.data(), out.size() - 4, 4);
  return out;
}

// A one-broker "cluster" (node 1) whose every answer has bytes after its last field.
class ScriptedBroker {
 public:
  ScriptedBroker()
      : server_([this](const protocol::RequestHeader& h, std::span<const uint8_t>,
                       std::span<const uint8_t> body) { return answer(h, body); }) {}
  [[nodiscard]] uint16_t port() const { return server_.port(); }
  std::atomic<int> produced{0};

 private:
  std::optional<std::vector<uint8_t>> answer(const protocol::RequestHeader& h, std::span<const uint8_t> body) {
    switch (h.apiKey) {
      case protocol::ApiKey::ApiVersions: {
        protocol::ApiVersionsResponse r;
        r.apiKeys = {{0, 3, 9, {}}, {3, 0, 12, {}}, {18, 0, 3, {}}};
        return frameWithExtraBytes(h.correlationId, h.apiVersion, r, 2);
      }
      case protocol::ApiKey::Metadata: {
        protocol::MetadataRequest request;
        if (protocol::decode(body, h.apiVersion, request)) return std::nullopt;
        protocol::MetadataResponse r;
        r.brokers = {{1, "127.0.0.1", port(), std::nullopt, {}}};
        r.controllerId = 0;  // not a broker of this cluster, as librdkafka 2.15's mock says
        r.clusterId = "scripted";
        protocol::MetadataResponse::MetadataResponseTopic t;
        t.name = "t";
        protocol::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition p;
        p.partitionIndex = 0;
        p.leaderId = 1;
        p.replicaNodes = {1};
        p.isrNodes = {1};
        t.partitions.push_back(p);
        r.topics.push_back(t);
        return frameWithExtraBytes(h.correlationId, h.apiVersion, r, 1);
      }
      case protocol::ApiKey::Produce: {
        protocol::ProduceRequest request;
        if (protocol::decode(body, h.apiVersion, request)) return std::nullopt;
        protocol::ProduceResponse r;
        for (const auto& topic : request.topicData) {
          r.responses.push_back({topic.name, {}, {}});
          for (const auto& p : topic.partitionData) {
            protocol::ProduceResponse::TopicProduceResponse::PartitionProduceResponse pr;
            pr.index = p.index;
            pr.baseOffset = produced;
            protocol::DecodeError error;
            if (auto view = protocol::RecordBatchView::parse(p.records.bytes, error)) produced += view->recordsCount();
            r.responses.back().partitionResponses.push_back(pr);
          }
        }
        return frameWithExtraBytes(h.correlationId, h.apiVersion, r, 3);
      }
      default:
        return std::nullopt;
    }
  }

  SniffServer server_;
};

TEST(ProducerTolerance, Issue19_ResponsesWithBytesAfterTheLastFieldAndAForeignControllerIdWork) {
  ScriptedBroker broker;
  std::mutex mutex;
  std::vector<std::string> debug;
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  {
    ProducerCallbacks callbacks;
    callbacks.log = [&](LogLevel level, std::string_view facility, std::string_view line) {
      std::lock_guard lock(mutex);
      if (level == LogLevel::Debug && facility == "PROTOCOL") debug.emplace_back(line);
    };
    Producer producer({{"bootstrap.servers", "127.0.0.1:" + std::to_string(broker.port())},
                       {"linger.ms", "0"},
                       {"retries", "0"},
                       {"log_level", "7"}},
                      std::move(callbacks));
    for (int i = 0; i < 10; ++i) {
      producer.send(RecordView{"t", std::nullopt, std::nullopt, "v" + std::to_string(i), std::nullopt},
                    [&](std::error_code ec, const RecordMetadata&) { ++(ec ? failed : delivered); });
    }
    ASSERT_TRUE(producer.flush(scaledTimeout(20s)));
  }
  EXPECT_EQ(delivered, 10);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(broker.produced, 10);
  std::lock_guard lock(mutex);
  auto saw = [&](const std::string& what) {
    return std::any_of(debug.begin(), debug.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(saw("ApiVersionsResponse v3: 2 bytes after the last field"));
  EXPECT_TRUE(saw("MetadataResponse v12: 1 byte after the last field"));
  EXPECT_TRUE(saw("ProduceResponse v9: 3 bytes after the last field"));
}

// A producer given no log callback says nothing and works the same.
TEST(ProducerTolerance, WithoutALogCallbackNothingIsLogged) {
  ScriptedBroker broker;
  Producer producer({{"bootstrap.servers", "127.0.0.1:" + std::to_string(broker.port())}, {"linger.ms", "0"}});
  auto future = producer.send(ProducerRecord("t", std::string("v")));
  ASSERT_EQ(future.wait_for(scaledTimeout(20s)), std::future_status::ready);
  EXPECT_EQ(future.get().offset, 0);
}

}  // namespace
}  // namespace kafkalite::testing
