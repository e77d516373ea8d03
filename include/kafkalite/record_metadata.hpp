#pragma once
/// \file
/// RecordMetadata: where a sent record ended up.
///
/// Threading: a plain value; one thread at a time.

#include <cstdint>
#include <string>

namespace kafkalite {

/// What the broker reported for one record, given to the send() callback or future.
struct RecordMetadata {
  std::string topic;       ///< the record's topic
  int32_t partition = -1;  ///< the partition it was sent to; -1 if none was chosen
  /// Its offset in the partition; -1 when unknown: on failure, with acks=0 (no response
  /// is awaited) and for DUPLICATE_SEQUENCE_NUMBER (spec 8.7).
  int64_t offset = -1;
  /// Milliseconds since the Unix epoch: the broker's append time when the topic uses
  /// LogAppendTime, else the record's create time.
  int64_t timestamp = -1;
  /// Member-wise equality.
  bool operator==(const RecordMetadata&) const = default;
};

}  // namespace kafkalite
