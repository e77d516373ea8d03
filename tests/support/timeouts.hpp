#pragma once
// Test deadlines scale with KAFKALITE_TIMEOUT_SCALE (the asan preset sets 4), so
// slow sanitizer builds wait longer without any test sleeping for a fixed time.

#include <chrono>
#include <cstdlib>
#include <string>

namespace kafkalite::testing {

inline double timeoutScale() {
  const char* s = std::getenv("KAFKALITE_TIMEOUT_SCALE");
  if (!s) return 1.0;
  try {
    const double v = std::stod(s);
    return v > 0 ? v : 1.0;
  } catch (...) {
    return 1.0;
  }
}

template <class Rep, class Period>
std::chrono::milliseconds scaledTimeout(std::chrono::duration<Rep, Period> base) {
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::chrono::duration<double, std::milli>(base).count() * timeoutScale()));
}

}  // namespace kafkalite::testing
