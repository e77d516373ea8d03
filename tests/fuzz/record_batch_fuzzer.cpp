// Fuzz target: the record batch reader and its cursors (RecordBatchIterator, RecordBatchView,
// RecordCursor, RecordHeaderCursor) over a records blob, as the broker reads a Produce
// request's records and a consumer a Fetch response's. Checked on any bytes:
// - every view and span stays inside the blob; a walk ends in success, a partial tail or an
//   error with a reason, never in an over-read (ASan);
// - a record's headers, validated by the record cursor, never fail to walk;
// - a batch that walks cleanly has exactly recordsCount records;
// - rebuilding such a batch with RecordBatchBuilder (same header fields, same records) gives a
//   batch with a valid CRC whose records read back equal, and the builder's exact size
//   estimate matches what it writes;
// - rewriting the producer state of a batch in place keeps it parseable with a valid CRC.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::fuzz {
namespace {

using protocol::RecordBatchView;
using protocol::RecordHeaderView;
using protocol::RecordView;

bool within(std::span<const uint8_t> inner, std::span<const uint8_t> outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

struct OwnedRecord {
  int64_t timestampDelta = 0;
  int32_t offsetDelta = 0;
  std::optional<std::vector<uint8_t>> key;
  std::optional<std::vector<uint8_t>> value;
  std::vector<std::pair<std::string, std::optional<std::vector<uint8_t>>>> headers;
  bool operator==(const OwnedRecord&) const = default;
};

std::optional<std::vector<uint8_t>> own(const std::optional<std::span<const uint8_t>>& bytes) {
  if (!bytes) return std::nullopt;
  return std::vector<uint8_t>(bytes->begin(), bytes->end());
}
std::optional<std::span<const uint8_t>> view(const std::optional<std::vector<uint8_t>>& bytes) {
  if (!bytes) return std::nullopt;
  return std::span<const uint8_t>(*bytes);
}

/// Walks a batch's records; returns them when the walk ended cleanly.
std::optional<std::vector<OwnedRecord>> walkRecords(const RecordBatchView& batch) {
  const auto bytes = batch.bytes();
  std::vector<OwnedRecord> out;
  auto cursor = batch.records();
  RecordView record;
  while (cursor.next(record)) {
    FUZZ_CHECK(!record.key || within(*record.key, bytes), "record key outside its batch");
    FUZZ_CHECK(!record.value || within(*record.value, bytes), "record value outside its batch");
    FUZZ_CHECK(within(record.headerBytes, bytes), "record headers outside their batch");
    FUZZ_CHECK(record.headerCount >= 0, "negative header count returned");
    OwnedRecord owned{record.timestampDelta, record.offsetDelta, own(record.key), own(record.value), {}};
    auto headers = record.headers();
    RecordHeaderView header;
    while (headers.next(header)) {
      FUZZ_CHECK(within({reinterpret_cast<const uint8_t*>(header.key.data()), header.key.size()}, bytes),
                 "header key outside its batch");
      FUZZ_CHECK(!header.value || within(*header.value, bytes), "header value outside its batch");
      owned.headers.emplace_back(std::string(header.key), own(header.value));
    }
    FUZZ_CHECK(!headers.failed(), "headers of a validated record failed: " + headers.error().message());
    FUZZ_CHECK(static_cast<int32_t>(owned.headers.size()) == record.headerCount, "header count differs from headers walked");
    (void)batch.offsetOf(record);
    (void)batch.timestampOf(record);
    out.push_back(std::move(owned));
  }
  if (cursor.failed()) {
    FUZZ_CHECK(!cursor.error().reason.empty(), "a record error without a reason");
    return std::nullopt;
  }
  FUZZ_CHECK(cursor.recordsRead() == batch.recordsCount(),
             "walk ended cleanly after " + std::to_string(cursor.recordsRead()) + " of " +
                 std::to_string(batch.recordsCount()) + " records");
  return out;
}

void checkRebuild(const RecordBatchView& batch, const std::vector<OwnedRecord>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].offsetDelta != static_cast<int32_t>(i)) return;  // the builder numbers records 0..n-1
  }
  protocol::RecordBatchBuilder builder;
  builder.begin(batch.baseTimestamp(), batch.attributes(), batch.producerId(), batch.producerEpoch(),
                batch.baseSequence(), batch.partitionLeaderEpoch());
  for (const auto& r : records) {
    std::vector<RecordHeaderView> headers;
    for (const auto& [key, value] : r.headers) headers.push_back({key, view(value)});
    const int64_t timestamp =
        static_cast<int64_t>(static_cast<uint64_t>(batch.baseTimestamp()) + static_cast<uint64_t>(r.timestampDelta));
    const std::size_t estimate = builder.estimatedSizeAfter(r.key ? r.key->size() : 0, r.value ? r.value->size() : 0,
                                                            headers, timestamp);
    FUZZ_CHECK(builder.append(timestamp, view(r.key), view(r.value), headers), "builder refused a record it read");
    FUZZ_CHECK(estimate == builder.sizeInBytes(), "estimatedSizeAfter " + std::to_string(estimate) + " but wrote " +
                                                      std::to_string(builder.sizeInBytes()));
  }
  const auto rebuilt = builder.finish(batch.baseOffset());
  protocol::DecodeError error;
  const auto again = RecordBatchView::parse(rebuilt, error);
  FUZZ_CHECK(again.has_value(), "a rebuilt batch does not parse: " + error.message());
  FUZZ_CHECK(again->crcValid(), "a rebuilt batch has a bad CRC");
  FUZZ_CHECK(again->bytes().size() == rebuilt.size(), "a rebuilt batch's length disagrees with its bytes");
  FUZZ_CHECK(again->attributeBits() == batch.attributeBits() && again->producerId() == batch.producerId() &&
                 again->baseSequence() == batch.baseSequence() && again->baseOffset() == batch.baseOffset(),
             "a rebuilt batch's header differs");
  const auto reread = walkRecords(*again);
  FUZZ_CHECK(reread.has_value() && *reread == records, "a rebuilt batch's records differ");
}

