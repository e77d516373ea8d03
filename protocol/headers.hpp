#pragma once
/// \file
/// Request and response headers and the int32 size-prefixed frame.
///
/// Request header v1: api_key i16, api_version i16, correlation_id i32, client_id
/// (int16-prefixed nullable string). v2 adds a tag section; client_id stays
/// non-compact. v0 has no client_id. Response header v0: correlation_id; v1 adds a
/// tag section. ApiVersions responses always use v0.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/api_key.hpp"
#include "protocol/primitives.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

/// Largest frame kafkalite accepts by default (Kafka's socket.request.max.bytes).
inline constexpr int32_t kDefaultMaxFrameBytes = 100 * 1024 * 1024;

struct RequestHeader {
  ApiKey apiKey = ApiKey::Produce;
  int16_t apiVersion = 0;
  int32_t correlationId = 0;
  std::optional<std::string> clientId;
  TaggedFields unknownTaggedFields;
  bool operator==(const RequestHeader&) const = default;
};

struct ResponseHeader {
  int32_t correlationId = 0;
  TaggedFields unknownTaggedFields;
  bool operator==(const ResponseHeader&) const = default;
};

/// Appends a request header in the version that (apiKey, apiVersion) uses.
void encodeRequestHeader(VectorSink& out, const RequestHeader& header);
/// Reads a request header: api key and version first, which decide the header
/// version. An API key or version unknown to kafkalite still decodes (as header v1),
/// so the broker can answer UNSUPPORTED_VERSION.
bool decodeRequestHeader(Reader& in, RequestHeader& header);

void encodeResponseHeader(VectorSink& out, const ResponseHeader& header, int16_t headerVersion);
bool decodeResponseHeader(Reader& in, ResponseHeader& header, int16_t headerVersion);

/// Writes a placeholder size prefix; finishFrame() fills it in.
std::size_t beginFrame(std::vector<uint8_t>& out);
/// Room for a request or response header apart from the client id's characters (api key,
/// version, correlation id, client id length, tag sections), for reserving.
inline constexpr std::size_t kMaxHeaderBytes = 32;
void finishFrame(std::vector<uint8_t>& out, std::size_t frameStart);

/// A whole request frame: size, header, body.
template <SchemaMessage M>
std::optional<EncodeError> encodeRequestFrame(const RequestHeader& header, const M& body, std::vector<uint8_t>& out) {
  // One exact allocation: a frame can be megabytes, and growing it by doubling copies it
  // again and touches fresh pages each time. The size pass is a walk with no copying.
  out.reserve(out.size() + 4 + kMaxHeaderBytes + (header.clientId ? header.clientId->size() : 0) +
              encodedSize(body, header.apiVersion));
  const std::size_t start = beginFrame(out);
  VectorSink sink(out);
  encodeRequestHeader(sink, header);
  encodeTo(sink, body, header.apiVersion);
  finishFrame(out, start);
  if (sink.failed()) return sink.error();
  return std::nullopt;
}

/// A whole response frame: size, header in the version the API uses, body.
template <SchemaMessage M>
std::optional<EncodeError> encodeResponseFrame(int32_t correlationId, int16_t apiVersion, const M& body,
                                               std::vector<uint8_t>& out) {
  out.reserve(out.size() + 4 + kMaxHeaderBytes + encodedSize(body, apiVersion));  // as encodeRequestFrame
  const std::size_t start = beginFrame(out);
  VectorSink sink(out);
  encodeResponseHeader(sink, ResponseHeader{correlationId, {}}, responseHeaderVersion(M::kApiKey, apiVersion));
  encodeTo(sink, body, apiVersion);
  finishFrame(out, start);
  if (sink.failed()) return sink.error();
  return std::nullopt;
}

/// Result of looking at the start of a byte stream for one frame.
enum class FrameStatus { Complete, NeedMore, Invalid };

/// Looks for one frame at the start of `bytes`. On Complete, `frame` is the frame
/// without its size prefix and `consumed` the bytes to drop. Invalid: the size is
/// negative or above `maxFrameBytes` (the connection should be closed).
FrameStatus peekFrame(std::span<const uint8_t> bytes, std::span<const uint8_t>& frame, std::size_t& consumed,
                      int32_t maxFrameBytes = kDefaultMaxFrameBytes, int32_t* sizeOut = nullptr);

}  // namespace kafkalite::protocol
