#pragma once
/// \file
/// BrokerConnection: one connection to one broker, as the Sender sees it: connect (with
/// ApiVersions negotiation), send request frames, get each response frame or an error.
/// AsioBrokerConnection is the TCP implementation; tests use fakes.
///
/// Contract of every implementation:
/// - State: Disconnected → connect() → Connecting → Ready (ApiVersions done), or Failed
///   (lastError() says why). connect() on a Failed connection reconnects once its
///   reconnect backoff has passed, else does nothing; on Connecting or Ready it does nothing.
/// - send() only when Ready. Responses arrive in request order (Kafka answers in order per
///   connection). Each handler is called exactly once: with the response body (after the
///   response header) when one was expected, with an empty body once the frame is written
///   when none was expected (acks = 0), or with an error (ClientError::Disconnected,
///   Malformed, ...). Never from inside send() or close().
/// - close(): drops the connection; handlers of unanswered requests get
///   ClientError::Disconnected; the state becomes Disconnected.
/// - deliverReceived(): hands every response already received — read from the socket
///   without blocking — to its handler before returning, so that a caller about to
///   declare a request timed out never does so while its answer sits unread (Java's
///   NetworkClient handles completed receives before timed-out requests). Handlers may
///   run inside it; the connection may be dropped by them.
///
/// Threading: the I/O thread only; handlers run on it.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include "client/request_frame.hpp"
#include "kafkalite/error.hpp"
#include "kafkalite/producer_config.hpp"
#include "protocol/api_key.hpp"

namespace kafkalite::client {

enum class ConnectionState : uint8_t { Disconnected, Connecting, Ready, Failed };

/// What a connection counts over its life (statistics).
struct ConnectionCounters {
  int64_t connects = 0;        ///< connection attempts started
  int64_t disconnects = 0;     ///< Ready connections lost or closed
  int64_t stateSinceMs = 0;    ///< monotonic time of the last state change
  bool everReady = false;      ///< it was Ready at least once
};

/// The outcome of one request: an error, or the response body (valid during the call).
using ResponseHandler = std::function<void(std::error_code, std::span<const uint8_t> body)>;

class BrokerConnection {
 public:
  virtual ~BrokerConnection() = default;
  /// The broker's node id (negative for a bootstrap address).
  [[nodiscard]] virtual int32_t nodeId() const noexcept = 0;
  [[nodiscard]] virtual ConnectionState state() const noexcept = 0;
  /// Why the connection is Failed (ConnectionFailed, UnsupportedVersion, ...).
  [[nodiscard]] virtual std::error_code lastError() const noexcept = 0;
  /// Starts connecting (see the contract above).
  virtual void connect() = 0;
  /// The negotiated version of `key`: the highest both sides support (Produce 3-9,
  /// Metadata 0-12); -1 when none or not Ready.
  [[nodiscard]] virtual int16_t apiVersion(protocol::ApiKey key) const noexcept = 0;
  /// Requests sent and not yet completed.
  [[nodiscard]] virtual std::size_t inFlight() const noexcept = 0;
  /// Writes `frame`; `handler` gets the outcome (see the contract above).
  virtual void send(RequestFrame frame, bool expectResponse, ResponseHandler handler) = 0;
  /// Drops the connection (see the contract above).
  virtual void close() = 0;
  /// Delivers the responses already received (see the contract above).
  virtual void deliverReceived() = 0;
  /// Its counters; zeros for a connection that keeps none.
  [[nodiscard]] virtual ConnectionCounters counters() const noexcept { return {}; }
  /// "host:port" of the broker, for logs and statistics (empty if unknown).
  [[nodiscard]] virtual std::string address() const { return {}; }
};

/// Makes connections; the Sender asks for one per broker it talks to.
class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;
  /// A Disconnected connection to `address`, known as `nodeId`.
  [[nodiscard]] virtual std::unique_ptr<BrokerConnection> create(int32_t nodeId, const BrokerAddress& address) = 0;
};

/// The API versions this producer can speak.
inline constexpr int16_t kProduceMinVersion = 3;  // record batches v2
inline constexpr int16_t kProduceMaxVersion = 9;
inline constexpr int16_t kMetadataMinVersion = 0;
inline constexpr int16_t kMetadataMaxVersion = 12;
inline constexpr int16_t kInitProducerIdMinVersion = 0;
inline constexpr int16_t kInitProducerIdMaxVersion = 4;

}  // namespace kafkalite::client
