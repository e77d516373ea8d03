#include "kafkalite/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace kafkalite {
namespace {

int16_t wireValue(ErrorCode code) { return static_cast<int16_t>(code); }

std::vector<ErrorCode> allKnownCodes() {
  std::vector<ErrorCode> codes;
  for (int v = wireValue(kLowestErrorCode); v <= wireValue(kHighestErrorCode); ++v) {
    codes.push_back(static_cast<ErrorCode>(v));
  }
  return codes;
}

TEST(ErrorCodeTest, WellKnownCodesHaveKafkasWireValues) {
  const std::vector<std::pair<ErrorCode, int16_t>> expected = {
      {ErrorCode::UNKNOWN_SERVER_ERROR, -1},
      {ErrorCode::NONE, 0},
      {ErrorCode::OFFSET_OUT_OF_RANGE, 1},
      {ErrorCode::CORRUPT_MESSAGE, 2},
      {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, 3},
      {ErrorCode::LEADER_NOT_AVAILABLE, 5},
      {ErrorCode::NOT_LEADER_OR_FOLLOWER, 6},
      {ErrorCode::REQUEST_TIMED_OUT, 7},
      {ErrorCode::MESSAGE_TOO_LARGE, 10},
      {ErrorCode::NETWORK_EXCEPTION, 13},
      {ErrorCode::NOT_ENOUGH_REPLICAS, 19},
      {ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, 20},
      {ErrorCode::INVALID_REQUIRED_ACKS, 21},
      {ErrorCode::UNSUPPORTED_VERSION, 35},
      {ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, 45},
      {ErrorCode::DUPLICATE_SEQUENCE_NUMBER, 46},
      {ErrorCode::KAFKA_STORAGE_ERROR, 56},
      {ErrorCode::UNKNOWN_PRODUCER_ID, 59},
      {ErrorCode::FENCED_LEADER_EPOCH, 74},
      {ErrorCode::UNKNOWN_LEADER_EPOCH, 75},
      {ErrorCode::PRODUCER_FENCED, 90},
      {ErrorCode::UNKNOWN_TOPIC_ID, 100},
      {ErrorCode::TRANSACTION_ABORTABLE, 120},
      {ErrorCode::SHARE_SESSION_LIMIT_REACHED, 133},
  };
  for (const auto& [code, value] : expected) {
    EXPECT_EQ(wireValue(code), value) << errorName(code);
  }
}

TEST(ErrorCodeTest, NamesAreKafkasSpelling) {
  EXPECT_EQ(errorName(ErrorCode::UNKNOWN_SERVER_ERROR), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(errorName(ErrorCode::NONE), "NONE");
  EXPECT_EQ(errorName(ErrorCode::NOT_LEADER_OR_FOLLOWER), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(errorName(ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND), "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
  EXPECT_EQ(errorName(ErrorCode::INVALID_TOPIC_EXCEPTION), "INVALID_TOPIC_EXCEPTION");
  EXPECT_EQ(errorName(ErrorCode::SHARE_SESSION_LIMIT_REACHED), "SHARE_SESSION_LIMIT_REACHED");
}

TEST(ErrorCodeTest, RetriableClassificationOfProduceErrors) {
  for (ErrorCode code : {ErrorCode::CORRUPT_MESSAGE, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                         ErrorCode::LEADER_NOT_AVAILABLE, ErrorCode::NOT_LEADER_OR_FOLLOWER,
                         ErrorCode::REQUEST_TIMED_OUT, ErrorCode::NETWORK_EXCEPTION, ErrorCode::NOT_ENOUGH_REPLICAS,
                         ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode::KAFKA_STORAGE_ERROR,
                         ErrorCode::FENCED_LEADER_EPOCH, ErrorCode::UNKNOWN_LEADER_EPOCH}) {
    EXPECT_TRUE(isRetriable(code)) << errorName(code);
  }
  for (ErrorCode code : {ErrorCode::UNKNOWN_SERVER_ERROR, ErrorCode::NONE, ErrorCode::OFFSET_OUT_OF_RANGE,
                         ErrorCode::BROKER_NOT_AVAILABLE, ErrorCode::MESSAGE_TOO_LARGE,
                         ErrorCode::RECORD_LIST_TOO_LARGE, ErrorCode::INVALID_REQUIRED_ACKS,
                         ErrorCode::TOPIC_AUTHORIZATION_FAILED, ErrorCode::UNSUPPORTED_VERSION,
                         ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode::DUPLICATE_SEQUENCE_NUMBER,
                         ErrorCode::INVALID_PRODUCER_EPOCH, ErrorCode::UNKNOWN_PRODUCER_ID, ErrorCode::INVALID_RECORD,
                         ErrorCode::PRODUCER_FENCED, ErrorCode::TRANSACTION_ABORTABLE}) {
    EXPECT_FALSE(isRetriable(code)) << errorName(code);
  }
}

// The full set of codes whose Kafka exception extends RetriableException. A change to
// the table's retriable column must be a deliberate change here too.
TEST(ErrorCodeTest, RetriableSetMatchesKafka) {
  const std::set<int16_t> expected = {2,  3,  5,  6,  7,  9,  13, 14, 15, 16,  19,  20,  41,  51,  56,  70,
                                      71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106, 122, 123, 133};
  std::set<int16_t> actual;
  for (ErrorCode code : allKnownCodes()) {
    if (isRetriable(code)) actual.insert(wireValue(code));
  }
  EXPECT_EQ(actual, expected);
}

TEST(ErrorCodeTest, EveryCodeInTheTableHasAUniqueNameAndADescription) {
  const std::vector<ErrorCode> codes = allKnownCodes();
  EXPECT_EQ(codes.size(), 135u);  // -1 through 133
  std::set<std::string_view> names;
  for (ErrorCode code : codes) {
    EXPECT_TRUE(isKnown(code)) << wireValue(code);
    const std::string_view name = errorName(code);
    EXPECT_FALSE(name.empty()) << wireValue(code);
    EXPECT_NE(name, "UNKNOWN_ERROR_CODE") << wireValue(code);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_FALSE(errorDescription(code).empty()) << name;
  }
}

TEST(ErrorCodeTest, UnknownCodesFallBack) {
  for (int16_t value : {int16_t{-32768}, int16_t{-2}, int16_t{134}, int16_t{999}, int16_t{32767}}) {
    const auto code = static_cast<ErrorCode>(value);
    EXPECT_FALSE(isKnown(code)) << value;
    EXPECT_EQ(errorName(code), "UNKNOWN_ERROR_CODE") << value;
    EXPECT_FALSE(errorDescription(code).empty()) << value;
    EXPECT_FALSE(isRetriable(code)) << value;
  }
  const std::string message = make_error_code(static_cast<ErrorCode>(999)).message();
  EXPECT_NE(message.find("UNKNOWN_ERROR_CODE"), std::string::npos) << message;
  EXPECT_NE(message.find("(999)"), std::string::npos) << message;
}

TEST(ErrorCategoryTest, KafkaCodesConvertToErrorCode) {
  const std::error_code ec = ErrorCode::NOT_LEADER_OR_FOLLOWER;
  EXPECT_EQ(std::string_view(ec.category().name()), "kafka");
  EXPECT_EQ(&ec.category(), &kafkaCategory());
  EXPECT_EQ(ec.value(), 6);
  EXPECT_TRUE(static_cast<bool>(ec));
  EXPECT_EQ(ec, make_error_code(ErrorCode::NOT_LEADER_OR_FOLLOWER));
  EXPECT_TRUE(ec == ErrorCode::NOT_LEADER_OR_FOLLOWER);
  EXPECT_TRUE(ec != ErrorCode::REQUEST_TIMED_OUT);
}

TEST(ErrorCategoryTest, MessageNamesTheCode) {
  const std::string message = make_error_code(ErrorCode::NOT_LEADER_OR_FOLLOWER).message();
  EXPECT_EQ(message.rfind("NOT_LEADER_OR_FOLLOWER (6)", 0), 0u) << message;
  EXPECT_GT(message.size(), std::string_view("NOT_LEADER_OR_FOLLOWER (6)").size()) << message;
  EXPECT_NE(make_error_code(ErrorCode::UNKNOWN_SERVER_ERROR).message().find("UNKNOWN_SERVER_ERROR (-1)"),
            std::string::npos);
}

TEST(ErrorCategoryTest, NoneIsSuccess) {
  const std::error_code ec = ErrorCode::NONE;
  EXPECT_FALSE(static_cast<bool>(ec));
  EXPECT_EQ(ec.category(), kafkaCategory());
  EXPECT_FALSE(isRetriable(ec));
}

TEST(ErrorCategoryTest, SameValueInDifferentCategoriesIsNotEqual) {
  // ClientError::QueueFull and OFFSET_OUT_OF_RANGE are both 1.
  const std::error_code wire = ErrorCode::OFFSET_OUT_OF_RANGE;
  const std::error_code client = ClientError::QueueFull;
  EXPECT_EQ(wire.value(), client.value());
  EXPECT_NE(wire, client);
  EXPECT_TRUE(client != ErrorCode::OFFSET_OUT_OF_RANGE);
}

TEST(ErrorCategoryTest, IsRetriableAcceptsKafkaErrorCodes) {
  EXPECT_TRUE(isRetriable(make_error_code(ErrorCode::NOT_ENOUGH_REPLICAS)));
  EXPECT_TRUE(isRetriable(std::error_code(ErrorCode::REQUEST_TIMED_OUT)));
  EXPECT_FALSE(isRetriable(make_error_code(ErrorCode::MESSAGE_TOO_LARGE)));
  // 65542 would truncate to 6 (NOT_LEADER_OR_FOLLOWER) as an int16; it is no wire code.
  EXPECT_FALSE(isRetriable(std::error_code(65542, kafkaCategory())));
}

TEST(ErrorClientTest, ValuesAndCategory) {
  EXPECT_EQ(static_cast<int>(ClientError::QueueFull), 1);
  EXPECT_EQ(static_cast<int>(ClientError::TimedOut), 2);
  EXPECT_EQ(static_cast<int>(ClientError::Malformed), 9);

  const std::error_code ec = ClientError::QueueFull;
  EXPECT_EQ(std::string_view(ec.category().name()), "kafkalite");
  EXPECT_EQ(&ec.category(), &clientCategory());
  EXPECT_TRUE(ec == ClientError::QueueFull);
  EXPECT_TRUE(ec != ClientError::TimedOut);
  EXPECT_EQ(ec, make_error_code(ClientError::QueueFull));
  EXPECT_NE(ec.message().find("QueueFull"), std::string::npos) << ec.message();
}

TEST(ErrorClientTest, NamesAreUniqueAndMessagesNameTheError) {
  const std::vector<ClientError> all = {
      ClientError::QueueFull,        ClientError::TimedOut,           ClientError::RecordTooLarge,
      ClientError::ProducerClosed,   ClientError::Disconnected,       ClientError::InvalidConfig,
      ClientError::PurgedOnClose,    ClientError::UnknownPartition,   ClientError::Malformed,
      ClientError::ConnectionFailed, ClientError::UnsupportedVersion, ClientError::AllBrokersDown,
  };
  std::set<std::string_view> names;
  for (ClientError error : all) {
    const std::string_view name = errorName(error);
    EXPECT_NE(name, "UnknownClientError") << static_cast<int>(error);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_NE(make_error_code(error).message().find(name), std::string::npos) << name;
  }
  EXPECT_EQ(errorName(static_cast<ClientError>(0)), "UnknownClientError");
  EXPECT_EQ(errorName(static_cast<ClientError>(1000)), "UnknownClientError");
  EXPECT_NE(make_error_code(static_cast<ClientError>(1000)).message().find("(1000)"), std::string::npos);
}

TEST(ErrorClientTest, OnlyTransientClientErrorsAreRetriable) {
  EXPECT_TRUE(isRetriable(ClientError::TimedOut));
  EXPECT_TRUE(isRetriable(ClientError::Disconnected));
  EXPECT_TRUE(isRetriable(ClientError::ConnectionFailed));
  for (ClientError error : {ClientError::QueueFull, ClientError::RecordTooLarge, ClientError::ProducerClosed,
                            ClientError::InvalidConfig, ClientError::PurgedOnClose, ClientError::UnknownPartition,
                            ClientError::Malformed, ClientError::UnsupportedVersion, static_cast<ClientError>(1000)}) {
    EXPECT_FALSE(isRetriable(error)) << errorName(error);
  }
  EXPECT_TRUE(isRetriable(make_error_code(ClientError::TimedOut)));
  EXPECT_TRUE(isRetriable(std::error_code(ClientError::Disconnected)));
  EXPECT_FALSE(isRetriable(make_error_code(ClientError::QueueFull)));
}

TEST(ErrorClientTest, OtherCategoriesAreNotRetriable) {
  EXPECT_FALSE(isRetriable(std::error_code()));
  EXPECT_FALSE(isRetriable(std::make_error_code(std::errc::connection_reset)));
  EXPECT_FALSE(isRetriable(std::make_error_code(std::errc::timed_out)));
}

}  // namespace
}  // namespace kafkalite
