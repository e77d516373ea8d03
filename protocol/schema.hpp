#pragma once
/// \file
/// Declarative message schemas. Each message (and each nested struct) lists its
/// fields once, in wire order, in a `static constexpr auto fields()` returning a
/// tuple of FieldDef; every field carries the version range in which it exists,
/// the versions in which it may be null, and (for tagged fields) its tag. Encode,
/// decode and size are derived from that table, so adding a version is a change
/// to a VersionRange, not a new encoder.
///
/// Wire types follow from the C++ member type:
///   int8_t int16_t uint16_t int32_t uint32_t int64_t double bool  fixed width, big-endian
///   std::string / std::optional<std::string>    string, compact in flexible versions
///   Bytes / std::optional<Bytes>                 bytes, compact in flexible versions
///   Records                                      nullable bytes, decoded as a view
///   Uuid                                         16 bytes
///   std::vector<E> / std::optional<std::vector<E>>  array (compact in flexible versions)
///   any struct with fields()                     nested struct (+ tag section when flexible)
/// A top-level message also declares kApiKey, kName, kValidVersions and kFlexibleVersions.
///
/// Threading: pure functions over values; no shared state.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "protocol/primitives.hpp"

namespace kafkalite::protocol {

inline constexpr int16_t kMaxVersion = INT16_MAX;

/// Inclusive range of API versions; empty when hi < lo.
struct VersionRange {
  int16_t lo = 0;
  int16_t hi = -1;
  [[nodiscard]] constexpr bool contains(int16_t v) const noexcept { return v >= lo && v <= hi; }
  [[nodiscard]] constexpr bool empty() const noexcept { return hi < lo; }
  constexpr bool operator==(const VersionRange&) const = default;
};
/// Versions `v` and later.
constexpr VersionRange since(int16_t v) noexcept { return {v, kMaxVersion}; }
/// Versions lo..hi inclusive.
constexpr VersionRange between(int16_t lo, int16_t hi) noexcept { return {lo, hi}; }
inline constexpr VersionRange kAllVersions{0, kMaxVersion};
inline constexpr VersionRange kNoVersions{};

using Bytes = std::vector<uint8_t>;

/// A tagged field this code does not know: kept on decode so it can be written back.
struct RawTaggedField {
  uint32_t tag = 0;
  Bytes data;
  bool operator==(const RawTaggedField&) const = default;
};
using TaggedFields = std::vector<RawTaggedField>;

struct Uuid {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const Uuid&) const = default;
};

/// Encoded record batches inside a message. A non-owning view: after decode it
/// points into the decoded buffer, which must outlive it; when encoding, the
/// bytes are written as they are (a sink may reference them instead of copying).
struct Records {
  std::span<const uint8_t> bytes;
  bool present = false;  ///< false = null on the wire
  /// Encoding only: when not empty, the record set is these pieces back to back (whole
  /// batches where a log keeps them) and `bytes` is ignored. Decoding always sets `bytes`.
  std::span<const std::span<const uint8_t>> pieces;

  static Records of(std::span<const uint8_t> b) noexcept { return Records{b, true, {}}; }
  static Records ofPieces(std::span<const std::span<const uint8_t>> p) noexcept { return Records{{}, true, p}; }
  /// Bytes on the wire after the length.
  [[nodiscard]] std::size_t size() const noexcept {
    if (pieces.empty()) return bytes.size();
    std::size_t n = 0;
    for (const auto& piece : pieces) n += piece.size();
    return n;
  }
  bool operator==(const Records& o) const noexcept {
    if (present != o.present || size() != o.size()) return false;
    if (pieces.empty() && o.pieces.empty()) return std::equal(bytes.begin(), bytes.end(), o.bytes.begin());
    std::vector<uint8_t> a;
    std::vector<uint8_t> b;
    flattenInto(a);
    o.flattenInto(b);
    return a == b;
  }

 private:
  void flattenInto(std::vector<uint8_t>& out) const {
    if (pieces.empty()) out.assign(bytes.begin(), bytes.end());
    for (const auto& piece : pieces) out.insert(out.end(), piece.begin(), piece.end());
  }
};

