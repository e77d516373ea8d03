#include "mockbroker/socket_server.hpp"

#include <atomic>

#include "mockbroker/fault_injector.hpp"

namespace kafkalite::mock {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void Responder::send(std::vector<uint8_t> frame, ErrorCode answered) const {
  report(RequestOutcome::Answered, answered);
  if (auto c = connection_.lock()) c->complete(requestId_, std::move(frame), false);
}
void Responder::send(protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners,
                     ErrorCode answered) const {
  report(RequestOutcome::Answered, answered);
  if (auto c = connection_.lock()) c->complete(requestId_, std::move(frame), std::move(owners));
}
void Responder::sendNothing() const {
  report(RequestOutcome::NoResponse, ErrorCode::NONE);
  if (auto c = connection_.lock()) c->complete(requestId_, {}, false);
}
void Responder::closeConnection() const {
  report(RequestOutcome::ConnectionClosed, ErrorCode::NONE);
  if (auto c = connection_.lock()) c->complete(requestId_, {}, true);
}

namespace {
std::atomic<uint64_t> nextConnectionId{1};

std::string peerOf(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}
}  // namespace

void RequestMemoryPool::acquire(std::size_t bytes, std::function<void()> granted) {
  waiting_.emplace_back(bytes, std::move(granted));
  grantWaiting();
}

void RequestMemoryPool::release(std::size_t bytes) {
  used_ -= static_cast<int64_t>(bytes);
  grantWaiting();
}

void RequestMemoryPool::grantWaiting() {
  // Kafka's non-strict pool: admitted while any byte is free; in arrival order.
  while (!waiting_.empty() && (capacity_ < 0 || used_ < capacity_)) {
    auto [bytes, granted] = std::move(waiting_.front());
    waiting_.pop_front();
    used_ += static_cast<int64_t>(bytes);
    asio::post(io_, std::move(granted));
  }
}

SocketServer::SocketServer(asio::io_context& io, int32_t brokerId, int32_t maxFrameBytes, int64_t queuedMaxRequestBytes,
                           FaultInjector& faults, RequestHandler& handler)
    : io_(io),
      brokerId_(brokerId),
      maxFrameBytes_(maxFrameBytes),
      faults_(faults),
      handler_(handler),
      pool_(io, queuedMaxRequestBytes),
      acceptor_(io) {}

SocketServer::~SocketServer() { closeAll(); }

uint16_t SocketServer::listen(const std::string& host, uint16_t port) {
  // A name such as "localhost" is resolved; the first address is used.
  tcp::resolver resolver(io_);
  const tcp::endpoint endpoint(resolver.resolve(host, std::to_string(port)).begin()->endpoint().address(), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  accept();
  return acceptor_.local_endpoint().port();
}

void SocketServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(std::move(socket), brokerId_, maxFrameBytes_, faults_, handler_, pool_);
    std::erase_if(connections_, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
    connections_.push_back(connection);
    connection->start();
    accept();
  });
}

void SocketServer::closeAll() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : connections_) {
    if (auto c = weak.lock()) c->close();
  }
  connections_.clear();
}

Connection::Connection(tcp::socket socket, int32_t brokerId, int32_t maxFrameBytes, FaultInjector& faults,
                       RequestHandler& handler, RequestMemoryPool& pool)
    : socket_(std::move(socket)),
      rttTimer_(socket_.get_executor()),
      id_(nextConnectionId.fetch_add(1)),
      peer_(peerOf(socket_)),
      brokerId_(brokerId),
      maxFrameBytes_(maxFrameBytes),
      faults_(faults),
      handler_(handler),
      pool_(pool) {}

void Connection::start() {
  boost::system::error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  clientHost_ = "/" + (ec ? std::string("unknown") : peer.address().to_string());
  readSize();
}

void Connection::close() {
  const auto self = std::move(keepAlive_);  // released when close() returns
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  rttTimer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  outgoing_.clear();
}

void Connection::readSize() {
  if (closed_ || inProgress_) return;
  asio::async_read(socket_, asio::buffer(sizeBuffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec || self->closed_) {
      self->close();
      return;
    }
    const auto size = static_cast<int32_t>(protocol::detail::loadBigEndian(self->sizeBuffer_, 4));
    // A frame size outside [header minimum, socket.request.max.bytes] cannot be a request.
    if (size < 8 || size > self->maxFrameBytes_) {
      self->close();
      return;
    }
    // Read the frame once the broker's request memory allows it (queued.max.request.bytes).
    const auto length = static_cast<std::size_t>(size);
    self->pool_.acquire(length, [self, length] { self->readFrame(length); });
  });
}

