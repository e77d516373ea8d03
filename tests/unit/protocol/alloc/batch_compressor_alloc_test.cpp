// BatchCompressor and Decompressor allocate nothing per call once warm, whichever codec
// library does the work: every malloc of this process (operator new included, which calls
// malloc) is counted while `counting` is set on the calling thread.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "protocol/compressed_batch.hpp"
#include "protocol/compression.hpp"
#include "protocol/record_batch.hpp"

namespace {
thread_local bool counting = false;
std::atomic<long> allocations{0};
void count() noexcept {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

// glibc's own entry points, which the replacements below forward to.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* ptr, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* ptr);

void* malloc(std::size_t size) {
  count();
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* ptr, std::size_t size) {
  count();
  return __libc_realloc(ptr, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  count();
  *out = __libc_memalign(alignment, size);
  return *out != nullptr ? 0 : ENOMEM;
}
void free(void* ptr) { __libc_free(ptr); }
}

namespace kafkalite::protocol {
namespace {

// 1,000 records of about 100 bytes of text, as the producer batches them.
std::vector<uint8_t> thousandRecordBatch() {
  RecordBatchBuilder builder;
  builder.begin(1'700'000'000'000);
  std::string value;
  for (int i = 0; i < 1000; ++i) {
    value = "value " + std::to_string(i) + " of the compressible kind: the quick brown fox jumps over the lazy dog";
    const std::string key = "key-" + std::to_string(i % 17);
    EXPECT_TRUE(builder.append(1'700'000'000'000 + i,
                               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(value.data()), value.size())));
  }
  const auto batch = builder.finish();
  return {batch.begin(), batch.end()};
}

TEST(BatchCompressorAllocTest, CompressingAndDecompressingAllocateNothingOnceWarm) {
  const std::vector<uint8_t> batch = thousandRecordBatch();
  const struct {
    CompressionType type;
    CompressOptions options;
  } cases[] = {
      {CompressionType::Gzip, {}},
      {CompressionType::Snappy, {}},
      {CompressionType::Snappy, {.level = std::nullopt, .snappyFraming = SnappyFraming::Raw}},
      {CompressionType::Lz4, {}},
      // LZ4HC up to level 9; levels 10-12 (liblz4's optimal parser) allocate a table per
      // 64 KiB block inside liblz4 (its LZ4HC_HEAPMODE), which no caller can avoid.
      {CompressionType::Lz4, {.level = 6}},
      {CompressionType::Zstd, {}},
      {CompressionType::Zstd, {.level = 19}},
  };
  for (const auto& c : cases) {
    BatchCompressor compressor;
    Decompressor decompressor;
    CodecError error;
    std::vector<uint8_t> compressed;
    for (int warmUp = 0; warmUp < 3; ++warmUp) {
      const auto out = compressor.compress(batch, c.type, c.options, error);
      ASSERT_TRUE(out) << error.message;
      compressed.assign(out->begin(), out->end());
      DecodeError decodeError;
      const auto view = RecordBatchView::parse(compressed, decodeError);
      ASSERT_TRUE(view);
      ASSERT_TRUE(view->decompressedRecords(decompressor, error)) << error.message;
    }
    DecodeError decodeError;
    const auto view = RecordBatchView::parse(compressed, decodeError);
    allocations = 0;
    counting = true;
    for (int i = 0; i < 50; ++i) {
      if (!compressor.compress(batch, c.type, c.options, error)) break;
    }
    counting = false;
    if (c.type == CompressionType::Snappy) {
      // libsnappy allocates its working memory inside each RawCompress call (one per xerial
      // chunk of 32 KiB, or one for a raw block) and offers no way to reuse it; nothing more.
      const long perCall = c.options.snappyFraming == SnappyFraming::Raw ? 1 : static_cast<long>((batch.size() + 32767) / 32768);
      EXPECT_LE(allocations.load(), 50 * perCall) << "compressing snappy";
    } else {
      EXPECT_EQ(allocations.load(), 0) << "compressing " << compressionTypeName(c.type) << " level "
                                       << c.options.level.value_or(-1000);
    }
    allocations = 0;
    counting = true;
    for (int i = 0; i < 50; ++i) {
      if (!view->decompressedRecords(decompressor, error)) break;
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0) << "decompressing " << compressionTypeName(c.type);
  }
}

// The counter itself works: a call that must allocate is seen.
TEST(BatchCompressorAllocTest, TheCounterSeesAllocations) {
  allocations = 0;
  counting = true;
  BatchCompressor compressor;  // allocates its codec contexts
  counting = false;
  EXPECT_GT(allocations.load(), 0);
}

}  // namespace
}  // namespace kafkalite::protocol
