#include "bench/perf/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace kafkalite::perf {
namespace {

std::system_error lastError(const char* what) { return {errno, std::generic_category(), what}; }

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string execFailed = "kafkalite-perf: cannot execute " + argv.at(0) + "\n";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw lastError("pipe2");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    const auto error = lastError("fork");
    ::close(fds[0]);
    ::close(fds[1]);
    throw error;
  }
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    const int devNull = ::open("/dev/null", O_RDONLY);
    if (devNull >= 0) ::dup2(devNull, 0);
    ::dup2(fds[1], 1);  // dup2 clears O_CLOEXEC on the copy
    ::execv(args[0], args.data());
    [[maybe_unused]] const auto n = ::write(2, execFailed.data(), execFailed.size());
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_ >= 0) ::close(stdout_);
}

std::optional<std::string> ChildProcess::readLine(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (const auto newline = buffered_.find('\n'); newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{stdout_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (ready < 0 && errno != EINTR) throw lastError("poll");
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw lastError("read");
    if (n == 0) return std::nullopt;
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string ChildProcess::readAll() {
  std::string out = std::move(buffered_);
  buffered_.clear();
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw lastError("read");
    if (n == 0) return out;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

int ChildProcess::wait() {
  if (status_) return *status_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) throw lastError("waitpid");
  }
  status_ = decodeStatus(status);
  return *status_;
}

int ChildProcess::terminate(std::chrono::milliseconds grace) noexcept {
  if (status_) return *status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  // A child has no pollable exit here, so look every 10 ms; this runs once, at the end.
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = decodeStatus(status);
      return *status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  status_ = decodeStatus(status);
  return *status_;
}

double ChildProcess::cpuSeconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) is parenthesised and may hold spaces: count fields after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime is field 14, stime 15
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string selfExecutable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n < 0) throw lastError("readlink /proc/self/exe");
  return std::string(path, static_cast<std::size_t>(n));
}

}  // namespace kafkalite::perf
