#pragma once
// Runs a client script (kafka-python with /usr/bin/python3, kafkajs with node) to its end
// for an interop test: its stdout lines, its stderr and its exit status, with a deadline.
// The scripts print one JSON object as their last stdout line; lastJson() parses it.
//
// Threading: one call per thread.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mockbroker/admin/json.hpp"
#include "support/subprocess.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {

struct ScriptResult {
  std::optional<int> status;  ///< wait status; nothing if it did not exit in time
  std::vector<std::string> lines;
  std::string stderrText;
  [[nodiscard]] bool exitedZero() const { return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0; }
  [[nodiscard]] std::string describe() const {
    std::string s = status ? describeWaitStatus(*status) : std::string("still running at the deadline");
    return s + "; stderr:\n" + stderrText;
  }
  /// The last stdout line as JSON (null when it is not JSON).
  [[nodiscard]] mock::detail::JsonValue lastJson() const {
    std::string error;
    if (lines.empty()) return {};
    auto v = mock::detail::parseJson(lines.back(), error);
    return v ? std::move(*v) : mock::detail::JsonValue{};
  }
};

inline ScriptResult runScript(std::vector<std::string> argv, std::chrono::milliseconds base) {
  const TempDir temp("kafkalite-script");
  const std::string errFile = temp.path() + "/stderr";
  ScriptResult result;
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(base);
  {
    Subprocess child(SubprocessOptions{std::move(argv), std::nullopt, std::nullopt, errFile});
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      auto line = child.readLine(left);
      if (!line) break;  // EOF (or the deadline)
      result.lines.push_back(std::move(*line));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    result.status = child.wait(std::max(left, std::chrono::milliseconds(1)));
  }
  result.stderrText = readFile(errFile);
  return result;
}

}  // namespace kafkalite::testing
