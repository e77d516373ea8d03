#pragma once
/// \file
/// Kafka's ConsumerProtocol: the subscription a "consumer" group member sends in its
/// JoinGroup metadata and the assignment the leader hands it through SyncGroup
/// (clients/src/main/resources/common/message/ConsumerProtocol{Subscription,Assignment}.json).
/// Both start with an int16 version; every version starts with the version-0 fields,
/// which is all the coordinator reads (as Kafka's GroupMetadata.computeSubscribedTopics
/// does). The coordinator treats member metadata as opaque otherwise: bytes that do not
/// parse are kept and passed on, only these views lack them.
///
/// Threading: pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kafkalite::mock {

/// The topics a subscription names; nullopt when the bytes are not a subscription.
std::optional<std::vector<std::string>> parseConsumerSubscriptionTopics(std::span<const uint8_t> metadata);

/// The partitions an assignment gives, by topic in the order written; nullopt when the
/// bytes are not an assignment. An empty buffer is an empty assignment.
std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> parseConsumerAssignment(
    std::span<const uint8_t> assignment);

}  // namespace kafkalite::mock
