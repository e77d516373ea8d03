#pragma once
/// \file
/// The request log as the admin endpoint writes it: one JSON object per RequestRecord
/// (GET /v1/requests, see admin_routes.hpp), and API keys given by name or number.
///
/// Threading: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/admin/json.hpp"

namespace kafkalite::mock::detail {

/// {"sequence", "timeMs", "answeredMs", "broker", "connection", "clientAddress", "clientId",
/// "apiKey", "api", "apiVersion", "correlationId", "topics", "details", "summary",
/// "outcome" (pending | answered | no-response | connection-closed), "errorCode", "error"}.
/// Times are milliseconds since the epoch.
[[nodiscard]] JsonValue requestRecordJson(const RequestRecord& record);

/// The API key named `text`: Kafka's API name in any case ("Produce", "metadata") or its
/// number (0–32767); nothing for anything else.
[[nodiscard]] std::optional<int16_t> apiKeyByName(std::string_view text);

}  // namespace kafkalite::mock::detail
