#pragma once
// A small synchronous Kafka client for tests: one blocking POSIX socket to one broker.
// It sends any codec message as a request frame at any version the codec knows, or raw
// bytes (garbage, truncated frames, absurd size prefixes), reads response frames with a
// deadline, checks correlation ids, and tells a closed connection from a slow one.
// No retries, no metadata, no batching: a test says exactly what goes on the wire.
//
// Record batches, request builders and response finders live in kafka_messages.hpp,
// included here.
//
// Threading: a KafkaTestClient is used by one thread at a time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"
#include "protocol/record_batch.hpp"
#include "support/kafka_messages.hpp"
#include "support/timeouts.hpp"

namespace kafkalite::testing {

/// The response message type of each request message type.
template <class Request>
struct ResponseOf;
template <>
struct ResponseOf<protocol::ProduceRequest> { using type = protocol::ProduceResponse; };
template <>
struct ResponseOf<protocol::FetchRequest> { using type = protocol::FetchResponse; };
template <>
struct ResponseOf<protocol::ListOffsetsRequest> { using type = protocol::ListOffsetsResponse; };
template <>
struct ResponseOf<protocol::MetadataRequest> { using type = protocol::MetadataResponse; };
template <>
struct ResponseOf<protocol::ApiVersionsRequest> { using type = protocol::ApiVersionsResponse; };
template <>
struct ResponseOf<protocol::InitProducerIdRequest> { using type = protocol::InitProducerIdResponse; };
template <>
struct ResponseOf<protocol::FindCoordinatorRequest> { using type = protocol::FindCoordinatorResponse; };
template <>
struct ResponseOf<protocol::JoinGroupRequest> { using type = protocol::JoinGroupResponse; };
template <>
struct ResponseOf<protocol::SyncGroupRequest> { using type = protocol::SyncGroupResponse; };
template <>
struct ResponseOf<protocol::HeartbeatRequest> { using type = protocol::HeartbeatResponse; };
template <>
struct ResponseOf<protocol::LeaveGroupRequest> { using type = protocol::LeaveGroupResponse; };
template <>
struct ResponseOf<protocol::OffsetCommitRequest> { using type = protocol::OffsetCommitResponse; };
template <>
struct ResponseOf<protocol::OffsetFetchRequest> { using type = protocol::OffsetFetchResponse; };
template <>
struct ResponseOf<protocol::ListGroupsRequest> { using type = protocol::ListGroupsResponse; };
template <>
struct ResponseOf<protocol::DescribeGroupsRequest> { using type = protocol::DescribeGroupsResponse; };
template <>
struct ResponseOf<protocol::DeleteGroupsRequest> { using type = protocol::DeleteGroupsResponse; };
template <>
struct ResponseOf<protocol::OffsetDeleteRequest> { using type = protocol::OffsetDeleteResponse; };
template <>
struct ResponseOf<protocol::OffsetForLeaderEpochRequest> { using type = protocol::OffsetForLeaderEpochResponse; };

/// How a read ended.
enum class ReadStatus {
  Ok,        ///< a whole frame arrived
  Closed,    ///< the peer closed (EOF) or reset the connection
  TimedOut,  ///< nothing (or only part of a frame) arrived before the deadline
  Invalid,   ///< the peer sent a negative size prefix
};

inline const char* toString(ReadStatus s) {
  switch (s) {
    case ReadStatus::Ok: return "Ok";
    case ReadStatus::Closed: return "Closed";
    case ReadStatus::TimedOut: return "TimedOut";
    case ReadStatus::Invalid: return "Invalid";
  }
  return "?";
}

/// One response frame, without its size prefix.
struct RawFrame {
  ReadStatus status = ReadStatus::TimedOut;
  std::vector<uint8_t> bytes;
  /// The correlation id (the first 4 bytes), or -1 if the frame is shorter.
  [[nodiscard]] int32_t correlationId() const {
    if (bytes.size() < 4) return -1;
    return static_cast<int32_t>(protocol::detail::loadBigEndian(bytes.data(), 4));
  }
};

/// A decoded response. `frame` owns the bytes that Records fields of `body` view.
template <class M>
struct Reply {
  ReadStatus status = ReadStatus::TimedOut;
  std::string error;  ///< empty when ok(); else what went wrong, for the test's message
  int32_t correlationId = -1;
  std::shared_ptr<const std::vector<uint8_t>> frame;
  M body{};
  [[nodiscard]] bool ok() const { return status == ReadStatus::Ok && error.empty(); }
};

/// Kafka's name of a wire error code, for readable assertions.
inline std::string errName(int16_t code) { return std::string(errorName(static_cast<ErrorCode>(code))); }
inline std::string errName(ErrorCode code) { return std::string(errorName(code)); }

class KafkaTestClient {
 public:
  /// Connects to host:port; throws std::runtime_error when the connection fails.
  /// `receiveTimeout` bounds every read that is not given its own deadline.
  KafkaTestClient(const std::string& host, uint16_t port,
                  std::chrono::milliseconds receiveTimeout = scaledTimeout(std::chrono::seconds(15)))
      : receiveTimeout_(receiveTimeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      ::close(fd_);
      throw std::runtime_error("not an IPv4 address: " + host);
    }
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + " failed: " + why);
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  /// Nothing when the connection fails.
  static std::unique_ptr<KafkaTestClient> tryConnect(const std::string& host, uint16_t port) {
    try {
      return std::make_unique<KafkaTestClient>(host, port);
    } catch (const std::runtime_error&) {
      return nullptr;
    }
  }

