#include "mockbroker/batch_arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace kafkalite::mock {

namespace {

constexpr std::size_t kMapAtLeast = 2 * 1024 * 1024;

// Full-size chunks freed by retention or truncation, kept for the next log that needs
// one (any broker of the process): memory a log has used before costs no page faults,
// where a fresh mapping faults and zero-fills every 4 KiB page again, as in the page
// cache a real broker's segments go through.
class ChunkPool {
 public:
  static constexpr std::size_t kMaxPooled = 16;  // 256 MiB

  void* take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return nullptr;
    void* p = free_.back();
    free_.pop_back();
    return p;
  }
  bool give(void* p) {
    std::lock_guard lock(mutex_);
    if (free_.size() >= kMaxPooled) return false;
    free_.push_back(p);
    return true;
  }

 private:
  std::mutex mutex_;
  std::vector<void*> free_;
};

ChunkPool& pool() {
  static ChunkPool* p = new ChunkPool();  // never destroyed: chunks may die at exit
  return *p;
}

}  // namespace

struct BatchArena::Chunk {
  explicit Chunk(std::size_t bytes) : size(bytes) {
    if (bytes < kMapAtLeast) {
      data = static_cast<uint8_t*>(::operator new(bytes));
      return;
    }
    // Large chunks are mapped directly, so freeing one gives its memory back at once.
    // Neither transparent huge pages (MADV_HUGEPAGE) nor MAP_POPULATE: both measured
    // slower on the 2-vCPU VM (kafkalite-perf compare, T2 workload): zeroing fresh 2 MiB
    // pages took 72% of the broker's samples, and populating whole chunks up front
    // doubled its CPU per record.
    void* p = bytes == kMaxChunkBytes ? pool().take() : nullptr;
    if (p == nullptr) p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data = static_cast<uint8_t*>(p);
    mapped_ = true;
  }
  ~Chunk() {
    if (mapped_) {
      if (size == kMaxChunkBytes && pool().give(data)) return;
      ::munmap(data, size);
    } else {
      ::operator delete(data);
    }
  }
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  uint8_t* data = nullptr;
  std::size_t size = 0;

 private:
  bool mapped_ = false;
};

BatchArena::Stored BatchArena::store(std::span<const uint8_t> bytes) {
  if (!current_ || current_->size - used_ < bytes.size()) {
    // A batch larger than the chunk size gets a chunk of its own size.
    const std::size_t size = std::max(nextChunkBytes_, bytes.size());
    current_ = std::make_shared<Chunk>(size);
    used_ = 0;
    nextChunkBytes_ = std::min(nextChunkBytes_ * 2, kMaxChunkBytes);
  }
  uint8_t* at = current_->data + used_;
  if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return {current_, std::span<uint8_t>(at, bytes.size())};
}

}  // namespace kafkalite::mock
