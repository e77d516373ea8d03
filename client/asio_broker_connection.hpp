#pragma once
/// \file
/// AsioBrokerConnection: BrokerConnection over TCP with Boost.Asio.
///
/// connect(): resolve, TCP connect (TCP_NODELAY) with a deadline of request.timeout.ms,
/// then ApiVersions v3 as the first request (v0 when the broker answers
/// UNSUPPORTED_VERSION, interop.md section 2), then Ready with the highest version both
/// sides support of Produce (3-9) and Metadata (0-12). A failed connect leaves the
/// connection Failed (ClientError::ConnectionFailed, or UnsupportedVersion when the broker
/// has no Produce or Metadata version we speak) for the reconnect backoff
/// (retry.backoff.ms); a connection that drops after Ready becomes Disconnected and may
/// reconnect at once. Requests are written scatter-gather (queued frames go out in one
/// gathered write, record batches straight from their buffers), and every request header
/// carries client.id.
///
/// Reading: the connection waits for the socket to be readable and then reads what it
/// holds without blocking, into one buffer, handing each complete response frame to its
/// handler (several frames per read when several have arrived). deliverReceived() does
/// the same on demand, so the Sender reads what has arrived before it expires anything.
///
/// Threading: the io_context's single thread (the producer's I/O thread) only.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/asio.hpp"
#include "client/broker_connection.hpp"
#include "client/clock.hpp"

namespace kafkalite::client {

class Events;

struct AsioConnectionOptions {
  std::string clientId = "console-producer";  ///< client.id
  /// socket.connection.setup.timeout.ms, else request.timeout.ms (spec 7.4: the socket timeout)
  int32_t connectTimeoutMs = 1500;
  int32_t reconnectBackoffMs = 100;           ///< retry.backoff.ms
  int32_t maxResponseBytes = 100 * 1024 * 1024;
  const Events* events = nullptr;             ///< connection events are logged here (CONNECT)
};

class AsioBrokerConnection final : public BrokerConnection {
 public:
  /// `onEvent` is called (on the I/O thread) when the state changes, so the owner can run
  /// its Sender again.
  AsioBrokerConnection(boost::asio::io_context& io, const Clock& clock, AsioConnectionOptions options, int32_t nodeId,
                       BrokerAddress address, std::function<void()> onEvent);
  ~AsioBrokerConnection() override;

  [[nodiscard]] int32_t nodeId() const noexcept override { return nodeId_; }
  [[nodiscard]] ConnectionState state() const noexcept override { return state_; }
  [[nodiscard]] std::error_code lastError() const noexcept override { return lastError_; }
  void connect() override;
  [[nodiscard]] int16_t apiVersion(protocol::ApiKey key) const noexcept override;
  [[nodiscard]] std::size_t inFlight() const noexcept override { return writeQueue_.size() + awaiting_.size(); }
  void send(RequestFrame frame, bool expectResponse, ResponseHandler handler) override;
  void close() override;
  void deliverReceived() override { readAvailable(); }
  [[nodiscard]] ConnectionCounters counters() const noexcept override { return counters_; }
  [[nodiscard]] std::string address() const override { return address_.toString(); }

 private:
  struct Pending {
    RequestFrame frame;
    bool expectResponse = true;
    ResponseHandler handler;
  };
  struct Awaiting {
    int32_t correlationId;
    protocol::ApiKey apiKey;
    int16_t apiVersion;
    ResponseHandler handler;
  };

  void onConnected();
  void sendApiVersions(int16_t version);
  void onApiVersions(int16_t version, std::error_code error, std::span<const uint8_t> body);
  void startWrite();
  void startRead();
  // Reads what the socket holds now, without blocking, and delivers every complete frame.
  void readAvailable();
  // Delivers the complete frames in the buffer; false once the connection was dropped.
  bool deliverFrames();
  void onFrame(std::span<const uint8_t> frame);
  void setState(ConnectionState state);
  void drop(std::error_code why, ConnectionState next);
  // Wraps a handler so that it runs only while this object lives and `generation` is current.
  template <class F>
  auto guard(F&& fn);

  boost::asio::io_context& io_;
  const Clock& clock_;
  const AsioConnectionOptions options_;
  const int32_t nodeId_;
  const BrokerAddress address_;
  std::function<void()> onEvent_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uint64_t generation_ = 0;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer connectTimer_;
  ConnectionState state_ = ConnectionState::Disconnected;
  std::error_code lastError_;
  int64_t failedAtMs_ = 0;
  int16_t produceVersion_ = -1;
  int16_t metadataVersion_ = -1;
  int16_t initProducerIdVersion_ = -1;  // -1: the broker has no InitProducerId we speak

  std::deque<Pending> writeQueue_;     // not yet written
  std::vector<Pending> writing_;       // in the current gathered write
  std::vector<boost::asio::const_buffer> gather_;
  bool writeInProgress_ = false;
  std::deque<Awaiting> awaiting_;      // written, response expected, in order
  // Bytes read and not yet delivered: [readStart_, readEnd_) of readBuffer_.
  std::vector<uint8_t> readBuffer_;
  std::size_t readStart_ = 0;
  std::size_t readEnd_ = 0;
  bool readWaiting_ = false;            // an async_wait for readability is pending
  bool connected_ = false;              // the TCP connection is up (reads may be tried)
  int32_t nextInternalId_ = INT32_MAX;  // ApiVersions correlation ids count down
  ConnectionCounters counters_;
};

/// Makes AsioBrokerConnections on one io_context.
class AsioConnectionFactory final : public ConnectionFactory {
 public:
  AsioConnectionFactory(boost::asio::io_context& io, const Clock& clock, AsioConnectionOptions options,
                        std::function<void()> onEvent)
      : io_(io), clock_(clock), options_(std::move(options)), onEvent_(std::move(onEvent)) {}
  [[nodiscard]] std::unique_ptr<BrokerConnection> create(int32_t nodeId, const BrokerAddress& address) override {
    return std::make_unique<AsioBrokerConnection>(io_, clock_, options_, nodeId, address, onEvent_);
  }

 private:
  boost::asio::io_context& io_;
  const Clock& clock_;
  AsioConnectionOptions options_;
  std::function<void()> onEvent_;
};

}  // namespace kafkalite::client
