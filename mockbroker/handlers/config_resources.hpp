#pragma once
/// \file
/// The checks AlterConfigs and IncrementalAlterConfigs share, in Kafka's order
/// (ConfigAdminManager.preprocess, then the controller): each resource once, each config
/// once per resource, no null values outside DELETE, topic resources only (the mock's
/// broker configs are static), a valid topic name.
///
/// Threading: pure functions.

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mockbroker/topic_config.hpp"
#include "protocol/messages/describe_configs.hpp"
#include "protocol/topic_name.hpp"

namespace kafkalite::mock {

/// The (type, name) pairs that appear more than once.
template <class Resources>
std::set<std::pair<int8_t, std::string>> duplicateResources(const Resources& resources) {
  std::set<std::pair<int8_t, std::string>> seen;
  std::set<std::pair<int8_t, std::string>> twice;
  for (const auto& r : resources) {
    if (!seen.insert({r.resourceType, r.resourceName}).second) twice.insert({r.resourceType, r.resourceName});
  }
  return twice;
}

/// NONE when the resource may be altered; else Kafka's INVALID_REQUEST /
/// INVALID_TOPIC_EXCEPTION with its message.
inline ApiError checkAlterResource(int8_t resourceType, const std::string& resourceName,
                                   const std::vector<std::string>& configNames,
                                   const std::vector<std::string>& nullValues, bool duplicate) {
  using protocol::ConfigResourceType;
  if (duplicate) return {ErrorCode::INVALID_REQUEST, "Each resource must appear at most once."};
  std::set<std::string> names;
  for (const auto& n : configNames) {
    if (!names.insert(n).second) return {ErrorCode::INVALID_REQUEST, "Error due to duplicate config keys"};
  }
  if (!nullValues.empty()) {
    std::string list;
    for (const auto& n : nullValues) list += (list.empty() ? "" : ", ") + n;
    return {ErrorCode::INVALID_REQUEST, "Null value not supported for : " + list};
  }
  const auto type = static_cast<ConfigResourceType>(resourceType);
  if (type == ConfigResourceType::Broker || type == ConfigResourceType::BrokerLogger) {
    std::string list;
    for (const auto& n : configNames) list += (list.empty() ? "" : ", ") + n;
    return {ErrorCode::INVALID_REQUEST, "Cannot update these configs dynamically: " + list +
                                            " (the mock cluster's broker configs are set when it starts)"};
  }
  if (type != ConfigResourceType::Topic) {
    return {ErrorCode::INVALID_REQUEST, "Unknown resource type " + std::to_string(resourceType)};
  }
  if (const auto why = protocol::topicNameError(resourceName)) return {ErrorCode::INVALID_TOPIC_EXCEPTION, *why};
  return {};
}

}  // namespace kafkalite::mock
