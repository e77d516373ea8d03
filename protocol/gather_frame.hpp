#pragma once
/// \file
/// GatherFrame: one request or response frame as the pieces to write with one gathered
/// write. The size prefix, header and every encoded field go into an owned buffer; record
/// sets (`Records`, also the pieces of a multi-piece `Records`) are referenced where they
/// are, never copied, so a frame is [owned bytes][records][owned bytes][records]...
///
/// Whoever builds a frame keeps the referenced record sets alive and unchanged until the
/// frame is written or dropped (the producer holds its batches until the request
/// completes; the broker hands the log's batch owners along with the frame).
///
/// Threading: a plain value; one thread at a time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/headers.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

class GatherFrame {
 public:
  /// A run of bytes: owned (`external` null: bytes_[offset, offset + length)) or not.
  struct Piece {
    const uint8_t* external = nullptr;
    std::size_t offset = 0;
    std::size_t length = 0;
  };

  /// Encodes a request: `header`, then `body` at header.apiVersion. Returns the encode
  /// error, if any (the frame is then unusable).
  template <SchemaMessage M>
  [[nodiscard]] std::optional<EncodeError> encodeRequest(const RequestHeader& header, const M& body) {
    start();
    {
      VectorSink headerSink(bytes_);
      encodeRequestHeader(headerSink, header);
      if (headerSink.failed()) return headerSink.error();
    }
    return encodeBody(body, header.apiVersion);
  }

  /// Encodes a response to `correlationId`: the header in the version `M`'s API uses at
  /// `apiVersion`, then `body`. Returns the encode error, if any.
  template <SchemaMessage M>
  [[nodiscard]] std::optional<EncodeError> encodeResponse(int32_t correlationId, int16_t apiVersion, const M& body) {
    start();
    {
      VectorSink headerSink(bytes_);
      encodeResponseHeader(headerSink, ResponseHeader{correlationId, {}}, responseHeaderVersion(M::kApiKey, apiVersion));
    }
    return encodeBody(body, apiVersion);
  }

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
  /// The whole frame as one buffer (tests, and small frames).
  [[nodiscard]] std::vector<uint8_t> flatten() const;

 private:
  /// Appends to the owned buffer; record sets become external pieces.
  class Sink : public SinkBase<Sink> {
   public:
    explicit Sink(GatherFrame& frame) : frame_(frame) {}
    void put(const uint8_t* p, std::size_t n) { frame_.bytes_.insert(frame_.bytes_.end(), p, p + n); }
    /// Hides SinkBase::putExternal: reference the bytes instead of copying them.
    void putExternal(std::span<const uint8_t> bytes) {
      if (bytes.empty()) return;
      frame_.pieces_.push_back({nullptr, frame_.ownedStart_, frame_.bytes_.size() - frame_.ownedStart_});
      frame_.pieces_.push_back({bytes.data(), 0, bytes.size()});
      frame_.ownedStart_ = frame_.bytes_.size();
    }

   private:
    GatherFrame& frame_;
  };

  void start();
  template <SchemaMessage M>
  std::optional<EncodeError> encodeBody(const M& body, int16_t version) {
    Sink sink(*this);
    encodeTo(sink, body, version);
    if (sink.failed()) return sink.error();
    finish();
    return std::nullopt;
  }
  void finish();

  std::size_t size_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<Piece> pieces_;
  std::size_t ownedStart_ = 0;  // start of the owned run being written
};

}  // namespace kafkalite::protocol
