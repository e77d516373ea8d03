#include "mockbroker/replica_fetcher.hpp"

#include <algorithm>

#include "mockbroker/broker_log.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/headers.hpp"
#include "protocol/messages/fetch.hpp"
#include "protocol/messages/list_offsets.hpp"

namespace kafkalite::mock {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr int16_t kFetchVersion = 12;             // flexible, with last_fetched_epoch (spec 4.7)
constexpr int16_t kListOffsetsVersion = 4;        // with current_leader_epoch
constexpr int32_t kReplicaFetchMaxBytes = 1048576;  // replica.fetch.max.bytes (spec 4.10)
constexpr int32_t kReplicaFetchResponseMaxBytes = 10485760;
constexpr int64_t kBlockedPollMs = 20;  // how often a stalled or cut fetcher looks again
}  // namespace

ReplicaFetcher::ReplicaFetcher(asio::io_context& io, int32_t localBrokerId, int32_t leaderId,
                               const MockClusterOptions& options, Controller& controller, FaultInjector& faults,
                               ReplicaManager& replicaManager)
    : io_(io),
      localBrokerId_(localBrokerId),
      leaderId_(leaderId),
      options_(options),
      controller_(controller),
      faults_(faults),
      replicaManager_(replicaManager),
      socket_(io),
      retryTimer_(io) {}

void ReplicaFetcher::addPartition(const TopicPartition& tp) {
  partitions_[tp] = PartitionFetchState{};
  maybeFetch();
}

void ReplicaFetcher::removePartition(const TopicPartition& tp) { partitions_.erase(tp); }

void ReplicaFetcher::shutdown() {
  stopped_ = true;
  boost::system::error_code ignored;
  retryTimer_.cancel();
  socket_.close(ignored);
}

void ReplicaFetcher::wake() {
  if (blocked() && connected_) resetConnection(false);
  maybeFetch();
}

bool ReplicaFetcher::blocked() const {
  return faults_.isStalled(localBrokerId_) || faults_.isCut(localBrokerId_, leaderId_);
}

void ReplicaFetcher::retryAfter(int64_t ms) {
  if (retryArmed_ || stopped_) return;
  retryArmed_ = true;
  retryTimer_.expires_after(std::chrono::milliseconds(ms));
  retryTimer_.async_wait([self = shared_from_this()](boost::system::error_code) {
    self->retryArmed_ = false;
    self->maybeFetch();
  });
}

void ReplicaFetcher::resetConnection(bool backoff) {
  ++generation_;  // handlers of the old connection's operations now do nothing
  boost::system::error_code ignored;
  socket_.close(ignored);
  connected_ = false;
  busy_ = false;
  if (backoff) retryAfter(options_.replicaFetchBackoffMs);
}

void ReplicaFetcher::maybeFetch() {
  if (stopped_ || busy_ || partitions_.empty()) return;
  if (blocked()) {
    // A stalled follower or a cut link: nothing crosses the network until it is lifted.
    if (connected_) resetConnection(false);
    retryAfter(kBlockedPollMs);
    return;
  }
  if (!connected_) {
    connect();
    return;
  }
  sendFetch();
}

