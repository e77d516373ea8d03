#pragma once
/// \file
/// ByteBuffer: a growable byte buffer whose memory is not initialised and is kept
/// across uses, so that a codec writing into it allocates only while it warms up.
///
/// Threading: a plain value; one thread at a time.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace kafkalite::protocol {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&&) noexcept = default;
  ByteBuffer& operator=(ByteBuffer&&) noexcept = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  [[nodiscard]] uint8_t* data() noexcept { return data_.get(); }
  [[nodiscard]] const uint8_t* data() const noexcept { return data_.get(); }
  /// Bytes in use.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Bytes held without growing.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::span<const uint8_t> bytes() const noexcept { return {data_.get(), size_}; }

  /// Empties the buffer; keeps its memory.
  void clear() noexcept { size_ = 0; }
  /// Sets the size; bytes past the old size are left uninitialised. Grows (keeping
  /// the first size() bytes) when `n` exceeds the capacity. Throws std::bad_alloc.
  void resize(std::size_t n) {
    reserve(n);
    size_ = n;
  }
  /// Makes room for `n` bytes in all, keeping the first size() bytes. Throws std::bad_alloc.
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    // Doubling keeps growth amortised while a buffer warms up.
    const std::size_t capacity = std::max({n, capacity_ * 2, std::size_t{256}});
    auto grown = std::make_unique_for_overwrite<uint8_t[]>(capacity);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  /// As reserve(), but a growth allocates exactly `n` bytes (no doubling): for a
  /// buffer whose bound must not be overshot. Throws std::bad_alloc.
  void reserveExactly(std::size_t n) {
    if (n <= capacity_) return;
    auto grown = std::make_unique_for_overwrite<uint8_t[]>(n);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = n;
  }
  /// Appends `bytes`, growing as needed. Throws std::bad_alloc.
  void append(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    reserve(size_ + bytes.size());
    std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  /// Gives the memory back when more than `maxKept` bytes are held (after an
  /// exceptionally large use), so one huge input does not pin its buffer for good.
  void shrinkIfAbove(std::size_t maxKept) noexcept {
    if (capacity_ <= maxKept) return;
    data_.reset();
    capacity_ = 0;
    size_ = 0;
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace kafkalite::protocol
