#include "mockbroker/admin/group_routes.hpp"

#include <stdexcept>

#include "mockbroker/admin/json.hpp"

namespace kafkalite::mock::detail {

namespace {

AdminReply reply(unsigned status, const JsonValue& body, std::string allow = {}) {
  return {status, serializeJson(body), std::move(allow)};
}

AdminReply error(unsigned status, const std::string& what, std::string allow = {}) {
  return reply(status, JsonValue::Object{{"error", what}}, std::move(allow));
}

JsonValue toJson(const GroupMemberView& m) {
  JsonValue::Array protocols(m.protocols.begin(), m.protocols.end());
  JsonValue::Array assigned;
  for (const auto& [topic, partitions] : m.assignedPartitions) {
    assigned.emplace_back(JsonValue::Object{{"topic", topic}, {"partitions", JsonValue::Array(partitions.begin(), partitions.end())}});
  }
  return JsonValue::Object{{"memberId", m.memberId},
                           {"groupInstanceId", m.groupInstanceId ? JsonValue(*m.groupInstanceId) : JsonValue(nullptr)},
                           {"clientId", m.clientId},
                           {"clientHost", m.clientHost},
                           {"sessionTimeoutMs", m.sessionTimeoutMs},
                           {"rebalanceTimeoutMs", m.rebalanceTimeoutMs},
                           {"protocols", std::move(protocols)},
                           {"assignment", std::move(assigned)}};
}

JsonValue toJson(const GroupView& g) {
  JsonValue::Array members;
  for (const auto& m : g.members) members.push_back(toJson(m));
  JsonValue::Array offsets;
  for (const auto& o : g.offsets) {
    offsets.emplace_back(JsonValue::Object{{"topic", o.topic},
                                           {"partition", o.partition},
                                           {"offset", o.offset},
                                           {"leaderEpoch", o.leaderEpoch},
                                           {"metadata", o.metadata},
                                           {"highWatermark", o.highWatermark},
                                           {"lag", o.lag}});
  }
  return JsonValue::Object{{"groupId", g.groupId},       {"coordinator", g.coordinator}, {"state", g.state},
                           {"generationId", g.generationId}, {"protocolType", g.protocolType},
                           {"protocol", g.protocol},     {"leaderId", g.leaderId},      {"members", std::move(members)},
                           {"offsets", std::move(offsets)}};
}

}  // namespace

AdminReply handleGroupRoute(MockCluster& cluster, std::string_view method, const std::vector<std::string>& s) {
  const bool get = method == "GET";
  const bool post = method == "POST";
  if (s.size() == 2) {
    if (!get) return error(405, "use GET", "GET");
    JsonValue::Array groups;
    for (const auto& g : cluster.groups()) groups.push_back(toJson(g));
    return reply(200, groups);
  }
  try {
    if (s.size() == 3) {
      if (!get) return error(405, "use GET", "GET");
      return reply(200, toJson(cluster.group(s[2])));
    }
    if (s.size() == 4 && s[3] == "rebalance") {
      if (!post) return error(405, "use POST", "POST");
      cluster.rebalanceGroup(s[2]);
      return reply(200, toJson(cluster.group(s[2])));
    }
    if (s.size() == 6 && s[3] == "members" && s[5] == "expire") {
      if (!post) return error(405, "use POST", "POST");
      cluster.expireMemberSession(s[2], s[4]);
      return reply(200, toJson(cluster.group(s[2])));
    }
  } catch (const std::out_of_range& e) {
    return error(404, e.what());  // an unknown group or member
  }
  return error(404, "no such resource");
}

}  // namespace kafkalite::mock::detail
