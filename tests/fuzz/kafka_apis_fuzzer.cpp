// Fuzz target: KafkaApis::handle over an in-process broker, bytes in, response or close out.
//
// Broker 1 of a three-broker cluster (the controller knows brokers 1-3, all alive; only
// broker 1 runs) hosts topic "t" (3 partitions, replication factor 3: it leads one and follows
// two) and "solo" (1 partition, replication factor 1); auto-creation is on, so a Metadata
// request may create topics. There are no sockets and the clock is a variable: each request
// frame is handed to KafkaApis as the connection would hand it, then the clock moves 5 ms and
// the broker's periodic work runs (purgatory expiry, ISR shrink), and controller decisions run
// after the request that caused them, as on the broker's event loop. Follower fetches (a
// replica id of 2 or 3) move followers and the high watermark, so acks=-1 produces can
// complete as well as expire.
//
// The input is what a client writes on one connection: size-prefixed request frames back to
// back (a size larger than the bytes left takes the rest). As on a connection, a size below 8
// or above socket.request.max.bytes, a header that does not decode, or a request the broker
// answers by closing, ends the connection: later frames are not read.
//
// Checked: nothing throws or crashes; every request read completes exactly once, with a
// response frame, no response (acks=0) or a close, once the clock has passed every timeout;
// every response frame has a correct size prefix, a header in the version its API uses, the
// request's correlation id, and a body our codec decodes at the request's version.
// KAFKALITE_FUZZ_TRACE=1 prints each request's outcome (to read a replayed input).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "mockbroker/controller.hpp"
#include "mockbroker/fault_injector.hpp"
#include "mockbroker/group/group_coordinator.hpp"
#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "mockbroker/socket_server.hpp"
#include "protocol/headers.hpp"

namespace kafkalite::fuzz {
namespace {

using mock::TopicPartition;

constexpr int64_t kStartMs = 1'000'000'000;  // far from zero, as wall-clock time is
constexpr int32_t kBrokerId = 1;
constexpr int64_t kStepMs = 5;

/// How one request ended.
struct Outcome {
  enum class Kind { Pending, Response, Nothing, Close };
  Kind kind = Kind::Pending;
  int completions = 0;
  std::vector<uint8_t> frame;
};

/// Records what the broker answers, by request slot.
class RecordingSink : public mock::ResponseSink {
 public:
  std::vector<Outcome> outcomes;

  void complete(uint64_t slot, std::vector<uint8_t> bytes, bool closeAfter) override {
    Outcome& o = at(slot);
    o.kind = closeAfter ? Outcome::Kind::Close : bytes.empty() ? Outcome::Kind::Nothing : Outcome::Kind::Response;
    FUZZ_CHECK(!(closeAfter && !bytes.empty()), "a close with a response frame");
    o.frame = std::move(bytes);
  }
  void complete(uint64_t slot, protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>>) override {
    Outcome& o = at(slot);
    o.kind = Outcome::Kind::Response;
    o.frame = frame.flatten();
  }

