#include "mockbroker/controller.hpp"
#include "mockbroker/handlers/config_resources.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/incremental_alter_configs.hpp"

namespace kafkalite::mock {

void KafkaApis::handleIncrementalAlterConfigsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::IncrementalAlterConfigsRequest body;
  if (!decodeBody(request, body)) return;
  using protocol::AlterConfigOp;
  const auto duplicates = duplicateResources(body.resources);
  protocol::IncrementalAlterConfigsResponse response;
  for (const auto& resource : body.resources) {
    std::vector<std::string> names;
    std::vector<std::string> nullValues;
    ApiError error;
    for (const auto& c : resource.configs) {
      names.push_back(c.name);
      if (c.configOperation != static_cast<int8_t>(AlterConfigOp::Delete) && !c.value) nullValues.push_back(c.name);
      if (c.configOperation < 0 || c.configOperation > static_cast<int8_t>(AlterConfigOp::Subtract)) {
        error = {ErrorCode::INVALID_REQUEST, "Unknown operations type " + std::to_string(c.configOperation)};
      }
    }
    if (injected) {
      error = {*injected, {}};
    } else if (error.ok()) {
      error = checkAlterResource(resource.resourceType, resource.resourceName, names, nullValues,
                                 duplicates.contains({resource.resourceType, resource.resourceName}));
    }
    if (error.ok()) {
      error = ctx_.controller.alterTopicConfigs(
          resource.resourceName,
          [&](TopicConfigOverrides& configs) -> ApiError {
            for (const auto& c : resource.configs) {
              if (ApiError e = applyIncrementalAlter(configs, c.name, static_cast<AlterConfigOp>(c.configOperation), c.value);
                  !e.ok()) {
                return e;
              }
            }
            return {};
          },
          body.validateOnly);
    }
    response.responses.push_back(
        {static_cast<int16_t>(error.error), error.wireMessage(), resource.resourceType, resource.resourceName, {}});
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