/// One field of a schema table.
template <class S, class T>
struct FieldDef {
  using Struct = S;
  using Type = T;
  const char* name;
  T S::*member;
  VersionRange versions;
  VersionRange nullableVersions;
  int32_t tag;  ///< -1 = not tagged
  [[nodiscard]] constexpr bool presentIn(int16_t v) const noexcept { return versions.contains(v); }
  [[nodiscard]] constexpr bool taggedIn(int16_t v) const noexcept { return tag >= 0 && versions.contains(v); }
};

/// A regular field present in `versions`, nullable in `nullable`.
template <class S, class T>
constexpr FieldDef<S, T> field(const char* name, T S::*member, VersionRange versions,
                               VersionRange nullable = kNoVersions) noexcept {
  return {name, member, versions, nullable, -1};
}
/// A tagged field: in `versions` (all flexible) it travels in the tag section as `tag`.
template <class S, class T>
constexpr FieldDef<S, T> taggedField(const char* name, T S::*member, VersionRange versions, int32_t tag,
                                     VersionRange nullable = kNoVersions) noexcept {
  return {name, member, versions, nullable, tag};
}

/// What a codec needs to know about where it is.
struct CodecContext {
  int16_t version = 0;
  bool flexible = false;
  bool nullable = false;     ///< the current field may be null in this version
  const char* name = "";     ///< the current field, for encode errors
};

template <class T>
concept SchemaStruct = requires { T::fields(); };

template <class T>
concept SchemaMessage = SchemaStruct<T> && requires {
  T::kApiKey;
  T::kName;
  T::kValidVersions;
  T::kFlexibleVersions;
};

template <class T>
struct Codec;

namespace detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class Sink>
void writeLength(Sink& out, const CodecContext& ctx, std::size_t len, bool int16Prefix) {
  if (ctx.flexible) {
    out.uvarint(static_cast<uint64_t>(len) + 1);
  } else if (int16Prefix) {
    if (len > static_cast<std::size_t>(INT16_MAX)) out.fail(ctx.name, "string longer than 32767 bytes");
    out.int16(static_cast<int16_t>(len));
  } else {
    if (len > static_cast<std::size_t>(INT32_MAX)) out.fail(ctx.name, "length exceeds int32");
    out.int32(static_cast<int32_t>(len));
  }
}
template <class Sink>
void writeNullLength(Sink& out, const CodecContext& ctx, bool int16Prefix) {
  if (!ctx.nullable) out.fail(ctx.name, "null in a version where the field is not nullable");
  if (ctx.flexible) {
    out.uvarint(0);
  } else if (int16Prefix) {
    out.int16(-1);
  } else {
    out.int32(-1);
  }
}

/// Reads a length prefix; `len` = -1 means null. Checks the length against the bytes left
/// when `bytesPerUnit` > 0, so no caller allocates more than is actually present.
inline bool readLength(Reader& in, const CodecContext& ctx, bool int16Prefix, int64_t& len, std::size_t bytesPerUnit) {
  if (ctx.flexible) {
    uint32_t n;
    if (!in.uvarint32(n)) return false;
    len = static_cast<int64_t>(n) - 1;
  } else if (int16Prefix) {
    int16_t n;
    if (!in.int16(n)) return false;
    len = n;
  } else {
    int32_t n;
    if (!in.int32(n)) return false;
    len = n;
  }
  if (len < -1) return in.fail("negative length " + std::to_string(len));
  if (len == -1 && !ctx.nullable) return in.fail("null in a version where the field is not nullable");
  if (len > 0 && bytesPerUnit > 0 && static_cast<uint64_t>(len) > in.remaining() / bytesPerUnit) {
    return in.fail("length " + std::to_string(len) + " exceeds the " + std::to_string(in.remaining()) +
                   " bytes left");
  }
  return true;
}

template <class S>
const S& defaultInstance() {
  static const S instance{};
  return instance;
}

}  // namespace detail

// ---- fixed-width scalars ------------------------------------------------------------

