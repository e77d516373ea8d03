#pragma once
// Runs kcat (path in KAFKALITE_KCAT) as a producer fed from a file of key:value lines,
// or as a consumer (of every partition, or in a consumer group) that reads to EOF and
// prints "partition \t offset \t key \t value" per record, and parses that output.
//
// Keys and values must not contain ':' (keys), '\t' or '\n'.
//
// Threading: free functions; each call runs its own child process.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/subprocess.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {

struct KcatRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

struct KcatRun {
  std::optional<int> waitStatus;  ///< nothing: kcat did not exit in time (it was killed)
  std::string stderrText;
  [[nodiscard]] bool exitedZero() const { return waitStatus && WIFEXITED(*waitStatus) && WEXITSTATUS(*waitStatus) == 0; }
  [[nodiscard]] std::string describe() const {
    return (waitStatus ? describeWaitStatus(*waitStatus) : std::string("did not exit in time")) +
           "; stderr: " + stderrText.substr(0, 2000);
  }
};

/// `kcat -P -b bootstrap -t topic -K : <extra>` fed with one "key:value" line per record.
inline KcatRun kcatProduce(const std::string& bootstrap, const std::string& topic,
                           const std::vector<std::pair<std::string, std::string>>& records, const std::string& dir,
                           const std::vector<std::string>& extra, std::chrono::milliseconds base) {
  const std::string input = dir + "/produce.in";
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& [k, v] : records) out << k << ':' << v << '\n';
  }
  std::vector<std::string> argv = {KAFKALITE_KCAT, "-P", "-b", bootstrap, "-t", topic, "-K", ":"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Subprocess kcat(SubprocessOptions{argv, input, dir + "/produce.out", dir + "/produce.err"});
  KcatRun run;
  run.waitStatus = kcat.wait(scaledTimeout(base));
  run.stderrText = readFile(dir + "/produce.err");
  return run;
}

/// Parses kcat's "%p\t%o\t%k\t%s\n" output; `parseError` names the first malformed line.
inline void parseKcatRecords(const std::string& out, std::vector<KcatRecord>& records, std::string& parseError) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t nl = out.find('\n', pos);
    const std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    const std::size_t t1 = line.find('\t');
    const std::size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    const std::size_t t3 = t2 == std::string::npos ? t2 : line.find('\t', t2 + 1);
    if (t3 == std::string::npos || nl == std::string::npos) {
      if (parseError.empty()) parseError = "malformed kcat line: '" + line.substr(0, 200) + "'";
      continue;
    }
    KcatRecord r;
    try {
      r.partition = std::stoi(line.substr(0, t1));
      r.offset = std::stoll(line.substr(t1 + 1, t2 - t1 - 1));
    } catch (const std::exception&) {
      if (parseError.empty()) parseError = "bad partition/offset in: '" + line.substr(0, 200) + "'";
      continue;
    }
    r.key = line.substr(t2 + 1, t3 - t2 - 1);
    r.value = line.substr(t3 + 1);
    records.push_back(std::move(r));
  }
}

/// `kcat -b bootstrap -G group -e -q -f '%p\t%o\t%k\t%s\n' <extra> topic`: kcat's balanced
/// (group) consumer, which exits once every assigned partition is at its end and commits the
/// offsets it consumed as it leaves. The records read, parsed.
inline KcatRun kcatGroupConsume(const std::string& bootstrap, const std::string& group, const std::string& topic,
                                const std::string& dir, const std::vector<std::string>& extra,
                                std::chrono::milliseconds base, std::vector<KcatRecord>& records,
                                std::string& parseError) {
  std::vector<std::string> argv = {KAFKALITE_KCAT, "-b", bootstrap, "-G", group, "-e", "-q", "-f", "%p\t%o\t%k\t%s\n"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(topic);
  Subprocess kcat(SubprocessOptions{argv, std::nullopt, dir + "/group.out", dir + "/group.err"});
  KcatRun run;
  run.waitStatus = kcat.wait(scaledTimeout(base));
  run.stderrText = readFile(dir + "/group.err");
  parseKcatRecords(readFile(dir + "/group.out"), records, parseError);
  return run;
}

/// `kcat -C -b bootstrap -t topic -o beginning -e -f '%p\t%o\t%k\t%s\n'`: every record of
/// every partition up to the end, parsed. `parseError` names the first malformed line.
inline KcatRun kcatConsumeAll(const std::string& bootstrap, const std::string& topic, const std::string& dir,
                              std::chrono::milliseconds base, std::vector<KcatRecord>& records,
                              std::string& parseError) {
  const std::vector<std::string> argv = {KAFKALITE_KCAT, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e",
                                         "-q", "-f", "%p\t%o\t%k\t%s\n"};
  Subprocess kcat(SubprocessOptions{argv, std::nullopt, dir + "/consume.out", dir + "/consume.err"});
  KcatRun run;
  run.waitStatus = kcat.wait(scaledTimeout(base));
  run.stderrText = readFile(dir + "/consume.err");
  parseKcatRecords(readFile(dir + "/consume.out"), records, parseError);
  return run;
}

}  // namespace kafkalite::testing
