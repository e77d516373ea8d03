#pragma once
/// \file
/// The mock cluster's one logging hook: every line a broker (or the admin endpoint) logs
/// goes through logLine(), to MockClusterOptions::logCallback when one is set, else to
/// standard error as one write per line. Lines less important than
/// MockClusterOptions::logLevel are not formatted at all: check logEnabled() first.
///
/// Threading: any thread; the callback may run on several broker threads at once.

#include <cstdint>
#include <string_view>

#include "kafkalite/log.hpp"
#include "kafkalite/mock/cluster.hpp"

namespace kafkalite::mock {

/// Whether `level` passes options.logLevel. Never throws.
[[nodiscard]] inline bool logEnabled(const MockClusterOptions& options, LogLevel level) noexcept {
  return static_cast<int32_t>(level) <= static_cast<int32_t>(options.logLevel);
}

/// Logs `message` as broker `brokerId`'s ("broker 2: ..."; brokerId < 0: "cluster: ...")
/// under `facility` (BROKER, ADMIN, REPLICA, REQUEST) when `level` passes
/// options.logLevel. Never throws: a failing callback or allocation drops the line.
void logLine(const MockClusterOptions& options, LogLevel level, int32_t brokerId, std::string_view message,
             std::string_view facility = "BROKER") noexcept;

}  // namespace kafkalite::mock
