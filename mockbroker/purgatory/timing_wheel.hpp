#pragma once

// Hierarchical timing wheel (spec 5.6, 5.7) driven by an injected clock.
//
// Threading: a Timer and every TimerTask added to it belong to one thread, the broker's event
// loop. Nothing here locks or uses atomics; calling from two threads is a data race.
//
// Time: the timer never reads a clock. Times are milliseconds of a monotonic clock, never
// negative. The event loop calls Timer::advanceClock(now) when it wakes and arms its
// steady_timer for Timer::nextExpirationMs() (spec 5.9: a steady_timer replaces Kafka's
// DelayQueue, the 1 ms buckets stay).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

namespace kafkalite::mock {

class Timer;
class TimerTask;

namespace detail {

class TimingWheel;
class TimerTaskList;

/// Links of an intrusive circular doubly-linked list (spec 5.7). Internal.
struct TimerListNode {
  TimerListNode* prev_ = nullptr;
  TimerListNode* next_ = nullptr;
};

}  // namespace detail

/// Something to run once at a given time: an intrusive entry of a Timer bucket.
///
/// The task itself is the list entry and knows its bucket, so cancel() is O(1) and needs no
/// access to the Timer (spec 5.7). A task is in at most one bucket at a time.
///
/// Lifetime: added by reference, the caller keeps the task alive while it is pending (destroying
/// a pending task cancels it). Added by shared_ptr, the Timer keeps a reference until the task has
/// run or is cancelled. Not copyable or movable, since buckets point at it.
///
/// Thread: the thread of the Timer it is added to.
class TimerTask : private detail::TimerListNode {
 public:
  /// A task that, once added, is due `delayMs` after the timer's current time. Negative delays
  /// count as 0.
  explicit TimerTask(int64_t delayMs) noexcept : delayMs_(delayMs < 0 ? 0 : delayMs) {}

  /// Cancels the task if it is still pending.
  virtual ~TimerTask();

  TimerTask(const TimerTask&) = delete;
  TimerTask& operator=(const TimerTask&) = delete;

  /// Called once by Timer::advanceClock when the task is due, after it has left the timer (so
  /// isPending() is false and cancel() is a no-op). It may add, cancel or re-add any task,
  /// itself included, but must not call advanceClock of the same Timer. It should not throw; if it
  /// does, the exception leaves advanceClock and the other due tasks run on a later call.
  virtual void run() = 0;

  /// Removes the task from its timer in O(1); it will not run. No-op if it is not pending. If the
  /// timer owned the task (added by shared_ptr), that reference is released, which destroys the
  /// task when it was the last one: do not touch the task after cancel() unless you hold it.
  void cancel() noexcept;

  /// True from add until the task runs or is cancelled.
  [[nodiscard]] bool isPending() const noexcept { return list_ != nullptr; }

  /// The delay given at construction (never negative).
  [[nodiscard]] int64_t delayMs() const noexcept { return delayMs_; }

  /// Absolute time the task is (or was last) due: timer time at add + delayMs, saturated at
  /// INT64_MAX. -1 before the first add.
  [[nodiscard]] int64_t expirationMs() const noexcept { return expirationMs_; }

 protected:
  /// Like cancel(), but hands the timer's reference (null if it held none) to the caller instead
  /// of dropping it, so a task can cancel itself and keep running (spec 5.1: forceComplete
  /// cancels, then calls onComplete).
  [[nodiscard]] std::shared_ptr<TimerTask> detachFromTimer() noexcept;

 private:
  friend class Timer;
  friend class detail::TimerTaskList;
  friend class detail::TimingWheel;

  detail::TimerTaskList* list_ = nullptr;  // the bucket holding this task; null when not pending
  int64_t delayMs_;
  int64_t expirationMs_ = -1;
  std::shared_ptr<TimerTask> timerRef_;  // set only while pending after add(shared_ptr)
};

namespace detail {

/// A bucket: circular doubly-linked list of tasks with a sentinel root (spec 5.7). Internal.
/// Every insert and remove updates the owning Timer's task count. Thread: the Timer's.
class TimerTaskList {
 public:
  TimerTaskList() noexcept { root_.prev_ = root_.next_ = &root_; }
  TimerTaskList(const TimerTaskList&) = delete;
  TimerTaskList& operator=(const TimerTaskList&) = delete;

  void attach(std::size_t* taskCounter) noexcept { taskCounter_ = taskCounter; }

  [[nodiscard]] bool empty() const noexcept { return root_.next_ == &root_; }
  [[nodiscard]] TimerTask* front() noexcept { return empty() ? nullptr : asTask(root_.next_); }
  [[nodiscard]] TimerTask* back() noexcept { return empty() ? nullptr : asTask(root_.prev_); }

  /// Appends an unlinked task.
  void add(TimerTask& task) noexcept {
    TimerListNode& node = task;
    node.prev_ = root_.prev_;
    node.next_ = &root_;
    root_.prev_->next_ = &node;
    root_.prev_ = &node;
    task.list_ = this;
    ++*taskCounter_;
  }

  /// Unlinks a task of this list in O(1).
  void remove(TimerTask& task) noexcept {
    TimerListNode& node = task;
    node.prev_->next_ = node.next_;
    node.next_->prev_ = node.prev_;
    node.prev_ = node.next_ = nullptr;
    task.list_ = nullptr;
    --*taskCounter_;
  }

