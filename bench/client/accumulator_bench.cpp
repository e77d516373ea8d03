// RecordAccumulator::append on the I/O thread's path (spec 8.1): 100-byte values, no key,
// into one partition or spread round-robin over six, at batch.num.messages 200 (the
// classic default) and 10000 (the tuned workload).
//
//   BM_AccumulatorAppend/partitions:P/batch:B        append only; filling slots and
//                                                    draining full batches run paused
//   BM_AccumulatorAppendDrain/partitions:P/batch:B   append plus the share of ready(),
//                                                    drain() (closing the batch: header and
//                                                    CRC-32C), completing the slots and
//                                                    recycling the batches
//
// Both report records_per_s (records per CPU second) and bytes_per_second (value bytes).
// The records are filled into hand-off slots beforehand, kSlots at a time, as send() would
// have done on an application thread.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "client/metadata_cache.hpp"
#include "client/record_accumulator.hpp"
#include "client/record_handoff.hpp"
#include "protocol/messages/metadata.hpp"

namespace {

using kafkalite::ProducerRecord;
using kafkalite::RecordMetadata;
using kafkalite::client::AccumulatorConfig;
using kafkalite::client::MetadataCache;
using kafkalite::client::ProducerBatch;
using kafkalite::client::RecordAccumulator;
using kafkalite::client::RecordHandoff;

constexpr int32_t kSlots = 20000;  // records filled per refill: two 10000-record batches
constexpr std::size_t kValueBytes = 100;
constexpr int64_t kTimestampMs = 1'700'000'000'000;
const std::string kTopic = "bench";

// Broker 1 leads every partition of kTopic.
kafkalite::protocol::MetadataResponse oneLeader(int32_t partitions) {
  kafkalite::protocol::MetadataResponse r;
  r.brokers.push_back({1, "127.0.0.1", 9092, std::nullopt, {}});
  r.controllerId = 1;
  kafkalite::protocol::MetadataResponse::MetadataResponseTopic topic;
  topic.name = kTopic;
  for (int32_t p = 0; p < partitions; ++p) {
    kafkalite::protocol::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition part;
    part.partitionIndex = p;
    part.leaderId = 1;
    part.replicaNodes = {1};
    part.isrNodes = {1};
    topic.partitions.push_back(part);
  }
  r.topics.push_back(std::move(topic));
  return r;
}

// The accumulator with its hand-off slots, as the producer's I/O thread owns them.
class AppendFixture {
 public:
  AppendFixture(int32_t partitions, int32_t batchNumMessages)
      : partitions_(partitions), metadata_(300000), handoff_(kSlots), accumulator_(config(batchNumMessages)) {
    metadata_.update(oneLeader(partitions), 0);
    topic_ = &accumulator_.topic(kTopic);
    slots_.reserve(kSlots);
  }

  // Fills every free slot with a record (what send() does on the application thread).
  void refill() {
    slots_.clear();
    next_ = 0;
    for (int32_t i = 0; i < kSlots; ++i) {
      const uint32_t index = handoff_.acquire(0, false);
      kafkalite::client::RecordSlot& slot = handoff_.slot(index);
      slot.setRecord(ProducerRecord(kTopic, value_));
      slot.enqueuedMs = 0;
      slot.timestampMs = kTimestampMs;
      slots_.push_back(index);
    }
  }

  [[nodiscard]] bool exhausted() const noexcept { return next_ == slots_.size(); }

  // Appends the next filled slot, to the next partition in turn.
  RecordAccumulator::AppendStatus appendNext() {
    const uint32_t index = slots_[next_++];
    const auto status = accumulator_.append(*topic_, partition_, handoff_.slot(index), false);
    if (status == RecordAccumulator::AppendStatus::Appended) handoff_.recycle(index);
    if (++partition_ == partitions_) partition_ = 0;
    return status;
  }

  // Sends nothing: takes every batch as the Sender would (ready, drain, which closes them),
  // completes their records and recycles the batches.
  void drainAll() {
    accumulator_.setFlushing(true);
    while (!accumulator_.empty()) {
      accumulator_.ready(metadata_, 0, true, ready_);
      drained_.clear();
      accumulator_.drain(metadata_, 1, 0, drained_);
      for (ProducerBatch* b : drained_) {
        for (auto& record : b->records) handoff_.completeDeferred(record, {}, deliveredMetadata_);
        handoff_.releaseDeferred();
        accumulator_.deallocate(b);
      }
    }
    accumulator_.setFlushing(false);
  }

 private:
  static AccumulatorConfig config(int32_t batchNumMessages) {
    AccumulatorConfig c;
    c.batchNumMessages = batchNumMessages;
    c.lingerMs = 5;
    return c;
  }

  const int32_t partitions_;
  MetadataCache metadata_;
  RecordHandoff handoff_;
  RecordAccumulator accumulator_;
  RecordAccumulator::TopicQueues* topic_ = nullptr;
  const std::string value_ = std::string(kValueBytes, 'v');
  std::vector<uint32_t> slots_;
  std::size_t next_ = 0;
  int32_t partition_ = 0;
  RecordAccumulator::ReadyResult ready_;
  std::vector<ProducerBatch*> drained_;
  RecordMetadata deliveredMetadata_;
};

void setRates(benchmark::State& state) {
  const auto records = static_cast<double>(state.iterations());
  state.counters["records_per_s"] = benchmark::Counter(records, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kValueBytes));
}

void BM_AccumulatorAppend(benchmark::State& state) {
  AppendFixture f(static_cast<int32_t>(state.range(0)), static_cast<int32_t>(state.range(1)));
  f.refill();
  for (auto _ : state) {
    if (f.exhausted()) {
      state.PauseTiming();
      f.drainAll();
      f.refill();
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(f.appendNext());
  }
  setRates(state);
}

void BM_AccumulatorAppendDrain(benchmark::State& state) {
  AppendFixture f(static_cast<int32_t>(state.range(0)), static_cast<int32_t>(state.range(1)));
  f.refill();
  for (auto _ : state) {
    if (f.exhausted()) {
      f.drainAll();  // timed: the batch's share of the I/O thread's work
      state.PauseTiming();
      f.refill();
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(f.appendNext());
  }
  setRates(state);
}

BENCHMARK(BM_AccumulatorAppend)->ArgNames({"partitions", "batch"})->ArgsProduct({{1, 6}, {200, 10000}});
BENCHMARK(BM_AccumulatorAppendDrain)->ArgNames({"partitions", "batch"})->ArgsProduct({{1, 6}, {200, 10000}});

}  // namespace
