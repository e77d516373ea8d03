#pragma once

// DelayedOperation and DelayedOperationPurgatory: requests parked until a condition holds or a
// timeout fires (spec 5.1-5.4). DelayedProduce (spec 1.5-1.8) and DelayedFetch (spec 4.4-4.6)
// derive from DelayedOperation and wait, keyed by TopicPartition, in one purgatory each.
//
// Threading: one broker event-loop thread owns a purgatory, its timer and its operations. There
// are no locks, so Kafka's per-operation lock and its 512 watcher shards (spec 5.2, 5.3) are
// left out: on one thread nothing contends. What must survive is "onComplete exactly once"
// (spec 5.1) under re-entrancy: completion callbacks may call back into the purgatory.

#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mockbroker/purgatory/timing_wheel.hpp"

namespace kafkalite::mock {

/// An operation that completes when tryComplete() says so, or after delayMs at the latest.
///
/// Subclasses implement tryComplete() (check; if done, call forceComplete() and return its
/// result), onComplete() (the completion work, e.g. send the response) and onExpiration() (extra
/// work on timeout, after onComplete). onComplete runs exactly once, whichever of tryComplete,
/// expiry or a direct forceComplete gets there first (spec 5.1). Callbacks must not throw.
///
/// Lifetime: shared. The purgatory's watcher lists and its timer each hold a shared_ptr while
/// they need the operation. Thread: the event loop of the purgatory it is in.
class DelayedOperation : public TimerTask {
 public:
  /// An operation that expires `delayMs` after it enters the purgatory's timer.
  explicit DelayedOperation(int64_t delayMs) noexcept : TimerTask(delayMs) {}

  /// Completes the operation unless it already is: the first caller marks it completed, cancels
  /// its timer entry and calls onComplete(), then returns true; every later call returns false
  /// and does nothing (spec 5.1). Safe to call from inside tryComplete, onComplete (returns
  /// false), onExpiration or any other callback.
  bool forceComplete();

  /// True once forceComplete() has won.
  [[nodiscard]] bool isCompleted() const noexcept { return completed_; }

  /// Checks whether the operation can complete now; if so calls forceComplete() and returns its
  /// result. Returns false otherwise. Called by the purgatory on watch (twice, spec 5.2) and on
  /// each checkAndComplete of one of its keys while it is incomplete (spec 5.3).
  virtual bool tryComplete() = 0;

  /// The completion work. Runs exactly once, from forceComplete(). May call into the purgatory
  /// (checkAndComplete, tryCompleteElseWatch) re-entrantly.
  virtual void onComplete() = 0;

  /// Runs after onComplete() when the timeout, not tryComplete, completed the operation.
  virtual void onExpiration() = 0;

  /// Expiry, called by the timer: onExpiration() only if this call's forceComplete() won, so an
  /// expiry after completion is a no-op (spec 5.1).
  void run() final;

 private:
  bool completed_ = false;
};

/// Operations waiting on keys (spec 5.2-5.4), with a timing-wheel timer for their timeouts.
///
/// `Key` needs `Hash` and `==`; `Op` is the DelayedOperation type held (DelayedOperation by
/// default; DelayedProduce for a typed produce purgatory).
///
/// Ownership: tryCompleteElseWatch stores a shared_ptr to the operation in the list of every key
/// it watches and in the timer. Completion cancels the timer entry, dropping the timer's
/// reference; watcher references go when checkAndComplete or a purge (spec 5.4) sweeps
/// completed operations out. Expiry drops the timer's reference after onExpiration.
///
/// Re-entrancy: callbacks of its operations may call checkAndComplete, tryCompleteElseWatch,
/// cancelForKey and shutdown on this purgatory, for any key. They must not call advanceClock.
///
/// Thread: everything on the owning broker's event loop.
template <class Key, class Hash = std::hash<Key>, class Op = DelayedOperation>
  requires std::derived_from<Op, DelayedOperation>
class DelayedOperationPurgatory {
 public:
  /// spec 5.4: producer.purgatory.purge.interval.requests / fetch.purgatory.purge.interval.requests
  static constexpr std::size_t kDefaultPurgeInterval = 1000;

