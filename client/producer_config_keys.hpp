#pragma once
// The producer's configuration keys, their fields and ranges, and the parsing helpers
// shared by producer_config.cpp (properties) and producer_config_file.cpp (files and
// toProperties). Internal: not installed.
//
// Threading: constants and pure functions.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kafkalite/producer_config.hpp"

namespace kafkalite::config_keys {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

struct IntRange { int64_t min; int64_t max; };

constexpr IntRange kNonNegative{0, kInt32Max};
constexpr IntRange kPositive{1, kInt32Max};
constexpr IntRange kAnyInt32{kInt32Min, kInt32Max};
// librdkafka's range for message.max.bytes: below ~1000 no useful batch fits.
constexpr IntRange kMessageMaxBytes{1000, 1000000000};
// Java's lower bound for metadata.max.idle.ms.
constexpr IntRange kMetadataMaxIdle{5000, kInt32Max};
// librdkafka's range for statistics.interval.ms (at most a day; 0 = off).
constexpr IntRange kStatisticsInterval{0, 86400000};
// Every codec's levels together (zstd's lowest to its highest); validate() checks the codec's own.
constexpr IntRange kCompressionLevel{-131072, 22};
// Syslog levels, as librdkafka's log_level.
constexpr IntRange kLogLevel{0, 7};
// queue.buffering.max.kbytes in KiB (librdkafka's range), buffer.memory in bytes.
constexpr IntRange kBufferingKBytes{1, kInt32Max};
constexpr int64_t kMinBufferBytes = 1;
// The 0.8 idempotent producer's limit (spec 8.5): the broker caches 5 batches per producer.
constexpr int32_t kMaxInFlightWithIdempotence = 5;
// client.id is a Kafka nullable STRING: an INT16 length.
constexpr std::size_t kMaxClientIdBytes = 32767;

enum class Setting : uint8_t {
  BootstrapServers, MessageSendMaxRetries, RetryBackoffMs, QueueBufferingMaxMs, QueueBufferingMaxMessages,
  BatchNumMessages, BatchSizeBytes, RequestTimeoutMs, TopicMetadataRefreshIntervalMs, ClientId,
  QueueEnqueueTimeoutMs, RequestRequiredAcks, Partitioner, MaxInFlight, MessageMaxBytes, DeliveryTimeoutMs,
  EnableIdempotence, QueueBufferingMaxBytes, SocketConnectionSetupTimeoutMs, MetadataMaxIdleMs, StatisticsIntervalMs,
  LogLevel, CompressionType, CompressionLevel, Count
};
constexpr std::size_t kSettingCount = static_cast<std::size_t>(Setting::Count);

struct KeyName { std::string_view name; Setting setting; bool alias; };  // name in lower case

// Canonical names first, in Setting order, so kKeyNames[s].name is the canonical name of s.
constexpr std::array<KeyName, kSettingCount + 7> kKeyNames{{
    {"bootstrap.servers", Setting::BootstrapServers, false},
    {"message.send.max.retries", Setting::MessageSendMaxRetries, false},
    {"retry.backoff.ms", Setting::RetryBackoffMs, false},
    {"queue.buffering.max.ms", Setting::QueueBufferingMaxMs, false},
    {"queue.buffering.max.messages", Setting::QueueBufferingMaxMessages, false},
    {"batch.num.messages", Setting::BatchNumMessages, false},
    {"batch.size", Setting::BatchSizeBytes, false},
    {"request.timeout.ms", Setting::RequestTimeoutMs, false},
    {"topic.metadata.refresh.interval.ms", Setting::TopicMetadataRefreshIntervalMs, false},
    {"client.id", Setting::ClientId, false},
    {"queue.enqueue.timeout.ms", Setting::QueueEnqueueTimeoutMs, false},
    {"request.required.acks", Setting::RequestRequiredAcks, false},
    {"partitioner", Setting::Partitioner, false},
    {"max.in.flight.requests.per.connection", Setting::MaxInFlight, false},
    {"message.max.bytes", Setting::MessageMaxBytes, false},
    {"delivery.timeout.ms", Setting::DeliveryTimeoutMs, false},
    {"enable.idempotence", Setting::EnableIdempotence, false},
    {"queue.buffering.max.kbytes", Setting::QueueBufferingMaxBytes, false},
    {"socket.connection.setup.timeout.ms", Setting::SocketConnectionSetupTimeoutMs, false},
    {"metadata.max.idle.ms", Setting::MetadataMaxIdleMs, false},
    {"statistics.interval.ms", Setting::StatisticsIntervalMs, false},
    {"log_level", Setting::LogLevel, false},
    {"compression.type", Setting::CompressionType, false},
    {"compression.level", Setting::CompressionLevel, false},
    // Aliases: the modern (Java producer) names, and 0.8's metadata.broker.list.
    {"metadata.broker.list", Setting::BootstrapServers, true}, {"retries", Setting::MessageSendMaxRetries, true},
    {"linger.ms", Setting::QueueBufferingMaxMs, true}, {"max.block.ms", Setting::QueueEnqueueTimeoutMs, true},
    {"acks", Setting::RequestRequiredAcks, true}, {"buffer.memory", Setting::QueueBufferingMaxBytes, true},
    // librdkafka's name for compression.type.
    {"compression.codec", Setting::CompressionType, true}}};

// Chooses the column the keys not given take their values from; not a setting of its own.
constexpr std::string_view kDefaultsKey = "kafkalite.defaults";

constexpr bool canonicalNamesInSettingOrder() {
  for (std::size_t i = 0; i < kSettingCount; ++i) {
    if (static_cast<std::size_t>(kKeyNames[i].setting) != i || kKeyNames[i].alias) return false;
  }
  return true;
}
static_assert(canonicalNamesInSettingOrder());

inline std::string canonicalName(Setting setting) { return std::string(kKeyNames[static_cast<std::size_t>(setting)].name); }

// The int32 fields with their setting and range; the others are handled one by one.
struct IntField { Setting setting; int32_t ProducerConfig::*field; IntRange range; };
constexpr std::array<IntField, 15> kIntFields{{
    {Setting::MessageSendMaxRetries, &ProducerConfig::messageSendMaxRetries, kNonNegative},
    {Setting::RetryBackoffMs, &ProducerConfig::retryBackoffMs, kNonNegative},
    {Setting::QueueBufferingMaxMs, &ProducerConfig::queueBufferingMaxMs, kNonNegative},
    {Setting::QueueBufferingMaxMessages, &ProducerConfig::queueBufferingMaxMessages, kPositive},
    {Setting::BatchNumMessages, &ProducerConfig::batchNumMessages, kPositive},
    {Setting::BatchSizeBytes, &ProducerConfig::batchSizeBytes, kPositive},
    {Setting::RequestTimeoutMs, &ProducerConfig::requestTimeoutMs, kPositive},  // spec 7.4
    {Setting::TopicMetadataRefreshIntervalMs, &ProducerConfig::topicMetadataRefreshIntervalMs, kAnyInt32},
    {Setting::QueueEnqueueTimeoutMs, &ProducerConfig::queueEnqueueTimeoutMs, kAnyInt32},
    {Setting::MaxInFlight, &ProducerConfig::maxInFlightRequestsPerConnection, kPositive},
    {Setting::MessageMaxBytes, &ProducerConfig::messageMaxBytes, kMessageMaxBytes},
    {Setting::MetadataMaxIdleMs, &ProducerConfig::metadataMaxIdleMs, kMetadataMaxIdle},
    {Setting::StatisticsIntervalMs, &ProducerConfig::statisticsIntervalMs, kStatisticsInterval},
    {Setting::LogLevel, &ProducerConfig::logLevel, kLogLevel},
    // The codec's own range is checked by validate(), which knows the codec.
    {Setting::CompressionLevel, &ProducerConfig::compressionLevel, kCompressionLevel},
}};

constexpr std::array<std::pair<PartitionerKind, std::string_view>, 5> kPartitionerNames{{
    {PartitionerKind::Murmur2Random, "murmur2_random"}, {PartitionerKind::Murmur2, "murmur2"},
    {PartitionerKind::ConsistentRandom, "consistent_random"}, {PartitionerKind::Random, "random"},
    {PartitionerKind::RoundRobin, "round_robin"}}};

constexpr std::array<std::pair<CompressionCodec, std::string_view>, 5> kCompressionCodecNames{{
    {CompressionCodec::None, "none"}, {CompressionCodec::Gzip, "gzip"}, {CompressionCodec::Snappy, "snappy"},
    {CompressionCodec::Lz4, "lz4"}, {CompressionCodec::Zstd, "zstd"}}};

inline std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view trim(std::string_view s) {
  const auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string rangeText(IntRange range) {
  return "must be an integer in [" + std::to_string(range.min) + ", " + std::to_string(range.max) + "]";
}

inline void checkRange(const std::string& key, int64_t value, IntRange range) {
  if (value < range.min || value > range.max) throw ConfigException(key, std::to_string(value), rangeText(range));
}

// A whole decimal integer with an optional sign; nullopt for anything else (junk, overflow).
inline std::optional<int64_t> parseInteger(std::string_view digits) {
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-') digits.remove_prefix(1);  // Java accepts "+5"
  int64_t parsed = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return parsed;
}

inline int32_t parseInt(const std::string& key, const std::string& value, IntRange range) {
  const std::optional<int64_t> parsed = parseInteger(value);
  if (!parsed || *parsed < range.min || *parsed > range.max) throw ConfigException(key, value, rangeText(range));
  return static_cast<int32_t>(*parsed);
}

}  // namespace kafkalite::config_keys
