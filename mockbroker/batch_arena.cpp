#include "mockbroker/batch_arena.hpp"

#include <algorithm>
#include <cstring>

namespace kafkalite::mock {

struct BatchArena::Chunk {
  explicit Chunk(std::size_t bytes) : data(std::make_unique_for_overwrite<uint8_t[]>(bytes)), size(bytes) {}
  std::unique_ptr<uint8_t[]> data;
  std::size_t size;
};

BatchArena::Stored BatchArena::store(std::span<const uint8_t> bytes) {
  if (!current_ || current_->size - used_ < bytes.size()) {
    // A batch larger than the chunk size gets a chunk of its own size.
    const std::size_t size = std::max(nextChunkBytes_, bytes.size());
    current_ = std::make_shared<Chunk>(size);
    used_ = 0;
    nextChunkBytes_ = std::min(nextChunkBytes_ * 2, kMaxChunkBytes);
  }
  uint8_t* at = current_->data.get() + used_;
  if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return {current_, std::span<uint8_t>(at, bytes.size())};
}

}  // namespace kafkalite::mock
