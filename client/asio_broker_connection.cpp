#include "client/asio_broker_connection.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "client/decode_response.hpp"
#include "client/events.hpp"
#include "protocol/messages/api_versions.hpp"

namespace kafkalite::client {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// The read buffer: its first size, and the room a read asks for at least.
constexpr std::size_t kInitialReadBuffer = 64 * 1024;
constexpr std::size_t kMinReadRoom = 16 * 1024;

// Highest version in [ourMin, ourMax] ∩ [theirMin, theirMax], or -1.
int16_t highestCommon(int16_t ourMin, int16_t ourMax, int16_t theirMin, int16_t theirMax) noexcept {
  const int16_t hi = std::min(ourMax, theirMax);
  return hi >= std::max(ourMin, theirMin) ? hi : -1;
}

}  // namespace

AsioBrokerConnection::AsioBrokerConnection(asio::io_context& io, const Clock& clock, AsioConnectionOptions options,
                                           int32_t nodeId, BrokerAddress address, std::function<void()> onEvent)
    : io_(io),
      clock_(clock),
      options_(std::move(options)),
      nodeId_(nodeId),
      address_(std::move(address)),
      onEvent_(std::move(onEvent)),
      resolver_(io),
      socket_(io),
      connectTimer_(io) {}

AsioBrokerConnection::~AsioBrokerConnection() {
  *alive_ = false;
  boost::system::error_code ignored;
  resolver_.cancel();
  connectTimer_.cancel();
  socket_.close(ignored);
}

template <class F>
auto AsioBrokerConnection::guard(F&& fn) {
  // Constrained, so that Asio's completion-signature checks see exactly what fn accepts.
  return [this, alive = alive_, generation = generation_, fn = std::forward<F>(fn)](auto&&... args) mutable -> void
    requires std::is_invocable_v<F&, decltype(args)...>
  {
    if (!*alive || generation != generation_) return;
    fn(std::forward<decltype(args)>(args)...);
  };
}

void AsioBrokerConnection::setState(ConnectionState state) {
  state_ = state;
  counters_.stateSinceMs = clock_.nowMs();
}

void AsioBrokerConnection::connect() {
  if (state_ == ConnectionState::Connecting || state_ == ConnectionState::Ready) return;
  if (state_ == ConnectionState::Failed && clock_.nowMs() < failedAtMs_ + options_.reconnectBackoffMs) return;
  setState(ConnectionState::Connecting);
  ++counters_.connects;
  ++generation_;
  if (options_.events != nullptr) {
    options_.events->logWith(LogLevel::Debug, "CONNECT", [&] {
      return "connecting to broker " + std::to_string(nodeId_) + " at " + address_.toString();
    });
  }
  connectTimer_.expires_after(std::chrono::milliseconds(options_.connectTimeoutMs));
  connectTimer_.async_wait(guard([this](boost::system::error_code ec) {
    if (!ec && state_ == ConnectionState::Connecting) drop(ClientError::ConnectionFailed, ConnectionState::Failed);
  }));
  resolver_.async_resolve(address_.host, std::to_string(address_.port),
                          guard([this](boost::system::error_code ec, const tcp::resolver::results_type& endpoints) {
                            if (ec) {
                              drop(ClientError::ConnectionFailed, ConnectionState::Failed);
                              return;
                            }
                            asio::async_connect(socket_, endpoints,
                                                guard([this](boost::system::error_code error, const tcp::endpoint&) {
                                                  if (error) {
                                                    drop(ClientError::ConnectionFailed, ConnectionState::Failed);
                                                  } else {
                                                    onConnected();
                                                  }
                                                }));
                          }));
}

void AsioBrokerConnection::onConnected() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  // Reads are non-blocking reads of what has arrived (readAvailable); writes stay
  // asynchronous (Asio handles would-block for those itself).
  socket_.non_blocking(true, ignored);
  connected_ = true;
  startRead();
  sendApiVersions(3);
}

