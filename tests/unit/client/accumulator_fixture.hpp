#pragma once
// RecordAccumulatorTest: an accumulator over a two-broker metadata cache (topic "t":
// partitions 0 and 2 led by broker 1, partition 1 by broker 2), records appended through
// a real hand-off slot, and ready()/drain() helpers. Set `config`, then start().

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/record_accumulator.hpp"
#include "unit/client/fakes.hpp"

namespace kafkalite::client::testing {

class RecordAccumulatorTest : public ::testing::Test {
 protected:
  RecordAccumulatorTest() : metadata(300000) {
    config.batchNumMessages = 3;
    config.lingerMs = 100;
    config.retryBackoffMs = 50;
    metadata.update(metadataResponse(2, {{"t", {1, 2, 1}}}), 0);
  }

  void start() {
    acc = std::make_unique<RecordAccumulator>(config);
    handoff = std::make_unique<RecordHandoff>(handoffSlots);
  }

  RecordAccumulator::AppendStatus append(int32_t partition, std::string value, int64_t nowMs,
                                         bool abortOnNewBatch = false) {
    const uint32_t slot = handoff->acquire(0, false);
    RecordSlot& s = handoff->slot(slot);
    s.setRecord(ProducerRecord("t", std::move(value)));
    s.enqueuedMs = nowMs;
    s.timestampMs = nowMs;
    const auto status = acc->append(acc->topic("t"), partition, s, abortOnNewBatch);
    if (status != RecordAccumulator::AppendStatus::Appended) handoff->abandon(slot);
    return status;
  }

  RecordAccumulator::ReadyResult ready(int64_t nowMs, bool exhausted = false) {
    RecordAccumulator::ReadyResult r;
    acc->ready(metadata, nowMs, exhausted, r);
    return r;
  }

  std::vector<ProducerBatch*> drain(int32_t node, int64_t nowMs) {
    std::vector<ProducerBatch*> out;
    acc->drain(metadata, node, nowMs, out);
    return out;
  }

  /// ready() with the hand-off exhausted and drain(1) until broker 1 has nothing left:
  /// (records, bytes sent) of each batch, in order.
  std::vector<std::pair<int32_t, std::size_t>> drainAll(int64_t nowMs) {
    std::vector<std::pair<int32_t, std::size_t>> out;
    for (;;) {
      ready(nowMs, true);
      const auto batches = drain(1, nowMs);
      if (batches.empty()) return out;
      for (ProducerBatch* b : batches) out.emplace_back(b->recordCount(), b->bytes().size());
    }
  }

  AccumulatorConfig config;
  MetadataCache metadata;
  uint32_t handoffSlots = 100;  ///< records a test may append (none completes); set before start()
  std::unique_ptr<RecordHandoff> handoff;
  std::unique_ptr<RecordAccumulator> acc;
};

}  // namespace kafkalite::client::testing
