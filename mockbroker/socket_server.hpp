#pragma once
/// \file
/// SocketServer and Connection: a broker's listener and its client connections, as
/// Kafka's SocketServer runs them. A connection reads one size-prefixed frame, decodes
/// the request header and hands the request to the RequestHandler with a Responder;
/// then it stops reading (Kafka mutes the channel) until that request's response has
/// been written, or until the request completed without one (acks=0). So requests of
/// one connection are handled one at a time and in order, whatever the client pipelines:
/// the requests it sends meanwhile wait in the socket buffers, and a client that sends
/// faster than the broker answers is slowed down, never disconnected. Each response is
/// delayed by the broker's injected RTT. TCP_NODELAY on every socket.
///
/// Request bytes (Kafka's queued.max.request.bytes, RequestMemoryPool): a frame is read
/// only once the broker's pool grants its size, and the bytes return to the pool when
/// the handler has taken the request; while the pool is exhausted connections wait
/// before reading their next frame.
///
/// A frame whose size is negative or above socket.request.max.bytes, or whose header
/// cannot be decoded, closes that connection; other connections are untouched.
///
/// Threading: everything runs on the broker's io_context thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/asio.hpp"
#include "protocol/gather_frame.hpp"
#include "protocol/headers.hpp"

namespace kafkalite::mock {

class Connection;
class FaultInjector;

/// Told how a request ended (the request log implements it).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  /// `error`: the first error code of the response (NONE unless Answered).
  virtual void ended(RequestOutcome outcome, ErrorCode error) = 0;
};

/// Where a Responder's answer goes: a client Connection, or (in tests and fuzzers) a
/// recorder. `requestId` numbers the requests of one sink in arrival order.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// A whole frame (empty: no response), then the connection closes if `closeAfter`.
  virtual void complete(uint64_t requestId, std::vector<uint8_t> bytes, bool closeAfter) = 0;
  /// A frame written as its pieces; `owners` keep what the pieces reference alive.
  virtual void complete(uint64_t requestId, protocol::GatherFrame frame,
                        std::vector<std::shared_ptr<const void>> owners) = 0;
};

/// Answers one request, at most once. Copyable; answering after the connection
/// closed, or a second time, does nothing.
class Responder {
 public:
  Responder() = default;
  Responder(std::weak_ptr<ResponseSink> connection, uint64_t requestId)
      : connection_(std::move(connection)), requestId_(requestId) {}
  /// Sends a whole response frame (size prefix included). `answered` is the error the
  /// response carries, for the request log.
  void send(std::vector<uint8_t> frame, ErrorCode answered = ErrorCode::NONE) const;
  /// Sends a frame written as its pieces; `owners` keep the pieces it references (log
  /// batches) alive until it is written.
  void send(protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners,
            ErrorCode answered = ErrorCode::NONE) const;
  /// Completes the request with no response (acks=0): the connection reads on.
  void sendNothing() const;
  /// Closes the connection instead of answering (spec 1.9, undecodable requests).
  void closeConnection() const;
  /// Reports how this request ends to `observer` (shared by every copy made after).
  void observe(std::shared_ptr<RequestObserver> observer) { observer_ = std::move(observer); }

 private:
  void report(RequestOutcome outcome, ErrorCode error) const {
    if (observer_) observer_->ended(outcome, error);
  }

  std::weak_ptr<ResponseSink> connection_;
  uint64_t requestId_ = 0;
  std::shared_ptr<RequestObserver> observer_;
};

/// One decoded request. `body` points into `frame`, which the request owns.
struct Request {
  protocol::RequestHeader header;
  std::shared_ptr<const uint8_t[]> frame;
  std::span<const uint8_t> body;
  Responder responder;
  std::string clientHost;  ///< the peer's address as Kafka prints it ("/127.0.0.1")
  uint64_t connectionId = 0;  ///< the connection's number, unique in the process
  std::string clientAddress;  ///< the client's "address:port"
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void handle(Request request) = 0;
};

/// Kafka's network memory pool (queued.max.request.bytes): the bytes of request frames
/// being read or handled, across one broker's connections. As Kafka's non-strict
/// SimpleMemoryPool, a request is admitted while any byte is free, whatever its size, so
/// a request larger than the pool still gets in once the others are done; capacity -1
/// means unbounded. Waiting connections are granted their bytes in arrival order.
///
/// Threading: the broker's io_context thread; grants are posted to it.
class RequestMemoryPool {
 public:
  RequestMemoryPool(boost::asio::io_context& io, int64_t capacity) : io_(io), capacity_(capacity) {}
  /// Reserves `bytes` and calls `granted` (posted, never from inside acquire or release)
  /// as soon as the pool has any byte free.
  void acquire(std::size_t bytes, std::function<void()> granted);
  /// Returns bytes reserved by acquire.
  void release(std::size_t bytes);
  /// Bytes reserved now.
  [[nodiscard]] int64_t used() const noexcept { return used_; }

 private:
  void grantWaiting();

  boost::asio::io_context& io_;
  int64_t capacity_;
  int64_t used_ = 0;
  std::deque<std::pair<std::size_t, std::function<void()>>> waiting_;
};

class SocketServer {
 public:
  /// `queuedMaxRequestBytes`: the RequestMemoryPool's capacity (-1 = unbounded).
  SocketServer(boost::asio::io_context& io, int32_t brokerId, int32_t maxFrameBytes, int64_t queuedMaxRequestBytes,
               FaultInjector& faults, RequestHandler& handler);
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
  RequestMemoryPool pool_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

class Connection : public ResponseSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, int32_t brokerId, int32_t maxFrameBytes, FaultInjector& faults,
             RequestHandler& handler, RequestMemoryPool& pool);
  void start();
  void close();
  /// The Responder's calls: the response of request `requestId` (empty = none).
  void complete(uint64_t requestId, std::vector<uint8_t> bytes, bool closeAfter) override;
  void complete(uint64_t requestId, protocol::GatherFrame frame,
                std::vector<std::shared_ptr<const void>> owners) override;

 private:
  struct Response {
    bool closeAfter = false;
    std::vector<uint8_t> bytes;
    std::optional<protocol::GatherFrame> gathered;      // instead of bytes
    std::vector<std::shared_ptr<const void>> owners;  // what gathered references
    std::chrono::steady_clock::time_point readyAt;
    bool unmuteAfterWrite = false;  // the request it answers ends once it is written
  };

  void readSize();
  void readFrame(std::size_t size);
  // The request in progress has its response (or none): queue it, then read on — at once
  // when the injected RTT holds it back (it is on the network), else once it is written.
  Response* accept(uint64_t requestId);
  void handOver(Response& r);
  void flush();
  void written();  // the front response is on the socket
  void finishRequest(bool closeAfter);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer rttTimer_;
  uint64_t id_;
  std::string peer_;
  int32_t brokerId_;
  int32_t maxFrameBytes_;
  FaultInjector& faults_;
  RequestHandler& handler_;
  RequestMemoryPool& pool_;
  uint8_t sizeBuffer_[4] = {};
  uint64_t requestId_ = 0;  ///< the request in progress, or the last one
  bool inProgress_ = false;  ///< a request was read and has not finished: no reading (muted)
  /// Set while a request is in progress: no asynchronous operation holds the connection then.
  std::shared_ptr<Connection> keepAlive_;
  bool answered_ = false;     ///< the request in progress has its response queued
  std::deque<Response> outgoing_;  ///< answered, in request order, not yet written
  bool writing_ = false;
  bool closed_ = false;
  std::vector<boost::asio::const_buffer> gather_;
  std::string clientHost_;
};

}  // namespace kafkalite::mock