#define KAFKALITE_SCALAR_CODEC(T, method)                                            \
  template <>                                                                        \
  struct Codec<T> {                                                                  \
    static constexpr std::size_t minWireSize(const CodecContext&) { return sizeof(T); } \
    template <class Sink>                                                            \
    static void encode(Sink& out, const T& v, const CodecContext&) { out.method(v); } \
    static bool decode(Reader& in, T& v, const CodecContext&) { return in.method(v); } \
  };
KAFKALITE_SCALAR_CODEC(int8_t, int8)
KAFKALITE_SCALAR_CODEC(int16_t, int16)
KAFKALITE_SCALAR_CODEC(uint16_t, uint16)
KAFKALITE_SCALAR_CODEC(int32_t, int32)
KAFKALITE_SCALAR_CODEC(uint32_t, uint32)
KAFKALITE_SCALAR_CODEC(int64_t, int64)
KAFKALITE_SCALAR_CODEC(double, float64)
#undef KAFKALITE_SCALAR_CODEC

template <>
struct Codec<bool> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  template <class Sink>
  static void encode(Sink& out, const bool& v, const CodecContext&) {
    out.u8(v ? 1 : 0);
  }
  static bool decode(Reader& in, bool& v, const CodecContext&) { return in.boolean(v); }
};

template <>
struct Codec<Uuid> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 16; }
  template <class Sink>
  static void encode(Sink& out, const Uuid& v, const CodecContext&) {
    out.int64(static_cast<int64_t>(v.high));
    out.int64(static_cast<int64_t>(v.low));
  }
  static bool decode(Reader& in, Uuid& v, const CodecContext&) {
    int64_t h, l;
    if (!in.int64(h) || !in.int64(l)) return false;
    v.high = static_cast<uint64_t>(h);
    v.low = static_cast<uint64_t>(l);
    return true;
  }
};

// ---- strings and bytes --------------------------------------------------------------

template <>
struct Codec<std::string> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  template <class Sink>
  static void encode(Sink& out, const std::string& v, const CodecContext& ctx) {
    detail::writeLength(out, ctx, v.size(), true);
    out.raw(std::string_view(v));
  }
  static bool decode(Reader& in, std::string& v, const CodecContext& ctx) {
    CodecContext strict = ctx;
    strict.nullable = false;
    int64_t len;
    if (!detail::readLength(in, strict, true, len, 1)) return false;
    std::span<const uint8_t> bytes;
    if (!in.take(static_cast<std::size_t>(len), bytes)) return false;
    v.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  }
};

template <>
struct Codec<Bytes> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  template <class Sink>
  static void encode(Sink& out, const Bytes& v, const CodecContext& ctx) {
    detail::writeLength(out, ctx, v.size(), false);
    out.raw(std::span<const uint8_t>(v));
  }
  static bool decode(Reader& in, Bytes& v, const CodecContext& ctx) {
    CodecContext strict = ctx;
    strict.nullable = false;
    int64_t len;
    if (!detail::readLength(in, strict, false, len, 1)) return false;
    std::span<const uint8_t> bytes;
    if (!in.take(static_cast<std::size_t>(len), bytes)) return false;
    v.assign(bytes.begin(), bytes.end());
    return true;
  }
};

template <>
struct Codec<Records> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  template <class Sink>
  static void encode(Sink& out, const Records& v, const CodecContext& ctx) {
    CodecContext nullable = ctx;
    nullable.nullable = true;  // records are nullable in every version of every API
    if (!v.present) {
      detail::writeNullLength(out, nullable, false);
      return;
    }
    detail::writeLength(out, ctx, v.size(), false);
    if (v.pieces.empty()) {
      out.putExternal(v.bytes);
      return;
    }
    for (const auto& piece : v.pieces) out.putExternal(piece);
  }
  static bool decode(Reader& in, Records& v, const CodecContext& ctx) {
    CodecContext nullable = ctx;
    nullable.nullable = true;
    int64_t len;
    if (!detail::readLength(in, nullable, false, len, 1)) return false;
    if (len < 0) {
      v = Records{};
      return true;
    }
    std::span<const uint8_t> bytes;
    if (!in.take(static_cast<std::size_t>(len), bytes)) return false;
    v = Records::of(bytes);
    return true;
  }
};