void AsioBrokerConnection::sendApiVersions(int16_t version) {
  protocol::ApiVersionsRequest request;
  request.clientSoftwareName = "kafkalite";
  request.clientSoftwareVersion = "0.1.0";
  RequestFrame frame;
  const int32_t id = nextInternalId_--;
  (void)RequestFrame::encode(protocol::RequestHeader{protocol::ApiKey::ApiVersions, version, id, options_.clientId, {}},
                             request, frame);
  writeQueue_.push_front(Pending{std::move(frame), true,
                                 [this, alive = alive_, version](std::error_code ec, std::span<const uint8_t> body) {
                                   if (*alive) onApiVersions(version, ec, body);
                                 }});
  startWrite();
}

void AsioBrokerConnection::onApiVersions(int16_t version, std::error_code error, std::span<const uint8_t> body) {
  if (error) return;  // the connection is already being dropped
  // error_code comes first in every version. On UNSUPPORTED_VERSION fall back to v0
  // whatever the rest looks like: Kafka sends a v0 body (interop.md section 6), and
  // librdkafka 2.0.2's mock cluster a malformed compact one.
  protocol::Reader peek(body);
  int16_t errorCode = 0;
  if (version > 0 && peek.int16(errorCode) && errorCode == static_cast<int16_t>(ErrorCode::UNSUPPORTED_VERSION)) {
    sendApiVersions(0);
    return;
  }
  protocol::ApiVersionsResponse response;
  const bool decoded = !decodeResponse(options_.events != nullptr ? *options_.events : Events::none(), nodeId_, body, version, response);
  if (!decoded || response.errorCode != 0) {
    drop(ClientError::ConnectionFailed, ConnectionState::Failed);
    return;
  }
  produceVersion_ = metadataVersion_ = initProducerIdVersion_ = -1;
  for (const auto& api : response.apiKeys) {
    if (api.apiKey == static_cast<int16_t>(protocol::ApiKey::Produce)) {
      produceVersion_ = highestCommon(kProduceMinVersion, kProduceMaxVersion, api.minVersion, api.maxVersion);
    } else if (api.apiKey == static_cast<int16_t>(protocol::ApiKey::Metadata)) {
      metadataVersion_ = highestCommon(kMetadataMinVersion, kMetadataMaxVersion, api.minVersion, api.maxVersion);
    } else if (api.apiKey == static_cast<int16_t>(protocol::ApiKey::InitProducerId)) {
      initProducerIdVersion_ =
          highestCommon(kInitProducerIdMinVersion, kInitProducerIdMaxVersion, api.minVersion, api.maxVersion);
    }
  }
  if (produceVersion_ < 0 || metadataVersion_ < 0) {
    drop(ClientError::UnsupportedVersion, ConnectionState::Failed);
    return;
  }
  connectTimer_.cancel();
  setState(ConnectionState::Ready);
  counters_.everReady = true;
  lastError_.clear();
  if (options_.events != nullptr) {
    options_.events->logWith(LogLevel::Info, "CONNECT", [&] {
      return "connected to broker " + std::to_string(nodeId_) + " at " + address_.toString() + " (Produce v" +
             std::to_string(produceVersion_) + ", Metadata v" + std::to_string(metadataVersion_) +
             ", InitProducerId v" + std::to_string(initProducerIdVersion_) + ")";
    });
  }
  if (onEvent_) onEvent_();
}

int16_t AsioBrokerConnection::apiVersion(protocol::ApiKey key) const noexcept {
  if (state_ != ConnectionState::Ready) return -1;
  if (key == protocol::ApiKey::Produce) return produceVersion_;
  if (key == protocol::ApiKey::Metadata) return metadataVersion_;
  if (key == protocol::ApiKey::InitProducerId) return initProducerIdVersion_;
  return -1;
}

