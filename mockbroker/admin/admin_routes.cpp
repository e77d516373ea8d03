#include "mockbroker/admin/admin_routes.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "mockbroker/admin/group_routes.hpp"
#include "mockbroker/admin/json.hpp"
#include "protocol/topic_name.hpp"
#include "mockbroker/admin/request_log_json.hpp"

namespace kafkalite::mock::detail {

namespace {

/// Thrown inside this file only, to leave a handler with a status; caught in
/// handleAdminRequest.
struct HttpError : std::runtime_error {
  HttpError(unsigned s, const std::string& what, std::string allowed = {})
      : std::runtime_error(what), status(s), allow(std::move(allowed)) {}
  unsigned status;
  std::string allow;
};

[[noreturn]] void badRequest(const std::string& why) { throw HttpError(400, why); }

// ---- parsing the target ----------------------------------------------------------

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hexValue(s[i + 1]) : -1;
      const int lo = hi >= 0 ? hexValue(s[i + 2]) : -1;
      if (lo < 0) badRequest("invalid percent-encoding in the request target");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plusIsSpace && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;                     ///< path split on '/', decoded
  std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order

  /// The last value of a query parameter.
  [[nodiscard]] std::optional<std::string> param(std::string_view name) const {
    for (auto it = query.rbegin(); it != query.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return std::nullopt;
  }
};

Target parseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') throw HttpError(404, "no such resource");
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1);
  Target t;
  for (std::size_t start = 0;;) {
    const std::size_t slash = path.find('/', start);
    t.segments.push_back(percentDecode(path.substr(start, slash - start), false));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        const std::size_t eq = pair.find('=');
        t.query.emplace_back(percentDecode(pair.substr(0, eq), true),
                             eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), true));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return t;
}

// ---- values ------------------------------------------------------------------------

template <class Int>
Int parseInt(std::string_view text, std::string_view what, int64_t min, int64_t max) {
  int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) {
    badRequest(std::string(what) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
               "], got \"" + std::string(text) + "\"");
  }
  return static_cast<Int>(v);
}

template <class Int>
Int requiredIntParam(const Target& t, std::string_view name, int64_t min, int64_t max) {
  const auto v = t.param(name);
  if (!v) badRequest("missing query parameter " + std::string(name));
  return parseInt<Int>(*v, name, min, max);
}

