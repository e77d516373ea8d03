#pragma once
/// \file
/// Log levels and the callback through which kafkalite reports what no API call returns:
/// the mock cluster's brokers (an unexpected exception in a request handler, a follower
/// that cannot append what it fetched, a request with bytes after its last field) and the
/// producer (a response with bytes after its last field, a connection dropped because a
/// response could not be decoded).
///
/// Threading: a LogCallback is called from the threads of the component that logs (a
/// broker's event loop, the producer's I/O thread), possibly from several at once; it
/// must be thread-safe and should return quickly. An exception it throws is caught and
/// dropped.

#include <cstdint>
#include <functional>
#include <string_view>

namespace kafkalite {

/// How much a line matters, most important first (syslog's order). A component set to a
/// level produces the lines of that level and of every level before it.
enum class LogLevel : uint8_t {
  Error,  ///< something failed that should not have (a bug, or data that was refused)
  Warn,   ///< a peer misbehaved, or something was dropped; the component goes on
  Info,   ///< what an operator wants to see once (a broker started, a leader moved)
  Debug,  ///< details of the wire (tolerated oddities of a peer's messages)
};

/// "ERROR", "WARN", "INFO" or "DEBUG". Never throws.
[[nodiscard]] constexpr std::string_view logLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Error: return "ERROR";
    case LogLevel::Warn: return "WARN";
    case LogLevel::Info: return "INFO";
    case LogLevel::Debug: return "DEBUG";
  }
  return "?";
}

/// Receives one line (no trailing newline) and its level. See the file comment for threads.
using LogCallback = std::function<void(LogLevel level, std::string_view message)>;

}  // namespace kafkalite
