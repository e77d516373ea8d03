// kafkalite.defaults=modern (what current Kafka clients use) and the keys added with it:
// queue.buffering.max.kbytes / buffer.memory, socket.connection.setup.timeout.ms,
// metadata.max.idle.ms, statistics.interval.ms, log_level.
#include "kafkalite/producer_config.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>

namespace kafkalite {
namespace {

using Properties = std::map<std::string, std::string>;

ProducerConfig parse(Properties p) {
  p.emplace("bootstrap.servers", "localhost:9092");
  return ProducerConfig::fromProperties(p);
}

ProducerConfig modern(Properties p = {}) {
  p.emplace("kafkalite.defaults", "modern");
  return parse(std::move(p));
}

TEST(ProducerConfigModernTest, ClassicStaysTheDefaultAndTheNewKeysHaveDefaults) {
  const ProducerConfig c = parse({});
  EXPECT_EQ(c, parse({{"kafkalite.defaults", "classic"}}));
  EXPECT_FALSE(c.enableIdempotence);
  EXPECT_EQ(c.requestRequiredAcks, 1);
  EXPECT_EQ(c.queueBufferingMaxBytes, int64_t{1024} * 1024 * 1024) << "librdkafka's 1048576 KiB";
  EXPECT_FALSE(c.socketConnectionSetupTimeoutMs);
  EXPECT_EQ(c.connectionSetupTimeoutMs(), 1500) << "classic: the request timeout";
  EXPECT_EQ(c.metadataMaxIdleMs, 300000);
  EXPECT_EQ(c.statisticsIntervalMs, 0);
  EXPECT_EQ(c.logLevel, 6);
}

TEST(ProducerConfigModernTest, ModernColumnIsWhatCurrentClientsUse) {
  const ProducerConfig c = modern();
  EXPECT_TRUE(c.enableIdempotence);
  EXPECT_EQ(c.requestRequiredAcks, -1);
  EXPECT_EQ(c.deliveryTimeoutMs, 120000);
  EXPECT_EQ(c.messageSendMaxRetries, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(c.requestTimeoutMs, 30000);
  EXPECT_EQ(c.socketConnectionSetupTimeoutMs, 10000);
  EXPECT_EQ(c.connectionSetupTimeoutMs(), 10000);
  EXPECT_EQ(c.queueBufferingMaxMs, 5);
  EXPECT_EQ(c.batchNumMessages, 10000);
  EXPECT_EQ(c.queueBufferingMaxMessages, 100000);
  EXPECT_EQ(c.queueBufferingMaxBytes, 32 * 1024 * 1024);
  EXPECT_EQ(c.queueEnqueueTimeoutMs, 60000);
  EXPECT_EQ(c.maxInFlightRequestsPerConnection, 5);
  ProducerConfig fromStruct = ProducerConfig::modern();
  fromStruct.bootstrapServers = c.bootstrapServers;
  EXPECT_EQ(c, fromStruct);
  EXPECT_EQ(ProducerConfig::fromProperties(c.toProperties()), c) << "every value is written out";
  EXPECT_EQ(modern({{"KAFKALITE.DEFAULTS", "Modern"}}), c) << "key and value case-insensitive";
}

TEST(ProducerConfigModernTest, ExplicitKeysWinOverTheColumn) {
  const ProducerConfig c = modern({{"linger.ms", "20"}, {"delivery.timeout.ms", "60000"}, {"buffer.memory", "1048576"}});
  EXPECT_EQ(c.queueBufferingMaxMs, 20);
  EXPECT_EQ(c.deliveryTimeoutMs, 60000);
  EXPECT_EQ(c.queueBufferingMaxBytes, 1048576);
  EXPECT_TRUE(c.enableIdempotence);
}

// Java's ProducerConfig: idempotence that was not asked for gives way to settings that
// rule it out; asked for explicitly, the conflict is an error.
TEST(ProducerConfigModernTest, ImplicitIdempotenceGivesWayToExplicitSettings) {
  EXPECT_FALSE(modern({{"acks", "1"}}).enableIdempotence);
  EXPECT_EQ(modern({{"acks", "1"}}).requestRequiredAcks, 1);
  EXPECT_FALSE(modern({{"retries", "0"}}).enableIdempotence);
  EXPECT_FALSE(modern({{"max.in.flight.requests.per.connection", "10"}}).enableIdempotence);
  EXPECT_THROW(modern({{"acks", "1"}, {"enable.idempotence", "true"}}), ConfigException);
  EXPECT_FALSE(modern({{"enable.idempotence", "false"}}).enableIdempotence);
}

TEST(ProducerConfigModernTest, ImplicitValuesAdjustToExplicitOnes) {
  // delivery.timeout.ms must cover linger + request timeout: the implicit one is raised.
  const ProducerConfig slow = modern({{"linger.ms", "100000"}});
  EXPECT_EQ(slow.deliveryTimeoutMs, 130000);
  EXPECT_THROW(modern({{"linger.ms", "100000"}, {"delivery.timeout.ms", "120000"}}), ConfigException);
  // batch.num.messages may not exceed the queue (spec 7.5): the implicit one is lowered.
  const ProducerConfig small = modern({{"queue.buffering.max.messages", "1000"}});
  EXPECT_EQ(small.batchNumMessages, 1000);
  EXPECT_THROW(modern({{"queue.buffering.max.messages", "1000"}, {"batch.num.messages", "2000"}}), ConfigException);
}

TEST(ProducerConfigModernTest, BadColumnNameIsRejected) {
  try {
    (void)parse({{"kafkalite.defaults", "newest"}});
    FAIL() << "no ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "kafkalite.defaults");
    EXPECT_NE(std::string(e.what()).find("classic or modern"), std::string::npos) << e.what();
  }
}

TEST(ProducerConfigModernTest, BufferBoundInKibibytesOrBytes) {
  EXPECT_EQ(parse({{"queue.buffering.max.kbytes", "2048"}}).queueBufferingMaxBytes, 2 * 1024 * 1024);
  EXPECT_EQ(parse({{"buffer.memory", "5000"}}).queueBufferingMaxBytes, 5000);
  EXPECT_EQ(parse({{"queue.buffering.max.kbytes", "1"}, {"buffer.memory", "1024"}}).queueBufferingMaxBytes, 1024)
      << "both names with the same value";
  EXPECT_THROW(parse({{"queue.buffering.max.kbytes", "1"}, {"buffer.memory", "1000"}}), ConfigException);
  EXPECT_THROW(parse({{"queue.buffering.max.kbytes", "0"}}), ConfigException);
  EXPECT_THROW(parse({{"buffer.memory", "0"}}), ConfigException);
  EXPECT_THROW(parse({{"buffer.memory", "lots"}}), ConfigException);
}

TEST(ProducerConfigModernTest, OtherNewKeysAreRangeChecked) {
  EXPECT_EQ(parse({{"socket.connection.setup.timeout.ms", "250"}}).connectionSetupTimeoutMs(), 250);
  EXPECT_THROW(parse({{"socket.connection.setup.timeout.ms", "0"}}), ConfigException);
  EXPECT_EQ(parse({{"metadata.max.idle.ms", "5000"}}).metadataMaxIdleMs, 5000);
  EXPECT_THROW(parse({{"metadata.max.idle.ms", "4999"}}), ConfigException) << "Java's minimum";
  EXPECT_EQ(parse({{"statistics.interval.ms", "1000"}}).statisticsIntervalMs, 1000);
  EXPECT_THROW(parse({{"statistics.interval.ms", "-1"}}), ConfigException);
  EXPECT_EQ(parse({{"log_level", "7"}}).logLevel, 7);
  EXPECT_THROW(parse({{"log_level", "8"}}), ConfigException);
}

}  // namespace
}  // namespace kafkalite
