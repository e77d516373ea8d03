#pragma once
// Checks one message against bytes written out by hand in a test: encode() gives
// exactly `expected`, encodedSize() agrees, and decode() of `expected` gives the
// message back.

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "protocol/schema.hpp"

namespace kafkalite::protocol::testing {

using Bytes8 = std::vector<uint8_t>;

template <class M>
void expectWire(const M& msg, int16_t version, const Bytes8& expected) {
  Bytes8 out;
  const auto err = encode(msg, version, out);
  ASSERT_FALSE(err) << err->message();
  EXPECT_EQ(out, expected);
  EXPECT_EQ(encodedSize(msg, version), expected.size());
  M back;
  const auto derr = decode(std::span<const uint8_t>(expected), version, back);
  ASSERT_FALSE(derr) << derr->message();
  EXPECT_EQ(back, msg);
}

}  // namespace kafkalite::protocol::testing
