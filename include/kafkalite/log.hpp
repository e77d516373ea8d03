#pragma once
/// \file
/// Log levels and the callback through which kafkalite reports what no API call returns:
/// the producer (connections, metadata, retries, idempotence, responses with bytes after
/// their last field; see producer_callbacks.hpp) and the mock cluster's brokers (an
/// unexpected exception in a request handler, a follower that cannot append what it
/// fetched, a request with bytes after its last field).
///
/// Threading: a LogCallback is called from the threads of the component that logs (the
/// producer's I/O thread; a broker's event loop, possibly several at once); it must be
/// thread-safe and should return quickly. An exception it throws is caught and dropped.

#include <cstdint>
#include <functional>
#include <string_view>

namespace kafkalite {

/// Severity of a log line: the syslog levels, most severe first, as librdkafka's
/// `log_level` and log_cb use them. A component set to a level passes the lines of that
/// level and of every more severe one.
enum class LogLevel : int32_t {
  Emergency = 0,
  Alert = 1,
  Critical = 2,
  Error = 3,    ///< something failed that should not have (a bug, or data that was refused)
  Warning = 4,  ///< a peer misbehaved, or something was dropped; the component goes on
  Notice = 5,
  Info = 6,     ///< what an operator wants to see once (a broker started, a leader moved)
  Debug = 7,    ///< details of the wire (tolerated oddities of a peer's messages)
};

/// "EMERG", "ALERT", "CRIT", "ERROR", "WARN", "NOTICE", "INFO" or "DEBUG". Never throws.
[[nodiscard]] constexpr std::string_view logLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Emergency: return "EMERG";
    case LogLevel::Alert: return "ALERT";
    case LogLevel::Critical: return "CRIT";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Warning: return "WARN";
    case LogLevel::Notice: return "NOTICE";
    case LogLevel::Info: return "INFO";
    case LogLevel::Debug: return "DEBUG";
  }
  return "?";
}

/// Receives one line (no trailing newline): its level, a facility naming the area that
/// logged it (the producer: CONNECT, METADATA, RETRY, IDEMPOTENCE, MEMORY, CLOSE,
/// PROTOCOL; the mock cluster: BROKER, ADMIN, REPLICA, REQUEST) and the message.
using LogCallback = std::function<void(LogLevel level, std::string_view facility, std::string_view message)>;

}  // namespace kafkalite
