#include "mockbroker/broker_log.hpp"

#include <cstdio>
#include <string>

namespace kafkalite::mock {

void logLine(const MockClusterOptions& options, LogLevel level, int32_t brokerId, std::string_view message,
             std::string_view facility) noexcept {
  if (!logEnabled(options, level)) return;
  try {
    std::string line = brokerId >= 0 ? "broker " + std::to_string(brokerId) + ": " : std::string("cluster: ");
    line += message;
    if (options.logCallback) {
      options.logCallback(level, facility, line);
      return;
    }
    std::string out = "kafkalite ";
    out += logLevelName(level);
    out += ' ';
    out += facility;
    out += ' ';
    out += line;
    out += '\n';
    // One write per line, so that lines of concurrent brokers do not interleave.
    std::fwrite(out.data(), 1, out.size(), stderr);
  } catch (...) {
    // A log line must never be what takes a broker down.
  }
}

}  // namespace kafkalite::mock
