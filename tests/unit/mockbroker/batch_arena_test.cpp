// BatchArena: a log's batches are copied back to back into shared chunks, which live as
// long as anything refers to them.
#include "mockbroker/batch_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace kafkalite::mock {
namespace {

std::vector<uint8_t> bytesOf(std::size_t n, uint8_t first) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

TEST(BatchArenaTest, StoresACopyBackToBackInOneChunk) {
  BatchArena arena;
  const auto a = bytesOf(100, 1);
  const auto b = bytesOf(50, 7);
  const BatchArena::Stored sa = arena.store(a);
  const BatchArena::Stored sb = arena.store(b);
  EXPECT_EQ(std::vector<uint8_t>(sa.bytes.begin(), sa.bytes.end()), a);
  EXPECT_EQ(std::vector<uint8_t>(sb.bytes.begin(), sb.bytes.end()), b);
  EXPECT_NE(sa.bytes.data(), a.data());                     // a copy
  EXPECT_EQ(sb.bytes.data(), sa.bytes.data() + a.size());  // right after the first
  EXPECT_EQ(sa.owner, sb.owner);
}

TEST(BatchArenaTest, ABatchThatDoesNotFitStartsANewChunk) {
  BatchArena arena;
  const BatchArena::Stored first = arena.store(bytesOf(BatchArena::kFirstChunkBytes - 10, 0));
  const auto next = bytesOf(20, 3);
  const BatchArena::Stored second = arena.store(next);
  EXPECT_NE(first.owner, second.owner);
  EXPECT_EQ(std::vector<uint8_t>(second.bytes.begin(), second.bytes.end()), next);
}

TEST(BatchArenaTest, ABatchLargerThanAnyChunkGetsItsOwn) {
  BatchArena arena;
  const auto big = bytesOf(BatchArena::kMaxChunkBytes + 1, 9);
  const BatchArena::Stored stored = arena.store(big);
  ASSERT_EQ(stored.bytes.size(), big.size());
  EXPECT_EQ(std::vector<uint8_t>(stored.bytes.begin(), stored.bytes.end()), big);
  EXPECT_NE(arena.store(bytesOf(8, 0)).owner, stored.owner);
}

TEST(BatchArenaTest, TheOwnerKeepsTheBytesAfterTheArenaIsGone) {
  BatchArena::Stored kept;
  const auto a = bytesOf(3 * 1024 * 1024, 5);
  {
    BatchArena arena;
    kept = arena.store(a);
  }
  EXPECT_EQ(std::vector<uint8_t>(kept.bytes.begin(), kept.bytes.end()), a);
}

TEST(BatchArenaTest, AMovedArenaKeepsAppendingWithoutOverwriting) {
  BatchArena arena;
  const BatchArena::Stored a = arena.store(bytesOf(16, 1));
  BatchArena moved(std::move(arena));
  const BatchArena::Stored b = moved.store(bytesOf(16, 100));
  EXPECT_EQ(a.bytes[0], 1);
  EXPECT_EQ(b.bytes[0], 100);
  EXPECT_NE(a.bytes.data(), b.bytes.data());
}

}  // namespace
}  // namespace kafkalite::mock
