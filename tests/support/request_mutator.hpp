#pragma once
// Well-formed request frames of every API and version a kafkalite broker serves, and the
// ways a broken or hostile client garbles them: bit flips, overwritten bytes, length fields
// that lie, truncations (with and without a matching size prefix), size prefixes that lie,
// random API keys and versions, inserted and spliced bytes. Deterministic for a seed, so a
// failing run is reproduced with the seed it prints.
//
// Threading: a RequestMutator is used by one thread.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"
#include "support/kafka_messages.hpp"

namespace kafkalite::testing {

class RequestMutator {
 public:
  /// Topics the valid requests name: `existing` (created by the test), a name the broker
  /// auto-creates, Kafka's longest legal name (249 characters) and one a character longer.
  RequestMutator(uint64_t seed, const std::string& existing) : rng_(seed) {
    const auto records = makeBatch({{"key", "value", std::nullopt, {{"h", "v"}}}, {std::nullopt, "v2", std::nullopt, {}}},
                                   BatchOptions{1'700'000'000'000, -1, -1, -1});
    const auto idempotent = makeValueBatch({"idem"}, BatchOptions{1'700'000'000'000, 1000, 0, 0});
    records_.push_back(records);
    records_.push_back(idempotent);
    const std::vector<std::string> topics = {existing, "mutated-auto", std::string(249, 'x'), std::string(250, 'y')};
    for (int16_t v = 0; v <= 12; ++v) {
      add(metadataRequest(std::vector<std::string>{existing, topics[1 + v % 3]}, true), v);
      add(metadataRequest(std::nullopt), v);
    }
    for (int16_t v = 0; v <= 9; ++v) {
      for (const int16_t acks : {int16_t{1}, int16_t{-1}, int16_t{0}}) {
        add(produceRequest(existing, v % 3, records_[0], acks, 500), v);
      }
      add(produceRequest(topics[1], 0, records_[1], -1, 500), v);
    }
    for (int16_t v = 4; v <= 12; ++v) {
      add(fetchRequest(existing, v % 3, 0, 0, 1), v);
      auto follower = fetchRequest(existing, v % 3, 1, 100, 1);
      follower.replicaId = 2;
      add(follower, v);
    }
    for (int16_t v = 1; v <= 7; ++v) {
      for (const int64_t ts : {int64_t{-1}, int64_t{-2}, int64_t{-3}, int64_t{1'700'000'000'000}}) {
        add(listOffsetsRequest(existing, v % 3, ts), v);
      }
    }
    protocol::InitProducerIdRequest init;
    init.transactionalId.reset();
    for (int16_t v = 0; v <= 4; ++v) add(init, v);
    protocol::FindCoordinatorRequest coordinator;
    coordinator.key = "group";
    for (int16_t v = 0; v <= 2; ++v) add(coordinator, v);
    protocol::ApiVersionsRequest apiVersions;
    apiVersions.clientSoftwareName = "mutator";
    apiVersions.clientSoftwareVersion = "1";
    for (int16_t v = 0; v <= 3; ++v) add(apiVersions, v);
  }

  /// A valid frame (size prefix included) of a random API and version.
  std::vector<uint8_t> validFrame() { return valid_[pick(valid_.size())]; }

  /// A valid frame garbled by one to three mutations; `how` names them.
  std::vector<uint8_t> mutatedFrame(std::string& how) {
    std::vector<uint8_t> f = validFrame();
    how.clear();
    const int count = 1 + static_cast<int>(pick(3));
    for (int i = 0; i < count; ++i) how += (how.empty() ? "" : "+") + mutate(f);
    return f;
  }

  /// A number in [0, n).
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

  [[nodiscard]] std::size_t validFrames() const noexcept { return valid_.size(); }

 private:
  template <class M>
  void add(const M& message, int16_t version) {
    if (!M::kValidVersions.contains(version)) return;
    std::vector<uint8_t> frame;
    const protocol::RequestHeader header{M::kApiKey, version, static_cast<int32_t>(valid_.size() + 1), "mutator", {}};
    if (!protocol::encodeRequestFrame(header, message, frame)) valid_.push_back(std::move(frame));
  }