  ~KafkaTestClient() { close(); }
  KafkaTestClient(const KafkaTestClient&) = delete;
  KafkaTestClient& operator=(const KafkaTestClient&) = delete;

  [[nodiscard]] bool isOpen() const noexcept { return fd_ >= 0; }
  /// Closes the socket (a disconnect as the broker sees it).
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void setClientId(std::optional<std::string> id) { clientId_ = std::move(id); }
  [[nodiscard]] int32_t nextCorrelationId() const noexcept { return nextCorrelationId_; }

  /// Encodes `request` at `version` as one frame and sends it. Returns the correlation
  /// id used, or -1 if encoding or sending failed (then lastError() says why).
  template <class M>
  int32_t send(const M& request, int16_t version, std::optional<int32_t> correlationId = std::nullopt) {
    std::vector<uint8_t> out;
    if (!encodeFrame(request, version, out, correlationId)) return -1;
    const int32_t id = correlationId.value_or(nextCorrelationId_ - 1);
    return sendRaw(out) ? id : -1;
  }

  /// Appends the frame of `request` to `out` without sending (for pipelining several
  /// frames in one write). Returns false if encoding failed.
  template <class M>
  bool encodeFrame(const M& request, int16_t version, std::vector<uint8_t>& out,
                   std::optional<int32_t> correlationId = std::nullopt) {
    protocol::RequestHeader header;
    header.apiKey = M::kApiKey;
    header.apiVersion = version;
    header.correlationId = correlationId.value_or(nextCorrelationId_++);
    header.clientId = clientId_;
    if (auto err = protocol::encodeRequestFrame(header, request, out)) {
      lastError_ = "encode: " + err->message();
      return false;
    }
    return true;
  }

