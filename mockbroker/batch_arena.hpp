#pragma once
/// \file
/// BatchArena: where a Log copies a batch that arrives without an owner keeping its
/// memory alive. The broker's own paths always have one (the Produce request frame, the
/// follower's fetch response), so the log keeps those batches in place; callers that
/// append from their own buffers (tests, tools) get a copy here. Batches are copied back to
/// back into chunks that double from kFirstChunkBytes up to kMaxChunkBytes; a chunk is
/// freed when no stored batch and no fetch response in flight refers to it (each holds the
/// chunk's shared owner).
///
/// Threading: not synchronised; owned by one Log (its broker's event-loop thread). The
/// owners it hands out may be released on any thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace kafkalite::mock {

class BatchArena {
 public:
  static constexpr std::size_t kFirstChunkBytes = 64 * 1024;
  static constexpr std::size_t kMaxChunkBytes = 16 * 1024 * 1024;

  /// Where a stored batch lives: its bytes (writable, for the offset and leader-epoch
  /// rewrites outside the CRC) and the owner that keeps them alive.
  struct Stored {
    std::shared_ptr<const void> owner;
    std::span<uint8_t> bytes;
  };

  BatchArena() = default;
  /// Move-only: two arenas appending into one chunk would overwrite each other.
  BatchArena(BatchArena&& other) noexcept
      : current_(std::move(other.current_)), used_(other.used_), nextChunkBytes_(other.nextChunkBytes_) {
    other.used_ = 0;
  }
  BatchArena& operator=(BatchArena&& other) noexcept {
    current_ = std::move(other.current_);
    used_ = other.used_;
    nextChunkBytes_ = other.nextChunkBytes_;
    other.used_ = 0;
    return *this;
  }
  BatchArena(const BatchArena&) = delete;
  BatchArena& operator=(const BatchArena&) = delete;

  /// Copies `bytes` into the current chunk, or into a new one when they do not fit.
  /// Throws std::bad_alloc.
  Stored store(std::span<const uint8_t> bytes);

 private:
  struct Chunk;
  std::shared_ptr<Chunk> current_;
  std::size_t used_ = 0;
  std::size_t nextChunkBytes_ = kFirstChunkBytes;
};

}  // namespace kafkalite::mock