  /// An empty purgatory whose timer starts at `startMs`. It purges completed operations from the
  /// watcher lists once more than `purgeInterval` of them may linger (spec 5.4).
  explicit DelayedOperationPurgatory(std::string purgatoryName, int64_t startMs = 0,
                                     std::size_t purgeInterval = kDefaultPurgeInterval)
      : purgatoryName_(std::move(purgatoryName)), purgeInterval_(purgeInterval), timer_(startMs) {}

  /// As shutdown(): drops everything, completes nothing.
  ~DelayedOperationPurgatory() { shutdown(); }

  DelayedOperationPurgatory(const DelayedOperationPurgatory&) = delete;
  DelayedOperationPurgatory& operator=(const DelayedOperationPurgatory&) = delete;

  /// spec 5.2: tries to complete `operation`; if it cannot, watches it on every key of
  /// `watchKeys`, tries once more, and if still incomplete puts it in the timer, due
  /// delayMs after currentTimeMs(). Returns true only if this call completed it (via tryComplete);
  /// false if it is now waiting, or was already completed before or during the call.
  /// `watchKeys` must not be empty (asserted; in a release build an operation without keys can
  /// only expire). The clock is injected: after the loop has slept, call advanceClock(now) first,
  /// or the timeout counts from the time of the last call.
  bool tryCompleteElseWatch(std::shared_ptr<Op> operation, std::span<const Key> watchKeys) {
    assert(!watchKeys.empty() && "the watch key list can't be empty");
    if (operation->tryComplete()) {  // spec 5.2 step 1
      return true;
    }
    bool watchCreated = false;
    for (const Key& key : watchKeys) {
      // An operation completed meanwhile is not added to the remaining keys; on one thread only a
      // callback could do that, and tryComplete returned false, so this is a cheap guard.
      if (operation->isCompleted()) {
        return false;
      }
      watchersForKey_[key].operations.push_back(operation);  // spec 5.2 step 2
      if (!watchCreated) {
        watchCreated = true;
        ++estimatedTotalOperations_;
      }
    }
    // spec 5.2 step 2, second try. On one thread nothing can change between the two calls, but
    // keeping it makes a tryComplete with side effects behave as it does in Kafka.
    if (operation->tryComplete()) {
      return true;
    }
    if (!operation->isCompleted()) {  // spec 5.2 step 3
      timer_.add(std::shared_ptr<TimerTask>(operation));
      if (operation->isCompleted()) {
        operation->cancel();
      }
    }
    return false;  // spec 5.2 step 4
  }

  /// Single-key form of tryCompleteElseWatch.
  bool tryCompleteElseWatch(std::shared_ptr<Op> operation, const Key& watchKey) {
    return tryCompleteElseWatch(std::move(operation), std::span<const Key>(&watchKey, 1));
  }

  /// spec 5.3: tries to complete each incomplete operation watching `key`, then removes the
  /// completed ones and deletes the key once its list is empty. Returns how many this call
  /// completed. Operations added to `key` by callbacks during the call are not tried (their own
  /// tryCompleteElseWatch already tried them). Re-entrant for any key, including `key`.
  std::size_t checkAndComplete(const Key& key) {
    const auto found = watchersForKey_.find(key);
    if (found == watchersForKey_.end()) {
      return 0;
    }
    // Map nodes keep their address across rehashes, and no path erases a node while `iterating`
    // is non-zero, so these references outlive any callback below.
    const Key& watchedKey = found->first;
    Watchers& watchers = found->second;
    ++watchers.iterating;
    std::size_t completed = 0;
    const std::size_t initialSize = watchers.operations.size();
    // Index, not iterator: callbacks may append (reallocating) or, via cancelForKey, clear.
    for (std::size_t i = 0; i < initialSize && i < watchers.operations.size(); ++i) {
      // A copy, so the operation outlives its own callbacks even if they drop every other holder.
      const std::shared_ptr<Op> operation = watchers.operations[i];
      if (!operation->isCompleted() && operation->tryComplete()) {
        ++completed;
      }
    }
    --watchers.iterating;
    if (watchers.iterating == 0) {
      // Deferred to the outermost call on this key so that indices above stay valid.
      removeCompleted(watchers);
      if (watchers.operations.empty()) {
        watchersForKey_.erase(watchersForKey_.find(watchedKey));
      }
    }
    return completed;
  }

