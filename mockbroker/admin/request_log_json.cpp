#include "mockbroker/admin/request_log_json.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <string>

#include "protocol/api_key.hpp"

namespace kafkalite::mock::detail {

namespace {

const char* outcomeName(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::Pending: return "pending";
    case RequestOutcome::Answered: return "answered";
    case RequestOutcome::NoResponse: return "no-response";
    case RequestOutcome::ConnectionClosed: return "connection-closed";
  }
  return "pending";
}

int64_t epochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

JsonValue requestRecordJson(const RequestRecord& r) {
  JsonValue::Object details;
  for (const auto& [k, v] : r.details) details.emplace_back(k, v);
  JsonValue::Array topics(r.topics.begin(), r.topics.end());
  return JsonValue::Object{{"sequence", r.sequence},
                           {"timeMs", epochMs(r.receivedAt)},
                           {"answeredMs", r.answeredAt ? JsonValue(epochMs(*r.answeredAt)) : JsonValue(nullptr)},
                           {"broker", r.brokerId},
                           {"connection", r.connectionId},
                           {"clientAddress", r.clientAddress},
                           {"clientId", r.clientId ? JsonValue(*r.clientId) : JsonValue(nullptr)},
                           {"apiKey", r.apiKey},
                           {"api", r.apiName},
                           {"apiVersion", r.apiVersion},
                           {"correlationId", r.correlationId},
                           {"topics", std::move(topics)},
                           {"details", std::move(details)},
                           {"summary", r.summary},
                           {"outcome", outcomeName(r.outcome)},
                           {"errorCode", static_cast<int16_t>(r.error)},
                           {"error", std::string(errorName(r.error))}};
}

std::optional<int16_t> apiKeyByName(std::string_view text) {
  for (int k = 0; k <= 100; ++k) {
    const auto name = protocol::apiKeyName(static_cast<protocol::ApiKey>(k));
    if (name != "Unknown" && equalsIgnoringCase(name, text)) return static_cast<int16_t>(k);
  }
  int32_t key = -1;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), key);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || key < 0 || key > INT16_MAX) {
    return std::nullopt;
  }
  return static_cast<int16_t>(key);
}

}  // namespace kafkalite::mock::detail
