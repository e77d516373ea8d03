#pragma once
/// \file
/// SocketServer and Connection: a broker's listener and its client connections.
/// A connection reads size-prefixed frames, decodes the request header and hands
/// each request to the RequestHandler with a Responder. Requests are handled as
/// they arrive (clients pipeline); responses leave strictly in request order, each
/// delayed by the broker's injected RTT. TCP_NODELAY on every socket.
///
/// A frame whose size is negative or above socket.request.max.bytes, or whose
/// header cannot be decoded, closes that connection; other connections are untouched.
///
/// Threading: everything runs on the broker's io_context thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "mockbroker/asio.hpp"
#include "protocol/gather_frame.hpp"
#include "protocol/headers.hpp"

namespace kafkalite::mock {

class Connection;
class FaultInjector;

/// Where a Responder's answer goes: a client Connection, or (in tests and fuzzers) a
/// recorder. `slot` numbers the requests of one sink in arrival order.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// A whole frame (empty: no response), then the connection closes if `closeAfter`.
  virtual void complete(uint64_t slot, std::vector<uint8_t> bytes, bool closeAfter) = 0;
  /// A frame written as its pieces; `owners` keep what the pieces reference alive.
  virtual void complete(uint64_t slot, protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners) = 0;
};

/// Answers one request, at most once. Copyable; answering after the connection
/// closed does nothing.
class Responder {
 public:
  Responder() = default;
  Responder(std::weak_ptr<ResponseSink> connection, uint64_t slot) : connection_(std::move(connection)), slot_(slot) {}
  /// Sends a whole response frame (size prefix included).
  void send(std::vector<uint8_t> frame) const;
  /// Sends a frame written as its pieces; `owners` keep the pieces it references (log
  /// batches) alive until it is written.
  void send(protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners) const;
  /// Completes the request with no response (acks=0).
  void sendNothing() const;
  /// Closes the connection once the earlier responses are out (spec 1.9).
  void closeConnection() const;

 private:
  std::weak_ptr<ResponseSink> connection_;
  uint64_t slot_ = 0;
};

/// One decoded request. `body` points into `frame`, which the request owns.
struct Request {
  protocol::RequestHeader header;
  std::shared_ptr<const uint8_t[]> frame;
  std::span<const uint8_t> body;
  Responder responder;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void handle(Request request) = 0;
};

class SocketServer {
 public:
  SocketServer(boost::asio::io_context& io, int32_t brokerId, int32_t maxFrameBytes, FaultInjector& faults,
               RequestHandler& handler);
  ~SocketServer();

  /// Binds and starts accepting. Returns the bound port. Throws boost::system::system_error.
  uint16_t listen(const std::string& host, uint16_t port);
  /// Stops accepting and closes every connection.
  void closeAll();

 private:
  void accept();

  boost::asio::io_context& io_;
  int32_t brokerId_;
  int32_t maxFrameBytes_;
  FaultInjector& faults_;
  RequestHandler& handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

class Connection : public ResponseSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, int32_t brokerId, int32_t maxFrameBytes, FaultInjector& faults,
             RequestHandler& handler);
  void start();
  void close();
  void complete(uint64_t slot, std::vector<uint8_t> bytes, bool closeAfter) override;
  void complete(uint64_t slot, protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners) override;

 private:
  struct Slot {
    bool done = false;
    bool closeAfter = false;
    std::vector<uint8_t> bytes;
    std::optional<protocol::GatherFrame> gathered;      // instead of bytes
    std::vector<std::shared_ptr<const void>> owners;  // what gathered references
    std::chrono::steady_clock::time_point readyAt;
  };
  // Beyond this many unanswered requests the connection stops reading, as a broker's
  // muted channel would, so a client cannot queue unbounded work.
  static constexpr std::size_t kMaxPendingRequests = 128;

  void readSize();
  void readFrame(int32_t size);
  void flush();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer rttTimer_;
  int32_t brokerId_;
  int32_t maxFrameBytes_;
  FaultInjector& faults_;
  RequestHandler& handler_;
  uint8_t sizeBuffer_[4] = {};
  std::deque<Slot> slots_;
  uint64_t firstSlot_ = 0;
  bool writing_ = false;
  bool readPaused_ = false;
  bool closed_ = false;
  bool timerArmed_ = false;
  std::vector<boost::asio::const_buffer> gather_;
};

}  // namespace kafkalite::mock
