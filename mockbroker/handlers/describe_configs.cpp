#include <charconv>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/describe_configs.hpp"
#include "protocol/topic_name.hpp"

namespace kafkalite::mock {

namespace {

using protocol::ConfigResourceType;
using protocol::DescribeConfigsResponse;
using Result = DescribeConfigsResponse::DescribeConfigsResult;
using Entry = Result::DescribeConfigsResourceResult;

std::optional<int32_t> brokerIdOf(const std::string& name) {
  int32_t id = 0;
  const auto r = std::from_chars(name.data(), name.data() + name.size(), id);
  if (name.empty() || r.ec != std::errc() || r.ptr != name.data() + name.size()) return std::nullopt;
  return id;
}

Entry toWire(const ConfigEntry& e, bool includeSynonyms, bool includeDocumentation) {
  Entry out;
  out.name = e.name;
  out.value = e.value;
  out.readOnly = e.readOnly;
  out.isDefault = e.source == protocol::ConfigSource::DefaultConfig;  // v0
  out.configSource = static_cast<int8_t>(e.source);
  out.isSensitive = e.sensitive;
  if (includeSynonyms) {
    for (const auto& s : e.synonyms) out.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source), {}});
  }
  out.configType = static_cast<int8_t>(e.type);
  if (includeDocumentation) {
    out.documentation = e.documentation;
  } else {
    out.documentation.reset();
  }
  return out;
}

}  // namespace

void KafkaApis::handleDescribeConfigsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::DescribeConfigsRequest body;
  if (!decodeBody(request, body)) return;
  DescribeConfigsResponse response;
  for (const auto& resource : body.resources) {
    Result result;
    result.resourceType = resource.resourceType;
    result.resourceName = resource.resourceName;
    ApiError error;
    std::vector<ConfigEntry> entries;
    const auto type = static_cast<ConfigResourceType>(resource.resourceType);
    // Kafka's ConfigHelper.describeConfigs.
    if (injected) {
      error = {*injected, {}};
    } else if (type == ConfigResourceType::Topic) {
      if (const auto why = protocol::topicNameError(resource.resourceName)) {
        error = {ErrorCode::INVALID_TOPIC_EXCEPTION, *why};
      } else if (const auto overrides = ctx_.controller.topicConfigs(resource.resourceName)) {
        entries = describeTopicConfigs(*overrides, ctx_.options, resource.configurationKeys);
      } else {
        error = {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + resource.resourceName + "' does not exist."};
      }
    } else if (type == ConfigResourceType::Broker || type == ConfigResourceType::BrokerLogger) {
      const auto id = brokerIdOf(resource.resourceName);
      if (resource.resourceName.empty() && type == ConfigResourceType::Broker) {
        // The cluster-wide dynamic defaults: the mock's broker configs are all static.
      } else if (!id) {
        error = {ErrorCode::INVALID_REQUEST, "Broker id must be an integer, but it is: " + resource.resourceName};
      } else if (*id != ctx_.brokerId) {
        error = {ErrorCode::INVALID_REQUEST, "Unexpected broker id, expected " + std::to_string(ctx_.brokerId) +
                                                 " or empty string, but received " + resource.resourceName};
      } else if (type == ConfigResourceType::Broker) {
        entries = describeBrokerConfigs(ctx_.brokerId, ctx_.options, resource.configurationKeys);
      }
      // BROKER_LOGGER: the mock has no loggers to list.
    } else {
      error = {ErrorCode::INVALID_REQUEST, "Unsupported resource type: " + std::to_string(resource.resourceType)};
    }
    result.errorCode = static_cast<int16_t>(error.error);
    result.errorMessage = error.wireMessage();
    for (const auto& e : entries) result.configs.push_back(toWire(e, body.includeSynonyms, body.includeDocumentation));
    response.results.push_back(std::move(result));
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
