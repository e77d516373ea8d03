#include "kafkalite/producer_config.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include <unistd.h>

namespace kafkalite {
namespace {

using Properties = std::map<std::string, std::string>;

constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin = std::numeric_limits<int32_t>::min();

Properties withServers(Properties p) {
  p.emplace("bootstrap.servers", "localhost:9092");
  return p;
}

// fromProperties with a valid bootstrap.servers added.
ProducerConfig parse(Properties p) { return ProducerConfig::fromProperties(withServers(std::move(p))); }

// Runs fromProperties and returns the exception it must throw.
ConfigException rejection(const Properties& properties) {
  try {
    (void)ProducerConfig::fromProperties(properties);
  } catch (const ConfigException& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigException";
  return ConfigException("", "", "");
}

// The message names the key and the value, and the exception carries both.
void expectRejected(const Properties& properties, const std::string& key, const std::string& value) {
  const ConfigException e = rejection(properties);
  EXPECT_EQ(e.key(), key);
  EXPECT_EQ(e.value(), value);
  EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("'" + value + "'"), std::string::npos) << e.what();
}

TEST(ProducerConfigTest, DefaultsEqualTheIssueTable) {
  const ProducerConfig c;
  EXPECT_EQ(c.messageSendMaxRetries, 3);
  EXPECT_EQ(c.retryBackoffMs, 100);
  EXPECT_EQ(c.queueBufferingMaxMs, 1000);
  EXPECT_EQ(c.queueBufferingMaxMessages, 10000);
  EXPECT_EQ(c.batchNumMessages, 200);
  EXPECT_EQ(c.requestTimeoutMs, 1500);
  EXPECT_EQ(c.topicMetadataRefreshIntervalMs, 300000);
  EXPECT_EQ(c.clientId, "console-producer");
  EXPECT_EQ(c.queueEnqueueTimeoutMs, 2147483647);
  EXPECT_EQ(c.requestRequiredAcks, 1);
  EXPECT_TRUE(c.bootstrapServers.empty());
  EXPECT_EQ(c.partitioner, PartitionerKind::Murmur2Random);
  EXPECT_EQ(c.maxInFlightRequestsPerConnection, 5);
  EXPECT_EQ(c.messageMaxBytes, 1000000);
  EXPECT_EQ(c.batchSizeBytes, 1000000);
  EXPECT_FALSE(c.deliveryTimeoutMs.has_value());
  EXPECT_FALSE(c.enableIdempotence);
  EXPECT_EQ(c.lingerMs(), 1000);
}

TEST(ProducerConfigTest, OnlyBootstrapServersKeepsEveryDefault) {
  const ProducerConfig c = parse({});
  ProducerConfig expected;
  expected.bootstrapServers = {{"localhost", 9092}};
  EXPECT_EQ(c, expected);
}

TEST(ProducerConfigTest, BootstrapServersAreRequired) {
  expectRejected({}, "bootstrap.servers", "");
  expectRejected({{"bootstrap.servers", " , "}}, "bootstrap.servers", ",");  // values are trimmed
}

TEST(ProducerConfigTest, BootstrapServersParseHostsAndPorts) {
  const ProducerConfig c =
      ProducerConfig::fromProperties({{"bootstrap.servers", " b1:9092, kafka-2.example.com:19092,,[::1]:9093 "}});
  const std::vector<BrokerAddress> expected = {{"b1", 9092}, {"kafka-2.example.com", 19092}, {"::1", 9093}};
  EXPECT_EQ(c.bootstrapServers, expected);
  EXPECT_EQ(c.bootstrapServers[2].toString(), "[::1]:9093");
  for (const std::string bad : {"localhost", "host:0", "host:65536", "host:12x", ":9092", "a:b:9092", "[::1]9092",
                                "[]:1", "host:", "ho st:1", "a:1,b"}) {
    expectRejected({{"bootstrap.servers", bad}}, "bootstrap.servers", bad);
  }
}

struct IntKey {
  const char* key;
  int32_t ProducerConfig::*field;
  int64_t min;
  int64_t max;
};

// Every integer key with its allowed range. The base keeps the cross-checks out of the way.
TEST(ProducerConfigTest, EveryIntegerKeyIsParsedAndRangeChecked) {
  const IntKey keys[] = {
      {"message.send.max.retries", &ProducerConfig::messageSendMaxRetries, 0, kMax},
      {"retry.backoff.ms", &ProducerConfig::retryBackoffMs, 0, kMax},
      {"queue.buffering.max.ms", &ProducerConfig::queueBufferingMaxMs, 0, kMax},
      {"queue.buffering.max.messages", &ProducerConfig::queueBufferingMaxMessages, 1, kMax},
      {"batch.num.messages", &ProducerConfig::batchNumMessages, 1, kMax},
      {"batch.size", &ProducerConfig::batchSizeBytes, 1, kMax},
      {"request.timeout.ms", &ProducerConfig::requestTimeoutMs, 1, kMax},
      {"topic.metadata.refresh.interval.ms", &ProducerConfig::topicMetadataRefreshIntervalMs, kMin, kMax},
      {"queue.enqueue.timeout.ms", &ProducerConfig::queueEnqueueTimeoutMs, kMin, kMax},
      {"max.in.flight.requests.per.connection", &ProducerConfig::maxInFlightRequestsPerConnection, 1, kMax},
      {"message.max.bytes", &ProducerConfig::messageMaxBytes, 1000, 1000000000},
  };
  for (const IntKey& k : keys) {
    SCOPED_TRACE(k.key);
    Properties base = withServers({{"batch.num.messages", "1"}, {"queue.buffering.max.messages", "2147483647"}});
    const auto parsed = [&](const std::string& value) {
      Properties p = base;
      p[k.key] = value;
      return ProducerConfig::fromProperties(p).*k.field;
    };
    const auto rejected = [&](const std::string& value) {
      Properties p = base;
      p[k.key] = value;
      expectRejected(p, k.key, value);
      const std::string range = "[" + std::to_string(k.min) + ", " + std::to_string(k.max) + "]";
      EXPECT_NE(std::string(rejection(p).what()).find(range), std::string::npos) << rejection(p).what();
    };
    EXPECT_EQ(parsed(std::to_string(k.min)), k.min);
    EXPECT_EQ(parsed(std::to_string(k.max)), k.max);
    EXPECT_EQ(parsed(" 1234\t"), 1234);
    EXPECT_EQ(parsed("+1234"), 1234);
    rejected(std::to_string(k.min - 1));
    rejected(std::to_string(k.max + 1));
    for (const std::string junk : {"", "12abc", "1.5", "0x10", "1e3", "--1", "+-1", "ten", "99999999999999999999"}) {
      rejected(junk);
    }
  }
}

TEST(ProducerConfigTest, MessageNamesKeyValueAndRange) {
  const ConfigException e = rejection(withServers({{"request.timeout.ms", "0"}}));
  EXPECT_STREQ(e.what(),
               "Invalid value '0' for configuration 'request.timeout.ms': must be an integer in [1, 2147483647]");
  EXPECT_NE(dynamic_cast<const std::invalid_argument*>(&e), nullptr);
}

TEST(ProducerConfigTest, KeysAreCaseInsensitive) {
  const ProducerConfig c = ProducerConfig::fromProperties(
      {{"Bootstrap.Servers", "h:1"}, {"Queue.buffering.max.ms", "50"}, {"REQUEST.REQUIRED.ACKS", "all"}});
  EXPECT_EQ(c.queueBufferingMaxMs, 50);
  EXPECT_EQ(c.requestRequiredAcks, -1);
  // Errors name the key as the user spelled it.
  expectRejected(withServers({{"Queue.Buffering.Max.Ms", "soon"}}), "Queue.Buffering.Max.Ms", "soon");
  // The same key twice, spelled differently, is ambiguous.
  const ConfigException twice = rejection(withServers({{"linger.ms", "5"}, {"LINGER.MS", "5"}}));
  EXPECT_NE(std::string(twice.what()).find("also given"), std::string::npos) << twice.what();
}

TEST(ProducerConfigTest, UnknownKeysAreRejected) {
  const ConfigException e = rejection(withServers({{"compression.kind", "gzip"}}));
  EXPECT_EQ(e.key(), "compression.kind");
  EXPECT_EQ(e.value(), "gzip");
  EXPECT_NE(std::string(e.what()).find("Unknown configuration 'compression.kind'"), std::string::npos) << e.what();
}

TEST(ProducerConfigTest, BatchMayNotExceedTheQueue) {  // spec 7.5
  const Properties equal = withServers({{"batch.num.messages", "500"}, {"queue.buffering.max.messages", "500"}});
  EXPECT_EQ(ProducerConfig::fromProperties(equal).batchNumMessages, 500);
  const ConfigException e =
      rejection(withServers({{"batch.num.messages", "501"}, {"queue.buffering.max.messages", "500"}}));
  EXPECT_EQ(e.key(), "batch.num.messages");
  EXPECT_EQ(e.value(), "501");
  EXPECT_NE(std::string(e.what()).find("queue.buffering.max.messages (500)"), std::string::npos) << e.what();
}

TEST(ProducerConfigTest, AcksAcceptMinusOneZeroOneAndAll) {
  const std::pair<const char*, int16_t> accepted[] = {{"-1", -1}, {"0", 0}, {"1", 1}, {"all", -1}, {"ALL", -1}};
  for (const auto& [value, acks] : accepted) {
    EXPECT_EQ(parse({{"request.required.acks", value}}).requestRequiredAcks, acks);
    EXPECT_EQ(parse({{"acks", value}}).requestRequiredAcks, acks);
  }
  for (const std::string bad : {"2", "-2", "any", "", "1x", "32768"}) {
    expectRejected(withServers({{"request.required.acks", bad}}), "request.required.acks", bad);
    EXPECT_NE(std::string(rejection(withServers({{"acks", bad}})).what()).find("-1, 0, 1 or all"), std::string::npos);
  }
}

TEST(ProducerConfigTest, AliasesSetTheClassicFields) {
  const ProducerConfig c = ProducerConfig::fromProperties({{"metadata.broker.list", "h:1"}, {"linger.ms", "7"},
                                                           {"retries", "9"}, {"max.block.ms", "0"}, {"acks", "0"}});
  EXPECT_EQ(c.bootstrapServers, (std::vector<BrokerAddress>{{"h", 1}}));
  EXPECT_EQ(c.queueBufferingMaxMs, 7);
  EXPECT_EQ(c.messageSendMaxRetries, 9);
  EXPECT_EQ(c.queueEnqueueTimeoutMs, 0);
  EXPECT_EQ(c.requestRequiredAcks, 0);
  // max.block.ms has Java's range (>= 0); only the classic name can ask to block forever.
  expectRejected(withServers({{"max.block.ms", "-1"}}), "max.block.ms", "-1");
  EXPECT_EQ(parse({{"queue.enqueue.timeout.ms", "-1"}}).queueEnqueueTimeoutMs, -1);
}

TEST(ProducerConfigTest, ClassicKeyAndAliasMustAgree) {
  // Same meaning under both names: accepted.
  EXPECT_EQ(parse({{"linger.ms", "5"}, {"queue.buffering.max.ms", "5"}}).queueBufferingMaxMs, 5);
  EXPECT_EQ(parse({{"acks", "all"}, {"request.required.acks", "-1"}}).requestRequiredAcks, -1);
  // Different values: neither wins silently; the error names both keys.
  const ConfigException e = rejection(withServers({{"linger.ms", "5"}, {"queue.buffering.max.ms", "10"}}));
  EXPECT_EQ(e.key(), "linger.ms");
  EXPECT_NE(std::string(e.what()).find("queue.buffering.max.ms=10"), std::string::npos) << e.what();
  expectRejected(withServers({{"retries", "0"}, {"message.send.max.retries", "3"}}), "retries", "0");
  expectRejected(withServers({{"acks", "1"}, {"request.required.acks", "all"}}), "acks", "1");
  expectRejected({{"metadata.broker.list", "a:1"}, {"bootstrap.servers", "b:1"}}, "metadata.broker.list", "a:1");
}

TEST(ProducerConfigTest, OtherKeysParse) {
  const ProducerConfig c =
      parse({{"client.id", " my app "}, {"partitioner", "ROUND_ROBIN"}, {"delivery.timeout.ms", "120000"}});
  EXPECT_EQ(c.clientId, "my app");
  EXPECT_EQ(c.partitioner, PartitionerKind::RoundRobin);
  EXPECT_EQ(c.deliveryTimeoutMs, 120000);
  for (const auto kind : {PartitionerKind::Murmur2Random, PartitionerKind::Murmur2, PartitionerKind::ConsistentRandom,
                          PartitionerKind::Random, PartitionerKind::RoundRobin}) {
    const std::string name(partitionerName(kind));
    EXPECT_EQ(parse({{"partitioner", name}}).partitioner, kind) << name;
  }
  expectRejected(withServers({{"partitioner", "fnv1a"}}), "partitioner", "fnv1a");
  expectRejected(withServers({{"client.id", std::string(32768, 'x')}}), "client.id", std::string(32768, 'x'));
  EXPECT_EQ(parse({{"client.id", ""}}).clientId, "");
}

TEST(ProducerConfigTest, DeliveryTimeoutMustCoverLingerAndRequestTimeout) {
  const Properties ok = withServers({{"delivery.timeout.ms", "2500"}});  // 1000 + 1500
  EXPECT_EQ(ProducerConfig::fromProperties(ok).deliveryTimeoutMs, 2500);
  const ConfigException e = rejection(withServers({{"delivery.timeout.ms", "2499"}}));
  EXPECT_EQ(e.key(), "delivery.timeout.ms");
  EXPECT_NE(std::string(e.what()).find("(2500)"), std::string::npos) << e.what();
  expectRejected(withServers({{"delivery.timeout.ms", "0"}}), "delivery.timeout.ms", "0");
}

TEST(ProducerConfigTest, IdempotenceRequirements) {
  const ProducerConfig c = parse({{"enable.idempotence", "TRUE"}});
  EXPECT_TRUE(c.enableIdempotence);
  EXPECT_EQ(c.requestRequiredAcks, -1);  // no acks given: defaults to all, as Java
  EXPECT_FALSE(parse({{"enable.idempotence", "false"}}).enableIdempotence);
  expectRejected(withServers({{"enable.idempotence", "yes"}}), "enable.idempotence", "yes");
  // Explicit conflicting settings are errors.
  expectRejected(withServers({{"enable.idempotence", "true"}, {"acks", "1"}}), "request.required.acks", "1");
  const std::string inFlight = "max.in.flight.requests.per.connection";
  expectRejected(withServers({{"enable.idempotence", "true"}, {inFlight, "6"}}), inFlight, "6");
  expectRejected(withServers({{"enable.idempotence", "true"}, {"retries", "0"}}), "message.send.max.retries", "0");
  EXPECT_EQ(parse({{"enable.idempotence", "true"}, {"acks", "all"}, {inFlight, "5"}}).maxInFlightRequestsPerConnection,
            5);
  // Without idempotence, more in flight is fine; fewer than one is not.
  EXPECT_EQ(parse({{inFlight, "6"}}).maxInFlightRequestsPerConnection, 6);
  expectRejected(withServers({{inFlight, "0"}}), inFlight, "0");
}

TEST(ProducerConfigTest, ValidateChecksAStructBuiltConfig) {
  ProducerConfig c;
  EXPECT_THROW(c.validate(), ConfigException);  // no bootstrap servers
  c.bootstrapServers = {{"localhost", 9092}};
  EXPECT_NO_THROW(c.validate());
  c.setLingerMs(20);
  EXPECT_EQ(c.queueBufferingMaxMs, 20);

  const auto rejectedKey = [](const ProducerConfig& bad) {
    try {
      bad.validate();
    } catch (const ConfigException& e) {
      return e.key();
    }
    return std::string("<accepted>");
  };
  ProducerConfig bad = c;
  bad.requestTimeoutMs = 0;
  EXPECT_EQ(rejectedKey(bad), "request.timeout.ms");
  bad = c;
  bad.requestRequiredAcks = 2;
  EXPECT_EQ(rejectedKey(bad), "request.required.acks");
  bad = c;
  bad.bootstrapServers.push_back({"other", 0});
  EXPECT_EQ(rejectedKey(bad), "bootstrap.servers");
  bad = c;
  bad.bootstrapServers = {{"", 9092}};
  EXPECT_EQ(rejectedKey(bad), "bootstrap.servers");
  bad = c;
  bad.batchNumMessages = bad.queueBufferingMaxMessages + 1;
  EXPECT_EQ(rejectedKey(bad), "batch.num.messages");
  bad = c;
  bad.deliveryTimeoutMs = 100;
  EXPECT_EQ(rejectedKey(bad), "delivery.timeout.ms");
  bad = c;
  bad.enableIdempotence = true;  // a struct's acks is taken as explicit: 1 is a conflict
  EXPECT_EQ(rejectedKey(bad), "request.required.acks");
  bad.requestRequiredAcks = -1;
  EXPECT_EQ(rejectedKey(bad), "<accepted>");
  bad = c;
  bad.messageMaxBytes = 999;
  EXPECT_EQ(rejectedKey(bad), "message.max.bytes");
}

TEST(ProducerConfigTest, ToPropertiesRoundTrips) {
  ProducerConfig c;
  c.bootstrapServers = {{"b1", 9092}, {"fe80::1%eth0", 9093}};
  c.messageSendMaxRetries = 0;
  c.retryBackoffMs = 250;
  c.queueBufferingMaxMs = 0;
  c.queueBufferingMaxMessages = 500;
  c.batchNumMessages = 500;
  c.batchSizeBytes = 16384;
  c.requestTimeoutMs = 30000;
  c.topicMetadataRefreshIntervalMs = -1;
  c.clientId = "app: one=1 # not a comment";
  c.queueEnqueueTimeoutMs = -1;
  c.requestRequiredAcks = 0;
  c.partitioner = PartitionerKind::ConsistentRandom;
  c.maxInFlightRequestsPerConnection = 1;
  c.messageMaxBytes = 2000000;
  c.deliveryTimeoutMs = 60000;
  c.queueBufferingMaxBytes = 64 * 1024 * 1024;
  c.socketConnectionSetupTimeoutMs = 5000;
  c.metadataMaxIdleMs = 60000;
  c.statisticsIntervalMs = 1000;
  c.logLevel = 7;
  const Properties p = c.toProperties();
  EXPECT_EQ(p.at("bootstrap.servers"), "b1:9092,[fe80::1%eth0]:9093");
  EXPECT_EQ(p.at("request.required.acks"), "0");
  EXPECT_EQ(p.at("partitioner"), "consistent_random");
  EXPECT_EQ(p.at("queue.buffering.max.kbytes"), "65536");
  EXPECT_EQ(p.count("acks") + p.count("linger.ms") + p.count("retries") + p.count("buffer.memory"), 0u);  // canonical names only
  EXPECT_EQ(p.size(), 24u);
  EXPECT_EQ(ProducerConfig::fromProperties(p), c);

  // A byte bound that is not whole KiB goes out under buffer.memory, in bytes.
  c.queueBufferingMaxBytes = 1000;
  const Properties bytes = c.toProperties();
  EXPECT_EQ(bytes.at("buffer.memory"), "1000");
  EXPECT_EQ(bytes.count("queue.buffering.max.kbytes"), 0u);
  EXPECT_EQ(ProducerConfig::fromProperties(bytes), c);

  ProducerConfig defaults;
  defaults.bootstrapServers = {{"localhost", 9092}};
  defaults.enableIdempotence = true;
  defaults.requestRequiredAcks = -1;
  EXPECT_EQ(defaults.toProperties().count("delivery.timeout.ms"), 0u);
  EXPECT_EQ(ProducerConfig::fromProperties(defaults.toProperties()), defaults);
}

class PropertiesFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("kafkalite_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + ".properties");
    std::ofstream(path_, std::ios::binary) << text;
    return path_.string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  std::filesystem::path path_;
};

TEST_F(PropertiesFileTest, ParsesJavaPropertiesSyntax) {
  const std::string path = write(
      "# producer settings\n"
      "! also a comment\n"
      "\n"
      "   bootstrap.servers = b1:9092,\\\n"
      "                       b2:9092\n"
      "Queue.Buffering.Max.Ms: 25\r\n"
      "client.id=a=b:c\n"
      "\t acks =all  \n"
      "retries=1\n"
      "retries=2\n");
  const ProducerConfig c = ProducerConfig::fromPropertiesFile(path);
  EXPECT_EQ(c.bootstrapServers, (std::vector<BrokerAddress>{{"b1", 9092}, {"b2", 9092}}));
  EXPECT_EQ(c.queueBufferingMaxMs, 25);
  EXPECT_EQ(c.clientId, "a=b:c");  // the first separator splits
  EXPECT_EQ(c.requestRequiredAcks, -1);
  EXPECT_EQ(c.messageSendMaxRetries, 2);  // the last line wins, as in Java
}

TEST_F(PropertiesFileTest, BadLineNamesItsLineNumber) {
  const std::string path = write("bootstrap.servers=h:1\n# fine\nlinger.ms 5\n");
  try {
    (void)ProducerConfig::fromPropertiesFile(path);
    FAIL() << "no ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3:"), std::string::npos) << e.what();
    EXPECT_EQ(e.value(), "linger.ms 5");
  }
  EXPECT_THROW((void)ProducerConfig::fromPropertiesFile(write("bootstrap.servers=h:1\n = 5\n")), ConfigException);
}

TEST_F(PropertiesFileTest, ValueErrorsNameTheLineOfTheKey) {
  const std::string path = write("bootstrap.servers=h:1\n\nacks=1\nenable.idempotence=true\nlinger.ms=x\n");
  try {
    (void)ProducerConfig::fromPropertiesFile(path);
    FAIL() << "no ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "linger.ms");
    EXPECT_NE(std::string(e.what()).find(path + ":5: Invalid value 'x'"), std::string::npos) << e.what();
  }
  // A cross-check blames the canonical key; the line of its alias is found.
  try {
    (void)ProducerConfig::fromPropertiesFile(write("bootstrap.servers=h:1\n\nacks=1\nenable.idempotence=true\n"));
    FAIL() << "no ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find(":3: Invalid value '1' for configuration 'request.required.acks'"),
              std::string::npos) << e.what();
  }
}

TEST_F(PropertiesFileTest, MissingFileIsAConfigError) {
  EXPECT_THROW((void)ProducerConfig::fromPropertiesFile("/nonexistent/kafkalite.properties"), ConfigException);
}

}  // namespace
}  // namespace kafkalite