  static void putBE(std::vector<uint8_t>& f, std::size_t at, uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n && at + i < f.size(); ++i) f[at + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
  }
  static void fixSize(std::vector<uint8_t>& f) { putBE(f, 0, f.size() - 4, 4); }

  std::string mutate(std::vector<uint8_t>& f) {
    if (f.size() < 5) {
      f.resize(5 + pick(20));
      for (std::size_t i = 4; i < f.size(); ++i) f[i] = static_cast<uint8_t>(rng_());
      fixSize(f);
      return "noise";
    }
    const std::size_t bodyAt = 4 + pick(f.size() - 4);  // anywhere after the size prefix
    switch (pick(9)) {
      case 0: {
        const int bits = 1 + static_cast<int>(pick(8));
        for (int i = 0; i < bits; ++i) f[4 + pick(f.size() - 4)] ^= static_cast<uint8_t>(1u << pick(8));
        return "bitflips";
      }
      case 1: {
        static constexpr uint8_t kBytes[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
        const int n = 1 + static_cast<int>(pick(4));
        for (int i = 0; i < n; ++i) f[4 + pick(f.size() - 4)] = kBytes[pick(std::size(kBytes))];
        return "bytes";
      }
      case 2: {  // a length or count field that lies
        static constexpr uint32_t kLies[] = {0, 1, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000, 0x00007fff,
                                             0x00008000, 0x0000ffff, 0x00010000, 0x01000000};
        const uint32_t lie = pick(4) == 0 ? static_cast<uint32_t>(rng_()) : kLies[pick(std::size(kLies))];
        putBE(f, bodyAt, pick(2) == 0 ? (lie & 0xffff) : lie, pick(2) == 0 ? 2 : 4);
        return "length-lie";
      }
      case 3:  // cut short, the size prefix agreeing
        f.resize(4 + pick(f.size() - 4));
        fixSize(f);
        return "truncated";
      case 4: {  // the size prefix lies (the broker waits for bytes that never come, or reads short)
        static constexpr uint32_t kSizes[] = {0, 7, 8, 0xffffffff, 0x80000000, 0x7fffffff, 0x06400001, 0x00100000};
        const uint32_t size = pick(3) == 0 ? static_cast<uint32_t>(f.size() - 4 + pick(64)) - 32
                                           : kSizes[pick(std::size(kSizes))];
        putBE(f, 0, size, 4);
        return "size-lie";
      }
      case 5: {  // another API and version
        const int16_t key = pick(3) == 0 ? static_cast<int16_t>(rng_()) : static_cast<int16_t>(pick(70));
        const int16_t version = pick(3) == 0 ? static_cast<int16_t>(rng_()) : static_cast<int16_t>(pick(16)) - 1;
        const std::size_t which = pick(3);  // 0: key only, 1: version only, 2: both
        if (which != 1) putBE(f, 4, static_cast<uint16_t>(key), 2);
        if (which != 0) putBE(f, 6, static_cast<uint16_t>(version), 2);
        return "api-and-version";
      }
      case 6: {  // bytes inserted
        const std::size_t n = 1 + pick(pick(2) == 0 ? 8 : 300);
        std::vector<uint8_t> junk(n);
        for (auto& b : junk) b = static_cast<uint8_t>(rng_());
        f.insert(f.begin() + static_cast<std::ptrdiff_t>(bodyAt), junk.begin(), junk.end());
        if (pick(2) == 0) fixSize(f);
        return "inserted";
      }
      case 7: {  // the tail of another request spliced in
        const auto& other = valid_[pick(valid_.size())];
        const std::size_t from = 4 + pick(other.size() - 4);
        f.resize(bodyAt);
        f.insert(f.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        fixSize(f);
        return "spliced";
      }
      default: {  // bytes removed
        const std::size_t n = 1 + pick(std::min<std::size_t>(16, f.size() - bodyAt));
        f.erase(f.begin() + static_cast<std::ptrdiff_t>(bodyAt),
                f.begin() + static_cast<std::ptrdiff_t>(std::min(f.size(), bodyAt + n)));
        fixSize(f);
        return "removed";
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::vector<uint8_t>> records_;  // the valid frames' record sets
  std::vector<std::vector<uint8_t>> valid_;
};

}  // namespace kafkalite::testing
