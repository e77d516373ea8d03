#include "protocol/topic_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kafkalite::protocol {
namespace {

// Kafka's Topic.validate (clients/.../common/internals/Topic.java): what is legal.
TEST(TopicName, KafkaLegalNamesPass) {
  for (const std::string& name : std::vector<std::string>{"t", "orders", "a.b", "a_b", "a-b", "A9", "...", "_", std::string(249, 'x')}) {
    EXPECT_TRUE(isValidTopicName(name)) << name;
    EXPECT_FALSE(topicNameError(name).has_value()) << name;
  }
}

TEST(TopicName, EmptyDotAndDotDotAreIllegal) {
  EXPECT_EQ(topicNameError(""), "Topic name is illegal, it can't be empty");
  EXPECT_EQ(topicNameError("."), "Topic name cannot be \".\" or \"..\"");
  EXPECT_EQ(topicNameError(".."), "Topic name cannot be \".\" or \"..\"");
}

TEST(TopicName, LongerThan249IsIllegal) {
  const auto error = topicNameError(std::string(250, 'a'));
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("can't be longer than 249 characters"), std::string::npos);
  EXPECT_LT(error->size(), 200u);  // the name is abbreviated in the message
}

TEST(TopicName, CharactersOutsideTheSetAreIllegal) {
  for (const std::string& name : std::vector<std::string>{"bad name", "x/y", "a:b", "tab\there", "caf\xc3\xa9", std::string("nul\0x", 5)}) {
    const auto error = topicNameError(name);
    ASSERT_TRUE(error.has_value()) << name;
    EXPECT_NE(error->find("contains a character other than ASCII alphanumerics"), std::string::npos);
  }
  // Unprintable bytes are escaped in the message.
  EXPECT_NE(topicNameError(std::string("nul\0x", 5))->find("\\x00"), std::string::npos);
}

}  // namespace
}  // namespace kafkalite::protocol
