#include "mockbroker/socket_server.hpp"

#include <atomic>

#include "mockbroker/fault_injector.hpp"

namespace kafkalite::mock {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void Responder::send(std::vector<uint8_t> frame, ErrorCode answered) const {
  report(RequestOutcome::Answered, answered);
  if (auto c = connection_.lock()) c->complete(slot_, std::move(frame), false);
}
void Responder::send(protocol::GatherFrame frame, std::vector<std::shared_ptr<const void>> owners,
                     ErrorCode answered) const {
  report(RequestOutcome::Answered, answered);
  if (auto c = connection_.lock()) c->complete(slot_, std::move(frame), std::move(owners));
}
void Responder::sendNothing() const {
  report(RequestOutcome::NoResponse, ErrorCode::NONE);
  if (auto c = connection_.lock()) c->complete(slot_, {}, false);
}
void Responder::closeConnection() const {
  report(RequestOutcome::ConnectionClosed, ErrorCode::NONE);
  if (auto c = connection_.lock()) c->complete(slot_, {}, true);
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

SocketServer::SocketServer(asio::io_context& io, int32_t brokerId, int32_t maxFrameBytes, FaultInjector& faults,
                           RequestHandler& handler)
    : io_(io), brokerId_(brokerId), maxFrameBytes_(maxFrameBytes), faults_(faults), handler_(handler), acceptor_(io) {}

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
    auto connection = std::make_shared<Connection>(std::move(socket), brokerId_, maxFrameBytes_, faults_, handler_);
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
                       RequestHandler& handler)
    : socket_(std::move(socket)),
      rttTimer_(socket_.get_executor()),
      id_(nextConnectionId.fetch_add(1)),
      peer_(peerOf(socket_)),
      brokerId_(brokerId),
      maxFrameBytes_(maxFrameBytes),
      faults_(faults),
      handler_(handler) {}

void Connection::start() { readSize(); }

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  rttTimer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::readSize() {
  if (closed_) return;
  if (slots_.size() >= kMaxPendingRequests) {
    readPaused_ = true;
    return;
  }
  asio::async_read(socket_, asio::buffer(sizeBuffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) {
      self->close();
      return;
    }
    const auto size = static_cast<int32_t>(protocol::detail::loadBigEndian(self->sizeBuffer_, 4));
    // A frame size outside [header minimum, socket.request.max.bytes] cannot be a request.
    if (size < 8 || size > self->maxFrameBytes_) {
      self->close();
      return;
    }
    self->readFrame(size);
  });
}

void Connection::readFrame(int32_t size) {
  // Not zero-filled: the read overwrites every byte (a Produce frame is megabytes, and
  // zeroing it first showed in the broker's profile).
  const auto length = static_cast<std::size_t>(size);
  std::shared_ptr<uint8_t[]> frame = std::make_shared_for_overwrite<uint8_t[]>(length);
  asio::async_read(socket_, asio::buffer(frame.get(), length),
                   [self = shared_from_this(), frame, length](boost::system::error_code ec, std::size_t) {
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
                     request.connectionId = self->id_;
                     request.clientAddress = self->peer_;
                     const uint64_t slot = self->firstSlot_ + self->slots_.size();
                     self->slots_.emplace_back();
                     request.responder = Responder(self->weak_from_this(), slot);
                     self->handler_.handle(std::move(request));
                     self->readSize();
                   });
}

void Connection::complete(uint64_t slot, std::vector<uint8_t> bytes, bool closeAfter) {
  if (closed_ || slot < firstSlot_ || slot - firstSlot_ >= slots_.size()) return;
  Slot& s = slots_[static_cast<std::size_t>(slot - firstSlot_)];
  if (s.done) return;
  s.done = true;
  s.closeAfter = closeAfter;
  s.bytes = std::move(bytes);
  s.readyAt = std::chrono::steady_clock::now() + faults_.rtt(brokerId_);
  flush();
}

void Connection::complete(uint64_t slot, protocol::GatherFrame frame,
                          std::vector<std::shared_ptr<const void>> owners) {
  if (closed_ || slot < firstSlot_ || slot - firstSlot_ >= slots_.size()) return;
  Slot& s = slots_[static_cast<std::size_t>(slot - firstSlot_)];
  if (s.done) return;
  s.done = true;
  s.gathered.emplace(std::move(frame));
  s.owners = std::move(owners);
  s.readyAt = std::chrono::steady_clock::now() + faults_.rtt(brokerId_);
  flush();
}

void Connection::flush() {
  if (closed_ || writing_) return;
  const auto now = std::chrono::steady_clock::now();
  gather_.clear();
  std::size_t count = 0;
  bool closeAfter = false;
  for (const Slot& s : slots_) {
    if (!s.done) break;
    if (s.readyAt > now) {
      if (!timerArmed_) {
        timerArmed_ = true;
        rttTimer_.expires_at(s.readyAt);
        rttTimer_.async_wait([self = shared_from_this()](boost::system::error_code) {
          self->timerArmed_ = false;
          self->flush();
        });
      }
      break;
    }
    ++count;
    if (s.gathered) {
      s.gathered->forEachPiece([&](std::span<const uint8_t> piece) { gather_.push_back(asio::buffer(piece.data(), piece.size())); });
    } else if (!s.bytes.empty()) {
      gather_.push_back(asio::buffer(s.bytes));
    }
    if (s.closeAfter) {
      closeAfter = true;
      break;
    }
  }
  if (count == 0) return;
  writing_ = true;
  asio::async_write(socket_, gather_,
                    [self = shared_from_this(), count, closeAfter](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      for (std::size_t i = 0; i < count && !self->slots_.empty(); ++i) {
                        self->slots_.pop_front();
                        ++self->firstSlot_;
                      }
                      if (ec || closeAfter) {
                        self->close();
                        return;
                      }
                      if (self->readPaused_ && self->slots_.size() < kMaxPendingRequests) {
                        self->readPaused_ = false;
                        self->readSize();
                      }
                      self->flush();
                    });
}

}  // namespace kafkalite::mock
