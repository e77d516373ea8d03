#pragma once
// The admin APIs for KafkaTestClient: which response answers each request, request
// builders for the common cases, and lookups in the responses.
//
// Threading: free functions over values.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages/all.hpp"
#include "support/kafka_client.hpp"

namespace kafkalite::testing {

template <>
struct ResponseOf<protocol::CreateTopicsRequest> { using type = protocol::CreateTopicsResponse; };
template <>
struct ResponseOf<protocol::DeleteTopicsRequest> { using type = protocol::DeleteTopicsResponse; };
template <>
struct ResponseOf<protocol::CreatePartitionsRequest> { using type = protocol::CreatePartitionsResponse; };
template <>
struct ResponseOf<protocol::DeleteRecordsRequest> { using type = protocol::DeleteRecordsResponse; };
template <>
struct ResponseOf<protocol::DescribeConfigsRequest> { using type = protocol::DescribeConfigsResponse; };
template <>
struct ResponseOf<protocol::AlterConfigsRequest> { using type = protocol::AlterConfigsResponse; };
template <>
struct ResponseOf<protocol::IncrementalAlterConfigsRequest> { using type = protocol::IncrementalAlterConfigsResponse; };
template <>
struct ResponseOf<protocol::DescribeClusterRequest> { using type = protocol::DescribeClusterResponse; };
template <>
struct ResponseOf<protocol::ElectLeadersRequest> { using type = protocol::ElectLeadersResponse; };
template <>
struct ResponseOf<protocol::DescribeLogDirsRequest> { using type = protocol::DescribeLogDirsResponse; };

/// Every version of M, lowest first.
template <class M>
std::vector<int16_t> allVersions() {
  std::vector<int16_t> out;
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) out.push_back(v);
  return out;
}

/// CreateTopics for one topic.
inline protocol::CreateTopicsRequest createTopicsRequest(const std::string& name, int32_t partitions, int16_t rf,
                                                         const std::map<std::string, std::string>& configs = {},
                                                         int32_t timeoutMs = 30000, bool validateOnly = false) {
  protocol::CreateTopicsRequest r;
  protocol::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.numPartitions = partitions;
  t.replicationFactor = rf;
  for (const auto& [k, v] : configs) t.configs.push_back({k, v, {}});
  r.topics.push_back(std::move(t));
  r.timeoutMs = timeoutMs;
  r.validateOnly = validateOnly;
  return r;
}

/// DeleteTopics by name (topic_names up to v5, topics[] from v6).
inline protocol::DeleteTopicsRequest deleteTopicsRequest(const std::vector<std::string>& names, int16_t version,
                                                         int32_t timeoutMs = 30000) {
  protocol::DeleteTopicsRequest r;
  for (const auto& n : names) {
    if (version >= 6) {
      r.topics.push_back({n, {}, {}});
    } else {
      r.topicNames.push_back(n);
    }
  }
  r.timeoutMs = timeoutMs;
  return r;
}

/// DescribeConfigs of one resource (every key).
inline protocol::DescribeConfigsRequest describeConfigsRequest(protocol::ConfigResourceType type, const std::string& name,
                                                               bool includeSynonyms = false) {
  protocol::DescribeConfigsRequest r;
  r.resources.push_back({static_cast<int8_t>(type), name, std::nullopt, {}});
  r.includeSynonyms = includeSynonyms;
  return r;
}

/// IncrementalAlterConfigs of one topic: (name, op, value) triples.
inline protocol::IncrementalAlterConfigsRequest incrementalAlterRequest(
    const std::string& topic, const std::vector<std::tuple<std::string, protocol::AlterConfigOp, std::optional<std::string>>>& ops,
    bool validateOnly = false) {
  protocol::IncrementalAlterConfigsRequest r;
  protocol::IncrementalAlterConfigsRequest::AlterConfigsResource res;
  res.resourceType = static_cast<int8_t>(protocol::ConfigResourceType::Topic);
  res.resourceName = topic;
  for (const auto& [name, op, value] : ops) res.configs.push_back({name, static_cast<int8_t>(op), value, {}});
  r.resources.push_back(std::move(res));
  r.validateOnly = validateOnly;
  return r;
}

/// The entry of config `name` in a DescribeConfigs result, or nullptr.
inline const protocol::DescribeConfigsResponse::DescribeConfigsResult::DescribeConfigsResourceResult* findConfig(
    const protocol::DescribeConfigsResponse::DescribeConfigsResult& result, const std::string& name) {
  for (const auto& c : result.configs) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace kafkalite::testing