void checkProducerStateRewrite(const RecordBatchView& batch) {
  std::vector<uint8_t> copy(batch.bytes().begin(), batch.bytes().end());
  FUZZ_CHECK(protocol::RecordBatchBuilder::setProducerState(copy, 77, 3, 1000), "setProducerState refused a parsed batch");
  protocol::DecodeError error;
  const auto rewritten = RecordBatchView::parse(copy, error);
  FUZZ_CHECK(rewritten.has_value(), "a batch with rewritten producer state does not parse: " + error.message());
  FUZZ_CHECK(rewritten->crcValid() && rewritten->producerId() == 77 && rewritten->producerEpoch() == 3 &&
                 rewritten->baseSequence() == 1000,
             "setProducerState did not rewrite the batch");
  (void)rewritten->lastSequence();
}

}  // namespace
}  // namespace kafkalite::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kafkalite;
  const std::span<const uint8_t> blob(data, size);
  protocol::RecordBatchIterator batches(blob);
  protocol::RecordBatchView batch;
  std::size_t walked = 0;
  while (batches.next(batch)) {
    FUZZ_CHECK(fuzz::within(batch.bytes(), blob), "a batch view outside the blob");
    FUZZ_CHECK(batch.bytes().size() == protocol::kRecordBatchLogOverhead + static_cast<std::size_t>(batch.batchLength()),
               "a batch view's size disagrees with its batchLength");
    FUZZ_CHECK(batch.magic() == protocol::kRecordBatchMagic && batch.recordsCount() >= 0, "parse let a bad header through");
    walked += batch.bytes().size();
    (void)batch.crcValid();
    (void)batch.lastSequence();
    (void)batch.lastOffset();
    if (const auto records = fuzz::walkRecords(batch)) fuzz::checkRebuild(batch, *records);
    fuzz::checkProducerStateRewrite(batch);
  }
  FUZZ_CHECK(!(batches.failed() && batches.partialTail()), "a walk both failed and ended in a partial tail");
  if (batches.failed()) FUZZ_CHECK(!batches.error().reason.empty(), "a batch error without a reason");
  FUZZ_CHECK(walked + batches.remainingBytes().size() == size, "batches and the rest do not add up to the blob");
  return 0;
}
