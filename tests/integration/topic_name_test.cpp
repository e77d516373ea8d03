// Kafka's topic-name rule (Topic.validate: 1-249 characters of [a-zA-Z0-9._-], not "." or
// "..") wherever a request or the control surface names a topic, and the crash of issue 11:
// a Metadata request that auto-created a 250-character name threw on the broker's thread
// and ended the process.
//
// What Kafka answers, by path:
// - Metadata, with or without auto-creation: INVALID_TOPIC_EXCEPTION (17) for the name
//   (KafkaApis.getTopicMetadata, AutoTopicCreationManager); nothing is created.
// - Produce: UNKNOWN_TOPIC_OR_PARTITION (3), since no such topic can be in the metadata
//   (KafkaApis.handleProduceRequest checks metadataCache.contains before anything else).
// - Creating a topic (MockCluster::createTopic, POST /v1/topics): refused with Kafka's message.

#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/cluster_helpers.hpp"

namespace kafkalite::testing {
namespace {

// Every line the cluster logs, so a test can check that nothing went wrong inside.
struct LogLines {
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> lines;
  LogCallback callback() {
    return [this](LogLevel level, std::string_view, std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(level, std::string(line));
    };
  }
  std::vector<std::string> at(LogLevel level) {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [l, text] : lines)
      if (l == level) out.push_back(text);
    return out;
  }
};

const std::vector<std::string> kInvalidNames = {"", ".", "..", "bad name", "x/y", std::string(250, 'a'), "caf\xc3\xa9",
                                                "tab\tname"};

class TopicNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MockClusterOptions options;
    options.brokers = 1;
    options.logCallback = log_.callback();
    options.logLevel = LogLevel::Info;
    cluster_ = std::make_unique<MockCluster>(options);
  }

  std::vector<std::string> topicNames() const {
    std::vector<std::string> out;
    for (const auto& p : cluster_->partitions()) out.push_back(p.topic);
    return out;
  }

  LogLines log_;
  std::unique_ptr<MockCluster> cluster_;
};

// Issue 11: kafka-python's MetadataRequest[1](['a'*250]) was enough to end the process
// (std::invalid_argument on the broker thread, then std::terminate).
TEST_F(TopicNameTest, Issue11_AutoCreatingA250CharacterNameAnswersInvalidTopicAndTheBrokerServesOn) {
  auto client = connectTo(*cluster_, 1);
  const std::string name(250, 'a');
  const auto reply = client->roundTrip(metadataRequest(std::vector<std::string>{name}), 1);
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto* t = findTopic(reply.body, name);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(errName(t->errorCode), "INVALID_TOPIC_EXCEPTION");
  EXPECT_TRUE(topicNames().empty());

  // The same connection and a new one go on being served.
  const auto again = client->roundTrip(metadataRequest(std::vector<std::string>{"fine"}), 1);
  ASSERT_TRUE(again.ok()) << again.error;
  auto other = connectTo(*cluster_, 1);
  const auto batch = makeValueBatch({"v"});
  ASSERT_TRUE(waitUntil([&] { return produce(*other, "fine", 0, batch, 1).error() == ErrorCode::NONE; }));
  EXPECT_TRUE(log_.at(LogLevel::Error).empty()) << log_.at(LogLevel::Error).front();
}

// Kafka: INVALID_TOPIC_EXCEPTION for every name Topic.validate refuses, at every Metadata
// version, flexible or not; valid names of the same request are auto-created.
TEST_F(TopicNameTest, InvalidNamesGetInvalidTopicExceptionAtEveryVersionAndAreNotCreated) {
  auto client = connectTo(*cluster_, 1);
  for (const int16_t version : {1, 4, 9, 12}) {
    SCOPED_TRACE("Metadata v" + std::to_string(version));
    std::vector<std::string> names = kInvalidNames;
    const std::string valid = "valid-" + std::to_string(version);
    names.push_back(valid);
    const auto reply = client->roundTrip(metadataRequest(names, true), version);
    ASSERT_TRUE(reply.ok()) << reply.error;
    for (const auto& name : kInvalidNames) {
      const auto* t = findTopic(reply.body, name);
      ASSERT_NE(t, nullptr) << "'" << name << "'";
      EXPECT_EQ(errName(t->errorCode), "INVALID_TOPIC_EXCEPTION") << "'" << name << "'";
      EXPECT_TRUE(t->partitions.empty());
    }
    const auto* created = findTopic(reply.body, valid);
    ASSERT_NE(created, nullptr);
    EXPECT_EQ(errName(created->errorCode), "LEADER_NOT_AVAILABLE") << "auto-created, as Kafka answers it";
  }
  EXPECT_EQ(topicNames(), (std::vector<std::string>{"valid-1", "valid-12", "valid-4", "valid-9"}));
}

// Kafka's getTopicMetadata without auto-creation validates the name too.
TEST(TopicNameNoAutoCreateTest, InvalidNamesGetInvalidTopicExceptionWithoutAutoCreation) {
  MockClusterOptions options;
  options.autoCreateTopics = false;
  MockCluster cluster(options);
  auto client = connectTo(cluster, 1);
  const auto reply = client->roundTrip(metadataRequest(std::vector<std::string>{"bad name", "unknown"}, true), 12);
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(errName(findTopic(reply.body, "bad name")->errorCode), "INVALID_TOPIC_EXCEPTION");
  EXPECT_EQ(errName(findTopic(reply.body, "unknown")->errorCode), "UNKNOWN_TOPIC_OR_PARTITION");
}

// KafkaApis.handleProduceRequest: a topic the metadata does not have, whatever its name, is
// UNKNOWN_TOPIC_OR_PARTITION, with no offsets (Kafka's PartitionResponse(error)).
TEST_F(TopicNameTest, ProduceToAnInvalidNameIsUnknownTopicOrPartitionWithNoOffsets) {
  auto client = connectTo(*cluster_, 1);
  const auto batch = makeValueBatch({"v"});
  for (const auto& name : kInvalidNames) {
    for (const int16_t version : {7, 9}) {
      const auto out = produce(*client, name, 0, batch, 1, 30000, version);
      ASSERT_TRUE(out.answered()) << "'" << name << "' v" << version << ": " << out.detail;
      EXPECT_EQ(out.error(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) << "'" << name << "'";
      EXPECT_EQ(out.baseOffset, -1);
      EXPECT_EQ(out.logStartOffset, -1);
    }
  }
  EXPECT_TRUE(topicNames().empty());
}

TEST_F(TopicNameTest, CreateTopicRefusesInvalidNamesWithKafkasMessage) {
  for (const auto& name : kInvalidNames) {
    try {
      cluster_->createTopic(TopicSpec{name, 1, 1, std::nullopt});
      ADD_FAILURE() << "'" << name << "' was created";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("opic name"), std::string::npos) << e.what();
    }
  }
  try {
    cluster_->createTopic(TopicSpec{std::string(250, 'x'), 1, 1, std::nullopt});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("can't be longer than 249 characters"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(topicNames().empty());
  EXPECT_NO_THROW(cluster_->createTopic(TopicSpec{std::string(249, 'x'), 1, 1, std::nullopt}));
}

}  // namespace
}  // namespace kafkalite::testing
