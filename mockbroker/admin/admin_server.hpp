#pragma once
/// \file
/// AdminServer: the mock cluster's HTTP/1.1 control endpoint, so tests written in any
/// language (and humans with curl) can read the cluster and break it on purpose.
/// The routes, their JSON and their status codes are listed in admin_routes.hpp.
///
/// Transport: HTTP/1.1 over Boost.Beast, persistent connections and pipelining per
/// RFC 9112 (a reply keeps the connection open unless the request or HTTP/1.0 asks
/// otherwise), "Expect: 100-continue" answered. A request body over 1 MiB gets 413
/// and the connection is closed; a malformed request gets 400 and is closed; a
/// connection idle for 60 s is closed. No input stops the server.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "kafkalite/mock/cluster.hpp"

namespace kafkalite::mock {

/// Serves a MockCluster over HTTP until stopped or destroyed.
///
/// Threading: the server owns one io_context and runs it on one thread of its own,
/// which accepts connections, parses requests and calls the cluster. Requests are
/// handled one at a time, in arrival order across connections; a request that makes
/// the cluster wait (a clean broker stop, a topic creation) delays the others until
/// it completes. The public member functions may be called from any thread except
/// that one (the server calls nothing back, so that cannot happen by accident).
class AdminServer {
 public:
  /// Largest request body accepted; a larger one is answered with 413.
  static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

  /// Binds host:port (port 0 = an ephemeral port; see port()), starts listening and
  /// starts the server thread. `cluster` is not owned and must outlive the server.
  /// `host` is an IPv4 or IPv6 address or a name that resolves to one.
  /// Throws std::system_error if the address cannot be resolved or bound.
  AdminServer(MockCluster& cluster, const std::string& host = "127.0.0.1", uint16_t port = 0);
  /// Calls stop().
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// The port bound, the ephemeral one when 0 was asked for.
  [[nodiscard]] uint16_t port() const noexcept { return port_; }
  /// The host as given to the constructor.
  [[nodiscard]] const std::string& host() const noexcept { return host_; }
  /// "http://host:port" (IPv6 hosts in brackets).
  [[nodiscard]] std::string url() const;

  /// Closes the listener and every connection (a request being handled finishes
  /// first) and joins the server thread. Idempotent; called by the destructor.
  void stop();

  class Impl;

 private:
  std::string host_;
  uint16_t port_ = 0;
  std::shared_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace kafkalite::mock
