#pragma once
/// \file
/// What the request log says about a request: the topics it names and a few decoded
/// facts by Kafka's field names (acks, timeout_ms, record counts per partition, fetch
/// offsets, configs, ...). One function per API, over the codec's messages.
///
/// Threading: pure functions.

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "protocol/api_key.hpp"

namespace kafkalite::mock {

struct RequestSummary {
  std::vector<std::string> topics;  ///< in order, each once
  std::vector<std::pair<std::string, std::string>> details;
};

/// Decodes `body` as (apiKey, version) and summarises it. A body that does not decode
/// gives {"decode_error", reason}; an API without a summary gives no details.
RequestSummary summarizeRequest(protocol::ApiKey apiKey, int16_t version, std::span<const uint8_t> body);

/// The details as one line: "acks=-1 timeout_ms=30000 records=t-0:10".
std::string summaryLine(const std::vector<std::pair<std::string, std::string>>& details);

}  // namespace kafkalite::mock
