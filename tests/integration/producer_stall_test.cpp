// kafkalite::Producer against the in-process MockCluster when its I/O thread is held up:
// a delivery callback that takes longer than request.timeout.ms used to make every request
// in flight expire — although their answers had arrived — and the retries wrote the
// batches again (2,000 sends gave 2,800 records in the log). A connection now reads every
// answer that has arrived before the event loop goes on, and the Sender has each
// connection deliver what it has received before it expires anything (answers on the
// other connections, which the held-up one did not read).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"
#include "support/producer_tally.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {
namespace {

using mock::MockCluster;
using mock::MockClusterOptions;
using mock::TopicSpec;
using namespace std::chrono_literals;

// 2,000 sends with the classic defaults (acks=1, no idempotence, request.timeout.ms 1500,
// batches of 200 records, up to 5 requests in flight per broker); the first callback holds
// the I/O thread for 2 s. Then every record must be in the log exactly once.
void sendThroughAStall(int32_t brokers) {
  MockClusterOptions options;
  options.brokers = brokers;
  options.autoCreateTopics = false;
  // One partition per broker (replication factor 1): with several brokers, answers pile up
  // on the other connections while one connection's callback holds the thread.
  options.topics = {TopicSpec{"stall", brokers, 1, std::nullopt}};
  MockCluster mock(options);
  // Answers take 300 ms, so that the others arrive while the first callback holds the
  // thread: at the end of the stall they wait, unread, in every connection's socket.
  for (int32_t b = 1; b <= brokers; ++b) mock.setBrokerRtt(b, 300ms);
  constexpr std::size_t kRecords = 2000;
  ProducerTally tally(kRecords);
  std::atomic<bool> stalled{false};
  {
    Producer producer({{"bootstrap.servers", mock.bootstrapServers()}});
    for (std::size_t i = 0; i < kRecords; ++i) {
      auto count = tally.callback(i);
      producer.send({"stall", "value-" + std::to_string(i)},
                    [&, count = std::move(count)](std::error_code ec, const RecordMetadata& md) {
                      count(ec, md);
                      // The scenario itself, not a synchronisation: one callback holds the
                      // I/O thread for 2 s, longer than request.timeout.ms.
                      if (!stalled.exchange(true)) std::this_thread::sleep_for(2s);
                    });
    }
    ASSERT_TRUE(producer.flush(scaledTimeout(60s))) << tally.completed() << " of " << kRecords << " completed";
    EXPECT_TRUE(producer.close(scaledTimeout(10s)));
  }
  ASSERT_TRUE(stalled.load());
  ASSERT_EQ(tally.firstProblem(), "");
  std::map<std::string, int> copies;
  std::size_t stored = 0;
  for (int32_t p = 0; p < brokers; ++p) {
    for (const auto& r : mock.records("stall", p, mock.partition("stall", p).leader)) {
      ++copies[r.value.value_or("")];
      ++stored;
    }
  }
  EXPECT_EQ(stored, kRecords) << "exactly the records sent, none written twice";
  for (std::size_t i = 0; i < kRecords; ++i) EXPECT_EQ(copies["value-" + std::to_string(i)], 1) << i;
}

TEST(ProducerStall, ACallbackSlowerThanTheRequestTimeoutWritesNoRecordTwice) { sendThroughAStall(1); }

TEST(ProducerStall, AnswersOnOtherConnectionsAreReadBeforeTheirRequestsExpire) { sendThroughAStall(3); }

}  // namespace
}  // namespace kafkalite::testing
