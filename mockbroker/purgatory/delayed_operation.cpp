#include "mockbroker/purgatory/delayed_operation.hpp"

namespace kafkalite::mock {

bool DelayedOperation::forceComplete() {
  // spec 5.1: Kafka's compare-and-set; on one thread a flag set before any callback is enough,
  // and it also makes a nested call from onComplete lose.
  if (completed_) {
    return false;
  }
  completed_ = true;
  // The timer's reference, if any, stays alive until onComplete has returned, so completing
  // does not destroy the operation under its own feet.
  const std::shared_ptr<TimerTask> keepAlive = detachFromTimer();
  onComplete();
  return true;
}

void DelayedOperation::run() {
  if (forceComplete()) {
    onExpiration();
  }
}

}  // namespace kafkalite::mock