  /// Sets the bucket's due time; true if it changed, i.e. the bucket must be (re)queued.
  bool setExpiration(int64_t expirationMs) noexcept {
    const bool changed = expirationMs_ != expirationMs;
    expirationMs_ = expirationMs;
    return changed;
  }
  [[nodiscard]] int64_t expirationMs() const noexcept { return expirationMs_; }

 private:
  static TimerTask* asTask(TimerListNode* node) noexcept { return static_cast<TimerTask*>(node); }

  TimerListNode root_;
  std::size_t* taskCounter_ = nullptr;
  int64_t expirationMs_ = -1;
};

/// One queued bucket due time. Internal.
struct BucketDue {
  int64_t expirationMs;
  TimerTaskList* bucket;
};

/// Min-heap order on due time. Internal.
struct BucketDueLater {
  bool operator()(const BucketDue& a, const BucketDue& b) const noexcept {
    return a.expirationMs > b.expirationMs;
  }
};

/// Buckets by due time; takes the place of Kafka's DelayQueue (spec 5.5, 5.9). A bucket is pushed
/// only when its expiration changes, so the heap stays around (levels x wheelSize) entries.
using BucketQueue = std::priority_queue<BucketDue, std::vector<BucketDue>, BucketDueLater>;

}  // namespace detail

/// A hierarchical timing wheel timer with an injected clock (spec 5.5-5.7, 5.9).
///
/// Insert is O(number of wheels), cancel O(1). With tickMs = 1 a task runs in the first
/// advanceClock whose time is >= its expirationMs, never earlier; with a coarser tick it may run
/// up to tickMs - 1 early, as in Kafka.
///
/// Tasks already due when added (delay 0, or a delay shorter than one tick) do not run inside
/// add(): they run at the next advanceClock, even one that does not move time. Kafka also never
/// runs them on the adding thread (it submits them to its executor), and this keeps add() free of
/// re-entrant callbacks. nextExpirationMs() then returns currentTimeMs().
///
/// Thread: one thread (the owning broker's event loop) calls everything.
class Timer {
 public:
  /// spec 5.6
  static constexpr int64_t kDefaultTickMs = 1;
  /// spec 5.6
  static constexpr int kDefaultWheelSize = 20;

  /// A timer whose current time is `startMs` (>= 0). `tickMs` >= 1 and `wheelSize` >= 2 apply to
  /// the finest wheel; each lazily created overflow wheel ticks once per interval of its parent.
  explicit Timer(int64_t startMs = 0, int64_t tickMs = kDefaultTickMs,
                 int wheelSize = kDefaultWheelSize);

  /// Drops pending tasks without running them (as clear()).
  ~Timer();

  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Schedules `task` at currentTimeMs() + task.delayMs(). The caller keeps the task alive while
  /// it is pending. A pending task is rescheduled; a reference the timer already holds is kept.
  /// Never runs the task inside this call.
  void add(TimerTask& task);

  /// As add(TimerTask&), but the timer holds `task` (not null) until it has run or is cancelled.
  /// This is how the purgatory keeps a DelayedOperation alive until it expires.
  void add(std::shared_ptr<TimerTask> task);

  /// Moves the clock to `nowMs` (earlier times are ignored: the clock never goes back), flushes
  /// every bucket due by then in order of due time, re-inserts its tasks (they cascade to finer
  /// wheels), then runs every task that is due, in due order. Tasks that become due while these
  /// run (added with delay 0) wait for the next call. Returns the number of tasks run. Must not
  /// be called from inside a task's run().
  std::size_t advanceClock(int64_t nowMs);

  /// Pending tasks: added, not yet run, not cancelled.
  [[nodiscard]] std::size_t size() const noexcept { return taskCount_; }

  /// When advanceClock next has work: currentTimeMs() if due tasks wait; else the earliest
  /// non-empty bucket's due time, which for an overflow bucket is a cascade point at or before its
  /// tasks' expirations; std::nullopt when nothing is pending. Arm the event loop's steady_timer
  /// for this time. Not const: it drops queued buckets whose tasks were all cancelled.
  [[nodiscard]] std::optional<int64_t> nextExpirationMs();

  /// The latest time given to advanceClock, or startMs. Delays of added tasks count from here, so
  /// the event loop calls advanceClock(now) when it wakes, before it handles requests.
  [[nodiscard]] int64_t currentTimeMs() const noexcept { return nowMs_; }

  /// Drops every pending task without running it, releasing the references the timer holds.
  void clear();

  /// Number of wheels created so far: 1, plus each overflow wheel (test hook for spec 5.6).
  [[nodiscard]] std::size_t wheelCount() const noexcept;

 private:
  void addEntry(TimerTask& task);
  void flush(detail::TimerTaskList& bucket);

  std::size_t taskCount_ = 0;
  detail::BucketQueue bucketQueue_;
  std::unique_ptr<detail::TimingWheel> timingWheel_;
  // Tasks due and waiting to run. Two lists so that tasks made due by a running task land in the
  // other one and wait for the next advanceClock instead of looping forever.
  detail::TimerTaskList readyLists_[2];
  int incomingReady_ = 0;
  int64_t nowMs_;
  bool advancing_ = false;
};

}  // namespace kafkalite::mock
