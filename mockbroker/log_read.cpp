// Log's read side: fetch reads, ListOffsets lookups and the leader-epoch cache
// (the append side is in log.cpp).
#include "mockbroker/log.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {
namespace {

namespace proto = kafkalite::protocol;

std::optional<proto::RecordBatchView> view(const StoredBatch& batch) {
  proto::DecodeError error;
  return proto::RecordBatchView::parse(batch.bytes, error);
}

}  // namespace

LogReadInfo Log::read(int64_t offset, std::size_t maxBytes, int64_t maxOffsetExclusive) const {
  LogReadInfo info;
  // spec 4.3: below the log start or above the LEO is out of range; at the LEO is empty.
  if (offset < logStartOffset_ || offset > logEndOffset_) {
    info.error = ErrorCode::OFFSET_OUT_OF_RANGE;
    return info;
  }
  for (std::size_t i = indexOfBatchHolding(offset); i < batches_.size(); ++i) {
    const StoredBatch& batch = batches_[i];
    // spec 4.3: a consumer never sees past the HW, a follower past the LEO.
    if (batch.lastOffset >= maxOffsetExclusive) break;
    // Kafka's minOneMessage: the first batch goes out even when it alone exceeds maxBytes.
    if (!info.batches.empty() && info.bytes + batch.bytes.size() > maxBytes) break;
    info.batches.emplace_back(batch.bytes);
    // Consecutive batches mostly share their arena chunk: one owner per chunk.
    if (info.owners.empty() || info.owners.back() != batch.storage) info.owners.emplace_back(batch.storage);
    info.bytes += batch.bytes.size();
  }
  return info;
}

std::optional<TimestampAndOffset> Log::offsetForTimestamp(int64_t timestamp) const {
  // Kafka's UnifiedLog.fetchOffsetByTimestamp: the first batch whose maxTimestamp reaches
  // the target, then the first record in it that does, skipping records below the log start.
  for (std::size_t i = indexOfBatchHolding(logStartOffset_); i < batches_.size(); ++i) {
    const StoredBatch& batch = batches_[i];
    if (batch.maxTimestamp < timestamp) continue;
    const auto v = view(batch);
    if (!v) continue;
    // Compressed records are read through the thread's decompressor, as Kafka's batch iterator.
    auto cursor = v->records(decompressor());
    proto::RecordView record;
    while (cursor.next(record)) {
      const int64_t offset = v->offsetOf(record);
      const int64_t recordTimestamp = v->timestampOf(record);
      if (offset >= logStartOffset_ && recordTimestamp >= timestamp) {
        return TimestampAndOffset{recordTimestamp, offset, batch.leaderEpoch};
      }
    }
  }
  return std::nullopt;
}

std::optional<TimestampAndOffset> Log::offsetOfMaxTimestamp() const {
  const StoredBatch* best = nullptr;
  for (const StoredBatch& batch : batches_) {
    if (best == nullptr || batch.maxTimestamp > best->maxTimestamp) best = &batch;
  }
  if (best == nullptr) return std::nullopt;
  // Kafka's RecordBatch.offsetOfMaxTimestamp: the first record carrying the batch's maxTimestamp.
  const auto v = view(*best);
  if (v) {
    auto cursor = v->records(decompressor());
    proto::RecordView record;
    while (cursor.next(record)) {
      if (v->timestampOf(record) == best->maxTimestamp) {
        return TimestampAndOffset{best->maxTimestamp, v->offsetOf(record), best->leaderEpoch};
      }
    }
  }
  // No record matches the header's maxTimestamp: the batch's base offset.
  return TimestampAndOffset{best->maxTimestamp, best->baseOffset, best->leaderEpoch};
}

std::optional<EpochEndOffset> Log::endOffsetForEpoch(int32_t epoch) const {
  // The largest known epoch <= `epoch` (Kafka's LeaderEpochFileCache.endOffsetFor floorEntry).
  const auto after = std::upper_bound(epochStarts_.begin(), epochStarts_.end(), epoch,
                                      [](int32_t e, const EpochEntry& entry) { return e < entry.epoch; });
  if (after == epochStarts_.begin()) return std::nullopt;
  const auto floor = std::prev(after);
  // Its end is where the next known epoch starts, or the LEO for the latest epoch.
  return EpochEndOffset{floor->epoch, after == epochStarts_.end() ? logEndOffset_ : after->startOffset};
}

std::optional<std::pair<int32_t, int64_t>> Log::earliestEpochEntry() const {
  if (epochStarts_.empty()) return std::nullopt;
  return std::pair{epochStarts_.front().epoch, epochStarts_.front().startOffset};
}

int32_t Log::latestEpoch() const noexcept { return batches_.empty() ? -1 : batches_.back().leaderEpoch; }

void Log::assignEpoch(int32_t epoch, int64_t startOffset) {
  // Batches without a stamped epoch (-1) are not cached, as Kafka.
  if (epoch < 0) return;
  if (!epochStarts_.empty() && epochStarts_.back().epoch == epoch && startOffset >= epochStarts_.back().startOffset) {
    return;
  }
  // Kafka's maybeTruncateNonMonotonicEntries: the cache stays ascending in both epoch and offset.
  while (!epochStarts_.empty() &&
         (epochStarts_.back().epoch >= epoch || epochStarts_.back().startOffset >= startOffset)) {
    epochStarts_.pop_back();
  }
  epochStarts_.push_back({epoch, startOffset});
}

void Log::truncateEpochsFromStart(int64_t startOffset) {
  // Kafka's truncateFromStart: entries starting at or below the new log start collapse into
  // the last of them, which now starts at the log start.
  const auto firstAbove = std::find_if(epochStarts_.begin(), epochStarts_.end(),
                                       [startOffset](const EpochEntry& e) { return e.startOffset > startOffset; });
  if (firstAbove == epochStarts_.begin()) return;
  const auto last = std::prev(firstAbove);
  last->startOffset = startOffset;
  epochStarts_.erase(epochStarts_.begin(), last);
}

void Log::truncateEpochsFromEnd(int64_t endOffset) {
  while (!epochStarts_.empty() && epochStarts_.back().startOffset >= endOffset) epochStarts_.pop_back();
}

}  // namespace kafkalite::mock
