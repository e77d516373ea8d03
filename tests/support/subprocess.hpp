#pragma once
// Runs a program (kcat, kafkalite-broker) as a child process for interop tests:
// posix_spawn with stdin from a file or /dev/null, stdout to a pipe or a file, stderr
// to a file; reads stdout lines with a deadline, waits for exit with a deadline, and
// kills the child (SIGKILL) if the test leaves without waiting for it.
//
// Threading: one Subprocess is used by one thread.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace kafkalite::testing {

struct SubprocessOptions {
  std::vector<std::string> argv;        ///< argv[0] is the program path
  std::optional<std::string> stdinFile;  ///< /dev/null when unset
  std::optional<std::string> stdoutFile; ///< a pipe (readLine) when unset
  std::string stderrFile = "/dev/null";
};

class Subprocess {
 public:
  /// Starts the program; throws std::runtime_error if it cannot be spawned.
  explicit Subprocess(const SubprocessOptions& options) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, options.stdinFile.value_or("/dev/null").c_str(), O_RDONLY, 0);
    int pipeFds[2] = {-1, -1};
    if (options.stdoutFile) {
      posix_spawn_file_actions_addopen(&actions, 1, options.stdoutFile->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    } else {
      if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
      posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
    }
    posix_spawn_file_actions_addopen(&actions, 2, options.stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (pipeFds[1] >= 0) ::close(pipeFds[1]);
    stdout_ = pipeFds[0];
    if (rc != 0) {
      if (stdout_ >= 0) ::close(stdout_);
      throw std::runtime_error("posix_spawn " + options.argv[0] + ": " + std::strerror(rc));
    }
  }

  ~Subprocess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// The next stdout line (without '\n'), or nothing at EOF or when `timeout` passes.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (stdout_ < 0) return std::nullopt;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return std::nullopt;
      char buf[4096];
      const ssize_t n = ::read(stdout_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(stdout_);
        stdout_ = -1;
        continue;  // return what is left without a newline as nothing
      }
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Waits for the child to exit; its wait status, or nothing if `timeout` passes first.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (exited_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = status;
        return status;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval for WNOHANG
    }
  }

  void signal(int sig) const { ::kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  bool exited_ = false;
  int status_ = 0;
};

/// "exit 0", "exit 3", "signal 9": for assertion messages.
inline std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A fresh directory under $TMPDIR (or /tmp) for one test's files.
inline std::string makeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  return std::string(buf.data());
}

/// A temporary directory removed with its contents when the object dies (kept when
/// KAFKALITE_KEEP_TEMP is set, for debugging).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) : path_(makeTempDir(prefix)) {}
  ~TempDir() {
    if (std::getenv("KAFKALITE_KEEP_TEMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace kafkalite::testing
