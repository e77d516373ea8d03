#pragma once
// Runs one of the interop tests' consumer-group scripts (tests/interop/python/group_consumer.py
// with Debian's /usr/bin/python3 and kafka-python, tests/interop/js/group_consumer.js with node
// and kafkajs) as a child process and parses the JSON line it prints: the records it read and
// the offsets the group committed.
//
// Threading: free functions; each call runs its own child process.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mockbroker/admin/json.hpp"
#include "support/subprocess.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {

struct ScriptRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
};

struct GroupScriptRun {
  std::optional<int> waitStatus;
  std::string stderrText;
  std::string stdoutText;
  std::string parseError;
  std::vector<ScriptRecord> records;
  std::map<int32_t, int64_t> committed;  ///< partition → committed offset, as the client read it back
  std::string describedState;            ///< kafkajs only: DescribeGroups after leaving
  [[nodiscard]] bool ok() const {
    return waitStatus && WIFEXITED(*waitStatus) && WEXITSTATUS(*waitStatus) == 0 && parseError.empty();
  }
  [[nodiscard]] std::string describe() const {
    return (waitStatus ? describeWaitStatus(*waitStatus) : std::string("did not exit in time")) + "; " + parseError +
           "; stderr: " + stderrText.substr(0, 3000) + "; stdout: " + stdoutText.substr(0, 500);
  }
};

/// Runs `argv` (the interpreter, the script, then BOOTSTRAP TOPIC GROUP EXPECTED TIMEOUT) with
/// stdout and stderr in `dir`, waits up to `base` (scaled), and parses its JSON line.
inline GroupScriptRun runGroupScript(const std::vector<std::string>& argv, const std::string& dir,
                                     std::chrono::milliseconds base) {
  Subprocess child(SubprocessOptions{argv, std::nullopt, dir + "/script.out", dir + "/script.err"});
  GroupScriptRun run;
  run.waitStatus = child.wait(scaledTimeout(base));
  run.stderrText = readFile(dir + "/script.err");
  run.stdoutText = readFile(dir + "/script.out");
  // The result is the last line (a library may have printed something before it).
  std::string line = run.stdoutText;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (const std::size_t nl = line.rfind('\n'); nl != std::string::npos) line.erase(0, nl + 1);
  std::string error;
  const auto json = mock::detail::parseJson(line, error);
  if (!json) {
    run.parseError = "no JSON result: " + error;
    return run;
  }
  if (const auto* records = (*json)["records"].asArray()) {
    for (const auto& r : *records) {
      const auto* p = r[0].asInt();
      const auto* o = r[1].asInt();
      const auto* k = r[2].asString();
      if (!p || !o || !k) {
        run.parseError = "malformed record in the result";
        return run;
      }
      run.records.push_back({static_cast<int32_t>(*p), *o, *k});
    }
  }
  if (const auto* committed = (*json)["committed"].asObject()) {
    for (const auto& [partition, offset] : *committed) {
      if (const auto* o = offset.asInt()) run.committed[std::stoi(partition)] = *o;
    }
  }
  if (const auto* state = (*json)["describedState"].asString()) run.describedState = *state;
  return run;
}

}  // namespace kafkalite::testing
