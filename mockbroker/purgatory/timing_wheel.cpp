#include "mockbroker/purgatory/timing_wheel.hpp"

#include <cassert>
#include <limits>
#include <utility>

namespace kafkalite::mock {

namespace {

constexpr int64_t kMaxTimeMs = std::numeric_limits<int64_t>::max();

// Times and delays are non-negative, so only the upper end can overflow.
int64_t saturatingAdd(int64_t a, int64_t b) noexcept {
  return a > kMaxTimeMs - b ? kMaxTimeMs : a + b;
}

int64_t saturatingMul(int64_t a, int64_t b) noexcept {
  return a > kMaxTimeMs / b ? kMaxTimeMs : a * b;
}

}  // namespace

namespace detail {

// One level of the hierarchy (spec 5.6). Owned by Timer (level 0) or by its parent wheel.
// Thread: the Timer's.
class TimingWheel {
 public:
  TimingWheel(int64_t tickMs, int wheelSize, int64_t startMs, std::size_t* taskCounter,
              BucketQueue* queue)
      : tickMs_(tickMs),
        wheelSize_(wheelSize),
        // Saturates only for a wheel so coarse that all of int64 spans fewer than wheelSize of
        // its ticks, so its buckets can still never hold two different due times.
        intervalMs_(saturatingMul(tickMs, wheelSize)),
        currentTimeMs_(startMs - startMs % tickMs),  // spec 5.6: rounded down to a tick
        buckets_(new TimerTaskList[static_cast<std::size_t>(wheelSize)]),
        taskCounter_(taskCounter),
        queue_(queue) {
    for (int i = 0; i < wheelSize_; ++i) {
      buckets_[static_cast<std::size_t>(i)].attach(taskCounter);
    }
  }

  // Places the task in this wheel or an overflow wheel; false if it is already due.
  bool add(TimerTask& task) {
    const int64_t expiration = task.expirationMs_;
    // Differences, not `current + tick`, so an expiration near INT64_MAX cannot overflow.
    if (expiration - currentTimeMs_ < tickMs_) {
      return false;  // spec 5.6: expiration < current + tick is expired
    }
    if (intervalMs_ == kMaxTimeMs || expiration - currentTimeMs_ < intervalMs_) {
      const int64_t virtualId = expiration / tickMs_;
      TimerTaskList& bucket = buckets_[static_cast<std::size_t>(virtualId % wheelSize_)];
      bucket.add(task);
      // spec 5.6: queue the bucket only when its due time changed, i.e. it is being reused for
      // a later round; otherwise it is already queued for this time.
      if (bucket.setExpiration(virtualId * tickMs_)) {
        queue_->push(BucketDue{virtualId * tickMs_, &bucket});
      }
      return true;
    }
    if (!overflowWheel_) {
      // spec 5.6: created lazily, one tick of it is one interval of this wheel
      overflowWheel_ = std::make_unique<TimingWheel>(intervalMs_, wheelSize_, currentTimeMs_,
                                                     taskCounter_, queue_);
    }
    return overflowWheel_->add(task);
  }

  void advanceClock(int64_t timeMs) noexcept {
    if (timeMs - currentTimeMs_ >= tickMs_) {
      currentTimeMs_ = timeMs - timeMs % tickMs_;
      if (overflowWheel_) {
        overflowWheel_->advanceClock(currentTimeMs_);
      }
    }
  }

  // Unlinks every task of this wheel and its overflow wheels, handing the timer's references to
  // `released` so their destructors run only after the structure is consistent again.
  void clear(std::vector<std::shared_ptr<TimerTask>>& released) noexcept {
    for (int i = 0; i < wheelSize_; ++i) {
      TimerTaskList& bucket = buckets_[static_cast<std::size_t>(i)];
      while (TimerTask* task = bucket.front()) {
        released.push_back(task->detachFromTimer());
      }
      bucket.setExpiration(-1);
    }
    if (overflowWheel_) {
      overflowWheel_->clear(released);
    }
  }

  [[nodiscard]] const TimingWheel* overflowWheel() const noexcept { return overflowWheel_.get(); }

