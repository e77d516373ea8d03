#pragma once
// Group API requests for tests that speak the wire through KafkaTestClient: builders for
// JoinGroup, SyncGroup, Heartbeat, OffsetCommit and OffsetFetch, Kafka's ConsumerProtocol
// subscription and assignment bytes, and a FindCoordinator that retries until the
// cluster names a coordinator.
//
// Threading: free functions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "support/consumer_protocol.hpp"
#include "support/kafka_client.hpp"
#include "support/wait_until.hpp"

namespace kafkalite::testing {

inline protocol::JoinGroupRequest joinGroupRequest(const std::string& group, const std::string& memberId,
                                                   int32_t sessionTimeoutMs = 10000,
                                                   const std::vector<std::string>& topics = {"orders"},
                                                   std::optional<std::string> instanceId = std::nullopt) {
  protocol::JoinGroupRequest r;
  r.groupId = group;
  r.sessionTimeoutMs = sessionTimeoutMs;
  r.rebalanceTimeoutMs = 30000;
  r.memberId = memberId;
  r.groupInstanceId = std::move(instanceId);
  r.protocolType = "consumer";
  r.protocols = {{"range", consumerSubscription(topics), {}}};
  return r;
}

inline protocol::SyncGroupRequest syncGroupRequest(const std::string& group, int32_t generation,
                                                   const std::string& memberId,
                                                   std::vector<std::pair<std::string, protocol::Bytes>> assignments = {}) {
  protocol::SyncGroupRequest r;
  r.groupId = group;
  r.generationId = generation;
  r.memberId = memberId;
  for (auto& [m, a] : assignments) r.assignments.push_back({m, std::move(a), {}});
  return r;
}

inline protocol::HeartbeatRequest heartbeatRequest(const std::string& group, int32_t generation,
                                                   const std::string& memberId) {
  protocol::HeartbeatRequest r;
  r.groupId = group;
  r.generationId = generation;
  r.memberId = memberId;
  return r;
}

inline protocol::OffsetCommitRequest offsetCommitRequest(const std::string& group, int32_t generation,
                                                         const std::string& memberId, const std::string& topic,
                                                         std::vector<std::pair<int32_t, int64_t>> offsets,
                                                         std::optional<std::string> metadata = std::string(),
                                                         int32_t leaderEpoch = -1) {
  protocol::OffsetCommitRequest r;
  r.groupId = group;
  r.generationIdOrMemberEpoch = generation;
  r.memberId = memberId;
  r.topics.push_back({topic, {}, {}});
  for (const auto& [p, o] : offsets) r.topics.back().partitions.push_back({p, o, leaderEpoch, -1, metadata, {}});
  return r;
}

/// Partitions of one topic, or every committed partition when `partitions` is nullopt (v2+).
inline protocol::OffsetFetchRequest offsetFetchRequest(const std::string& group, const std::string& topic,
                                                       std::optional<std::vector<int32_t>> partitions,
                                                       bool requireStable = false) {
  protocol::OffsetFetchRequest r;
  r.groupId = group;
  if (partitions) {
    r.topics = std::vector<protocol::OffsetFetchRequest::OffsetFetchRequestTopic>{{topic, *partitions, {}}};
  } else {
    r.topics.reset();
  }
  r.requireStable = requireStable;
  return r;
}

/// The committed offset of `partition` in an OffsetFetch response, or nullopt if absent.
inline std::optional<protocol::OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition>
fetchedOffset(const protocol::OffsetFetchResponse& r, const std::string& topic, int32_t partition) {
  for (const auto& t : r.topics) {
    if (t.name != topic) continue;
    for (const auto& p : t.partitions) {
      if (p.partitionIndex == partition) return p;
    }
  }
  return std::nullopt;
}

/// Asks any running broker for the group's coordinator until one is named (the first
/// request creates __consumer_offsets). Returns the broker id, or -1 at the deadline.
inline int32_t findGroupCoordinator(const mock::MockCluster& cluster, const std::string& group,
                                    std::chrono::milliseconds base = std::chrono::seconds(10)) {
  int32_t found = -1;
  waitUntil(
      [&] {
        for (const auto& b : cluster.brokers()) {
          if (!b.online) continue;
          auto client = KafkaTestClient::tryConnect(b.host, b.port);
          if (!client) continue;
          protocol::FindCoordinatorRequest req;
          req.key = group;
          const auto reply = client->roundTrip(req, 2);
          if (reply.ok() && reply.body.errorCode == 0) {
            found = reply.body.nodeId;
            return true;
          }
        }
        return false;
      },
      base);
  return found;
}

}  // namespace kafkalite::testing
