#include "protocol/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <string_view>
#include <vector>

namespace kafkalite::protocol {
namespace {

using CrcFunction = uint32_t (*)(uint32_t, const uint8_t*, std::size_t) noexcept;

struct Implementation {
  const char* name;
  CrcFunction function;
  bool available;
};

std::vector<uint8_t> bytesOf(std::string_view s) { return {s.begin(), s.end()}; }

// Known-answer vectors: RFC 3720 Appendix B.4 and the customary "123456789".
struct Vector {
  const char* name;
  std::vector<uint8_t> data;
  uint32_t crc;
};

std::vector<Vector> knownAnswers() {
  std::vector<uint8_t> increasing(32);
  std::iota(increasing.begin(), increasing.end(), uint8_t{0});
  std::vector<uint8_t> decreasing(increasing.rbegin(), increasing.rend());
  // RFC 3720 B.4 "An iSCSI - SCSI Read (10) Command PDU". Unlike the 32-byte
  // examples, the RFC prints this CRC most significant byte first (d9 96 3a 56);
  // other CRC32C libraries' tests agree on 0xD9963A56.
  const std::vector<uint8_t> iscsiRead = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return {
      {"empty", {}, 0x00000000u},
      {"32 zeros", std::vector<uint8_t>(32, 0x00), 0x8A9136AAu},
      {"32 ones", std::vector<uint8_t>(32, 0xFF), 0x62A8AB43u},
      {"32 increasing", increasing, 0x46DD794Eu},
      {"32 decreasing", decreasing, 0x113FDB5Cu},
      {"iSCSI read PDU", iscsiRead, 0xD9963A56u},
      {"123456789", bytesOf("123456789"), 0xE3069283u},
  };
}

class Crc32cImplementationTest : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    if (!GetParam().available) GTEST_SKIP() << "this CPU lacks SSE4.2";
  }
  uint32_t crc(uint32_t seed, const std::vector<uint8_t>& data, std::size_t from = 0) const {
    return GetParam().function(seed, data.data() + from, data.size() - from);
  }
};

TEST_P(Crc32cImplementationTest, KnownAnswers) {
  for (const Vector& v : knownAnswers()) {
    EXPECT_EQ(crc(0, v.data), v.crc) << v.name;
  }
}

TEST_P(Crc32cImplementationTest, ExtendEqualsWholeAtEverySplit) {
  std::mt19937 rng(7);
  std::vector<uint8_t> data(300);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const uint32_t whole = crc(0, data);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const uint32_t head = GetParam().function(0, data.data(), split);
    EXPECT_EQ(GetParam().function(head, data.data() + split, data.size() - split), whole) << "split " << split;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, Crc32cImplementationTest,
    ::testing::Values(Implementation{"portable", &detail::crc32cPortable, true},
                      Implementation{"hardware", &detail::crc32cHardware, detail::crc32cHardwareAvailable()}),
    [](const ::testing::TestParamInfo<Implementation>& info) { return std::string(info.param.name); });

TEST(Crc32cTest, PublicFunctionsMatchKnownAnswers) {
  for (const Vector& v : knownAnswers()) {
    EXPECT_EQ(crc32c(v.data), v.crc) << v.name;
    EXPECT_EQ(crc32cExtend(0, v.data), v.crc) << v.name;
  }
}

TEST(Crc32cTest, ExtendContinuesACrc) {
  const auto a = bytesOf("12345");
  const auto b = bytesOf("6789");
  EXPECT_EQ(crc32cExtend(crc32c(a), b), 0xE3069283u);
  EXPECT_EQ(crc32cExtend(crc32c(a), {}), crc32c(a));
}

TEST(Crc32cTest, PathsAgreeOnEveryLengthAndAlignment) {
  if (!detail::crc32cHardwareAvailable()) GTEST_SKIP() << "this CPU lacks SSE4.2";
  std::mt19937 rng(42);
  std::vector<uint8_t> buffer(300 + 16);
  for (auto& b : buffer) b = static_cast<uint8_t>(rng());
  for (std::size_t length = 0; length <= 300; ++length) {
    for (std::size_t start = 0; start < 16; ++start) {
      const uint8_t* p = buffer.data() + start;
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(detail::crc32cPortable(seed, p, length), detail::crc32cHardware(seed, p, length))
          << "length " << length << " start " << start;
    }
  }
}

TEST(Crc32cTest, PathsAgreeOnLargeBuffers) {
  if (!detail::crc32cHardwareAvailable()) GTEST_SKIP() << "this CPU lacks SSE4.2";
  std::mt19937 rng(3);
  std::vector<uint8_t> buffer((1u << 20) + 13);
  for (auto& b : buffer) b = static_cast<uint8_t>(rng());
  for (std::size_t length : {4095u, 65536u, 100003u, 1u << 20}) {
    EXPECT_EQ(detail::crc32cPortable(0, buffer.data() + 13, length), detail::crc32cHardware(0, buffer.data() + 13, length))
        << "length " << length;
  }
}

// The hardware path runs three interleaved streams of 256 or 8192 bytes and joins them;
// lengths just below, at and above those block sizes, with any seed, must still agree.
TEST(Crc32cTest, PathsAgreeAroundTheInterleavedBlockSizes) {
  if (!detail::crc32cHardwareAvailable()) GTEST_SKIP() << "this CPU lacks SSE4.2";
  std::mt19937 rng(7);
  std::vector<uint8_t> buffer(7 * 8192 + 64);
  for (auto& b : buffer) b = static_cast<uint8_t>(rng());
  for (const std::size_t block : {std::size_t{3 * 256}, std::size_t{3 * 8192}, std::size_t{6 * 8192}}) {
    for (std::size_t length = block - 9; length <= block + 9; ++length) {
      for (const std::size_t start : {0u, 3u}) {
        const uint32_t seed = static_cast<uint32_t>(rng());
        ASSERT_EQ(detail::crc32cPortable(seed, buffer.data() + start, length),
                  detail::crc32cHardware(seed, buffer.data() + start, length))
            << "length " << length << " start " << start;
      }
    }
  }
}

}  // namespace
}  // namespace kafkalite::protocol
