#pragma once
// A Partition on broker 1 with replicas {1, 2, 3} over its own Log, and a fake time that the
// tests step by hand (no clock anywhere).

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "batch_fixtures.hpp"
#include "mockbroker/log.hpp"
#include "mockbroker/partition.hpp"

namespace kafkalite::mock::fixtures {

inline constexpr int32_t kLocal = 1;
/// Far from zero, as wall-clock time is: lastCaughtUpTimeMs 0 then means "never" (spec 2.6).
inline constexpr int64_t kT0 = 1'000'000;
inline constexpr int64_t kLag = 30000;

class PartitionFixture : public ::testing::Test {
 protected:
  void create(PartitionConfig config = {}) {
    config.replicaLagTimeMaxMs = kLag;
    partition_ = std::make_unique<Partition>(TopicPartition{"orders", 0}, kLocal, config, log_);
  }
  void SetUp() override { create(); }

  static LeaderAndIsr state(int32_t epoch, std::vector<int32_t> isr, std::vector<int32_t> replicas = {1, 2, 3},
                            int32_t leader = kLocal) {
    return LeaderAndIsr{.leader = leader, .leaderEpoch = epoch, .isr = std::move(isr), .replicas = std::move(replicas), .offlineReplicas = {}};
  }

  /// Leader append of `records` records; returns the requiredOffset (last + 1), or -1 on error.
  int64_t append(int records = 1, int16_t acks = -1, int64_t nowMs = kT0) {
    const auto result = partition_->appendRecordsToLeader(makeBatch(records), acks, nowMs);
    lastAppend_ = result;
    return result.info.error == ErrorCode::NONE ? result.info.lastOffset + 1 : -1;
  }

  Partition::FollowerFetchResult fetch(int32_t replica, int64_t fetchOffset, int64_t nowMs = kT0) {
    return partition_->updateFollowerFetchState(replica, fetchOffset, nowMs);
  }

  [[nodiscard]] const FollowerState& followerState(int32_t id) const {
    for (const auto& f : partition_->followers()) {
      if (f.brokerId == id) return f;
    }
    ADD_FAILURE() << "no follower " << id;
    static const FollowerState none;
    return none;
  }

  Partition& p() { return *partition_; }

  Log log_;
  std::unique_ptr<Partition> partition_;
  Partition::AppendResult lastAppend_;
};

}  // namespace kafkalite::mock::fixtures
