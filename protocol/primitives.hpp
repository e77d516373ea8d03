#pragma once
/// \file
/// Kafka wire primitives: big-endian fixed-width integers, unsigned and zigzag
/// varints, and the byte sinks and bounds-checked reader the codec is built on.
///
/// Threading: every type here is a plain value; use one instance per thread.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kafkalite::protocol {

/// Where a decode failed and why. `path` names the field, e.g.
/// `ProduceRequest.topic_data[0].partition_data[2].records`.
struct DecodeError {
  std::string path;
  std::string reason;
  /// "path: reason".
  [[nodiscard]] std::string message() const { return path.empty() ? reason : path + ": " + reason; }
};

/// Where an encode failed and why (a null in a version where the field is not
/// nullable, a string longer than its length prefix can hold, ...).
struct EncodeError {
  std::string path;
  std::string reason;
  [[nodiscard]] std::string message() const { return path.empty() ? reason : path + ": " + reason; }
};

namespace detail {
inline void storeBigEndian(uint8_t* p, uint64_t v, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
inline uint64_t loadBigEndian(const uint8_t* p, std::size_t n) noexcept {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
}  // namespace detail

/// Number of bytes of the unsigned varint encoding of `v`.
constexpr std::size_t uvarintSize(uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr uint32_t zigzag32(int32_t v) noexcept {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr uint64_t zigzag64(int64_t v) noexcept {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int32_t unzigzag32(uint32_t v) noexcept { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }
constexpr int64_t unzigzag64(uint64_t v) noexcept { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }
/// Size of a zigzag varint (Kafka "varint") and varlong.
constexpr std::size_t varintSize(int32_t v) noexcept { return uvarintSize(zigzag32(v)); }
constexpr std::size_t varlongSize(int64_t v) noexcept { return uvarintSize(zigzag64(v)); }

/// Writes an unsigned varint at `p` (room for 10 bytes required); returns the byte after it.
inline uint8_t* putUvarint(uint8_t* p, uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

/// The write interface the codec is generic over. A sink provides
/// `put(const uint8_t*, size_t)`; `putExternal` is for record batches that a sink
/// may reference instead of copying (VectorSink copies).
/// Encoding errors are recorded once (the first wins) and reported by the caller.
template <class Derived>
class SinkBase {
 public:
  void int8(int8_t v) { u8(static_cast<uint8_t>(v)); }
  void u8(uint8_t v) { self().put(&v, 1); }
  void int16(int16_t v) { fixed(static_cast<uint16_t>(v), 2); }
  void uint16(uint16_t v) { fixed(v, 2); }
  void int32(int32_t v) { fixed(static_cast<uint32_t>(v), 4); }
  void uint32(uint32_t v) { fixed(v, 4); }
  void int64(int64_t v) { fixed(static_cast<uint64_t>(v), 8); }
  void float64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    fixed(bits, 8);
  }
  void uvarint(uint64_t v) {
    uint8_t tmp[10];
    self().put(tmp, static_cast<std::size_t>(putUvarint(tmp, v) - tmp));
  }
  void varint(int32_t v) { uvarint(zigzag32(v)); }
  void varlong(int64_t v) { uvarint(zigzag64(v)); }
  void raw(std::span<const uint8_t> bytes) { self().put(bytes.data(), bytes.size()); }
  void raw(std::string_view s) { self().put(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
  void putExternal(std::span<const uint8_t> bytes) { self().put(bytes.data(), bytes.size()); }

  /// Records the first encode error; encoding continues but the result is unusable.
  void fail(std::string path, std::string reason) {
    if (!failed_) {
      failed_ = true;
      error_ = EncodeError{std::move(path), std::move(reason)};
    }
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] const EncodeError& error() const noexcept { return error_; }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  void fixed(uint64_t v, std::size_t n) {
    uint8_t tmp[8];
    detail::storeBigEndian(tmp, v, n);
    self().put(tmp, n);
  }
  bool failed_ = false;
  EncodeError error_;
};

/// Appends to a std::vector<uint8_t> it does not own.
class VectorSink : public SinkBase<VectorSink> {
 public:
  explicit VectorSink(std::vector<uint8_t>& out) : out_(out) {}
  void put(const uint8_t* p, std::size_t n) { out_.insert(out_.end(), p, p + n); }
  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

/// Counts bytes only: the codec's size() is an encode into this sink.
class CountingSink : public SinkBase<CountingSink> {
 public:
  void put(const uint8_t*, std::size_t n) noexcept { count_ += n; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }

 private:
  std::size_t count_ = 0;
};

/// Bounds-checked cursor over bytes it does not own. Every read returns false on
/// failure and records the reason; callers add the field path as the failure
/// unwinds (`prependPath`), so the success path pays nothing for error context.
class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const uint8_t> bytes) noexcept : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  [[nodiscard]] const uint8_t* position() const noexcept { return p_; }
  [[nodiscard]] bool empty() const noexcept { return p_ == end_; }

  bool int8(int8_t& v) { return fixedSigned(v); }
  bool u8(uint8_t& v) { return fixedUnsigned(v); }
  bool int16(int16_t& v) { return fixedSigned(v); }
  bool uint16(uint16_t& v) { return fixedUnsigned(v); }
  bool int32(int32_t& v) { return fixedSigned(v); }
  bool uint32(uint32_t& v) { return fixedUnsigned(v); }
  bool int64(int64_t& v) { return fixedSigned(v); }
  bool float64(double& v) {
    uint64_t bits = 0;
    if (!fixedUnsigned(bits)) return false;
    std::memcpy(&v, &bits, sizeof v);
    return true;
  }
  bool boolean(bool& v) {
    uint8_t b = 0;
    if (!u8(b)) return false;
    v = b != 0;
    return true;
  }

  /// Unsigned varint of at most `maxBytes` bytes (5 for 32-bit, 10 for 64-bit).
  bool uvarint(uint64_t& v, int maxBytes = 10) {
    // One- and two-byte values inline (lengths and deltas in records mostly are); the
    // loop below, out of line, for the rest and for every error.
    if (end_ - p_ >= 2 && maxBytes >= 2) {
      const uint8_t b0 = p_[0];
      if ((b0 & 0x80) == 0) {
        v = b0;
        p_ += 1;
        return true;
      }
      const uint8_t b1 = p_[1];
      if ((b1 & 0x80) == 0) {
        v = static_cast<uint64_t>(b0 & 0x7f) | static_cast<uint64_t>(b1) << 7;
        p_ += 2;
        return true;
      }
    }
    return uvarintLoop(v, maxBytes);
  }

 private:
  [[gnu::noinline]] bool uvarintLoop(uint64_t& v, int maxBytes) {
    uint64_t result = 0;
    for (int i = 0; i < maxBytes; ++i) {
      if (p_ == end_) return fail("truncated varint");
      const uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        v = result;
        return true;
      }
    }
    return fail("varint longer than " + std::to_string(maxBytes) + " bytes");
  }

 public:
  bool uvarint32(uint32_t& v) {
    uint64_t w;
    if (!uvarint(w, 5)) return false;
    if (w > UINT32_MAX) return fail("unsigned varint exceeds 32 bits");
    v = static_cast<uint32_t>(w);
    return true;
  }
  bool varint(int32_t& v) {
    uint32_t u;
    if (!uvarint32(u)) return false;
    v = unzigzag32(u);
    return true;
  }
  bool varlong(int64_t& v) {
    uint64_t u;
    if (!uvarint(u, 10)) return false;
    v = unzigzag64(u);
    return true;
  }

  /// A view of the next `n` bytes, which stay owned by the underlying buffer.
  bool take(std::size_t n, std::span<const uint8_t>& out) {
    if (n > remaining()) return truncated(n);
    out = std::span<const uint8_t>(p_, n);
    p_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (n > remaining()) return truncated(n);
    p_ += n;
    return true;
  }

  /// Narrows the readable range to the next `n` bytes (n <= remaining()) and returns
  /// the previous end, to be given back to restoreLimit().
  const uint8_t* pushLimit(std::size_t n) noexcept {
    const uint8_t* old = end_;
    end_ = p_ + n;
    return old;
  }
  void restoreLimit(const uint8_t* oldEnd) noexcept { end_ = oldEnd; }

  /// Records `reason` (first failure wins) and returns false.
  bool fail(std::string reason) {
    if (!failed_) {
      failed_ = true;
      error_.reason = std::move(reason);
    }
    return false;
  }
  bool truncated(std::size_t need) {
    return fail("truncated: need " + std::to_string(need) + " bytes, " + std::to_string(remaining()) + " left");
  }
  /// Adds a path component in front of the failing field's path.
  void prependPath(std::string_view part) {
    if (error_.path.empty()) {
      error_.path = std::string(part);
    } else if (error_.path.front() == '[') {
      error_.path = std::string(part) + error_.path;
    } else {
      error_.path = std::string(part) + "." + error_.path;
    }
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] const DecodeError& error() const noexcept { return error_; }

 private:
  template <class T>
  bool fixedUnsigned(T& v) {
    if (remaining() < sizeof(T)) return truncated(sizeof(T));
    v = static_cast<T>(detail::loadBigEndian(p_, sizeof(T)));
    p_ += sizeof(T);
    return true;
  }
  template <class T>
  bool fixedSigned(T& v) {
    using U = std::make_unsigned_t<T>;
    U u{};
    if (!fixedUnsigned(u)) return false;
    v = static_cast<T>(u);
    return true;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool failed_ = false;
  DecodeError error_;
};

}  // namespace kafkalite::protocol
