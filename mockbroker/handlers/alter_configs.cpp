#include <set>

#include "mockbroker/controller.hpp"
#include "mockbroker/handlers/config_resources.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/alter_configs.hpp"

namespace kafkalite::mock {

void KafkaApis::handleAlterConfigsRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::AlterConfigsRequest body;
  if (!decodeBody(request, body)) return;
  const auto duplicates = duplicateResources(body.resources);
  protocol::AlterConfigsResponse response;
  for (const auto& resource : body.resources) {
    std::vector<std::string> names;
    std::vector<std::string> nullValues;
    for (const auto& c : resource.configs) {
      names.push_back(c.name);
      if (!c.value) nullValues.push_back(c.name);
    }
    ApiError error = injected ? ApiError{*injected, {}}
                              : checkAlterResource(resource.resourceType, resource.resourceName, names, nullValues,
                                                   duplicates.contains({resource.resourceType, resource.resourceName}));
    if (error.ok()) {
      // The legacy API replaces every dynamic config of the topic with the given ones.
      error = ctx_.controller.alterTopicConfigs(
          resource.resourceName,
          [&](TopicConfigOverrides& configs) -> ApiError {
            configs.clear();
            for (const auto& c : resource.configs) {
              std::string canonical;
              if (ApiError e = canonicalTopicConfigValue(c.name, *c.value, canonical); !e.ok()) return e;
              configs[c.name] = canonical;
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
