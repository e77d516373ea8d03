#pragma once
/// \file
/// LatencyHistogram: round-trip times (microseconds) of one statistics window, in
/// log-linear buckets — 16 per power of two, so a percentile is within ~6% of the true
/// value — with exact count, sum, min and max. Recording is O(1) and never allocates.
///
/// Threading: one thread (the producer's I/O thread).

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace kafkalite::client {

class LatencyHistogram {
 public:
  /// Adds one value (negative values count as 0).
  void record(int64_t us) noexcept {
    const auto v = static_cast<uint64_t>(std::max<int64_t>(us, 0));
    ++counts_[indexOf(v)];
    if (count_ == 0 || static_cast<int64_t>(v) < min_) min_ = static_cast<int64_t>(v);
    max_ = std::max(max_, static_cast<int64_t>(v));
    sum_ += static_cast<int64_t>(v);
    ++count_;
  }

  [[nodiscard]] int64_t count() const noexcept { return count_; }
  [[nodiscard]] int64_t sum() const noexcept { return sum_; }
  [[nodiscard]] int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] int64_t max() const noexcept { return max_; }
  [[nodiscard]] int64_t avg() const noexcept { return count_ == 0 ? 0 : sum_ / count_; }

  /// The value below which `fraction` (0-1) of the values lie: the middle of the bucket
  /// holding that rank, kept within [min, max]. 0 when empty.
  [[nodiscard]] int64_t percentile(double fraction) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = static_cast<int64_t>(fraction * static_cast<double>(count_ - 1)) + 1;
    int64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(middleOf(i), min(), max_);
    }
    return max_;
  }

  /// Empties the window.
  void reset() noexcept { *this = LatencyHistogram(); }

 private:
  static constexpr int kSubBuckets = 16;     // per power of two
  static constexpr int kLinear = 16;         // values 0-15 have a bucket each
  static constexpr int kMaxExponent = 40;    // ~12.7 days in microseconds; larger values share the last bucket
  static constexpr std::size_t kBuckets = kLinear + (kMaxExponent - 3) * kSubBuckets;

  static std::size_t indexOf(uint64_t v) noexcept {
    if (v < kLinear) return static_cast<std::size_t>(v);
    const int exponent = std::min(63 - std::countl_zero(v), kMaxExponent);
    const uint64_t sub = (v >> (exponent - 4)) & (kSubBuckets - 1);
    return std::min<std::size_t>(kLinear + static_cast<std::size_t>(exponent - 4) * kSubBuckets + sub, kBuckets - 1);
  }
  static int64_t middleOf(std::size_t index) noexcept {
    if (index < kLinear) return static_cast<int64_t>(index);
    const int exponent = static_cast<int>((index - kLinear) / kSubBuckets) + 4;
    const auto sub = static_cast<int64_t>((index - kLinear) % kSubBuckets);
    const int64_t width = int64_t{1} << (exponent - 4);
    return (kSubBuckets + sub) * width + width / 2;
  }

  std::array<uint32_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

}  // namespace kafkalite::client
