#pragma once
// ChildProcess: a program run by `kafkalite-perf compare` (the broker, each produce
// run): stdin from /dev/null, stdout to a pipe read here, stderr shared with ours. The
// child gets SIGTERM if this process dies first (PR_SET_PDEATHSIG), so an interrupted
// compare leaves no broker behind.
//
// Threading: one ChildProcess is used by one thread.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kafkalite::perf {

class ChildProcess {
 public:
  /// Starts argv[0] (a path) with `argv`. Throws std::system_error if fork or pipe fail;
  /// a program that cannot be executed exits 127 after a message on stderr.
  explicit ChildProcess(const std::vector<std::string>& argv);
  /// Kills (SIGKILL) and reaps a child not yet waited for. Never throws.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The next stdout line without its newline; std::nullopt at end of file or once
  /// `deadline` has passed.
  std::optional<std::string> readLine(std::chrono::steady_clock::time_point deadline);
  /// The rest of stdout, up to end of file.
  std::string readAll();
  /// Waits for the child to exit: its exit status, or 128 + the signal that ended it.
  int wait();
  /// SIGTERM, up to `grace` for it to exit, then SIGKILL: as wait(). Never throws.
  int terminate(std::chrono::milliseconds grace) noexcept;
  /// User + system CPU seconds the running child has used so far (/proc/PID/stat, in
  /// clock ticks of 10 ms); -1 when it cannot be read.
  [[nodiscard]] double cpuSeconds() const;

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffered_;
  std::optional<int> status_;
};

/// The absolute path of this executable (/proc/self/exe). Throws std::system_error.
std::string selfExecutable();

}  // namespace kafkalite::perf