void AsioBrokerConnection::send(RequestFrame frame, bool expectResponse, ResponseHandler handler) {
  if (state_ != ConnectionState::Ready) {
    // Contract: never called back from inside send().
    asio::post(io_, [handler = std::move(handler)] { handler(ClientError::Disconnected, {}); });
    return;
  }
  writeQueue_.push_back(Pending{std::move(frame), expectResponse, std::move(handler)});
  startWrite();
}

void AsioBrokerConnection::startWrite() {
  if (writeInProgress_ || writeQueue_.empty()) return;
  writeInProgress_ = true;
  writing_.clear();
  gather_.clear();
  // One gathered write for everything queued: header bytes and record batches as they are.
  while (!writeQueue_.empty()) {
    writing_.push_back(std::move(writeQueue_.front()));
    writeQueue_.pop_front();
  }
  for (Pending& p : writing_) {
    p.frame.forEachPiece([&](std::span<const uint8_t> piece) { gather_.emplace_back(piece.data(), piece.size()); });
    if (p.expectResponse) {
      awaiting_.push_back(Awaiting{p.frame.correlationId(), p.frame.apiKey(), p.frame.apiVersion(), std::move(p.handler)});
    }
  }
  asio::async_write(socket_, gather_, guard([this](boost::system::error_code ec, std::size_t) {
                      writeInProgress_ = false;
                      if (ec) {
                        drop(ClientError::Disconnected, ConnectionState::Disconnected);
                        return;
                      }
                      std::vector<Pending> written = std::move(writing_);
                      writing_.clear();
                      const uint64_t generation = generation_;
                      for (Pending& p : written) {
                        if (!p.expectResponse && p.handler) p.handler({}, {});  // acks = 0: done once written
                        if (generation != generation_) return;
                      }
                      startWrite();
                    }));
}

void AsioBrokerConnection::startRead() {
  if (readWaiting_ || !connected_) return;
  readWaiting_ = true;
  socket_.async_wait(tcp::socket::wait_read, guard([this](boost::system::error_code ec) {
    readWaiting_ = false;
    if (ec) {
      drop(ClientError::Disconnected, ConnectionState::Disconnected);
      return;
    }
    const uint64_t generation = generation_;
    readAvailable();
    if (generation == generation_ && *alive_) startRead();
  }));
}

void AsioBrokerConnection::readAvailable() {
  if (!connected_) return;
  const uint64_t generation = generation_;
  const std::shared_ptr<bool> alive = alive_;  // a handler may destroy this connection
  for (;;) {
    if (!deliverFrames() || !*alive || generation != generation_) return;
    if (readStart_ == readEnd_) readStart_ = readEnd_ = 0;
    if (readBuffer_.size() - readEnd_ < kMinReadRoom) {
      // Move the partial frame to the front, or grow when it already starts there.
      if (readStart_ > 0) {
        std::memmove(readBuffer_.data(), readBuffer_.data() + readStart_, readEnd_ - readStart_);
        readEnd_ -= readStart_;
        readStart_ = 0;
      } else {
        readBuffer_.resize(std::max(readBuffer_.size() * 2, kInitialReadBuffer));
      }
    }
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(readBuffer_.data() + readEnd_, readBuffer_.size() - readEnd_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) {
      drop(ClientError::Disconnected, ConnectionState::Disconnected);  // also the broker closing (eof)
      return;
    }
    readEnd_ += n;
  }
}