void ReplicaFetcher::connect() {
  const auto leader = controller_.broker(leaderId_);
  if (!leader || !leader->alive || leader->port == 0) {
    retryAfter(options_.replicaFetchBackoffMs);
    return;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(leader->host, ec);
  if (ec) {
    // A host name ("localhost"): resolved here, on the broker's thread, from the local resolver.
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(leader->host, std::to_string(leader->port), ec);
    if (ec || results.empty()) {
      retryAfter(options_.replicaFetchBackoffMs);
      return;
    }
    address = results.begin()->endpoint().address();
  }
  busy_ = true;
  socket_ = tcp::socket(io_);
  const uint64_t generation = ++generation_;
  socket_.async_connect(tcp::endpoint(address, leader->port), [self = shared_from_this(), generation](boost::system::error_code ec) {
    if (self->stopped_ || generation != self->generation_) return;
    self->busy_ = false;
    if (ec) {
      self->resetConnection(true);
      return;
    }
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->maybeFetch();
  });
}

void ReplicaFetcher::log(LogLevel level, const std::string& message) const {
  if (!logEnabled(options_, level)) return;
  logLine(options_, level, localBrokerId_, "replica fetcher (leader " + std::to_string(leaderId_) + "): " + message, "REPLICA");
}

bool ReplicaFetcher::sendListOffsets(int64_t nowMs) {
  protocol::ListOffsetsRequest request;
  request.replicaId = localBrokerId_;  // a follower: the leader answers with its log end offset
  for (const auto& [tp, state] : partitions_) {
    if (!state.needsLeaderEndOffset || state.delayedUntilMs > nowMs) continue;
    const Partition* partition = replicaManager_.partition(tp);
    if (partition == nullptr || partition->isLeader()) continue;
    if (request.topics.empty() || request.topics.back().name != tp.topic) request.topics.push_back({tp.topic, {}, {}});
    protocol::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
    p.partitionIndex = tp.partition;
    p.currentLeaderEpoch = partition->leaderEpoch();
    p.timestamp = -1;  // latest
    request.topics.back().partitions.push_back(p);
  }
  if (request.topics.empty()) return false;
  request_.clear();
  const protocol::RequestHeader header{protocol::ApiKey::ListOffsets, kListOffsetsVersion, ++correlationId_,
                                       "kafkalite-replica-fetcher-" + std::to_string(localBrokerId_), {}};
  if (protocol::encodeRequestFrame(header, request, request_)) return false;
  send(protocol::ApiKey::ListOffsets);
  return true;
}

void ReplicaFetcher::sendFetch() {
  const int64_t now = replicaManager_.nowMs();
  // spec 4.8: partitions that got OFFSET_OUT_OF_RANGE learn the leader's end offset first.
  if (sendListOffsets(now)) return;
  protocol::FetchRequest request;
  request.replicaId = localBrokerId_;  // spec 4.7
  request.maxWaitMs = options_.replicaFetchWaitMaxMs;
  request.minBytes = 1;
  request.maxBytes = kReplicaFetchResponseMaxBytes;
  request.isolationLevel = 0;
  request.sessionId = 0;
  request.sessionEpoch = -1;  // full fetch every time: no fetch sessions
  int64_t earliestDelay = INT64_MAX;
  for (const auto& [tp, state] : partitions_) {
    if (state.delayedUntilMs > now) {
      earliestDelay = std::min(earliestDelay, state.delayedUntilMs);
      continue;
    }
    if (state.needsLeaderEndOffset) continue;
    const Partition* partition = replicaManager_.partition(tp);
    if (partition == nullptr || partition->isLeader()) continue;
    if (request.topics.empty() || request.topics.back().topic != tp.topic) request.topics.push_back({tp.topic, {}, {}});
    protocol::FetchRequest::FetchTopic::FetchPartition p;
    p.partition = tp.partition;
    p.currentLeaderEpoch = partition->leaderEpoch();
    p.fetchOffset = partition->logEndOffset();
    p.lastFetchedEpoch = partition->log().latestEpoch();
    p.logStartOffset = partition->logStartOffset();
    p.partitionMaxBytes = kReplicaFetchMaxBytes;
    request.topics.back().partitions.push_back(p);
  }
  if (request.topics.empty()) {
    if (earliestDelay != INT64_MAX) retryAfter(std::max<int64_t>(1, earliestDelay - now));
    return;
  }
  request_.clear();
  const protocol::RequestHeader header{protocol::ApiKey::Fetch, kFetchVersion, ++correlationId_,
                                       "kafkalite-replica-fetcher-" + std::to_string(localBrokerId_), {}};
  if (protocol::encodeRequestFrame(header, request, request_)) return;
  send(protocol::ApiKey::Fetch);
}

void ReplicaFetcher::send(protocol::ApiKey api) {
  inFlightApi_ = api;
  busy_ = true;
  const uint64_t generation = generation_;
  asio::async_write(socket_, asio::buffer(request_), [self = shared_from_this(), generation](boost::system::error_code ec, std::size_t) {
    if (self->stopped_ || generation != self->generation_) return;
    if (ec) {
      self->resetConnection(true);
      return;
    }
    self->readResponse();
  });
}

void ReplicaFetcher::readResponse() {
  const uint64_t generation = generation_;
  asio::async_read(socket_, asio::buffer(sizeBuffer_), [self = shared_from_this(), generation](boost::system::error_code ec, std::size_t) {
    if (self->stopped_ || generation != self->generation_) return;
    const auto size = static_cast<int32_t>(protocol::detail::loadBigEndian(self->sizeBuffer_, 4));
    if (ec || size < 4 || size > kReplicaFetchResponseMaxBytes + (1 << 20)) {
      self->resetConnection(true);
      return;
    }
    // Uninitialised: a multi-megabyte response is overwritten by the read anyway, and
    // zero-filling it was 5% of the broker's samples under replication.
    const auto length = static_cast<std::size_t>(size);
    std::shared_ptr<uint8_t[]> frame = std::make_shared_for_overwrite<uint8_t[]>(length);
    asio::async_read(self->socket_, asio::buffer(frame.get(), length), [self, frame, length, generation](
                                                                           boost::system::error_code ec, std::size_t) {
      if (self->stopped_ || generation != self->generation_) return;
      if (ec) {
        self->resetConnection(true);
        return;
      }
      self->handleResponse(std::span<const uint8_t>(frame.get(), length), frame);
    });
  });
}

void ReplicaFetcher::handleResponse(std::span<const uint8_t> frame, const std::shared_ptr<const void>& frameOwner) {
  busy_ = false;
  protocol::Reader in(frame);
  protocol::ResponseHeader header;
  const int16_t version = inFlightApi_ == protocol::ApiKey::Fetch ? kFetchVersion : kListOffsetsVersion;
  if (!protocol::decodeResponseHeader(in, header, protocol::responseHeaderVersion(inFlightApi_, version)) ||
      header.correlationId != correlationId_) {
    log(LogLevel::Warning, "undecodable response header; reconnecting");
    resetConnection(true);
    return;
  }
  try {
    const bool handled = inFlightApi_ == protocol::ApiKey::Fetch ? handleFetchResponse(in, frameOwner)
                                                                 : handleListOffsetsResponse(in);
    if (!handled) return;  // the connection was reset
  } catch (const std::exception& e) {
    // Not reached by any response the leader sends; if it were, the fetcher reconnects
    // rather than stop for good.
    log(LogLevel::Error, std::string("unexpected exception handling a response: ") + e.what() + "; reconnecting");
    resetConnection(true);
    return;
  }
  maybeFetch();
}

bool ReplicaFetcher::handleFetchResponse(protocol::Reader& in, const std::shared_ptr<const void>& frameOwner) {
  protocol::FetchResponse response;
  if (!protocol::decodeFrom(in, kFetchVersion, response)) {
    log(LogLevel::Warning, "undecodable Fetch response (" + in.error().message() + "); reconnecting");
    resetConnection(true);
    return false;
  }
  const int64_t now = replicaManager_.nowMs();
  const int64_t backoffUntil = now + options_.replicaFetchBackoffMs;
  for (const auto& topic : response.responses) {
    for (const auto& pd : topic.partitions) {
      const TopicPartition tp{topic.topic, pd.partitionIndex};
      const auto state = partitions_.find(tp);
      Partition* partition = replicaManager_.partition(tp);
      // Leadership may have moved while the fetch was in flight.
      if (state == partitions_.end() || partition == nullptr || partition->isLeader() ||
          partition->leaderId() != leaderId_) {
        continue;
      }
      switch (static_cast<ErrorCode>(pd.errorCode)) {
        case ErrorCode::NONE: {
          if (pd.divergingEpoch.epoch >= 0 || pd.divergingEpoch.endOffset >= 0) {
            // KIP-320: truncate to where both logs agree, then fetch again.
            const auto ours = partition->log().endOffsetForEpoch(pd.divergingEpoch.epoch);
            int64_t to = pd.divergingEpoch.endOffset;
            if (ours) to = std::min(to, ours->endOffset);
            if (!ours) to = std::min(to, partition->logStartOffset());
            partition->truncateTo(to);
            break;
          }
          if (pd.records.present && !pd.records.bytes.empty()) {
            // Kept in the frame, not copied.
            const LogAppendInfo appended = partition->appendRecordsAsFollower(pd.records.bytes, frameOwner);
            if (appended.error != ErrorCode::NONE) {
              // Kafka's AbstractFetcherThread logs it and marks the partition failed for a while.
              log(LogLevel::Error, "cannot append what was fetched for " + tp.toString() + " at offset " +
                                       std::to_string(partition->logEndOffset()) + ": " +
                                       std::string(errorName(appended.error)) + ": " + appended.errorMessage +
                                       "; backing off");
              state->second.delayedUntilMs = backoffUntil;
              break;
            }
          }
          partition->updateFollowerHighWatermark(pd.highWatermark, pd.logStartOffset);  // spec 2.5
          break;
        }
        case ErrorCode::OFFSET_OUT_OF_RANGE:
          // spec 4.8: the leader's log end offset decides (ListOffsets before the next fetch).
          state->second.needsLeaderEndOffset = true;
          state->second.leaderLogStartOffset = pd.logStartOffset;
          break;
        default:
          // spec 4.8: NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH, FENCED_LEADER_EPOCH, unknown
          // topic: back off until the controller's new state arrives.
          state->second.delayedUntilMs = backoffUntil;
          break;
      }
    }
  }
  return true;
}

bool ReplicaFetcher::handleListOffsetsResponse(protocol::Reader& in) {
  protocol::ListOffsetsResponse response;
  if (!protocol::decodeFrom(in, kListOffsetsVersion, response)) {
    log(LogLevel::Warning, "undecodable ListOffsets response (" + in.error().message() + "); reconnecting");
    resetConnection(true);
    return false;
  }
  const int64_t backoffUntil = replicaManager_.nowMs() + options_.replicaFetchBackoffMs;
  for (const auto& topic : response.topics) {
    for (const auto& p : topic.partitions) {
      const TopicPartition tp{topic.name, p.partitionIndex};
      const auto state = partitions_.find(tp);
      Partition* partition = replicaManager_.partition(tp);
      if (state == partitions_.end() || !state->second.needsLeaderEndOffset || partition == nullptr ||
          partition->isLeader() || partition->leaderId() != leaderId_) {
        continue;
      }
      if (static_cast<ErrorCode>(p.errorCode) != ErrorCode::NONE) {
        state->second.delayedUntilMs = backoffUntil;  // asked again after the backoff
        continue;
      }
      state->second.needsLeaderEndOffset = false;
      // Kafka's AbstractFetcherThread.fetchOffsetAndTruncate (spec 4.8).
      const int64_t leaderEndOffset = p.offset;
      const int64_t localEndOffset = partition->logEndOffset();
      if (leaderEndOffset < localEndOffset) {
        log(LogLevel::Warning, "truncating " + tp.toString() + " from " + std::to_string(localEndOffset) +
                                " to the leader's log end offset " + std::to_string(leaderEndOffset));
        partition->truncateTo(leaderEndOffset);
      } else if (state->second.leaderLogStartOffset > localEndOffset) {
        // Behind the leader's log start: everything here is stale.
        partition->truncateFullyAndStartAt(state->second.leaderLogStartOffset);
      }
    }
  }
  return true;
}

}  // namespace kafkalite::mock