void Connection::readFrame(std::size_t length) {
  if (closed_) {
    pool_.release(length);
    return;
  }
  // Not zero-filled: the read overwrites every byte (a Produce frame is megabytes, and
  // zeroing it first showed in the broker's profile).
  std::shared_ptr<uint8_t[]> frame = std::make_shared_for_overwrite<uint8_t[]>(length);
  asio::async_read(socket_, asio::buffer(frame.get(), length),
                   [self = shared_from_this(), frame, length](boost::system::error_code ec, std::size_t) {
                     // The bytes go back to the pool once the handler has taken the request,
                     // as Kafka releases a request's buffer after KafkaApis handled it.
                     struct Release {
                       RequestMemoryPool& pool;
                       std::size_t bytes;
                       ~Release() { pool.release(bytes); }
                     } release{self->pool_, length};
                     if (ec || self->closed_) {
                       self->close();
                       return;
                     }
                     const std::span<const uint8_t> bytes(frame.get(), length);
                     protocol::Reader reader(bytes);
                     Request request;
                     if (!protocol::decodeRequestHeader(reader, request.header)) {
                       self->close();  // not a Kafka request header: nothing can be answered
                       return;
                     }
                     request.body = bytes.subspan(length - reader.remaining());
                     request.frame = frame;
                     // Muted until this request has finished (Kafka's SocketServer). No read
                     // is pending meanwhile, so the connection keeps itself alive.
                     self->inProgress_ = true;
                     self->answered_ = false;
                     self->keepAlive_ = self;
                     request.clientHost = self->clientHost_;
                     request.connectionId = self->id_;
                     request.clientAddress = self->peer_;
                     request.responder = Responder(self->weak_from_this(), ++self->requestId_);
                     self->handler_.handle(std::move(request));
                   });
}

Connection::Response* Connection::accept(uint64_t requestId) {
  if (closed_ || !inProgress_ || requestId != requestId_ || answered_) return nullptr;
  answered_ = true;
  return &outgoing_.emplace_back();  // references into a deque survive later emplace_back
}

void Connection::complete(uint64_t requestId, std::vector<uint8_t> bytes, bool closeAfter) {
  Response* r = accept(requestId);
  if (r == nullptr) return;
  r->closeAfter = closeAfter;
  r->bytes = std::move(bytes);
  // The injected RTT delays what travels back; a request answered with nothing (acks=0)
  // or with a close finishes at once.
  r->readyAt = r->bytes.empty() ? std::chrono::steady_clock::time_point{}
                                : std::chrono::steady_clock::now() + faults_.rtt(brokerId_);
  handOver(*r);
}

void Connection::complete(uint64_t requestId, protocol::GatherFrame frame,
                          std::vector<std::shared_ptr<const void>> owners) {
  Response* r = accept(requestId);
  if (r == nullptr) return;
  r->gathered.emplace(std::move(frame));
  r->owners = std::move(owners);
  r->readyAt = std::chrono::steady_clock::now() + faults_.rtt(brokerId_);
  handOver(*r);
}

void Connection::handOver(Response& r) {
  // Kafka unmutes a connection once the response is sent. A response held back by the
  // injected RTT is on the network: the next request is read meanwhile, as a real link
  // with that round trip would carry it, and the responses keep their order. Otherwise
  // (and always before a close) the mute ends when the response is written.
  if (!r.closeAfter && r.readyAt > std::chrono::steady_clock::now()) {
    const auto self = std::move(keepAlive_);  // the pending read holds its own
    inProgress_ = false;
    flush();
    readSize();
    return;
  }
  r.unmuteAfterWrite = true;
  flush();
}

void Connection::flush() {
  if (closed_ || writing_ || outgoing_.empty()) return;
  Response& r = outgoing_.front();
  if (r.readyAt > std::chrono::steady_clock::now()) {
    rttTimer_.expires_at(r.readyAt);
    rttTimer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->flush();
    });
    return;
  }
  gather_.clear();
  if (r.gathered) {
    r.gathered->forEachPiece([&](std::span<const uint8_t> piece) { gather_.push_back(asio::buffer(piece.data(), piece.size())); });
  } else if (!r.bytes.empty()) {
    gather_.push_back(asio::buffer(r.bytes));
  }
  if (gather_.empty()) {
    written();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, gather_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec || self->outgoing_.empty()) {
      self->close();
      return;
    }
    self->written();
  });
}

void Connection::written() {
  const bool unmute = outgoing_.front().unmuteAfterWrite;
  const bool closeAfter = outgoing_.front().closeAfter;
  outgoing_.pop_front();
  if (unmute) {
    finishRequest(closeAfter);
    return;
  }
  flush();  // the next response, if one waits
}

void Connection::finishRequest(bool closeAfter) {
  const auto self = std::move(keepAlive_);  // released when this returns (readSize holds its own)
  inProgress_ = false;
  if (closeAfter) {
    close();
    return;
  }
  flush();     // responses queued behind this one
  readSize();  // unmuted: the next request
}

}  // namespace kafkalite::mock