  /// Sends bytes exactly as given. False when the connection is closed or broken.
  bool sendRaw(std::span<const uint8_t> bytes) {
    if (fd_ < 0) {
      lastError_ = "not connected";
      return false;
    }
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        lastError_ = std::string("send: ") + std::strerror(errno);
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Half-closes the connection: the peer reads end-of-stream after the bytes already sent,
  /// and responses can still be read.
  void shutdownWrite() noexcept {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
  }

  /// Reads the next whole frame, waiting at most `timeout` (the receive timeout if unset).
  RawFrame readFrame(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(receiveTimeout_);
    for (;;) {
      std::span<const uint8_t> frame;
      std::size_t consumed = 0;
      const auto status = protocol::peekFrame(in_, frame, consumed, INT32_MAX);
      if (status == protocol::FrameStatus::Invalid) return RawFrame{ReadStatus::Invalid, {}};
      if (status == protocol::FrameStatus::Complete) {
        RawFrame out{ReadStatus::Ok, std::vector<uint8_t>(frame.begin(), frame.end())};
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(consumed));
        return out;
      }
      const ReadStatus r = fill(deadline);
      if (r != ReadStatus::Ok) return RawFrame{r, {}};
    }
  }

  /// Reads the next frame and decodes it as the response `M` at `version`, expecting
  /// `correlationId` (responses come in request order on one connection).
  template <class M>
  Reply<M> receive(int32_t correlationId, int16_t version,
                   std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    Reply<M> reply;
    RawFrame raw = readFrame(timeout);
    reply.status = raw.status;
    if (raw.status != ReadStatus::Ok) {
      reply.error = std::string("no response: ") + toString(raw.status);
      return reply;
    }
    auto frame = std::make_shared<const std::vector<uint8_t>>(std::move(raw.bytes));
    reply.frame = frame;
    protocol::Reader reader(*frame);
    protocol::ResponseHeader header;
    if (!protocol::decodeResponseHeader(reader, header, protocol::responseHeaderVersion(M::kApiKey, version))) {
      reply.error = "undecodable response header";
      return reply;
    }
    reply.correlationId = header.correlationId;
    if (header.correlationId != correlationId) {
      reply.error = "correlation id " + std::to_string(header.correlationId) + ", expected " +
                    std::to_string(correlationId);
      return reply;
    }
    const auto body = std::span<const uint8_t>(*frame).subspan(frame->size() - reader.remaining());
    if (auto err = protocol::decode(body, version, reply.body)) reply.error = "decode: " + err->message();
    return reply;
  }

  /// Sends `request` and reads its response.
  template <class Req, class Resp = typename ResponseOf<Req>::type>
  Reply<Resp> roundTrip(const Req& request, int16_t version,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    const int32_t id = send(request, version);
    if (id < 0) {
      Reply<Resp> r;
      r.status = ReadStatus::Closed;
      r.error = "send failed: " + lastError_;
      return r;
    }
    return receive<Resp>(id, version, timeout);
  }

  /// Waits until the peer closes the connection, discarding any frames it sends
  /// first. True if it closed (or reset) before `timeout`.
  bool waitClosed(std::chrono::milliseconds timeout, std::vector<RawFrame>* framesSeen = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      RawFrame f = readFrame(left);
      if (f.status == ReadStatus::Closed || f.status == ReadStatus::Invalid) return true;
      if (f.status == ReadStatus::TimedOut) return false;
      if (framesSeen) framesSeen->push_back(std::move(f));
    }
  }

  /// True if bytes of a response are buffered or readable within `wait` (default: now).
  /// Used to check that the broker is still holding a request (a delayed operation).
  bool responsePending(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    if (!in_.empty()) return true;
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }

  [[nodiscard]] const std::string& lastError() const noexcept { return lastError_; }

 private:
  ReadStatus fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) return ReadStatus::Closed;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return ReadStatus::TimedOut;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return ReadStatus::TimedOut;
      uint8_t buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return ReadStatus::Closed;  // EOF, or ECONNRESET
      in_.insert(in_.end(), buf, buf + n);
      return ReadStatus::Ok;
    }
  }

  int fd_ = -1;
  std::chrono::milliseconds receiveTimeout_;
  std::vector<uint8_t> in_;
  int32_t nextCorrelationId_ = 1;
  std::optional<std::string> clientId_ = std::string("kafkalite-test");
  std::string lastError_;
};

}  // namespace kafkalite::testing
