// RecordHandoff (spec 7.5): application threads hand records to the I/O thread through
// the bounded lock-free queue, as Producer::send() does, and one consumer drains and
// completes them, as the I/O thread does.
//
//   BM_RecordHandoff/producers:P/capacity:C/manual_time
//     P threads (1 or 2) each acquire a slot (blocking when none is free, as with
//     queue.enqueue.timeout.ms=-1), fill it with a 100-byte value and publish it; the
//     producer that finds the wake flag clear wakes the consumer (a mutex and condition
//     variable stand in for asio::post). The consumer drains up to 4096 slots per wake
//     (the producer's kDrainLimit) and completes each one, which frees the value and the
//     slot. C is queue.buffering.max.messages: 10000 (default) or 100000.
//
// Each iteration hands off kRecords records; the time runs from releasing the producers
// to the consumer's last completion. Reports records_per_s (wall clock). Note: this
// machine has 2 cores, so with 2 producers the three threads share them.

#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/record_handoff.hpp"

namespace {

using kafkalite::ProducerRecord;
using kafkalite::RecordMetadata;
using kafkalite::client::RecordHandoff;

constexpr int64_t kRecords = 200'000;
constexpr std::size_t kDrainLimit = 4096;  // as client/producer.cpp
constexpr std::size_t kValueBytes = 100;

// The consumer's wake-up: what asio::post does for the producer's I/O thread.
struct Wakeup {
  std::mutex mutex;
  std::condition_variable cv;
  bool pending = false;

  void post() {
    {
      std::lock_guard lock(mutex);
      pending = true;
    }
    cv.notify_one();
  }
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return pending; });
    pending = false;
  }
};

void BM_RecordHandoff(benchmark::State& state) {
  const auto producers = static_cast<int>(state.range(0));
  const auto capacity = static_cast<int32_t>(state.range(1));
  const std::string value(kValueBytes, 'v');
  const RecordMetadata metadata;
  int64_t total = 0;

  for (auto _ : state) {
    RecordHandoff handoff(capacity);
    Wakeup wakeup;
    std::latch start(producers + 1);
    std::vector<std::thread> threads;
    const int64_t perProducer = kRecords / producers;
    const int64_t records = perProducer * producers;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int64_t i = 0; i < perProducer; ++i) {
          const uint32_t index = handoff.acquire(-1, true);
          handoff.slot(index).setRecord(ProducerRecord("bench", value));
          const RecordHandoff::Published published = handoff.publish(index);
          if (published.wake) wakeup.post();
          if (published.pace) handoff.pace(-1);  // as the producer's send() does
        }
      });
    }
    std::chrono::steady_clock::time_point begin;
    std::thread consumer([&] {
      int64_t completed = 0;
      auto onRecord = [&](uint32_t index) {
        handoff.complete(index, {}, metadata);
        ++completed;
      };
      while (completed < records) {
        wakeup.wait();
        while (handoff.drain(onRecord, kDrainLimit)) {
        }
      }
    });
    begin = std::chrono::steady_clock::now();
    start.arrive_and_wait();
    consumer.join();
    const auto end = std::chrono::steady_clock::now();
    for (auto& t : threads) t.join();
    state.SetIterationTime(std::chrono::duration<double>(end - begin).count());
    total += records;
  }
  state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_RecordHandoff)
    ->ArgNames({"producers", "capacity"})
    ->ArgsProduct({{1, 2}, {10000, 100000}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
