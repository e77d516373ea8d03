// Produce request encode and decode: one request carrying one 1,000-record batch
// per partition for 6 partitions (the shape kafkalite's producer sends), and a
// Produce response for the same partitions.

#include <benchmark/benchmark.h>

#include "protocol/headers.hpp"
#include "protocol/messages/produce.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::protocol {
namespace {

constexpr int kPartitions = 6;
constexpr int kRecordsPerBatch = 1000;

struct ProduceFixture {
  std::vector<std::vector<uint8_t>> batches;
  ProduceRequest request;
  ProduceFixture() {
    RecordBatchBuilder builder;
    std::vector<uint8_t> value(100, 'v');
    for (int p = 0; p < kPartitions; ++p) {
      builder.begin(1'700'000'000'000);
      for (int i = 0; i < kRecordsPerBatch; ++i) {
        if (!builder.append(1'700'000'000'000 + i, std::nullopt, std::span<const uint8_t>(value))) std::abort();
      }
      const auto bytes = builder.finish();
      batches.emplace_back(bytes.begin(), bytes.end());
    }
    request.acks = -1;
    request.timeoutMs = 1500;
    request.topicData.push_back({"bench", {}, {}});
    for (int p = 0; p < kPartitions; ++p) {
      request.topicData[0].partitionData.push_back({p, Records::of(batches[static_cast<std::size_t>(p)]), {}});
    }
  }
  [[nodiscard]] std::size_t recordBytes() const {
    std::size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
};

void BM_ProduceRequestEncode(benchmark::State& state) {
  ProduceFixture f;
  const auto version = static_cast<int16_t>(state.range(0));
  std::vector<uint8_t> out;
  const RequestHeader header{ApiKey::Produce, version, 1, std::string("bench"), {}};
  for (auto _ : state) {
    out.clear();
    encodeRequestFrame(header, f.request, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kPartitions * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_ProduceRequestEncode)->Arg(7)->Arg(9);

void BM_ProduceRequestDecode(benchmark::State& state) {
  ProduceFixture f;
  const auto version = static_cast<int16_t>(state.range(0));
  std::vector<uint8_t> body;
  encode(f.request, version, body);
  for (auto _ : state) {
    ProduceRequest decoded;
    const auto err = decode(std::span<const uint8_t>(body), version, decoded);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(decoded.topicData.data());
  }
  state.SetItemsProcessed(state.iterations() * kPartitions * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ProduceRequestDecode)->Arg(7)->Arg(9);

// What a broker does with each partition of a request: decode, then validate
// every batch's CRC and walk its records.
void BM_ProduceRequestDecodeAndValidate(benchmark::State& state) {
  ProduceFixture f;
  std::vector<uint8_t> body;
  encode(f.request, 7, body);
  for (auto _ : state) {
    ProduceRequest decoded;
    if (decode(std::span<const uint8_t>(body), 7, decoded)) std::abort();
    int64_t records = 0;
    for (const auto& t : decoded.topicData) {
      for (const auto& p : t.partitionData) {
        DecodeError error;
        auto batch = RecordBatchView::parse(p.records.bytes, error);
        if (!batch || !batch->crcValid()) std::abort();
        auto cursor = batch->records();
        RecordView r;
        while (cursor.next(r)) ++records;
      }
    }
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(state.iterations() * kPartitions * kRecordsPerBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ProduceRequestDecodeAndValidate);

void BM_ProduceResponseEncodeDecode(benchmark::State& state) {
  ProduceResponse response;
  response.responses.push_back({"bench", {}, {}});
  for (int p = 0; p < kPartitions; ++p) {
    ProduceResponse::TopicProduceResponse::PartitionProduceResponse pr;
    pr.index = p;
    pr.baseOffset = 1000L * p;
    response.responses[0].partitionResponses.push_back(pr);
  }
  std::vector<uint8_t> out;
  for (auto _ : state) {
    out.clear();
    encode(response, 7, out);
    ProduceResponse back;
    benchmark::DoNotOptimize(decode(std::span<const uint8_t>(out), 7, back));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProduceResponseEncodeDecode);

}  // namespace
}  // namespace kafkalite::protocol
