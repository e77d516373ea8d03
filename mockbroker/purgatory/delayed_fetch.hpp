#pragma once
/// \file
/// DelayedFetch: a Fetch waiting until min_bytes are available or max_wait_ms
/// passes (spec 4.4–4.6). Followers read up to the LEO, consumers up to the HW, so
/// LEO growth wakes followers and HW growth wakes consumers.
///
/// Threading: the owning broker's event loop.

#include "mockbroker/purgatory/delayed_operation.hpp"
#include "mockbroker/replica_types.hpp"

namespace kafkalite::mock {

class ReplicaManager;

class DelayedFetch : public DelayedOperation {
 public:
  DelayedFetch(int64_t delayMs, FetchParams params, ReplicaManager& replicaManager, FetchCallback callback);

  /// Spec 4.5: completes on a lost leadership or unknown partition, a fenced epoch, a fetch
  /// offset past the end (truncation), or once Σ min(available, partition max) >= min_bytes.
  bool tryComplete() override;
  /// Re-reads and answers with whatever is there (spec 4.6).
  void onComplete() override;
  void onExpiration() override {}

  [[nodiscard]] const FetchParams& params() const noexcept { return params_; }

 private:
  FetchParams params_;
  ReplicaManager& replicaManager_;
  FetchCallback callback_;
};

}  // namespace kafkalite::mock