 private:
  Outcome& at(uint64_t slot) {
    FUZZ_CHECK(slot < outcomes.size(), "an answer for a request never made: slot " + std::to_string(slot));
    Outcome& o = outcomes[static_cast<std::size_t>(slot)];
    ++o.completions;
    FUZZ_CHECK(o.completions == 1, "request " + std::to_string(slot) + " answered twice");
    return o;
  }
};

/// The controller's decisions for broker 1, queued: the controller calls with its mutex held,
/// so they run after the current request, as a post to the event loop would.
class QueuedListener : public mock::ControllerListener {
 public:
  struct Decision {
    TopicPartition tp;
    std::optional<mock::LeaderAndIsr> state;  // none: StopReplica
    mock::TopicConfig config;
    bool deletePartition = false;
  };
  std::vector<Decision> queue;
  void onLeaderAndIsr(const TopicPartition& tp, const mock::LeaderAndIsr& state, const mock::TopicConfig& config) override {
    queue.push_back({tp, state, config});
  }
  void onStopReplica(const TopicPartition& tp, bool deletePartition) override {
    queue.push_back({tp, std::nullopt, {}, deletePartition});
  }
};

mock::MockClusterOptions clusterOptions() {
  mock::MockClusterOptions o;
  o.brokers = 3;
  o.autoCreateTopics = true;
  o.defaultPartitions = 2;
  o.defaultReplicationFactor = 3;
  o.replicaLagTimeMaxMs = 200;  // short, so ISR shrinks happen within an input
  o.messageMaxBytes = 64 * 1024;
  o.socketRequestMaxBytes = 1024 * 1024;
  o.retentionBytes = 4096;  // so retention runs too
  o.maxDecompressedBatchBytes = 1 << 20;  // decompression bombs stop early
  return o;
}

/// Broker 1's request path without its sockets, on a clock the harness moves.
class Broker {
 public:
  Broker() : options_(clusterOptions()), controller_(options_) {
    storage_.logConfig.retentionBytes = options_.retentionBytes;
    storage_.logConfig.maxMessageBytes = options_.messageMaxBytes;
    storage_.logConfig.maxDecompressedBatchBytes = options_.maxDecompressedBatchBytes;
    for (int32_t id = 1; id <= 3; ++id) {
      controller_.registerBroker(id, "127.0.0.1", static_cast<uint16_t>(9090 + id), id == kBrokerId ? &listener_ : nullptr);
    }
    for (int32_t id = 1; id <= 3; ++id) controller_.brokerStarted(id);
    controller_.createTopic(mock::TopicSpec{"t", 3, 3, std::nullopt});
    controller_.createTopic(mock::TopicSpec{"solo", 1, 1, std::nullopt});
    replicaManager_ = std::make_unique<mock::ReplicaManager>(
        kBrokerId, options_, storage_, controller_, [this] { return now_; }, [](const TopicPartition&, int32_t) {});
    // The group coordinator, wired as a broker wires it: it serves the groups whose
    // __consumer_offsets partitions this broker leads.
    groups_ = std::make_unique<mock::GroupCoordinator>(options_, *replicaManager_, [this] { return now_; },
                                                       [this] { return now_; });
    replicaManager_->setGroupMetadataListener([this](int32_t partition, bool isLeader, int32_t epoch) {
      if (isLeader) {
        groups_->onElection(partition, epoch);
      } else {
        groups_->onResignation(partition, epoch);
      }
    });
    apis_ = std::make_unique<mock::KafkaApis>(
        mock::BrokerContext{kBrokerId, options_, controller_, faults_, *replicaManager_, *groups_, io_});
    applyDecisions();
  }
  ~Broker() {
    groups_->shutdown();
    replicaManager_->shutdown();
  }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  /// Hands one request to KafkaApis, then runs what the event loop would run next.
  void handle(mock::Request request) {
    apis_->handle(std::move(request));
    settle(kStepMs);
  }

  /// Moves the clock by `ms` and runs the broker's periodic work and queued decisions.
  void settle(int64_t ms) {
    applyDecisions();
    now_ += ms;
    replicaManager_->tick();
    groups_->tick();
    io_.poll();
    applyDecisions();
  }

 private:
  void applyDecisions() {
    while (!listener_.queue.empty()) {
      auto queued = std::move(listener_.queue);
      listener_.queue.clear();
      for (const auto& d : queued) {
        if (d.state) {
          replicaManager_->becomeLeaderOrFollower(d.tp, *d.state, d.config);
        } else {
          replicaManager_->stopReplica(d.tp, d.deletePartition);
        }
      }
    }
  }

