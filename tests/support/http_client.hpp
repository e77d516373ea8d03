#pragma once
// A small HTTP/1.1 client for the tests of the admin endpoint (Beast over one TCP
// connection): every operation has a deadline scaled by KAFKALITE_TIMEOUT_SCALE and
// reports failure through a status of 0 instead of hanging. JSON bodies are parsed with
// the endpoint's own parser.
//
// Threading: an HttpClient is used by one thread at a time.

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mockbroker/admin/json.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using mock::detail::JsonValue;
using Verb = http::verb;

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::string allow;
  bool keepAlive = false;
  JsonValue json;  ///< body parsed; null if it is not JSON
};

/// One HTTP/1.1 connection; every operation has a deadline and reports failure
/// through a status of 0 instead of hanging.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : stream_(ioc_) {
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  HttpReply request(Verb verb, const std::string& target, const std::string& body = {},
                    std::vector<std::pair<http::field, std::string>> fields = {}, unsigned version = 11) {
    http::request<http::string_body> req{verb, target, version};
    req.set(http::field::host, "127.0.0.1");
    for (auto& [f, v] : fields) req.set(f, v);
    if (!body.empty() || verb == Verb::post) req.body() = body;
    req.prepare_payload();
    if (run([&](auto handler) { http::async_write(stream_, req, handler); })) return {};
    return read();
  }

  bool sendRaw(const std::string& bytes) {
    return !run([&](auto handler) { asio::async_write(stream_, asio::buffer(bytes), handler); });
  }

  /// Reads one response (an interim 100 Continue counts as one).
  HttpReply read() {
    http::response<http::string_body> res;
    if (run([&](auto handler) { http::async_read(stream_, buffer_, res, handler); })) return {};
    HttpReply out{res.result_int(), res.body(), std::string(res[http::field::allow]), res.keep_alive(), {}};
    std::string error;
    if (auto j = mock::detail::parseJson(out.body, error)) out.json = std::move(*j);
    return out;
  }

  /// True once the server has closed the connection (EOF), within the deadline.
  bool closedByServer() {
    char byte = 0;
    const beast::error_code ec = run([&](auto handler) { stream_.async_read_some(asio::buffer(&byte, 1), handler); });
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result = asio::error::timed_out;
    stream_.expires_after(scaledTimeout(std::chrono::seconds(30)));
    start([&](beast::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

}  // namespace kafkalite::testing
