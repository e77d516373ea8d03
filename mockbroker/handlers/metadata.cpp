#include <algorithm>

#include "mockbroker/controller.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/topic_name.hpp"

namespace kafkalite::mock {

namespace {

using protocol::MetadataResponse;

MetadataResponse::MetadataResponseTopic describeTopic(const TopicRegistration& topic,
                                                      const std::vector<BrokerRegistration>& brokers) {
  auto alive = [&](int32_t id) {
    return std::any_of(brokers.begin(), brokers.end(), [&](const BrokerRegistration& b) { return b.id == id && b.alive; });
  };
  MetadataResponse::MetadataResponseTopic t;
  t.name = topic.name;
  t.isInternal = topic.internal;
  t.topicId = topic.id;  // v10+
  for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
    const auto& reg = topic.partitions[i];
    MetadataResponse::MetadataResponseTopic::MetadataResponsePartition p;
    p.partitionIndex = static_cast<int32_t>(i);
    p.leaderId = reg.leader;
    p.leaderEpoch = reg.leaderEpoch;
    p.replicaNodes = reg.replicas;
    p.isrNodes = reg.isr;
    for (int32_t r : reg.replicas) {
      if (!alive(r)) p.offlineReplicas.push_back(r);
    }
    if (reg.leader < 0) p.errorCode = static_cast<int16_t>(ErrorCode::LEADER_NOT_AVAILABLE);
    t.partitions.push_back(std::move(p));
  }
  return t;
}

}  // namespace

void KafkaApis::handleMetadataRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::MetadataRequest body;
  if (!decodeBody(request, body)) return;
  const int16_t version = request.header.apiVersion;
  // interop.md §6: in v0 an empty list means every topic; from v1, null means every topic.
  const bool allTopics = !body.topics || (version == 0 && body.topics->empty());
  const bool allowAutoCreate = version < 4 || body.allowAutoTopicCreation;

  std::vector<std::string> created;
  if (!allTopics && !injected && allowAutoCreate && ctx_.options.autoCreateTopics) {
    for (const auto& t : *body.topics) {
      // Kafka's AutoTopicCreationManager validates the name before creating anything.
      if (t.name && protocol::isValidTopicName(*t.name) && !ctx_.controller.topicExists(*t.name) &&
          ctx_.controller.createTopicIfAbsent(*t.name)) {
        created.push_back(*t.name);
      }
    }
  }
  const MetadataSnapshot snapshot = ctx_.controller.snapshot();

  MetadataResponse response;
  for (const auto& b : snapshot.brokers) {
    if (b.alive) response.brokers.push_back({b.id, b.host, static_cast<int32_t>(b.port), std::nullopt, {}});
  }
  response.clusterId = ctx_.options.clusterId;
  response.controllerId = snapshot.controllerId;

  auto addTopic = [&](const std::string& name) {
    MetadataResponse::MetadataResponseTopic t;
    const auto it = snapshot.topics.find(name);
    if (injected) {
      t.name = name;
      t.errorCode = static_cast<int16_t>(*injected);
    } else if (it == snapshot.topics.end() && !protocol::isValidTopicName(name)) {
      // Kafka (KafkaApis.getTopicMetadata, AutoTopicCreationManager): a name that breaks
      // Topic.validate gets INVALID_TOPIC_EXCEPTION, with or without auto-creation.
      t.name = name;
      t.errorCode = static_cast<int16_t>(ErrorCode::INVALID_TOPIC_EXCEPTION);
    } else if (std::find(created.begin(), created.end(), name) != created.end()) {
      // Kafka answers a topic it has just auto-created with LEADER_NOT_AVAILABLE; the client
      // asks again and finds the leaders.
      t.name = name;
      t.errorCode = static_cast<int16_t>(ErrorCode::LEADER_NOT_AVAILABLE);
    } else if (it == snapshot.topics.end()) {
      t.name = name;
      t.errorCode = static_cast<int16_t>(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    } else {
      t = describeTopic(it->second, snapshot.brokers);
    }
    response.topics.push_back(std::move(t));
  };

  if (allTopics) {
    for (const auto& [name, topic] : snapshot.topics) addTopic(name);
  } else {
    for (const auto& t : *body.topics) {
      if (!t.name) {
        // Lookup by topic id (v10+).
        const auto byId = std::find_if(snapshot.topics.begin(), snapshot.topics.end(),
                                       [&](const auto& entry) { return entry.second.id == t.topicId; });
        if (!injected && byId != snapshot.topics.end()) {
          response.topics.push_back(describeTopic(byId->second, snapshot.brokers));
          continue;
        }
        MetadataResponse::MetadataResponseTopic unknown;
        if (version >= 12) {
          unknown.name.reset();  // a null name is only valid from v12
        } else {
          unknown.name = std::string();
        }
        unknown.topicId = t.topicId;
        unknown.errorCode = static_cast<int16_t>(ErrorCode::UNKNOWN_TOPIC_ID);
        response.topics.push_back(std::move(unknown));
        continue;
      }
      addTopic(*t.name);
    }
  }
  sendResponse(request, response);
}

}  // namespace kafkalite::mock