  mock::MockClusterOptions options_;
  mock::Controller controller_;
  mock::FaultInjector faults_;
  mock::BrokerStorage storage_;
  QueuedListener listener_;
  boost::asio::io_context io_;
  int64_t now_ = kStartMs;
  std::unique_ptr<mock::ReplicaManager> replicaManager_;
  std::unique_ptr<mock::GroupCoordinator> groups_;
  std::unique_ptr<mock::KafkaApis> apis_;
};

/// Checks one response frame against the request it answers.
void checkResponse(const protocol::RequestHeader& request, const std::vector<uint8_t>& frame) {
  const std::string what = std::string(protocol::apiKeyName(request.apiKey)) + " v" + std::to_string(request.apiVersion);
  FUZZ_CHECK(frame.size() >= 8, what + ": response frame of " + std::to_string(frame.size()) + " bytes");
  const auto size = static_cast<uint32_t>(protocol::detail::loadBigEndian(frame.data(), 4));
  FUZZ_CHECK(size == frame.size() - 4, what + ": size prefix " + std::to_string(size) + " for " +
                                           std::to_string(frame.size() - 4) + " bytes");
  withMessageType<ResponseTypes>(static_cast<int16_t>(request.apiKey), [&](auto message) {
    using M = decltype(message);
    FUZZ_CHECK(M::kApiKey == request.apiKey, what + ": a response to an API the broker does not serve");
    // An ApiVersions request of a version the broker lacks is answered in a v0 body.
    const int16_t version = M::kValidVersions.contains(request.apiVersion) ? request.apiVersion : 0;
    protocol::Reader in(std::span<const uint8_t>(frame).subspan(4));
    protocol::ResponseHeader header;
    FUZZ_CHECK(protocol::decodeResponseHeader(in, header, protocol::responseHeaderVersion(M::kApiKey, version)),
               what + ": response header: " + in.error().message());
    FUZZ_CHECK(header.correlationId == request.correlationId, what + ": correlation id " +
                                                                  std::to_string(header.correlationId) + ", expected " +
                                                                  std::to_string(request.correlationId));
    const auto body = std::span<const uint8_t>(frame).subspan(frame.size() - in.remaining());
    const auto error = protocol::decode(body, version, message);
    FUZZ_CHECK(!error, what + ": response body: " + (error ? error->message() : ""));
  });
}

}  // namespace
}  // namespace kafkalite::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kafkalite;
  using fuzz::Outcome;
  const int32_t maxFrameBytes = fuzz::clusterOptions().socketRequestMaxBytes;
  auto sink = std::make_shared<fuzz::RecordingSink>();
  std::vector<protocol::RequestHeader> headers;
  {
    fuzz::Broker broker;
    std::size_t at = 0;
    while (size - at >= 4) {
      const auto declared = static_cast<int32_t>(protocol::detail::loadBigEndian(data + at, 4));
      at += 4;
      // As Connection::readSize: a size that cannot be a request closes the connection.
      if (declared < 8 || declared > maxFrameBytes) break;
      const std::size_t length = std::min(static_cast<std::size_t>(declared), size - at);
      std::shared_ptr<uint8_t[]> frame = std::make_shared<uint8_t[]>(length);
      std::copy(data + at, data + at + length, frame.get());
      at += length;
      const std::span<const uint8_t> bytes(frame.get(), length);
      protocol::Reader reader(bytes);
      mock::Request request;
      if (!protocol::decodeRequestHeader(reader, request.header)) break;  // as Connection::readFrame
      request.body = bytes.subspan(length - reader.remaining());
      request.frame = frame;
      const uint64_t slot = sink->outcomes.size();
      sink->outcomes.emplace_back();
      headers.push_back(request.header);
      request.responder = mock::Responder(sink, slot);
      broker.handle(std::move(request));
      if (sink->outcomes[slot].kind == Outcome::Kind::Close) break;
    }
    // Past every timeout a request can ask for (int32 milliseconds), in steps so each
    // expiry and ISR shrink runs at its time.
    for (const int64_t step : {int64_t{100}, int64_t{1000}, int64_t{60'000}, int64_t{1} << 31, int64_t{1} << 31}) {
      broker.settle(step);
    }
  }
  static const bool trace = std::getenv("KAFKALITE_FUZZ_TRACE") != nullptr;
  for (std::size_t i = 0; i < sink->outcomes.size(); ++i) {
    const Outcome& o = sink->outcomes[i];
    const auto& h = headers[i];
    const std::string what = "request " + std::to_string(i) + " (" + std::string(protocol::apiKeyName(h.apiKey)) +
                             " v" + std::to_string(h.apiVersion) + ")";
    if (trace) {
      static constexpr const char* kKinds[] = {"pending", "response", "no response", "close"};
      std::fprintf(stderr, "%s: %s %s\n", what.c_str(), kKinds[static_cast<int>(o.kind)],
                   fuzz::hexPrefix(o.frame.data(), o.frame.size(), 48).c_str());
    }
    FUZZ_CHECK(o.kind != Outcome::Kind::Pending, what + " was never answered");
    if (o.kind == Outcome::Kind::Response) fuzz::checkResponse(h, o.frame);
  }
  return 0;
}