template <class Int>
Int jsonInt(const JsonValue& v, std::string_view what, int64_t min, int64_t max) {
  const int64_t* i = v.asInt();
  if (i == nullptr || *i < min || *i > max) {
    badRequest(std::string(what) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<Int>(*i);
}

int32_t knownBroker(const MockCluster& cluster, int32_t id) {
  const auto brokers = cluster.brokers();
  if (std::none_of(brokers.begin(), brokers.end(), [&](const BrokerView& b) { return b.id == id; })) {
    badRequest("unknown broker " + std::to_string(id));
  }
  return id;
}

int32_t brokerParam(const MockCluster& cluster, std::string_view text, std::string_view what) {
  return knownBroker(cluster, parseInt<int32_t>(text, what, std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max()));
}

JsonValue::Object parseBodyObject(std::string_view body) {
  std::string error;
  auto v = parseJson(body, error);
  if (!v) badRequest("invalid JSON body: " + error);
  JsonValue::Object* o = v->asObject();
  if (o == nullptr) badRequest("the JSON body must be an object");
  return std::move(*o);
}

ErrorCode errorCodeOf(const JsonValue& v) {
  if (const std::string* name = v.asString()) {
    for (auto c = static_cast<int>(kLowestErrorCode); c <= static_cast<int>(kHighestErrorCode); ++c) {
      if (errorName(static_cast<ErrorCode>(c)) == *name) return static_cast<ErrorCode>(c);
    }
    badRequest("unknown error name \"" + *name + "\"");
  }
  return static_cast<ErrorCode>(jsonInt<int16_t>(v, "each of errors", std::numeric_limits<int16_t>::min(),
                                                 std::numeric_limits<int16_t>::max()));
}

// ---- views as JSON -------------------------------------------------------------------

JsonValue intArray(const std::vector<int32_t>& ids) { return JsonValue::Array(ids.begin(), ids.end()); }

JsonValue toJson(const BrokerView& b) {
  return JsonValue::Object{{"id", b.id}, {"host", b.host}, {"port", b.port}, {"online", b.online}};
}

JsonValue toJson(const PartitionView& p) {
  JsonValue::Array states;
  for (const ReplicaView& r : p.replicaStates) {
    states.emplace_back(JsonValue::Object{{"brokerId", r.brokerId},
                                          {"online", r.online},
                                          {"logStartOffset", r.logStartOffset},
                                          {"logEndOffset", r.logEndOffset},
                                          {"highWatermark", r.highWatermark}});
  }
  return JsonValue::Object{{"topic", p.topic},         {"partition", p.partition},     {"leader", p.leader},
                           {"leaderEpoch", p.leaderEpoch}, {"replicas", intArray(p.replicas)}, {"isr", intArray(p.isr)},
                           {"replicaStates", std::move(states)}};
}

JsonValue optionalString(const std::optional<std::string>& s) { return s ? JsonValue(*s) : JsonValue(nullptr); }

JsonValue toJson(const StoredRecord& r) {
  JsonValue::Array headers;
  for (const auto& [key, value] : r.headers) headers.emplace_back(JsonValue::Array{key, optionalString(value)});
  return JsonValue::Object{{"offset", r.offset},          {"timestamp", r.timestamp},
                           {"key", optionalString(r.key)}, {"value", optionalString(r.value)},
                           {"headers", std::move(headers)}, {"producerId", r.producerId},
                           {"leaderEpoch", r.leaderEpoch}};
}

const JsonValue kOk = JsonValue::Object{{"ok", true}};

// ---- handlers ------------------------------------------------------------------------

JsonValue getCluster(const MockCluster& cluster) {
  JsonValue::Array brokers;
  for (const BrokerView& b : cluster.brokers()) brokers.push_back(toJson(b));
  JsonValue::Array partitions;
  for (const PartitionView& p : cluster.partitions()) partitions.push_back(toJson(p));
  return JsonValue::Object{{"clusterId", cluster.options().clusterId},
                           {"controller", cluster.controllerId()},
                           {"bootstrapServers", cluster.bootstrapServers()},
                           {"brokers", std::move(brokers)},
                           {"partitions", std::move(partitions)}};
}

JsonValue brokerJson(const MockCluster& cluster, int32_t id) {
  for (const BrokerView& b : cluster.brokers()) {
    if (b.id == id) return toJson(b);
  }
  return JsonValue::Object{{"id", id}};
}

AdminReply postBroker(MockCluster& cluster, const Target& t, int32_t id, const std::string& action) {
  if (action == "stop") {
    const std::string mode = t.param("mode").value_or("clean");
    if (mode != "clean" && mode != "hard") badRequest("mode must be clean or hard, got \"" + mode + "\"");
    cluster.stopBroker(id, mode == "clean" ? StopMode::Clean : StopMode::Hard);
    return {200, serializeJson(brokerJson(cluster, id)), {}};
  }
  if (action == "start") {
    cluster.startBroker(id);
    return {200, serializeJson(brokerJson(cluster, id)), {}};
  }
  if (action == "rtt") {
    cluster.setBrokerRtt(id, std::chrono::milliseconds(requiredIntParam<int64_t>(t, "ms", 0, 3'600'000)));
    return {200, serializeJson(kOk), {}};
  }
  // "stall"
  const std::string on = t.param("on").value_or("true");
  if (on != "true" && on != "false" && on != "1" && on != "0") badRequest("on must be true or false, got \"" + on + "\"");
  cluster.stallFollower(id, on == "true" || on == "1");
  return {200, serializeJson(kOk), {}};
}

AdminReply postTopics(MockCluster& cluster, std::string_view body) {
  const JsonValue o(parseBodyObject(body));
  TopicSpec spec;
  const std::string* name = o["name"].asString();
  if (name == nullptr) badRequest("name must be a topic name: 1 to 249 characters of [a-zA-Z0-9._-]");
  if (auto why = protocol::topicNameError(*name)) badRequest("name: " + *why);  // Kafka's Topic.validate
  spec.name = *name;
  spec.partitions = jsonInt<int32_t>(o["partitions"], "partitions", 1, 100'000);
  spec.replicationFactor = jsonInt<int16_t>(o["replicationFactor"], "replicationFactor", 1,
                                            std::numeric_limits<int16_t>::max());
  if (const JsonValue* minIsr = o.find("minInsyncReplicas"); minIsr != nullptr && !minIsr->isNull()) {
    spec.minInsyncReplicas = jsonInt<int32_t>(*minIsr, "minInsyncReplicas", 1, std::numeric_limits<int16_t>::max());
  }
  if (const JsonValue* configs = o.find("configs"); configs != nullptr && !configs->isNull()) {
    const JsonValue::Object* members = configs->asObject();
    if (members == nullptr) badRequest("configs must be an object of topic config names to string values");
    for (const auto& [name, value] : *members) {
      const std::string* text = value.asString();
      if (text == nullptr) badRequest("configs." + name + " must be a string");
      spec.configs[name] = *text;
    }
  }
  cluster.createTopic(spec);
  JsonValue::Array partitions;
  for (const PartitionView& p : cluster.partitions()) {
    if (p.topic == spec.name) partitions.push_back(toJson(p));
  }
  return {201, serializeJson(JsonValue::Object{{"name", spec.name}, {"partitions", std::move(partitions)}}), {}};
}

AdminReply postErrors(MockCluster& cluster, std::string_view body) {
  const JsonValue o(parseBodyObject(body));
  const auto apiKey = jsonInt<int16_t>(o["apiKey"], "apiKey", 0, std::numeric_limits<int16_t>::max());
  const JsonValue::Array* list = o["errors"].asArray();
  if (list == nullptr) badRequest("errors must be an array of Kafka error codes");
  std::vector<ErrorCode> errors;
  errors.reserve(list->size());
  for (const JsonValue& e : *list) errors.push_back(errorCodeOf(e));
  int32_t broker = -1;
  if (const JsonValue* b = o.find("broker"); b != nullptr && !b->isNull()) {
    broker = jsonInt<int32_t>(*b, "broker", -1, std::numeric_limits<int32_t>::max());
    if (broker != -1) knownBroker(cluster, broker);
  }
  int64_t delayMs = 0;
  if (const JsonValue* d = o.find("delayMs"); d != nullptr && !d->isNull()) {
    delayMs = jsonInt<int64_t>(*d, "delayMs", 0, 3'600'000);
  }
  cluster.pushRequestErrors(apiKey, std::move(errors), broker, std::chrono::milliseconds(delayMs));
  return {200, serializeJson(kOk), {}};
}

AdminReply requestsRoute(MockCluster& cluster, std::string_view method, const Target& t) {
  if (method == "DELETE") {
    cluster.clearRequests();
    return {200, serializeJson(kOk), {}};
  }
  if (method != "GET") throw HttpError(405, "use GET or DELETE", "GET, DELETE");
  RequestFilter filter;
  if (const auto api = t.param("api")) {
    const auto key = apiKeyByName(*api);
    if (!key) badRequest("api must be an API name (Produce, Metadata, ...) or key, got \"" + *api + "\"");
    filter.apiKey = *key;
  }
  if (const auto broker = t.param("broker")) filter.brokerId = brokerParam(cluster, *broker, "broker");
  if (const auto clientId = t.param("clientId")) filter.clientId = *clientId;
  if (const auto topic = t.param("topic")) filter.topic = *topic;
  if (const auto since = t.param("since")) {
    filter.afterSequence = parseInt<uint64_t>(*since, "since", 0, std::numeric_limits<int64_t>::max());
  }
  if (const auto sinceMs = t.param("sinceMs")) {
    filter.since = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(parseInt<int64_t>(*sinceMs, "sinceMs", 0, std::numeric_limits<int64_t>::max())));
  }
  const uint64_t last = cluster.lastRequestSequence();
  auto records = cluster.requests(filter);
  if (const auto limit = t.param("limit")) {
    const auto n = parseInt<std::size_t>(*limit, "limit", 0, std::numeric_limits<int32_t>::max());
    if (records.size() > n) records.erase(records.begin(), records.end() - static_cast<std::ptrdiff_t>(n));
  }
  JsonValue::Array out;
  for (const auto& r : records) out.push_back(requestRecordJson(r));
  return {200, serializeJson(JsonValue::Object{{"lastSequence", last}, {"requests", std::move(out)}}), {}};
}

AdminReply partitionRoute(MockCluster& cluster, std::string_view method, const Target& t) {
  const std::string& topic = t.segments[2];
  const auto partition = parseInt<int32_t>(t.segments[3], "partition", 0, std::numeric_limits<int32_t>::max());
  const std::string& action = t.segments[4];
  if (action == "leader") {
    if (method != "POST") throw HttpError(405, "use POST", "POST");
    const int32_t broker = brokerParam(cluster, t.param("broker").value_or(""), "broker");
    const std::string unclean = t.param("unclean").value_or("false");
    if (unclean != "true" && unclean != "false") badRequest("unclean must be true or false, got \"" + unclean + "\"");
    cluster.moveLeader(topic, partition, broker, unclean == "true");
    return {200, serializeJson(toJson(cluster.partition(topic, partition))), {}};
  }
  if (action == "records") {
    if (method != "GET") throw HttpError(405, "use GET", "GET");
    int32_t broker = -1;
    if (const auto b = t.param("broker")) {
      broker = brokerParam(cluster, *b, "broker");
    } else {
      broker = cluster.partition(topic, partition).leader;
      if (broker < 0) badRequest("the partition has no leader; name a replica with broker=N");
    }
    JsonValue::Array records;
    for (const StoredRecord& r : cluster.records(topic, partition, broker)) records.push_back(toJson(r));
    return {200, serializeJson(records), {}};
  }
  throw HttpError(404, "no such resource");
}

AdminReply route(MockCluster& cluster, std::string_view method, std::string_view target, std::string_view body) {
  const Target t = parseTarget(target);
  const auto& s = t.segments;
  const auto require = [&](std::string_view allowed) {
    if (method != allowed) throw HttpError(405, "use " + std::string(allowed), std::string(allowed));
  };
  if (s.empty() || s[0] != "v1") throw HttpError(404, "no such resource");
  if (s.size() == 2 && s[1] == "cluster") {
    require("GET");
    return {200, serializeJson(getCluster(cluster)), {}};
  }
  if (s.size() == 4 && s[1] == "brokers" && (s[3] == "stop" || s[3] == "start" || s[3] == "rtt" || s[3] == "stall")) {
    require("POST");
    return postBroker(cluster, t, brokerParam(cluster, s[2], "broker id"), s[3]);
  }
  if (s.size() == 2 && s[1] == "topics") {
    require("POST");
    return postTopics(cluster, body);
  }
  if (s.size() == 3 && s[1] == "topics") {
    require("DELETE");
    cluster.deleteTopic(s[2]);
    return {200, serializeJson(kOk), {}};
  }
  if (s.size() == 2 && s[1] == "requests") return requestsRoute(cluster, method, t);
  if (s.size() == 5 && s[1] == "partitions") return partitionRoute(cluster, method, t);
  if (s.size() >= 2 && s[1] == "groups") return handleGroupRoute(cluster, method, s);
  if (s.size() == 2 && s[1] == "errors") {
    require("POST");
    return postErrors(cluster, body);
  }
  if (s.size() == 3 && s[1] == "network" && (s[2] == "cut" || s[2] == "heal")) {
    require("POST");
    const int32_t a = brokerParam(cluster, t.param("a").value_or(""), "a");
    const int32_t b = brokerParam(cluster, t.param("b").value_or(""), "b");
    if (a == b) badRequest("a and b must be two different brokers");
    if (s[2] == "cut") {
      cluster.cutNetwork(a, b);
    } else {
      cluster.healNetwork(a, b);
    }
    return {200, serializeJson(kOk), {}};
  }
  if (s.size() == 2 && s[1] == "heal") {
    require("POST");
    cluster.healAll();
    return {200, serializeJson(kOk), {}};
  }
  throw HttpError(404, "no such resource");
}

AdminReply errorReply(unsigned status, std::string_view what, std::string allow = {}) {
  return {status, serializeJson(JsonValue::Object{{"error", what}}), std::move(allow)};
}

}  // namespace

AdminReply handleAdminRequest(MockCluster& cluster, std::string_view method, std::string_view target,
                              std::string_view body) {
  try {
    return route(cluster, method, target, body);
  } catch (const HttpError& e) {
    return errorReply(e.status, e.what(), e.allow);
  } catch (const std::system_error& e) {
    if (e.code().category() != kafkaCategory()) return errorReply(500, e.what());
    // The cluster refused what Kafka would refuse (a leader move to an out-of-sync
    // replica): 409, with Kafka's error name and code.
    const auto code = static_cast<ErrorCode>(e.code().value());
    return {409,
            serializeJson(JsonValue::Object{{"error", e.what()},
                                            {"errorCode", static_cast<int64_t>(code)},
                                            {"errorName", std::string(errorName(code))}}),
            {}};
  } catch (const std::logic_error& e) {
    // MockCluster's std::invalid_argument / std::out_of_range: the request named
    // something the cluster does not have or cannot do.
    return errorReply(400, e.what());
  } catch (const std::exception& e) {
    return errorReply(500, e.what());
  } catch (...) {
    return errorReply(500, "unknown exception");
  }
}

}  // namespace kafkalite::mock::detail
