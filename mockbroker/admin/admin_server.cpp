#include "mockbroker/admin/admin_server.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "mockbroker/admin/admin_routes.hpp"
#include "mockbroker/broker_log.hpp"

namespace kafkalite::mock {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After an error reply the client may still be sending the rejected body; reading
// and discarding it for a while before closing keeps the kernel from answering it
// with a reset that could destroy our reply in flight (as nginx's lingering_close).
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

std::string_view toStd(beast::string_view s) { return {s.data(), s.size()}; }

/// One connection. Lives as long as an operation of it is pending; touched only on
/// the server thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, MockCluster& cluster) : stream_(std::move(socket)), cluster_(cluster) {}

  void start() {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    readHeader();
  }

  /// Closes the socket at once; pending operations complete with operation_aborted.
  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void readHeader() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(AdminServer::kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (closed_) return;
    if (ec) return onReadError(ec);
    const auto& req = parser_->get();
    if (parser_->is_done()) return handle();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (RFC 9110 10.1.1).
      continue_.emplace(http::status::continue_, req.version());
      stream_.expires_after(kWriteTimeout);
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code wec, std::size_t) {
        if (self->closed_) return;
        if (wec) return self->close();
        self->readBody();
      });
      return;
    }
    readBody();
  }

  void readBody() {
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->onReadError(ec);
      self->handle();
    });
  }

  void onReadError(beast::error_code ec) {
    static const auto& httpCategory = beast::http::make_error_code(http::error::end_of_stream).category();
    if (ec == http::error::body_limit) {
      return replyAndClose(413, R"({"error":"the request body is larger than 1 MiB"})");
    }
    if (ec == http::error::header_limit) {
      return replyAndClose(431, R"({"error":"the request header is larger than 16 KiB"})");
    }
    if (ec.category() == httpCategory && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return replyAndClose(400, R"({"error":"malformed HTTP request"})");
    }
    close();  // the peer went away, timed out, or the server is stopping
  }

  void handle() {
    const auto& req = parser_->get();
    const detail::AdminReply reply =
        detail::handleAdminRequest(cluster_, toStd(req.method_string()), toStd(req.target()), req.body());
    res_ = {};
    res_.result(reply.status);
    res_.version(req.version());
    res_.set(http::field::server, "kafkalite-admin");
    res_.set(http::field::content_type, "application/json");
    if (!reply.allow.empty()) res_.set(http::field::allow, reply.allow);
    res_.body() = reply.body;
    res_.keep_alive(req.keep_alive());
    res_.prepare_payload();
    if (req.method() == http::verb::head) res_.body().clear();  // Content-Length stays
    write(!req.keep_alive());
  }

  void replyAndClose(unsigned status, std::string body) {
    res_ = {};
    res_.result(status);
    res_.version(11);
    res_.set(http::field::server, "kafkalite-admin");
    res_.set(http::field::content_type, "application/json");
    res_.body() = std::move(body);
    res_.keep_alive(false);
    res_.prepare_payload();
    write(true);
  }

  void write(bool closeAfter) {
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res_, [self = shared_from_this(), closeAfter](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->close();
      if (closeAfter) return self->lingerAndClose();
      self->readHeader();  // bytes of a pipelined request may already be in buffer_
    });
  }

  void lingerAndClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drainBuffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (self->closed_) return;
      self->drained_ += n;
      if (ec || self->drained_ > kLingerMaxBytes) return self->close();
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  MockCluster& cluster_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> res_;
  std::array<char, 16 * 1024> drainBuffer_{};
  std::size_t drained_ = 0;
  bool closed_ = false;
};

}  // namespace

/// Owns the io_context, the listener and (weakly) the sessions. Everything but the
/// stop mutex is touched only on the server thread once that thread runs.
class AdminServer::Impl {
 public:
  explicit Impl(MockCluster& cluster) : cluster_(cluster) {}

  void run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // No handler should throw; if one does, keep serving rather than die.
        logLine(cluster_.options(), LogLevel::Error, -1, std::string("admin endpoint: unexpected exception: ") + e.what(), "ADMIN");
      } catch (...) {
        logLine(cluster_.options(), LogLevel::Error, -1, "admin endpoint: unexpected exception", "ADMIN");
      }
    }
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (stopping_) return;
      if (ec) {
        // Out of descriptors or a transient failure: back off instead of spinning.
        retryTimer_.expires_after(std::chrono::milliseconds(100));
        retryTimer_.async_wait([this](beast::error_code tec) {
          if (!tec && !stopping_) accept();
        });
        return;
      }
      auto session = std::make_shared<Session>(std::move(socket), cluster_);
      std::erase_if(sessions_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
      sessions_.push_back(session);
      session->start();
      accept();
    });
  }

  /// Runs on the server thread: closes everything, so ioc_.run() returns once the
  /// aborted operations have completed. Not ioc_.stop(): a connection accepted whose
  /// handler is still queued would then stay open until the io_context is destroyed;
  /// this way that handler runs, sees stopping_ and drops (closes) the socket.
  void shutdown() {
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    retryTimer_.cancel();
    for (const auto& w : sessions_) {
      if (auto s = w.lock()) s->close();
    }
    sessions_.clear();
  }

  MockCluster& cluster_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer retryTimer_{ioc_};
  std::vector<std::weak_ptr<Session>> sessions_;
  bool stopping_ = false;
  std::mutex stopMutex_;
};

namespace {

[[noreturn]] void throwSystemError(const beast::error_code& ec, const std::string& what) {
  throw std::system_error(std::error_code(ec.value(), ec.category() == boost::system::system_category()
                                                          ? std::system_category()
                                                          : std::generic_category()),
                          what + ": " + ec.message());
}

}  // namespace

AdminServer::AdminServer(MockCluster& cluster, const std::string& host, uint16_t port)
    : host_(host), impl_(std::make_shared<Impl>(cluster)) {
  const std::string where = "admin endpoint " + host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc_);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec) throwSystemError(ec, "cannot resolve " + where);
  if (results.empty()) throwSystemError(asio::error::host_not_found, "cannot resolve " + where);
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor_;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throwSystemError(ec, "cannot listen on " + where);
  port_ = acceptor.local_endpoint(ec).port();
  if (ec) throwSystemError(ec, "cannot read the address of " + where);
  impl_->accept();
  thread_ = std::thread([impl = impl_] { impl->run(); });
}

AdminServer::~AdminServer() { stop(); }

std::string AdminServer::url() const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

void AdminServer::stop() {
  std::lock_guard lock(impl_->stopMutex_);
  if (!thread_.joinable()) return;
  asio::post(impl_->ioc_, [impl = impl_.get()] { impl->shutdown(); });
  thread_.join();
}

}  // namespace kafkalite::mock
