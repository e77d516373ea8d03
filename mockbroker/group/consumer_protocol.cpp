#include "mockbroker/group/consumer_protocol.hpp"

#include "protocol/schema.hpp"

namespace kafkalite::mock {

namespace {

using protocol::Bytes;
using protocol::since;

struct SubscriptionV0 {
  std::vector<std::string> topics;
  std::optional<Bytes> userData;
  static constexpr auto fields() {
    using S = SubscriptionV0;
    return std::tuple{protocol::field("topics", &S::topics, since(0)),
                      protocol::field("user_data", &S::userData, since(0), since(0))};
  }
  bool operator==(const SubscriptionV0&) const = default;
};

struct AssignmentV0 {
  struct TopicPartitions {
    std::string topic;
    std::vector<int32_t> partitions;
    static constexpr auto fields() {
      using S = TopicPartitions;
      return std::tuple{protocol::field("topic", &S::topic, since(0)),
                        protocol::field("partitions", &S::partitions, since(0))};
    }
    bool operator==(const TopicPartitions&) const = default;
  };
  std::vector<TopicPartitions> assignedPartitions;
  std::optional<Bytes> userData;
  static constexpr auto fields() {
    using S = AssignmentV0;
    return std::tuple{protocol::field("assigned_partitions", &S::assignedPartitions, since(0)),
                      protocol::field("user_data", &S::userData, since(0), since(0))};
  }
  bool operator==(const AssignmentV0&) const = default;
};

// Kafka's ConsumerProtocol.deserializeVersion, then the version-0 prefix of the body; later
// versions only append fields, which are left unread.
template <class S>
bool parseV0Prefix(std::span<const uint8_t> bytes, S& out) {
  protocol::Reader in(bytes);
  int16_t version = 0;
  if (!in.int16(version) || version < 0) return false;
  return protocol::Codec<S>::decode(in, out, protocol::CodecContext{0, false, false, "ConsumerProtocol"});
}

}  // namespace

std::optional<std::vector<std::string>> parseConsumerSubscriptionTopics(std::span<const uint8_t> metadata) {
  SubscriptionV0 s;
  if (!parseV0Prefix(metadata, s)) return std::nullopt;
  return std::move(s.topics);
}

std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> parseConsumerAssignment(
    std::span<const uint8_t> assignment) {
  std::vector<std::pair<std::string, std::vector<int32_t>>> out;
  if (assignment.empty()) return out;
  AssignmentV0 a;
  if (!parseV0Prefix(assignment, a)) return std::nullopt;
  for (auto& tp : a.assignedPartitions) out.emplace_back(std::move(tp.topic), std::move(tp.partitions));
  return out;
}

}  // namespace kafkalite::mock
