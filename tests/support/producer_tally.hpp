#pragma once
// Collects the outcome of every record a kafkalite::Producer sends: one slot per record
// index, filled by the callback on the producer's I/O thread, with a count of calls so a
// test can check "exactly once".
//
// Threading: callbacks write from the I/O thread; read after flush()/close() returned (or
// under the mutex through the accessors).

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "kafkalite/producer.hpp"

namespace kafkalite::testing {

class ProducerTally {
 public:
  struct Outcome {
    int calls = 0;
    std::error_code error;
    int32_t partition = -1;
    int64_t offset = -1;
  };

  explicit ProducerTally(std::size_t records) : outcomes_(records) {}

  /// The callback for record `index`.
  Producer::Callback callback(std::size_t index) {
    return [this, index](std::error_code ec, const RecordMetadata& md) {
      std::lock_guard lock(mutex_);
      Outcome& o = outcomes_[index];
      ++o.calls;
      o.error = ec;
      o.partition = md.partition;
      o.offset = md.offset;
      completed_.fetch_add(1, std::memory_order_release);
    };
  }

  [[nodiscard]] std::size_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }
  [[nodiscard]] Outcome at(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return outcomes_[index];
  }
  [[nodiscard]] std::size_t size() const noexcept { return outcomes_.size(); }

  /// "" when every record completed exactly once without error; else the first problem.
  [[nodiscard]] std::string firstProblem() const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < outcomes_.size(); ++i) {
      const Outcome& o = outcomes_[i];
      if (o.calls != 1) return "record " + std::to_string(i) + ": " + std::to_string(o.calls) + " callbacks";
      if (o.error) return "record " + std::to_string(i) + ": " + o.error.message();
    }
    return "";
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Outcome> outcomes_;
  std::atomic<std::size_t> completed_{0};
};

}  // namespace kafkalite::testing
