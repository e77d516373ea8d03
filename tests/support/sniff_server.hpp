#pragma once
// A plain TCP listener on 127.0.0.1 that reads Kafka request frames from any
// number of connections and answers each through a handler. Tests point a real
// client (librdkafka) at it to capture the exact bytes that client sends.
//
// Threading: one background thread owns the sockets and calls the handler; the
// handler must synchronise whatever it shares with the test thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "protocol/headers.hpp"

namespace kafkalite::testing {

class SniffServer {
 public:
  /// Gets the request header, the whole frame (without its size prefix) and the
  /// body; returns a whole response frame to send back, or nothing.
  using Handler = std::function<std::optional<std::vector<uint8_t>>(
      const protocol::RequestHeader&, std::span<const uint8_t> frame, std::span<const uint8_t> body)>;

  explicit SniffServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listenFd_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // ephemeral, so tests run in parallel
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listenFd_, 16) != 0) {
      ::close(listenFd_);
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }

  ~SniffServer() {
    stop_ = true;
    thread_.join();
    for (auto& c : clients_) ::close(c.fd);
    ::close(listenFd_);
  }
  SniffServer(const SniffServer&) = delete;
  SniffServer& operator=(const SniffServer&) = delete;

  [[nodiscard]] uint16_t port() const noexcept { return port_; }

 private:
  struct Client {
    int fd;
    std::vector<uint8_t> in;
  };

  void loop() {
    while (!stop_) {
      std::vector<pollfd> fds;
      fds.push_back({listenFd_, POLLIN, 0});
      for (auto& c : clients_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept(listenFd_, nullptr, nullptr);
        if (fd >= 0) {
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          clients_.push_back({fd, {}});
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Client& c = clients_[i - 1];
        uint8_t buf[65536];
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
        c.in.insert(c.in.end(), buf, buf + n);
        serve(c);
      }
      std::erase_if(clients_, [](const Client& c) { return c.fd < 0; });
    }
  }

  void serve(Client& c) {
    for (;;) {
      std::span<const uint8_t> frame;
      std::size_t consumed = 0;
      const auto status = protocol::peekFrame(c.in, frame, consumed);
      if (status != protocol::FrameStatus::Complete) return;
      protocol::Reader reader(frame);
      protocol::RequestHeader header;
      if (protocol::decodeRequestHeader(reader, header)) {
        const auto body = frame.subspan(frame.size() - reader.remaining());
        if (auto response = handler_(header, frame, body)) sendAll(c.fd, *response);
      }
      c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(consumed));
    }
  }

  static void sendAll(int fd, const std::vector<uint8_t>& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  Handler handler_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<Client> clients_;
  std::thread thread_;
};

}  // namespace kafkalite::testing