  /// Total entries of all watcher lists. An operation counts once per key, and completed
  /// operations count until swept, so this can exceed the number of waiting operations. O(keys).
  [[nodiscard]] std::size_t watched() const noexcept {
    std::size_t total = 0;
    for (const auto& entry : watchersForKey_) {
      total += entry.second.operations.size();
    }
    return total;
  }

  /// Number of keys with a watcher list (metric and test hook for spec 5.3's key deletion).
  [[nodiscard]] std::size_t numWatchedKeys() const noexcept { return watchersForKey_.size(); }

  /// Operations waiting in the timer.
  [[nodiscard]] std::size_t numDelayed() const noexcept { return timer_.size(); }

  /// Advances the timer to `nowMs`, expiring every operation due by then (each runs
  /// forceComplete then onExpiration, spec 5.1), then purges the watcher lists if needed (spec
  /// 5.4). Returns the number of timer entries run. Call it from the event loop whenever it
  /// wakes; not from inside an operation's callbacks.
  std::size_t advanceClock(int64_t nowMs) {
    const std::size_t expired = timer_.advanceClock(nowMs);
    // spec 5.4: estimatedTotal - timer.size approximates the completed operations still sitting
    // in watcher lists; past purgeInterval, sweep every list.
    const std::size_t delayed = timer_.size();
    if (estimatedTotalOperations_ > delayed &&
        estimatedTotalOperations_ - delayed > purgeInterval_) {
      estimatedTotalOperations_ = delayed;
      purgeCompleted();
    }
    return expired;
  }

  /// The time the event loop should next call advanceClock, or nullopt when nothing is waiting.
  /// See Timer::nextExpirationMs.
  [[nodiscard]] std::optional<int64_t> nextExpirationMs() { return timer_.nextExpirationMs(); }

  /// The purgatory's current time: delays of new operations count from here.
  [[nodiscard]] int64_t currentTimeMs() const noexcept { return timer_.currentTimeMs(); }

  /// Stops watching `key`: removes its list and cancels the timer entry of each operation on it,
  /// without completing any. Returns those operations. An operation also watched on other keys
  /// stays there and can still complete through them, but no longer expires.
  std::vector<std::shared_ptr<Op>> cancelForKey(const Key& key) {
    const auto found = watchersForKey_.find(key);
    if (found == watchersForKey_.end()) {
      return {};
    }
    std::vector<std::shared_ptr<Op>> cancelled = std::move(found->second.operations);
    found->second.operations.clear();
    if (found->second.iterating == 0) {
      watchersForKey_.erase(found);
    }
    for (const std::shared_ptr<Op>& operation : cancelled) {
      operation->cancel();
    }
    return cancelled;
  }

  /// Broker stop: drops every watcher list and timer entry. No operation completes, expires or
  /// gets a callback; the connections they would answer are being closed anyway. References the
  /// purgatory held are released, which may destroy operations. The purgatory stays usable.
  void shutdown() {
    timer_.clear();
    for (auto it = watchersForKey_.begin(); it != watchersForKey_.end();) {
      if (it->second.iterating > 0) {
        it->second.operations.clear();  // a checkAndComplete on this key is below us
        ++it;
      } else {
        it = watchersForKey_.erase(it);
      }
    }
    estimatedTotalOperations_ = 0;
  }

  /// The name given at construction ("Produce", "Fetch"), for logs.
  [[nodiscard]] const std::string& name() const noexcept { return purgatoryName_; }

 private:
  struct Watchers {
    std::vector<std::shared_ptr<Op>> operations;
    int iterating = 0;  // depth of checkAndComplete calls walking this list
  };

  static void removeCompleted(Watchers& watchers) {
    std::erase_if(watchers.operations,
                  [](const std::shared_ptr<Op>& operation) { return operation->isCompleted(); });
  }

  void purgeCompleted() {
    for (auto it = watchersForKey_.begin(); it != watchersForKey_.end();) {
      if (it->second.iterating > 0) {
        ++it;  // its checkAndComplete sweeps it on the way out
        continue;
      }
      removeCompleted(it->second);
      it = it->second.operations.empty() ? watchersForKey_.erase(it) : std::next(it);
    }
  }

  std::string purgatoryName_;
  std::size_t purgeInterval_;
  std::size_t estimatedTotalOperations_ = 0;
  std::unordered_map<Key, Watchers, Hash> watchersForKey_;
  Timer timer_;
};

}  // namespace kafkalite::mock
