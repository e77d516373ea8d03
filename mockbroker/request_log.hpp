#pragma once
/// \file
/// RequestLog: every request each broker of a cluster receives, the newest
/// `capacity` per broker, with when and on which connection it came, who sent it, its
/// API, version and correlation id, a decoded summary (request_summary.hpp) and how
/// it was answered (the first error code of the response). KafkaApis::handle records
/// each request and hands the log's RequestObserver to the request's Responder, which
/// reports the answer. Tests read it through MockCluster::requests and GET /v1/requests.
///
/// Threading: every member may be called from any thread; one mutex guards the log.
/// Observers keep the log's state alive, so an answer after the cluster is gone is
/// harmless.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/socket_server.hpp"

namespace kafkalite::mock {

class RequestLog {
 public:
  explicit RequestLog(std::size_t capacityPerBroker);

  /// Logs `request` as received now by broker `brokerId` and returns the observer its
  /// Responder reports the answer to; nullptr when the log is off (capacity 0).
  std::shared_ptr<RequestObserver> record(int32_t brokerId, const Request& request);

  /// The logged requests that match, oldest first.
  [[nodiscard]] std::vector<RequestRecord> requests(const RequestFilter& filter) const;
  /// The newest sequence handed out (0 before the first request).
  [[nodiscard]] uint64_t lastSequence() const;
  /// Forgets every logged request; sequences keep counting.
  void clear();

 private:
  struct State;
  class Observer;
  std::shared_ptr<State> state_;
};

}  // namespace kafkalite::mock
