#pragma once
/// \file
/// Logger: the producer's logging hook (Producer(config, logCallback, logLevel)), and
/// decodeResponse(), through which every response body the producer reads is decoded:
/// bytes after the message's last field are accepted, as Kafka's clients accept them,
/// and reported at debug level; a body that does not decode is reported as a warning.
/// A producer built without a callback logs nothing.
///
/// Threading: a Logger is a value; log() may be called from any thread (the producer
/// calls it on its I/O thread only).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "kafkalite/log.hpp"
#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::client {

class Logger {
 public:
  /// Logs nothing.
  Logger() = default;
  /// Lines up to `level` go to `callback` (none when it is empty).
  Logger(LogCallback callback, LogLevel level) : callback_(std::move(callback)), level_(level) {}

  /// Whether a line of `level` would be delivered; check it before formatting one.
  [[nodiscard]] bool enabled(LogLevel level) const noexcept {
    return callback_ && static_cast<uint8_t>(level) <= static_cast<uint8_t>(level_);
  }
  /// Delivers `message` if enabled(level). Never throws: what the callback throws is dropped.
  void log(LogLevel level, std::string_view message) const noexcept {
    if (!enabled(level)) return;
    try {
      callback_(level, message);
    } catch (...) {
    }
  }

 private:
  LogCallback callback_;
  LogLevel level_ = LogLevel::Warn;
};

/// Decodes the body of a response to `node`'s (a broker id, or negative for a bootstrap
/// address) request at `version` into `out`, as protocol::decode does, and reports to
/// `logger` what a peer's message had that this producer does not read: bytes after
/// the last field (debug: the response is used) or a body that does not decode (warn:
/// the caller fails the request). Returns the decode error, if any.
template <protocol::SchemaMessage M>
std::optional<protocol::DecodeError> decodeResponse(const Logger& logger, int32_t node, std::span<const uint8_t> body,
                                                    int16_t version, M& out) {
  std::size_t trailing = 0;
  auto error = protocol::decode(body, version, out, &trailing);
  const LogLevel level = error ? LogLevel::Warn : LogLevel::Debug;
  if ((error || trailing > 0) && logger.enabled(level)) {
    std::string line = "broker " + std::to_string(node) + ": " + M::kName + " v" + std::to_string(version) + ": ";
    line += error ? "cannot be decoded: " + error->message()
                  : std::to_string(trailing) + (trailing == 1 ? " byte" : " bytes") + " after the last field, ignored";
    logger.log(level, line);
  }
  return error;
}

}  // namespace kafkalite::client