// ---- optional (nullable) values -----------------------------------------------------

/// Nullable string, bytes or array: the null form is the length prefix -1 (0 when compact).
template <class T>
struct Codec<std::optional<T>> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  static constexpr bool kInt16Prefix = std::is_same_v<T, std::string>;
  template <class Sink>
  static void encode(Sink& out, const std::optional<T>& v, const CodecContext& ctx) {
    if (!v) {
      detail::writeNullLength(out, ctx, kInt16Prefix);
      return;
    }
    Codec<T>::encode(out, *v, ctx);
  }
  static bool decode(Reader& in, std::optional<T>& v, const CodecContext& ctx) {
    // Peek the length prefix to see whether it says null, then decode the value as usual.
    Reader peek = in;
    int64_t len;
    if (!detail::readLength(peek, ctx, kInt16Prefix, len, 0)) return in.fail(peek.error().reason);
    if (len < 0) {
      in = peek;
      v.reset();
      return true;
    }
    v.emplace();
    return Codec<T>::decode(in, *v, ctx);
  }
};

// ---- arrays -------------------------------------------------------------------------

template <class E>
  requires(!std::is_same_v<E, uint8_t>)
struct Codec<std::vector<E>> {
  static constexpr std::size_t minWireSize(const CodecContext&) { return 1; }
  template <class Sink>
  static void encode(Sink& out, const std::vector<E>& v, const CodecContext& ctx) {
    detail::writeLength(out, ctx, v.size(), false);
    CodecContext element = ctx;
    element.nullable = false;
    for (const E& e : v) Codec<E>::encode(out, e, element);
  }
  static bool decode(Reader& in, std::vector<E>& v, const CodecContext& ctx) {
    CodecContext strict = ctx;
    strict.nullable = false;
    int64_t len;
    // Every element takes at least minWireSize() bytes, so a huge count fails here
    // instead of allocating.
    if (!detail::readLength(in, strict, false, len, std::max<std::size_t>(1, Codec<E>::minWireSize(strict)))) {
      return false;
    }
    v.clear();
    if constexpr (std::is_arithmetic_v<E>) v.reserve(static_cast<std::size_t>(len));
    CodecContext element = strict;
    for (int64_t i = 0; i < len; ++i) {
      v.emplace_back();
      if (!Codec<E>::decode(in, v.back(), element)) {
        in.prependPath("[" + std::to_string(i) + "]");
        return false;
      }
    }
    return true;
  }
};

// ---- structs ------------------------------------------------------------------------

