#pragma once
/// \file
/// CRC32C (Castagnoli: reflected polynomial 0x82F63B78, initial value ~0, final
/// xor ~0), the checksum of Kafka record batches v2 (interop.md section 6).
///
/// The implementation is chosen once, on first use: SSE4.2 `crc32` instructions
/// when the CPU has them, slicing-by-8 tables otherwise. Both give identical
/// results.
///
/// Threading: every function here is pure and may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <span>

namespace kafkalite::protocol {

/// CRC32C of `bytes`. crc32c({}) is 0; crc32c("123456789") is 0xE3069283.
[[nodiscard]] uint32_t crc32c(std::span<const uint8_t> bytes) noexcept;

/// Continues a CRC32C: `crc` is a finished CRC of some bytes A (0 for none), the
/// result is the CRC of A followed by `bytes`, so
/// crc32cExtend(crc32c(a), b) == crc32c(a + b).
[[nodiscard]] uint32_t crc32cExtend(uint32_t crc, std::span<const uint8_t> bytes) noexcept;

namespace detail {

/// Slicing-by-8 table implementation; same contract as crc32cExtend. Available
/// on every CPU.
[[nodiscard]] uint32_t crc32cPortable(uint32_t crc, const uint8_t* data, std::size_t size) noexcept;

/// SSE4.2 `crc32` instruction implementation; same contract as crc32cExtend.
/// Precondition: crc32cHardwareAvailable() is true (otherwise the CPU raises an
/// illegal-instruction fault). On non-x86 builds it forwards to crc32cPortable.
[[nodiscard]] uint32_t crc32cHardware(uint32_t crc, const uint8_t* data, std::size_t size) noexcept;

/// True when this CPU supports SSE4.2, i.e. when crc32cHardware may be called
/// and crc32c uses it.
[[nodiscard]] bool crc32cHardwareAvailable() noexcept;

}  // namespace detail
}  // namespace kafkalite::protocol
