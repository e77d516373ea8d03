#pragma once
// RecordPayload: the record values kafkalite-perf sends and codec_bench compresses, so that
// the compression ratios the report shows are those of the payloads the runs used.
//
// Threading: one object per thread; the pools are built once in the constructor.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

namespace kafkalite::perf {

/// The value of record i: i as 8 bytes big-endian, then size - 8 bytes of the kind:
/// - "filler": 'x' repeated (compresses to almost nothing);
/// - "text": a window into 1 MiB of JSON event lines such as an application logs
///   (timestamps, user ids, event names, paths, status codes), moving with i, so records
///   differ but compress as such lines do;
/// - "random": a window into 1 MiB of pseudo-random bytes (does not compress).
/// The pools come from a fixed seed, so both clients of a comparison send the same bytes.
/// The buffer is reused: fill() copies into it and never allocates.
class RecordPayload {
 public:
  /// Throws std::invalid_argument for another kind.
  RecordPayload(std::size_t size, const std::string& kind) : value_(size, 'x') {
    if (kind == "filler") return;
    if (kind != "text" && kind != "random") {
      throw std::invalid_argument("payload: expected filler, text or random, got '" + kind + "'");
    }
    constexpr std::size_t kPoolBytes = std::size_t{1} << 20;
    std::mt19937 rng(42);
    pool_.reserve(kPoolBytes + size + 256);
    while (pool_.size() < kPoolBytes + size) {
      if (kind == "random") {
        pool_.push_back(static_cast<char>(rng()));
        continue;
      }
      static const char* const kEvents[] = {"page_view", "add_to_cart", "checkout", "login", "search"};
      static const char* const kPaths[] = {"/products/", "/cart", "/search?q=", "/account/", "/"};
      char line[256];
      const int n = std::snprintf(
          line, sizeof line, "{\"ts\":%llu,\"user\":\"u%05u\",\"event\":\"%s\",\"path\":\"%s%u\",\"status\":%u,\"ms\":%u}\n",
          1'700'000'000'000ULL + rng() % 100'000, static_cast<unsigned>(rng() % 50'000), kEvents[rng() % 5],
          kPaths[rng() % 5], static_cast<unsigned>(rng() % 10'000), rng() % 20 == 0 ? 500u : 200u,
          static_cast<unsigned>(rng() % 400));
      pool_.append(line, static_cast<std::size_t>(n));
    }
  }

  /// Writes i into the first 8 bytes and the payload window of i after them; returns the
  /// whole value. Never throws.
  const std::string& fill(uint64_t i) noexcept {
    if (!pool_.empty() && value_.size() > 8) {
      // Windows move by an odd stride, so consecutive records differ.
      const std::size_t offset = static_cast<std::size_t>((i * 4099) % (pool_.size() - value_.size()));
      std::memcpy(value_.data() + 8, pool_.data() + offset, value_.size() - 8);
    }
    for (int b = 0; b < 8; ++b) value_[static_cast<std::size_t>(b)] = static_cast<char>(i >> (56 - 8 * b));
    return value_;
  }

 private:
  std::string value_;
  std::string pool_;  ///< empty for filler
};

}  // namespace kafkalite::perf
