#pragma once
// What the librdkafka golden tests share: CapturedRequests keeps the first frame a client
// sent of each API, and decodeAndCheckReencode checks our codec against a captured frame.
//
// Threading: CapturedRequests is written by the sniff server's thread and read by the test's;
// it locks internally.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"

namespace kafkalite::protocol {

/// The first request frame (without its size prefix) of each API.
class CapturedRequests {
 public:
  /// Keeps `frame` unless a frame of `key` is kept already.
  void store(ApiKey key, std::span<const uint8_t> frame) {
    {
      std::lock_guard lock(mutex_);
      captured_.try_emplace(key, frame.begin(), frame.end());
    }
    cv_.notify_all();
  }
  /// Waits until every API in `keys` has been captured, or the deadline passes.
  bool waitFor(std::initializer_list<ApiKey> keys, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (ApiKey k : keys) {
        if (!captured_.contains(k)) return false;
      }
      return true;
    });
  }
  /// The frame of `key`; throws std::out_of_range if none came.
  std::vector<uint8_t> frame(ApiKey key) {
    std::lock_guard lock(mutex_);
    return captured_.at(key);
  }
  /// Every frame kept so far.
  std::map<ApiKey, std::vector<uint8_t>> all() {
    std::lock_guard lock(mutex_);
    return captured_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<ApiKey, std::vector<uint8_t>> captured_;
};

/// Decodes a request at its header's version (checked against `expectedVersion` when
/// given), checks that nothing is left and that our encoder writes the captured frame back
/// byte for byte.
template <class M>
M decodeAndCheckReencode(const std::vector<uint8_t>& frame, std::optional<int16_t> expectedVersion = std::nullopt) {
  Reader in(frame);
  RequestHeader header;
  EXPECT_TRUE(decodeRequestHeader(in, header)) << in.error().message();
  if (expectedVersion) EXPECT_EQ(header.apiVersion, *expectedVersion) << M::kName;
  M body{};
  EXPECT_TRUE(decodeFrom(in, header.apiVersion, body)) << in.error().message();
  EXPECT_TRUE(in.empty()) << in.remaining() << " bytes left after " << M::kName;
  std::vector<uint8_t> again;
  EXPECT_FALSE(encodeRequestFrame(header, body, again));
  // encodeRequestFrame adds the size prefix the captured frame no longer has.
  EXPECT_EQ(std::vector<uint8_t>(again.begin() + 4, again.end()), frame) << M::kName << " v" << header.apiVersion;
  return body;
}

}  // namespace kafkalite::protocol
