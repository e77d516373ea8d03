#pragma once
// Waiting for a condition with a deadline, never for a fixed time: the condition is
// re-checked every few milliseconds until it holds or the deadline (scaled by
// KAFKALITE_TIMEOUT_SCALE, see timeouts.hpp) passes.

#include <chrono>
#include <thread>

#include "support/timeouts.hpp"

namespace kafkalite::testing {

/// True as soon as `condition()` holds; false if it still does not hold once
/// `base` (scaled) has passed. `condition` is checked at least once.
template <class Condition>
bool waitUntil(Condition&& condition, std::chrono::milliseconds base = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(base);
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // poll interval, not a synchronisation
  }
}

}  // namespace kafkalite::testing
