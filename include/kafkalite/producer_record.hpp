#pragma once
/// \file
/// ProducerRecord: one record handed to Producer::send().
///
/// Threading: a plain value; one thread at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafkalite {

/// One record header: a key (never null on the wire) and a nullable value.
struct RecordHeader {
  std::string key;                   ///< header name; not checked for UTF-8
  std::optional<std::string> value;  ///< std::nullopt = a null value
  /// Member-wise equality.
  bool operator==(const RecordHeader&) const = default;
};

/// A record to send: topic, optional partition, optional key and value, headers and an
/// optional timestamp.
///
/// Pass it to Producer::send() by value and move it in (`send(std::move(record), cb)`):
/// key, value and headers are then moved, never copied, until the producer's I/O thread
/// serializes them into a record batch (the only copy) and frees them.
struct ProducerRecord {
  /// The topic; must not be empty.
  std::string topic;
  /// The partition; std::nullopt = chosen by the configured partitioner (keyed records:
  /// Java's murmur2 hash, so equal keys land on the same partition). A partition the
  /// topic does not have fails the record with ClientError::UnknownPartition.
  std::optional<int32_t> partition;
  /// The key; std::nullopt = a null key (not the same as an empty key).
  std::optional<std::string> key;
  /// The value; std::nullopt = a null value (a tombstone).
  std::optional<std::string> value;
  /// Record headers, in order; names may repeat.
  std::vector<RecordHeader> headers;
  /// Create time in milliseconds since the Unix epoch; std::nullopt = the time send()
  /// was called.
  std::optional<int64_t> timestamp;

  /// A record with no key, no value and no headers. Never throws.
  ProducerRecord() = default;
  /// A record of `topic` with `value` and no key. Throws only std::bad_alloc (never, when
  /// the strings are moved in).
  ProducerRecord(std::string topic, std::optional<std::string> value)
      : topic(std::move(topic)), value(std::move(value)) {}
  /// A record of `topic` with `key` and `value`. Throws only std::bad_alloc (never, when
  /// the strings are moved in).
  ProducerRecord(std::string topic, std::optional<std::string> key, std::optional<std::string> value)
      : topic(std::move(topic)), key(std::move(key)), value(std::move(value)) {}
};

/// A record whose key and value the producer copies (Producer::send(const RecordView&, ...)):
/// for data that is not in std::strings the application can give away. The views need to
/// stay valid only during the send() call. No headers.
struct RecordView {
  std::string_view topic;                ///< the topic (copied)
  std::optional<int32_t> partition;      ///< std::nullopt: chosen by the partitioner
  std::optional<std::string_view> key;   ///< std::nullopt = a null key (copied)
  std::optional<std::string_view> value; ///< std::nullopt = a null value (copied)
  std::optional<int64_t> timestamp;      ///< create time in ms since the epoch; std::nullopt = send() time
};

}  // namespace kafkalite
