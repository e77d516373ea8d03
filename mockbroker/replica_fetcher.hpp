#pragma once
/// \file
/// ReplicaFetcher: a follower broker's fetcher for the partitions that one leader
/// broker leads. It keeps a TCP connection to the leader and sends real
/// FetchRequests (v12, replica_id = this broker's id, spec 4.7), appends what comes
/// back, takes the high watermark and the log start offset from the response (spec 2.5),
/// truncates on a diverging epoch, and handles errors as spec 4.8 says: on
/// OFFSET_OUT_OF_RANGE it asks the leader for its log end offset (ListOffsets v4,
/// timestamp -1, as Kafka's AbstractFetcherThread.fetchOffsetAndTruncate) and truncates
/// to it when it is below ours, or restarts at the leader's log start when that is above
/// ours. A fetched batch it cannot append is logged as an error and its partition backs
/// off. Stalls and network cuts injected by tests stop it at the connection.
///
/// Threading: runs on its broker's event loop; owned through shared_ptr by the
/// broker and by its own pending asynchronous operations.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kafkalite/log.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/asio.hpp"
#include "mockbroker/topic_partition.hpp"
#include "protocol/api_key.hpp"
#include "protocol/primitives.hpp"

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
    /// OFFSET_OUT_OF_RANGE: the leader's log end offset is asked for before fetching again.
    bool needsLeaderEndOffset = false;
    int64_t leaderLogStartOffset = -1;  ///< from the response that said OFFSET_OUT_OF_RANGE
  };

  void maybeFetch();
  void connect();
  void sendFetch();
  /// ListOffsets (latest) for the partitions that need the leader's end offset; false if none.
  bool sendListOffsets(int64_t nowMs);
  void send(protocol::ApiKey api);
  void readResponse();
  /// `frameOwner` keeps `frame` alive; the logs keep the fetched batches in it.
  void handleResponse(std::span<const uint8_t> frame, const std::shared_ptr<const void>& frameOwner);
  // Both return false when they reset the connection (an undecodable response).
  bool handleFetchResponse(protocol::Reader& in, const std::shared_ptr<const void>& frameOwner);
  bool handleListOffsetsResponse(protocol::Reader& in);
  void log(LogLevel level, const std::string& message) const;
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
  protocol::ApiKey inFlightApi_ = protocol::ApiKey::Fetch;  ///< what the response in flight answers
  uint64_t generation_ = 0;  ///< bumped per connection; stale handlers compare and return
  bool connected_ = false;
  bool busy_ = false;  ///< connecting or a fetch in flight
  bool retryArmed_ = false;
  bool stopped_ = false;
};

}  // namespace kafkalite::mock