 private:
  int64_t tickMs_;
  int wheelSize_;
  int64_t intervalMs_;
  int64_t currentTimeMs_;
  // Never resized: tasks point at their bucket.
  std::unique_ptr<TimerTaskList[]> buckets_;
  std::unique_ptr<TimingWheel> overflowWheel_;
  std::size_t* taskCounter_;
  BucketQueue* queue_;
};

}  // namespace detail

TimerTask::~TimerTask() {
  // A task the timer owns cannot be destroyed while pending, so timerRef_ is null here.
  if (list_ != nullptr) {
    list_->remove(*this);
  }
}

void TimerTask::cancel() noexcept {
  // The released reference dies at the end of this scope, possibly with *this.
  std::shared_ptr<TimerTask> released = detachFromTimer();
}

std::shared_ptr<TimerTask> TimerTask::detachFromTimer() noexcept {
  if (list_ != nullptr) {
    list_->remove(*this);
  }
  return std::move(timerRef_);
}

Timer::Timer(int64_t startMs, int64_t tickMs, int wheelSize) : nowMs_(startMs) {
  assert(startMs >= 0 && tickMs >= 1 && wheelSize >= 2);
  timingWheel_ =
      std::make_unique<detail::TimingWheel>(tickMs, wheelSize, startMs, &taskCount_, &bucketQueue_);
  readyLists_[0].attach(&taskCount_);
  readyLists_[1].attach(&taskCount_);
}

Timer::~Timer() { clear(); }

void Timer::add(TimerTask& task) {
  if (task.list_ != nullptr) {
    task.list_->remove(task);  // reschedule; keeps timerRef_
  }
  task.expirationMs_ = saturatingAdd(nowMs_, task.delayMs_);
  addEntry(task);
}

void Timer::add(std::shared_ptr<TimerTask> task) {
  assert(task != nullptr);
  TimerTask& ref = *task;
  if (!ref.timerRef_) {
    ref.timerRef_ = std::move(task);
  }
  add(ref);
}

void Timer::addEntry(TimerTask& task) {
  if (!timingWheel_->add(task)) {
    // Already due: run at the next advanceClock (see the class comment for why not now).
    readyLists_[incomingReady_].add(task);
  }
}

void Timer::flush(detail::TimerTaskList& bucket) {
  // Remember the tail so that a task re-inserted into this same bucket could not be visited
  // twice; no user code runs here, so nothing else can unlink it meanwhile.
  TimerTask* const last = bucket.back();
  bucket.setExpiration(-1);
  while (last != nullptr) {
    TimerTask* task = bucket.front();
    bucket.remove(*task);
    addEntry(*task);  // spec 5.5: moves to a finer wheel, or to the ready list once due
    if (task == last) {
      break;
    }
  }
}

std::size_t Timer::advanceClock(int64_t nowMs) {
  assert(!advancing_ && "Timer::advanceClock called from inside TimerTask::run");
  assert(nowMs >= 0);
  if (nowMs > nowMs_) {
    nowMs_ = nowMs;
  }
  // spec 5.5: take due buckets in order; before each flush, bring the wheels to the bucket's
  // time so its tasks are re-inserted relative to it.
  while (!bucketQueue_.empty() && bucketQueue_.top().expirationMs <= nowMs_) {
    const detail::BucketDue due = bucketQueue_.top();
    bucketQueue_.pop();
    if (due.bucket->expirationMs() != due.expirationMs) {
      continue;  // stale: the bucket was flushed or pruned since it was queued
    }
    timingWheel_->advanceClock(due.expirationMs);
    flush(*due.bucket);
  }
  // Every bucket due by nowMs_ is flushed, so the wheels may move to nowMs_; adds made from
  // here on (including by the tasks below) count their delay from now.
  timingWheel_->advanceClock(nowMs_);

  struct AdvancingGuard {
    bool& flag;
    explicit AdvancingGuard(bool& f) : flag(f) { flag = true; }
    ~AdvancingGuard() { flag = false; }
  } guard(advancing_);

  detail::TimerTaskList& running = readyLists_[incomingReady_];
  incomingReady_ ^= 1;
  std::size_t ran = 0;
  // Take the head afresh each time: a running task may cancel any of the others.
  while (TimerTask* task = running.front()) {
    running.remove(*task);
    // Keeps the task alive through run() even if it cancels itself (spec 5.1 path).
    const std::shared_ptr<TimerTask> keepAlive = std::move(task->timerRef_);
    task->run();
    ++ran;
  }
  return ran;
}

std::optional<int64_t> Timer::nextExpirationMs() {
  if (!readyLists_[0].empty() || !readyLists_[1].empty()) {
    return nowMs_;
  }
  while (!bucketQueue_.empty()) {
    const detail::BucketDue due = bucketQueue_.top();
    if (due.bucket->expirationMs() == due.expirationMs) {
      if (!due.bucket->empty()) {
        return due.expirationMs;
      }
      // Every task of the bucket was cancelled. Forget its time, so a later add into the same
      // slot queues it again, and do not wake the event loop for nothing.
      due.bucket->setExpiration(-1);
    }
    bucketQueue_.pop();
  }
  return std::nullopt;
}

void Timer::clear() {
  std::vector<std::shared_ptr<TimerTask>> released;
  released.reserve(taskCount_);
  timingWheel_->clear(released);
  for (detail::TimerTaskList& ready : readyLists_) {
    while (TimerTask* task = ready.front()) {
      released.push_back(task->detachFromTimer());
    }
  }
  bucketQueue_ = detail::BucketQueue();
  // `released` goes out of scope last, after the timer is empty and consistent.
}

std::size_t Timer::wheelCount() const noexcept {
  std::size_t count = 0;
  for (const detail::TimingWheel* wheel = timingWheel_.get(); wheel != nullptr;
       wheel = wheel->overflowWheel()) {
    ++count;
  }
  return count;
}

}  // namespace kafkalite::mock