bool AsioBrokerConnection::deliverFrames() {
  const uint64_t generation = generation_;
  const std::shared_ptr<bool> alive = alive_;
  while (readEnd_ - readStart_ >= 4) {
    const auto size = static_cast<int32_t>(protocol::detail::loadBigEndian(readBuffer_.data() + readStart_, 4));
    if (size < 4 || size > options_.maxResponseBytes) {
      drop(ClientError::Malformed, ConnectionState::Disconnected);
      return false;
    }
    const std::size_t total = 4 + static_cast<std::size_t>(size);
    if (readEnd_ - readStart_ < total) {
      // Make sure the whole frame fits once it has arrived.
      if (readBuffer_.size() - readStart_ < total) {
        std::memmove(readBuffer_.data(), readBuffer_.data() + readStart_, readEnd_ - readStart_);
        readEnd_ -= readStart_;
        readStart_ = 0;
        if (readBuffer_.size() < total + kMinReadRoom) readBuffer_.resize(total + kMinReadRoom);
      }
      return true;
    }
    const std::span<const uint8_t> frame(readBuffer_.data() + readStart_ + 4, static_cast<std::size_t>(size));
    readStart_ += total;
    onFrame(frame);
    if (!*alive || generation != generation_) return false;
  }
  return true;
}

void AsioBrokerConnection::onFrame(std::span<const uint8_t> frame) {
  if (awaiting_.empty()) {
    drop(ClientError::Malformed, ConnectionState::Disconnected);  // an answer nobody asked for
    return;
  }
  Awaiting head = std::move(awaiting_.front());
  awaiting_.pop_front();
  protocol::Reader reader(frame);
  protocol::ResponseHeader header;
  if (!protocol::decodeResponseHeader(reader, header, protocol::responseHeaderVersion(head.apiKey, head.apiVersion)) ||
      header.correlationId != head.correlationId) {
    awaiting_.push_front(std::move(head));  // fails with the others
    drop(ClientError::Malformed, ConnectionState::Disconnected);
    return;
  }
  const std::span<const uint8_t> body(reader.position(), reader.remaining());
  head.handler({}, body);
}

void AsioBrokerConnection::drop(std::error_code why, ConnectionState next) {
  if (state_ == ConnectionState::Connecting) {
    // Whatever ended it, a connection that never became Ready is a failed connect, so it
    // backs off and the Sender counts an attempt.
    next = ConnectionState::Failed;
    if (why == make_error_code(ClientError::Disconnected)) why = ClientError::ConnectionFailed;
  }
  if (state_ == ConnectionState::Ready) ++counters_.disconnects;
  if (options_.events != nullptr) {
    const bool failedConnect = next == ConnectionState::Failed;
    options_.events->logWith(failedConnect ? LogLevel::Warning : LogLevel::Info, "CONNECT", [&] {
      return std::string(failedConnect ? "could not connect to broker " : "disconnected from broker ") +
             std::to_string(nodeId_) + " at " + address_.toString() + ": " + why.message();
    });
  }
  ++generation_;
  boost::system::error_code ignored;
  resolver_.cancel();
  connectTimer_.cancel();
  socket_.close(ignored);
  socket_ = tcp::socket(io_);
  connected_ = false;
  readWaiting_ = false;
  readStart_ = readEnd_ = 0;
  writeInProgress_ = false;
  lastError_ = why;
  if (next == ConnectionState::Failed) failedAtMs_ = clock_.nowMs();
  setState(next);
  produceVersion_ = metadataVersion_ = initProducerIdVersion_ = -1;
  // Every unanswered request fails; handlers run later, never inside close() or send().
  std::vector<ResponseHandler> failed;
  for (auto& p : writing_) {
    if (p.handler) failed.push_back(std::move(p.handler));
  }
  for (auto& p : writeQueue_) {
    if (p.handler) failed.push_back(std::move(p.handler));
  }
  for (auto& a : awaiting_) {
    if (a.handler) failed.push_back(std::move(a.handler));
  }
  writing_.clear();
  writeQueue_.clear();
  awaiting_.clear();
  asio::post(io_, [failed = std::move(failed), onEvent = onEvent_]() mutable {
    for (auto& h : failed) h(ClientError::Disconnected, {});
    if (onEvent) onEvent();
  });
}

void AsioBrokerConnection::close() {
  if (state_ == ConnectionState::Disconnected && writeQueue_.empty() && awaiting_.empty()) return;
  drop(ClientError::Disconnected, ConnectionState::Disconnected);
}

}  // namespace kafkalite::client
