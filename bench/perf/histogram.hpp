#pragma once
// LatencyHistogram: a fixed-memory log-linear histogram of microsecond latencies, so
// that a run of any length costs the same ~60 KB (a vector per record would cost 8 bytes
// times the record count).
//
// Buckets: values below 256 have one bucket each (exact); above, every power of two
// [2^p, 2^(p+1)) is split into 128 equal buckets, so a reported percentile is at most
// 1/128 (0.8 %) above the true value. Percentiles report the highest value of their
// bucket (never an underestimate); max() is exact.
//
// Threading: record() from one thread at a time (the client's callback thread); read
// the results after that thread has stopped or been joined (happens-before).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace kafkalite::perf {

class LatencyHistogram {
 public:
  /// Counts one value. Never throws, never allocates.
  void record(uint64_t value) noexcept {
    ++counts_[indexOf(value)];
    ++count_;
    max_ = std::max(max_, value);
  }

  /// Number of values recorded.
  [[nodiscard]] uint64_t count() const noexcept { return count_; }
  /// Largest value recorded (exact); 0 when empty.
  [[nodiscard]] uint64_t max() const noexcept { return max_; }

  /// The smallest bucket bound B such that at least `quantile` (0..1] of the values are
  /// <= B, capped at max(); 0 when empty.
  [[nodiscard]] uint64_t percentile(double quantile) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(highestOf(i), max_);
    }
    return max_;
  }

 private:
  static constexpr unsigned kSubBits = 7;                       // 128 buckets per power of two
  static constexpr uint64_t kExactBelow = uint64_t{1} << (kSubBits + 1);  // 256
  static constexpr std::size_t kBuckets = kExactBelow + (64 - (kSubBits + 1)) * (std::size_t{1} << kSubBits);

  static std::size_t indexOf(uint64_t v) noexcept {
    if (v < kExactBelow) return static_cast<std::size_t>(v);
    const unsigned power = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits + 1
    const unsigned shift = power - kSubBits;
    const uint64_t sub = (v >> shift) & ((uint64_t{1} << kSubBits) - 1);
    return kExactBelow + (power - (kSubBits + 1)) * (std::size_t{1} << kSubBits) + sub;
  }

  static uint64_t highestOf(std::size_t index) noexcept {
    if (index < kExactBelow) return index;
    const std::size_t rest = index - kExactBelow;
    const unsigned power = static_cast<unsigned>(rest >> kSubBits) + kSubBits + 1;
    const uint64_t sub = rest & ((std::size_t{1} << kSubBits) - 1);
    const unsigned shift = power - kSubBits;
    const uint64_t low = (uint64_t{1} << power) + (sub << shift);
    return low + (uint64_t{1} << shift) - 1;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace kafkalite::perf
