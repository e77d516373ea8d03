#include "client/clock.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace kafkalite::client {

bool RecentSystemTime::tscUsable() noexcept {
#if defined(__x86_64__)
  static const bool usable = [] {
    unsigned a = 0;
    unsigned b = 0;
    unsigned c = 0;
    unsigned d = 0;
    // CPUID 0x80000007 EDX bit 8: the TSC is invariant (constant rate, runs in every
    // C-state), so tick differences measure time on any core.
    if (static_cast<unsigned>(__get_cpuid_max(0x80000000u, nullptr)) < 0x80000007u) return false;
    __cpuid(0x80000007u, a, b, c, d);
    return (d & (1u << 8)) != 0;
  }();
  return usable;
#else
  return false;
#endif
}

int64_t RecentSystemTime::nowMs() noexcept {
#if defined(__x86_64__)
  if (tscUsable()) {
    struct Last {
      uint64_t tsc = 0;
      int64_t ms = 0;
      bool valid = false;
    };
    thread_local Last last;
    const uint64_t tsc = __rdtsc();
    // Unsigned: a counter that went backwards (another core) gives a huge difference.
    if (last.valid && tsc - last.tsc < kReuseTscTicks) return last.ms;
    last = {tsc, SystemClock().nowMs(), true};
    return last.ms;
  }
#endif
  return SystemClock().nowMs();
}

}  // namespace kafkalite::client
