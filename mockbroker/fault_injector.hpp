#pragma once
/// \file
/// FaultInjector: the faults a test has asked for — request errors per API,
/// response delays per broker, stalled fetchers, cut links between brokers.
/// Brokers consult it at the connection layer (where a real network fails).
///
/// Threading: every member function may be called from any thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"

namespace kafkalite::mock {

struct InjectedError {
  ErrorCode error = ErrorCode::NONE;
  std::chrono::milliseconds delay{0};
};

class FaultInjector {
 public:
  void pushRequestErrors(int16_t apiKey, const std::vector<ErrorCode>& errors, int32_t brokerId,
                         std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    auto& queue = errors_[{brokerId, apiKey}];
    for (ErrorCode e : errors) queue.push_back({e, delay});
  }
  /// The next injected error for a request of `apiKey` arriving at `brokerId`: errors pushed
  /// for that broker first, then those pushed for any broker.
  std::optional<InjectedError> takeRequestError(int32_t brokerId, int16_t apiKey) {
    std::lock_guard lock(mutex_);
    for (const int32_t key : {brokerId, -1}) {
      const auto it = errors_.find({key, apiKey});
      if (it == errors_.end() || it->second.empty()) continue;
      InjectedError e = it->second.front();
      it->second.pop_front();
      return e;
    }
    return std::nullopt;
  }

  void setRtt(int32_t brokerId, std::chrono::milliseconds rtt) {
    std::lock_guard lock(mutex_);
    if (rtt.count() > 0) {
      rtt_[brokerId] = rtt;
    } else {
      rtt_.erase(brokerId);
    }
  }
  std::chrono::milliseconds rtt(int32_t brokerId) const {
    std::lock_guard lock(mutex_);
    const auto it = rtt_.find(brokerId);
    return it == rtt_.end() ? std::chrono::milliseconds(0) : it->second;
  }

  void setStalled(int32_t brokerId, bool stalled) {
    std::lock_guard lock(mutex_);
    if (stalled) {
      stalled_.insert(brokerId);
    } else {
      stalled_.erase(brokerId);
    }
  }
  bool isStalled(int32_t brokerId) const {
    std::lock_guard lock(mutex_);
    return stalled_.contains(brokerId);
  }

  void setCut(int32_t a, int32_t b, bool cut) {
    std::lock_guard lock(mutex_);
    const auto link = std::minmax(a, b);
    if (cut) {
      cuts_.insert(link);
    } else {
      cuts_.erase(link);
    }
  }
  bool isCut(int32_t a, int32_t b) const {
    std::lock_guard lock(mutex_);
    return cuts_.contains(std::minmax(a, b));
  }

  void healAll() {
    std::lock_guard lock(mutex_);
    errors_.clear();
    rtt_.clear();
    stalled_.clear();
    cuts_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<int32_t, int16_t>, std::deque<InjectedError>> errors_;
  std::map<int32_t, std::chrono::milliseconds> rtt_;
  std::set<int32_t> stalled_;
  std::set<std::pair<int32_t, int32_t>> cuts_;
};

}  // namespace kafkalite::mock
