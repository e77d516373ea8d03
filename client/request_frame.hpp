#pragma once
/// \file
/// RequestFrame: one request as the bytes to write, scatter-gather style. The size
/// prefix, header and every encoded field are in an owned buffer; record sets (the
/// record batches of a ProduceRequest) are referenced where they are, never copied, so a
/// request is written as [owned bytes][batch 1][owned bytes][batch 2]...
///
/// Whoever builds a frame keeps the referenced batches alive and unchanged until the
/// frame is written or dropped (the Sender holds them until the request completes).
///
/// Threading: a plain value; one thread at a time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/headers.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::client {

class RequestFrame {
 public:
  /// A run of bytes: owned (`external` null: bytes_[offset, offset + length)) or not.
  struct Piece {
    const uint8_t* external = nullptr;
    std::size_t offset = 0;
    std::size_t length = 0;
  };

  /// Encodes `header` and `body` (at header.apiVersion) into a frame. Returns the encode
  /// error, if any (the frame is then unusable).
  template <protocol::SchemaMessage M>
  [[nodiscard]] static std::optional<protocol::EncodeError> encode(const protocol::RequestHeader& header, const M& body,
                                                                   RequestFrame& out);

  [[nodiscard]] protocol::ApiKey apiKey() const noexcept { return apiKey_; }
  [[nodiscard]] int16_t apiVersion() const noexcept { return apiVersion_; }
  [[nodiscard]] int32_t correlationId() const noexcept { return correlationId_; }
  /// Total bytes, size prefix included.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Number of pieces (external record sets and the owned runs between them).
  [[nodiscard]] std::size_t pieceCount() const noexcept { return pieces_.size(); }

  /// Calls fn(std::span<const uint8_t>) for each piece in order.
  template <class F>
  void forEachPiece(F&& fn) const {
    for (const Piece& p : pieces_) {
      fn(std::span<const uint8_t>(p.external != nullptr ? p.external : bytes_.data() + p.offset, p.length));
    }
  }
  /// The whole frame as one buffer (tests, and small requests).
  [[nodiscard]] std::vector<uint8_t> flatten() const;

 private:
  class ScatterSink;
  void finish();

  protocol::ApiKey apiKey_ = protocol::ApiKey::Produce;
  int16_t apiVersion_ = 0;
  int32_t correlationId_ = 0;
  std::size_t size_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<Piece> pieces_;
  std::size_t ownedStart_ = 0;  // start of the owned run being written
};

/// Appends to the frame's owned buffer; record sets become external pieces.
class RequestFrame::ScatterSink : public protocol::SinkBase<ScatterSink> {
 public:
  explicit ScatterSink(RequestFrame& frame) : frame_(frame) {}
  void put(const uint8_t* p, std::size_t n) { frame_.bytes_.insert(frame_.bytes_.end(), p, p + n); }
  /// Hides SinkBase::putExternal: reference the bytes instead of copying them.
  void putExternal(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    frame_.pieces_.push_back({nullptr, frame_.ownedStart_, frame_.bytes_.size() - frame_.ownedStart_});
    frame_.pieces_.push_back({bytes.data(), 0, bytes.size()});
    frame_.ownedStart_ = frame_.bytes_.size();
  }

 private:
  RequestFrame& frame_;
};

template <protocol::SchemaMessage M>
std::optional<protocol::EncodeError> RequestFrame::encode(const protocol::RequestHeader& header, const M& body,
                                                          RequestFrame& out) {
  out.apiKey_ = header.apiKey;
  out.apiVersion_ = header.apiVersion;
  out.correlationId_ = header.correlationId;
  out.bytes_.clear();
  out.pieces_.clear();
  out.ownedStart_ = 0;
  out.bytes_.resize(4);  // size prefix, filled in by finish()
  {
    protocol::VectorSink headerSink(out.bytes_);
    protocol::encodeRequestHeader(headerSink, header);
    if (headerSink.failed()) return headerSink.error();
  }
  ScatterSink sink(out);
  protocol::encodeTo(sink, body, header.apiVersion);
  if (sink.failed()) return sink.error();
  out.finish();
  return std::nullopt;
}

}  // namespace kafkalite::client
