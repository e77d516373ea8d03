#pragma once
// Kafka's ConsumerProtocol v0 payloads as a consumer group's members send them: a
// subscription in JoinGroup's protocol metadata, an assignment in SyncGroup. Tests build
// them here; the coordinator passes them through and decodes assignments for views.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/primitives.hpp"

namespace kafkalite::testing {

/// ConsumerProtocolSubscription v0: the topics, null user data.
inline protocol::Bytes consumerSubscription(const std::vector<std::string>& topics) {
  protocol::Bytes out;
  protocol::VectorSink sink(out);
  sink.int16(0);
  sink.int32(static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    sink.int16(static_cast<int16_t>(t.size()));
    sink.raw(std::string_view(t));
  }
  sink.int32(-1);
  return out;
}

/// ConsumerProtocolAssignment v0: topic → partitions, null user data.
inline protocol::Bytes consumerAssignment(const std::vector<std::pair<std::string, std::vector<int32_t>>>& topics) {
  protocol::Bytes out;
  protocol::VectorSink sink(out);
  sink.int16(0);
  sink.int32(static_cast<int32_t>(topics.size()));
  for (const auto& [t, partitions] : topics) {
    sink.int16(static_cast<int16_t>(t.size()));
    sink.raw(std::string_view(t));
    sink.int32(static_cast<int32_t>(partitions.size()));
    for (int32_t p : partitions) sink.int32(p);
  }
  sink.int32(-1);
  return out;
}

}  // namespace kafkalite::testing
