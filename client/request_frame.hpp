#pragma once
/// \file
/// RequestFrame: one request as the bytes to write, scatter-gather style
/// (protocol::GatherFrame) plus what the connection needs to know about it. The size
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
#include <utility>
#include <vector>

#include "protocol/gather_frame.hpp"

namespace kafkalite::client {

class RequestFrame {
 public:
  /// Encodes `header` and `body` (at header.apiVersion) into a frame. Returns the encode
  /// error, if any (the frame is then unusable).
  template <protocol::SchemaMessage M>
  [[nodiscard]] static std::optional<protocol::EncodeError> encode(const protocol::RequestHeader& header, const M& body,
                                                                   RequestFrame& out) {
    out.apiKey_ = header.apiKey;
    out.apiVersion_ = header.apiVersion;
    out.correlationId_ = header.correlationId;
    return out.frame_.encodeRequest(header, body);
  }

  [[nodiscard]] protocol::ApiKey apiKey() const noexcept { return apiKey_; }
  [[nodiscard]] int16_t apiVersion() const noexcept { return apiVersion_; }
  [[nodiscard]] int32_t correlationId() const noexcept { return correlationId_; }
  /// Total bytes, size prefix included.
  [[nodiscard]] std::size_t size() const noexcept { return frame_.size(); }
  /// Number of pieces (external record sets and the owned runs between them).
  [[nodiscard]] std::size_t pieceCount() const noexcept { return frame_.pieceCount(); }
  /// Calls fn(std::span<const uint8_t>) for each piece in order.
  template <class F>
  void forEachPiece(F&& fn) const {
    frame_.forEachPiece(std::forward<F>(fn));
  }
  /// The whole frame as one buffer (tests, and small requests).
  [[nodiscard]] std::vector<uint8_t> flatten() const { return frame_.flatten(); }

 private:
  protocol::ApiKey apiKey_ = protocol::ApiKey::Produce;
  int16_t apiVersion_ = 0;
  int32_t correlationId_ = 0;
  protocol::GatherFrame frame_;
};

}  // namespace kafkalite::client
