// Producer::send(const RecordView&, ...), the copying send: what reaches the log is what
// the views showed at the call, even when the caller reuses its buffers at once; keys are
// partitioned exactly as the std::string overload partitions them; null key and value stay
// null; slots reused across many records never leak one record's bytes into another.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "kafkalite/producer.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {
namespace {

using mock::MockCluster;
using mock::MockClusterOptions;
using mock::TopicSpec;
using namespace std::chrono_literals;

MockClusterOptions oneBroker() {
  MockClusterOptions o;
  o.brokers = 1;
  o.autoCreateTopics = false;
  o.topics = {TopicSpec{"views", 4, 1, std::nullopt}, TopicSpec{"strings", 4, 1, std::nullopt}};
  return o;
}

TEST(ProducerRecordView, CopiesKeysAndValuesAndPartitionsLikeTheStringSend) {
  MockCluster mock(oneBroker());
  // A small queue, so slots (and their copy buffers) are reused many times.
  Producer producer({{"bootstrap.servers", mock.bootstrapServers()},
                     {"queue.buffering.max.messages", "16"},
                     {"batch.num.messages", "7"},
                     {"linger.ms", "1"}});
  constexpr int kRecords = 500;
  std::vector<std::error_code> errors(kRecords);
  std::string keyBuffer;
  std::string valueBuffer;
  for (int i = 0; i < kRecords; ++i) {
    keyBuffer = "key-" + std::to_string(i % 37);
    // Values of varying length, so a longer earlier value in a reused slot would show.
    valueBuffer.assign(static_cast<std::size_t>(1 + (i * 7919) % 300), static_cast<char>('a' + i % 26));
    valueBuffer += "#" + std::to_string(i);
    RecordView view{"views", std::nullopt, std::string_view(keyBuffer), std::string_view(valueBuffer), std::nullopt};
    if (i % 50 == 0) view.key.reset();    // null key
    if (i % 75 == 1) view.value.reset();  // null value
    producer.send(view, [&errors, i](std::error_code ec, const RecordMetadata&) { errors[static_cast<std::size_t>(i)] = ec; });
    keyBuffer.assign("clobbered");  // the producer must have copied already
    valueBuffer.assign("clobbered");
    // The same record through the moving overload, to another topic.
    std::optional<std::string> key = "key-" + std::to_string(i % 37);
    if (i % 50 == 0) key.reset();
    producer.send({"strings", std::move(key), std::string("x")}, nullptr);
  }
  ASSERT_TRUE(producer.flush(scaledTimeout(60s)));
  for (int i = 0; i < kRecords; ++i) EXPECT_FALSE(errors[static_cast<std::size_t>(i)]) << i;

  std::map<std::string, int32_t> viewPartitionOfKey;
  std::map<std::string, int32_t> stringPartitionOfKey;
  int found = 0;
  for (int32_t p = 0; p < 4; ++p) {
    for (const auto& r : mock.records("views", p, 1)) {
      ++found;
      if (!r.value) {
        continue;
      }
      const auto hash = r.value->rfind('#');
      ASSERT_NE(hash, std::string::npos);
      const int i = std::stoi(r.value->substr(hash + 1));
      std::string expected(static_cast<std::size_t>(1 + (i * 7919) % 300), static_cast<char>('a' + i % 26));
      expected += "#" + std::to_string(i);
      EXPECT_EQ(*r.value, expected) << "record " << i;
      if (i % 50 == 0) {
        EXPECT_FALSE(r.key) << "record " << i << " was sent with a null key";
      } else {
        ASSERT_TRUE(r.key);
        EXPECT_EQ(*r.key, "key-" + std::to_string(i % 37));
        viewPartitionOfKey[*r.key] = p;
      }
    }
    for (const auto& r : mock.records("strings", p, 1)) {
      if (r.key) stringPartitionOfKey[*r.key] = p;
    }
  }
  EXPECT_EQ(found, kRecords);
  EXPECT_EQ(viewPartitionOfKey, stringPartitionOfKey) << "murmur2 of the same key bytes, whichever send";
  EXPECT_EQ(viewPartitionOfKey.size(), 37u);
}

}  // namespace
}  // namespace kafkalite::testing
