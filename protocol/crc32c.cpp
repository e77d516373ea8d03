#include "protocol/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define KAFKALITE_CRC32C_X86 1
#endif

namespace kafkalite::protocol {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82F63B78u;

using SliceTables = std::array<std::array<uint32_t, 256>, 8>;

// Table k maps a byte to its CRC contribution when k more zero bytes follow it,
// so eight table lookups advance the CRC by eight bytes at once.
constexpr SliceTables makeSliceTables() {
  SliceTables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? kCastagnoliReflected : 0u);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < tables.size(); ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const uint32_t prev = tables[k - 1][byte];
      tables[k][byte] = (prev >> 8) ^ tables[0][prev & 0xffu];
    }
  }
  return tables;
}

constexpr SliceTables kSliceTables = makeSliceTables();

// Assembled byte by byte so the result is the same on big-endian hosts; on
// little-endian ones the compiler turns it into one load.
inline uint32_t loadLittleEndian32(const uint8_t* p) noexcept {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

using CrcFunction = uint32_t (*)(uint32_t, const uint8_t*, std::size_t) noexcept;

CrcFunction chooseImplementation() noexcept {
  return detail::crc32cHardwareAvailable() ? &detail::crc32cHardware : &detail::crc32cPortable;
}

}  // namespace

namespace detail {

uint32_t crc32cPortable(uint32_t crc, const uint8_t* data, std::size_t size) noexcept {
  const auto& t = kSliceTables;
  uint32_t c = ~crc;
  while (size >= 8) {
    const uint32_t lo = c ^ loadLittleEndian32(data);
    const uint32_t hi = loadLittleEndian32(data + 4);
    c = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
    data += 8;
    size -= 8;
  }
  while (size-- > 0) c = (c >> 8) ^ t[0][(c ^ *data++) & 0xffu];
  return ~c;
}

#ifdef KAFKALITE_CRC32C_X86

namespace {

// Three independent crc32q chains hide the instruction's three-cycle latency; the three
// partial CRCs are then joined by "shifting" a CRC over a run of zero bytes, which is a
// linear map of the 32-bit register and so four table lookups (one per register byte).
constexpr std::size_t kLongStream = 8192;  // bytes per stream in the long loop
constexpr std::size_t kShortStream = 256;  // and in the short one

using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

// The raw register after `zeros` zero bytes, starting from `crc` (no inversions).
__attribute__((target("sse4.2"))) uint32_t crcOverZeros(uint32_t crc, std::size_t zeros) noexcept {
  uint64_t c = crc;
  for (std::size_t i = 0; i < zeros / 8; ++i) c = _mm_crc32_u64(c, 0);
  return static_cast<uint32_t>(c);
}

// Entry [k][b]: the register b << 8k moved over `zeros` zero bytes. By linearity a
// register's shift is the XOR of its four bytes' entries.
ShiftTable makeShiftTable(std::size_t zeros) noexcept {
  ShiftTable t{};
  for (uint32_t k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = crcOverZeros(b << (8 * k), zeros);
  }
  return t;
}

inline uint32_t shift(const ShiftTable& t, uint32_t crc) noexcept {
  return t[0][crc & 0xffu] ^ t[1][(crc >> 8) & 0xffu] ^ t[2][(crc >> 16) & 0xffu] ^ t[3][crc >> 24];
}

// Runs three chains over [data, data + n), [+n, +2n), [+2n, +3n); returns the register
// after all 3n bytes, starting from `crc`.
__attribute__((target("sse4.2"))) uint64_t crcThreeStreams(uint64_t crc, const uint8_t* data, std::size_t n,
                                                           const ShiftTable& shiftN) noexcept {
  uint64_t c0 = crc;
  uint64_t c1 = 0;
  uint64_t c2 = 0;
  for (const uint8_t* end = data + n; data < end; data += 8) {
    uint64_t w0;
    uint64_t w1;
    uint64_t w2;
    std::memcpy(&w0, data, 8);
    std::memcpy(&w1, data + n, 8);
    std::memcpy(&w2, data + 2 * n, 8);
    c0 = _mm_crc32_u64(c0, w0);
    c1 = _mm_crc32_u64(c1, w1);
    c2 = _mm_crc32_u64(c2, w2);
  }
  uint32_t c = shift(shiftN, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
  return shift(shiftN, c) ^ static_cast<uint32_t>(c2);
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t crc32cHardware(uint32_t crc, const uint8_t* data,
                                                          std::size_t size) noexcept {
  uint32_t c = ~crc;
  // Aligned 8-byte loads never straddle a cache line.
  while (size > 0 && (reinterpret_cast<uintptr_t>(data) & 7u) != 0) {
    c = _mm_crc32_u8(c, *data++);
    --size;
  }
#if defined(__x86_64__)
  uint64_t c64 = c;
  if (size >= 3 * kShortStream) {
    // Built on first use (about a million crc32q, ~1 ms), then shared by all threads.
    static const ShiftTable shiftLong = makeShiftTable(kLongStream);
    static const ShiftTable shiftShort = makeShiftTable(kShortStream);
    for (; size >= 3 * kLongStream; data += 3 * kLongStream, size -= 3 * kLongStream) {
      c64 = crcThreeStreams(c64, data, kLongStream, shiftLong);
    }
    for (; size >= 3 * kShortStream; data += 3 * kShortStream, size -= 3 * kShortStream) {
      c64 = crcThreeStreams(c64, data, kShortStream, shiftShort);
    }
  }
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, sizeof word);
    c64 = _mm_crc32_u64(c64, word);
    data += 8;
    size -= 8;
  }
  c = static_cast<uint32_t>(c64);
#else
  while (size >= 4) {
    uint32_t word;
    std::memcpy(&word, data, sizeof word);
    c = _mm_crc32_u32(c, word);
    data += 4;
    size -= 4;
  }
#endif
  while (size-- > 0) c = _mm_crc32_u8(c, *data++);
  return ~c;
}

bool crc32cHardwareAvailable() noexcept {
  // Constructors of other translation units may run before libgcc has filled in
  // the CPU model, so initialise it explicitly.
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

#else

uint32_t crc32cHardware(uint32_t crc, const uint8_t* data, std::size_t size) noexcept {
  return crc32cPortable(crc, data, size);
}

bool crc32cHardwareAvailable() noexcept { return false; }

#endif

}  // namespace detail

uint32_t crc32cExtend(uint32_t crc, std::span<const uint8_t> bytes) noexcept {
  // A function-local static, not a namespace-scope one, so that callers in other
  // translation units' static initialisers still see a chosen implementation.
  static const CrcFunction implementation = chooseImplementation();
  return implementation(crc, bytes.data(), bytes.size());
}

uint32_t crc32c(std::span<const uint8_t> bytes) noexcept { return crc32cExtend(0, bytes); }

}  // namespace kafkalite::protocol
