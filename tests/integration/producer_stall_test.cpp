// kafkalite::Producer against the in-process MockCluster when its I/O thread is held up:
// a delivery callback that takes longer than request.timeout.ms used to make every request
// in flight on that connection expire — although their answers had arrived — and the
// retries wrote the batches again (2,000 sends gave 2,800 records in the log). The Sender
// now reads what has arrived before it expires anything.

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

TEST(ProducerStall, ACallbackSlowerThanTheRequestTimeoutWritesNoRecordTwice) {
  MockClusterOptions options;
  options.brokers = 1;
  options.autoCreateTopics = false;
  options.topics = {TopicSpec{"stall", 1, 1, std::nullopt}};
  MockCluster mock(options);
  constexpr std::size_t kRecords = 2000;
  ProducerTally tally(kRecords);
  std::atomic<bool> stalled{false};
  {
    // The classic defaults: acks=1, no idempotence, request.timeout.ms 1500, batches of
    // 200 records, up to 5 requests in flight.
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
  const auto records = mock.records("stall", 0, mock.partition("stall", 0).leader);
  std::map<std::string, int> copies;
  for (const auto& r : records) ++copies[r.value.value_or("")];
  EXPECT_EQ(records.size(), kRecords) << "exactly the records sent, none written twice";
  for (std::size_t i = 0; i < kRecords; ++i) EXPECT_EQ(copies["value-" + std::to_string(i)], 1) << i;
}

}  // namespace
}  // namespace kafkalite::testing
