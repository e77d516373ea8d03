#include "protocol/headers.hpp"

namespace kafkalite::protocol {
namespace {

void encodeNullableInt16String(VectorSink& out, const std::optional<std::string>& s) {
  if (!s) {
    out.int16(-1);
    return;
  }
  if (s->size() > static_cast<std::size_t>(INT16_MAX)) out.fail("client_id", "longer than 32767 bytes");
  out.int16(static_cast<int16_t>(s->size()));
  out.raw(std::string_view(*s));
}

bool decodeNullableInt16String(Reader& in, std::optional<std::string>& s) {
  int16_t len;
  if (!in.int16(len)) return false;
  if (len < -1) return in.fail("negative length " + std::to_string(len));
  if (len == -1) {
    s.reset();
    return true;
  }
  std::span<const uint8_t> bytes;
  if (!in.take(static_cast<std::size_t>(len), bytes)) return false;
  s.emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return true;
}

/// A header's tag section: it has no known fields, so everything is kept as unknown.
struct HeaderTags {
  TaggedFields unknownTaggedFields;
  static constexpr auto fields() { return std::tuple<>{}; }
};

void encodeHeaderTags(VectorSink& out, const TaggedFields& tags) {
  HeaderTags h{tags};
  detail::encodeTagSection(out, h, CodecContext{0, true, false, "header"});
}

bool decodeHeaderTags(Reader& in, TaggedFields& tags) {
  HeaderTags h;
  if (!detail::decodeTagSection(in, h, CodecContext{0, true, false, "header"})) return false;
  tags = std::move(h.unknownTaggedFields);
  return true;
}

}  // namespace

void encodeRequestHeader(VectorSink& out, const RequestHeader& header) {
  const int16_t version = requestHeaderVersion(header.apiKey, header.apiVersion);
  out.int16(static_cast<int16_t>(header.apiKey));
  out.int16(header.apiVersion);
  out.int32(header.correlationId);
  if (version >= 1) encodeNullableInt16String(out, header.clientId);
  if (version >= 2) encodeHeaderTags(out, header.unknownTaggedFields);
}

bool decodeRequestHeader(Reader& in, RequestHeader& header) {
  int16_t key;
  if (!in.int16(key)) {
    in.prependPath("RequestHeader.request_api_key");
    return false;
  }
  header.apiKey = static_cast<ApiKey>(key);
  if (!in.int16(header.apiVersion)) {
    in.prependPath("RequestHeader.request_api_version");
    return false;
  }
  if (!in.int32(header.correlationId)) {
    in.prependPath("RequestHeader.correlation_id");
    return false;
  }
  const int16_t version = requestHeaderVersion(header.apiKey, header.apiVersion);
  if (version >= 1 && !decodeNullableInt16String(in, header.clientId)) {
    in.prependPath("RequestHeader.client_id");
    return false;
  }
  if (version >= 2 && !decodeHeaderTags(in, header.unknownTaggedFields)) {
    in.prependPath("RequestHeader");
    return false;
  }
  return true;
}

void encodeResponseHeader(VectorSink& out, const ResponseHeader& header, int16_t headerVersion) {
  out.int32(header.correlationId);
  if (headerVersion >= 1) encodeHeaderTags(out, header.unknownTaggedFields);
}

bool decodeResponseHeader(Reader& in, ResponseHeader& header, int16_t headerVersion) {
  if (!in.int32(header.correlationId)) {
    in.prependPath("ResponseHeader.correlation_id");
    return false;
  }
  if (headerVersion >= 1 && !decodeHeaderTags(in, header.unknownTaggedFields)) {
    in.prependPath("ResponseHeader");
    return false;
  }
  return true;
}

std::size_t beginFrame(std::vector<uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + 4);
  return start;
}

void finishFrame(std::vector<uint8_t>& out, std::size_t frameStart) {
  const auto size = static_cast<uint32_t>(out.size() - frameStart - 4);
  detail::storeBigEndian(out.data() + frameStart, size, 4);
}

FrameStatus peekFrame(std::span<const uint8_t> bytes, std::span<const uint8_t>& frame, std::size_t& consumed,
                      int32_t maxFrameBytes, int32_t* sizeOut) {
  if (bytes.size() < 4) return FrameStatus::NeedMore;
  const auto size = static_cast<int32_t>(static_cast<uint32_t>(detail::loadBigEndian(bytes.data(), 4)));
  if (sizeOut) *sizeOut = size;
  if (size < 0 || size > maxFrameBytes) return FrameStatus::Invalid;
  if (bytes.size() - 4 < static_cast<std::size_t>(size)) return FrameStatus::NeedMore;
  frame = bytes.subspan(4, static_cast<std::size_t>(size));
  consumed = 4 + static_cast<std::size_t>(size);
  return FrameStatus::Complete;
}

}  // namespace kafkalite::protocol
