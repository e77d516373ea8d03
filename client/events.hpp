#pragma once
/// \file
/// Events: the application's log and error callbacks as the producer's internals use
/// them. A log line is formatted only when its level passes `log_level` and a log
/// callback is set, so a disabled level costs one comparison. Callbacks' exceptions are
/// swallowed (no exception escapes the I/O loop).
///
/// Threading: the callbacks are set once, before the I/O thread starts; log() and error()
/// are called on the I/O thread only.

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "kafkalite/producer_callbacks.hpp"

namespace kafkalite::client {

class Events {
 public:
  /// No callbacks: nothing is logged or reported.
  Events() = default;
  /// `logLevel` is log_level (0-7): lines above it are not passed.
  Events(int32_t logLevel, LogCallback log, ErrorCallback error)
      : logLevel_(logLevel), log_(std::move(log)), error_(std::move(error)) {}

  /// Whether a line at `level` reaches the log callback.
  [[nodiscard]] bool logs(LogLevel level) const noexcept {
    return log_ && static_cast<int32_t>(level) <= logLevel_;
  }

  /// Passes one line, if logs(level).
  void log(LogLevel level, std::string_view facility, std::string_view message) const noexcept {
    if (!logs(level)) return;
    try {
      log_(level, facility, message);
    } catch (...) {
    }
  }

  /// Passes the line `format()` builds, calling it only if logs(level).
  template <class Format>
  void logWith(LogLevel level, std::string_view facility, Format&& format) const noexcept {
    if (!logs(level)) return;
    try {
      const std::string message = format();
      log_(level, facility, message);
    } catch (...) {
    }
  }

  /// An error not tied to one record: logged (level Error) and given to the error callback.
  void error(std::string_view facility, std::error_code error, std::string_view reason) const noexcept {
    logWith(LogLevel::Error, facility, [&] { return std::string(reason) + ": " + error.message(); });
    if (!error_) return;
    try {
      error_(error, reason);
    } catch (...) {
    }
  }

  /// A shared instance with no callbacks.
  static const Events& none() noexcept {
    static const Events empty;
    return empty;
  }

 private:
  int32_t logLevel_ = -1;
  LogCallback log_;
  ErrorCallback error_;
};

}  // namespace kafkalite::client