namespace detail {

template <class S>
constexpr bool kHasUnknownTags = requires(S s) { s.unknownTaggedFields; };

template <class Sink, class S, class F>
void encodeField(Sink& out, const S& s, const F& f, const CodecContext& ctx) {
  if (!f.presentIn(ctx.version) || f.taggedIn(ctx.version)) return;
  CodecContext fc = ctx;
  fc.nullable = f.nullableVersions.contains(ctx.version);
  fc.name = f.name;
  Codec<typename F::Type>::encode(out, s.*(f.member), fc);
}

template <class Sink>
void encodeRawTag(Sink& out, const RawTaggedField& t) {
  out.uvarint(t.tag);
  out.uvarint(t.data.size());
  out.raw(std::span<const uint8_t>(t.data));
}

template <class Sink, class S>
void encodeTagSection(Sink& out, const S& s, const CodecContext& ctx) {
  const S& defaults = defaultInstance<S>();
  const TaggedFields* unknown = nullptr;
  if constexpr (kHasUnknownTags<S>) unknown = &s.unknownTaggedFields;
  std::size_t count = unknown ? unknown->size() : 0;
  auto isSet = [&](const auto& f) { return f.taggedIn(ctx.version) && !(s.*(f.member) == defaults.*(f.member)); };
  std::apply([&](const auto&... f) { ((count += isSet(f) ? 1 : 0), ...); }, S::fields());
  out.uvarint(count);
  // Tags go in ascending order: known tagged fields are declared in tag order, and
  // unknown ones are merged in between.
  std::size_t nextUnknown = 0;
  auto flushUnknownBelow = [&](int64_t tag) {
    while (unknown && nextUnknown < unknown->size() && static_cast<int64_t>((*unknown)[nextUnknown].tag) < tag) {
      encodeRawTag(out, (*unknown)[nextUnknown++]);
    }
  };
  auto encodeTagged = [&](const auto& f) {
    if (!isSet(f)) return;
    flushUnknownBelow(f.tag);
    CodecContext fc = ctx;
    fc.nullable = f.nullableVersions.contains(ctx.version);
    fc.name = f.name;
    using T = typename std::remove_cvref_t<decltype(f)>::Type;
    CountingSink counter;
    Codec<T>::encode(counter, s.*(f.member), fc);
    out.uvarint(static_cast<uint64_t>(f.tag));
    out.uvarint(counter.count());
    Codec<T>::encode(out, s.*(f.member), fc);
  };
  std::apply([&](const auto&... f) { (encodeTagged(f), ...); }, S::fields());
  flushUnknownBelow(INT64_MAX);
}

template <class S, class F>
bool decodeField(Reader& in, S& s, const F& f, const CodecContext& ctx) {
  if (!f.presentIn(ctx.version) || f.taggedIn(ctx.version)) return true;
  CodecContext fc = ctx;
  fc.nullable = f.nullableVersions.contains(ctx.version);
  fc.name = f.name;
  if (Codec<typename F::Type>::decode(in, s.*(f.member), fc)) return true;
  in.prependPath(f.name);
  return false;
}

template <class S>
bool decodeTagSection(Reader& in, S& s, const CodecContext& ctx) {
  uint32_t count;
  if (!in.uvarint32(count)) {
    in.prependPath("_tagged_fields");
    return false;
  }
  if (count > in.remaining() / 2) {  // each entry takes at least two bytes (tag, size)
    in.fail("tag count " + std::to_string(count) + " exceeds the bytes left");
    in.prependPath("_tagged_fields");
    return false;
  }
  if constexpr (kHasUnknownTags<S>) s.unknownTaggedFields.clear();
  int64_t previousTag = -1;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag, size;
    if (!in.uvarint32(tag) || !in.uvarint32(size)) {
      in.prependPath("_tagged_fields");
      return false;
    }
    if (static_cast<int64_t>(tag) <= previousTag) {
      in.fail("tag " + std::to_string(tag) + " out of ascending order");
      in.prependPath("_tagged_fields");
      return false;
    }
    previousTag = tag;
    if (size > in.remaining()) {
      in.truncated(size);
      in.prependPath("_tagged_fields");
      return false;
    }
    bool known = false;
    bool ok = true;
    auto tryField = [&](const auto& f) {
      if (known || !f.taggedIn(ctx.version) || static_cast<uint32_t>(f.tag) != tag) return;
      known = true;
      const uint8_t* oldEnd = in.pushLimit(size);
      CodecContext fc = ctx;
      fc.nullable = f.nullableVersions.contains(ctx.version);
      fc.name = f.name;
      using T = typename std::remove_cvref_t<decltype(f)>::Type;
      ok = Codec<T>::decode(in, s.*(f.member), fc);
      if (ok && !in.empty()) ok = in.fail(std::to_string(in.remaining()) + " unread bytes in tagged field");
      in.restoreLimit(oldEnd);
      if (!ok) in.prependPath(f.name);
    };
    std::apply([&](const auto&... f) { (tryField(f), ...); }, S::fields());
    if (!ok) return false;
    if (!known) {
      std::span<const uint8_t> data;
      in.take(size, data);
      if constexpr (kHasUnknownTags<S>) s.unknownTaggedFields.push_back(RawTaggedField{tag, Bytes(data.begin(), data.end())});
    }
  }
  return true;
}

}  // namespace detail

