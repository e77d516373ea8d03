#pragma once
/// \file
/// Kafka's rule for topic names (org.apache.kafka.common.internals.Topic.validate):
/// 1–249 characters of [a-zA-Z0-9._-], and neither "." nor "..". Kafka answers a name that
/// breaks it with INVALID_TOPIC_EXCEPTION (17) where a topic may be created or looked up
/// by name (Metadata, with or without auto-creation; CreateTopics); no such topic can
/// exist, so requests that write or read one (Produce, Fetch, ListOffsets) get
/// UNKNOWN_TOPIC_OR_PARTITION, as for any topic the metadata does not have.
///
/// Threading: pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kafkalite::protocol {

/// The longest legal topic name (Kafka's Topic.MAX_NAME_LENGTH).
inline constexpr std::size_t kMaxTopicNameLength = 249;

/// Why `name` is not a legal topic name, in Kafka's words, or nullopt when it is legal.
std::optional<std::string> topicNameError(std::string_view name);

/// Whether `name` is a legal topic name.
inline bool isValidTopicName(std::string_view name) { return !topicNameError(name).has_value(); }

}  // namespace kafkalite::protocol
