#pragma once
/// \file
/// ReplicaFetcher: a follower broker's fetcher for the partitions that one leader
/// broker leads. It keeps a TCP connection to the leader and sends real
/// FetchRequests (v12, replica_id = this broker's id, spec 4.7), appends what comes
/// back, takes the high watermark from the response (spec 2.5), truncates on a
/// diverging epoch, and handles errors as spec 4.8 says. Stalls and network cuts
/// injected by tests stop it at the connection.
///
/// Threading: runs on its broker's event loop; owned through shared_ptr by the
/// broker and by its own pending asynchronous operations.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "mockbroker/asio.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/topic_partition.hpp"

namespace kafkalite::mock {

class Controller;
class FaultInjector;
class ReplicaManager;

class ReplicaFetcher : public std::enable_shared_from_this<ReplicaFetcher> {
 public:
  ReplicaFetcher(boost::asio::io_context& io, int32_t localBrokerId, int32_t leaderId,
                 const MockClusterOptions& options, Controller& controller, FaultInjector& faults,
                 ReplicaManager& replicaManager);

  void addPartition(const TopicPartition& tp);
  void removePartition(const TopicPartition& tp);
  [[nodiscard]] bool empty() const noexcept { return partitions_.empty(); }
  [[nodiscard]] int32_t leaderId() const noexcept { return leaderId_; }
  /// Closes the connection and stops for good.
  void shutdown();
  /// Re-checks stalls and cuts now (after a test changed them).
  void wake();

 private:
  struct PartitionFetchState {
    int64_t delayedUntilMs = 0;  ///< backing off after an error (spec 4.8)
  };

  void maybeFetch();
  void connect();
  void sendFetch();
  void readResponse();
  /// `frameOwner` keeps `frame` alive; the logs keep the fetched batches in it.
  void handleResponse(std::span<const uint8_t> frame, const std::shared_ptr<const void>& frameOwner);
  void resetConnection(bool backoff);
  void retryAfter(int64_t ms);
  [[nodiscard]] bool blocked() const;

  boost::asio::io_context& io_;
  int32_t localBrokerId_;
  int32_t leaderId_;
  const MockClusterOptions& options_;
  Controller& controller_;
  FaultInjector& faults_;
  ReplicaManager& replicaManager_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer retryTimer_;
  std::map<TopicPartition, PartitionFetchState> partitions_;
  std::vector<uint8_t> request_;
  uint8_t sizeBuffer_[4] = {};
  int32_t correlationId_ = 0;
  uint64_t generation_ = 0;  ///< bumped per connection; stale handlers compare and return
  bool connected_ = false;
  bool busy_ = false;  ///< connecting or a fetch in flight
  bool retryArmed_ = false;
  bool stopped_ = false;
};

}  // namespace kafkalite::mock