template <SchemaStruct S>
struct Codec<S> {
  /// Fewest bytes one instance takes at this version (sum over the present fields).
  static constexpr std::size_t minWireSize(const CodecContext& ctx) {
    std::size_t n = ctx.flexible ? 1 : 0;
    forEachFieldOf(ctx, [&](const auto& f) {
      using T = typename std::remove_cvref_t<decltype(f)>::Type;
      n += Codec<T>::minWireSize(ctx);
    });
    return n;
  }
  template <class Fn>
  static constexpr void forEachFieldOf(const CodecContext& ctx, Fn&& fn) {
    std::apply([&](const auto&... f) { ((f.presentIn(ctx.version) && !f.taggedIn(ctx.version) ? fn(f) : void()), ...); },
               S::fields());
  }
  template <class Sink>
  static void encode(Sink& out, const S& s, const CodecContext& ctx) {
    std::apply([&](const auto&... f) { (detail::encodeField(out, s, f, ctx), ...); }, S::fields());
    if (ctx.flexible) detail::encodeTagSection(out, s, ctx);
  }
  static bool decode(Reader& in, S& s, const CodecContext& ctx) {
    const bool ok = std::apply([&](const auto&... f) { return (detail::decodeField(in, s, f, ctx) && ...); }, S::fields());
    if (!ok) return false;
    return !ctx.flexible || detail::decodeTagSection(in, s, ctx);
  }
};

// ---- top-level API ------------------------------------------------------------------

/// Calls `fn(fieldDef)` for each field of S's table, in wire order.
template <SchemaStruct S, class Fn>
constexpr void forEachField(Fn&& fn) {
  std::apply([&](const auto&... f) { (fn(f), ...); }, S::fields());
}

template <SchemaMessage M>
constexpr CodecContext messageContext(int16_t version) noexcept {
  return CodecContext{version, M::kFlexibleVersions.contains(version), false, M::kName};
}

/// Encodes the body of `msg` at `version` into `out` (any sink). Errors go to out.fail().
template <SchemaMessage M, class Sink>
void encodeTo(Sink& out, const M& msg, int16_t version) {
  if (!M::kValidVersions.contains(version)) {
    out.fail(M::kName, "unsupported version " + std::to_string(version));
    return;
  }
  Codec<M>::encode(out, msg, messageContext<M>(version));
}

/// Appends the body of `msg` encoded at `version` to `out`; returns the first error, if any.
template <SchemaMessage M>
std::optional<EncodeError> encode(const M& msg, int16_t version, std::vector<uint8_t>& out) {
  VectorSink sink(out);
  encodeTo(sink, msg, version);
  if (sink.failed()) return sink.error();
  return std::nullopt;
}

/// Bytes that encode() would append.
template <SchemaMessage M>
std::size_t encodedSize(const M& msg, int16_t version) {
  CountingSink counter;
  encodeTo(counter, msg, version);
  return counter.count();
}

/// Decodes a body at `version` from `in`, leaving any following bytes unread.
/// On failure the reader's error names the failing field, starting with M::kName.
template <SchemaMessage M>
bool decodeFrom(Reader& in, int16_t version, M& out) {
  if (!M::kValidVersions.contains(version)) {
    in.fail("unsupported version " + std::to_string(version));
    in.prependPath(M::kName);
    return false;
  }
  if (Codec<M>::decode(in, out, messageContext<M>(version))) return true;
  in.prependPath(M::kName);
  return false;
}

/// Decodes a whole body. A body that ends before the message's last field is an error;
/// bytes left after it are not: Kafka's brokers and clients (and librdkafka) ignore them,
/// and a peer may write a field that a later version defines. `trailingBytes`, when
/// given, receives how many bytes were left over, so that the caller can report them.
/// Record sets in the result are views into `bytes`.
template <SchemaMessage M>
std::optional<DecodeError> decode(std::span<const uint8_t> bytes, int16_t version, M& out,
                                  std::size_t* trailingBytes = nullptr) {
  Reader in(bytes);
  if (!decodeFrom(in, version, out)) return in.error();
  if (trailingBytes != nullptr) *trailingBytes = in.remaining();
  return std::nullopt;
}

}  // namespace kafkalite::protocol
