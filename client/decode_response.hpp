#pragma once
/// \file
/// decodeResponse(): every response body the producer reads is decoded through it. Bytes
/// after the message's last field are accepted, as Kafka's clients accept them, and
/// logged at Debug (facility PROTOCOL); a body that does not decode is logged as a
/// Warning and the caller fails the request.
///
/// Threading: as Events (the I/O thread).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "client/events.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::client {

/// Decodes the body of a response to `node`'s (a broker id, or negative for a bootstrap
/// address) request at `version` into `out`, as protocol::decode does, and reports to
/// `events` what a peer's message had that this producer does not read: bytes after the
/// last field (the response is used) or a body that does not decode. Returns the decode
/// error, if any.
template <protocol::SchemaMessage M>
std::optional<protocol::DecodeError> decodeResponse(const Events& events, int32_t node, std::span<const uint8_t> body,
                                                    int16_t version, M& out) {
  std::size_t trailing = 0;
  auto error = protocol::decode(body, version, out, &trailing);
  if (!error && trailing == 0) return error;
  events.logWith(error ? LogLevel::Warning : LogLevel::Debug, "PROTOCOL", [&] {
    std::string line = "broker " + std::to_string(node) + ": " + M::kName + " v" + std::to_string(version) + ": ";
    line += error ? "cannot be decoded: " + error->message()
                  : std::to_string(trailing) + (trailing == 1 ? " byte" : " bytes") + " after the last field, ignored";
    return line;
  });
  return error;
}

}  // namespace kafkalite::client
