#pragma once
// Test-side builders and readers for Kafka messages: one-batch record blobs made with
// RecordBatchBuilder (optionally with producer id, epoch and base sequence, compressed
// with BatchCompressor), decoding the records of a Fetch response (compressed ones too), the one-partition Produce/Fetch/ListOffsets/Metadata
// requests tests send most, and finding one partition in a response.
//
// Threading: pure functions over values.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocol/compressed_batch.hpp"
#include "protocol/compression.hpp"
#include "protocol/messages/all.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::testing {

// ---------------------------------------------------------------------------------------------
// Records

/// One record to put in a test batch.
struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::optional<int64_t> timestamp;  ///< the batch's base timestamp when unset
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

/// Producer state, timestamp and codec of a test batch. -1/-1/-1: not idempotent.
struct BatchOptions {
  std::optional<int64_t> baseTimestamp;  ///< now when unset
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  int32_t baseSequence = -1;
  protocol::CompressionType compression = protocol::CompressionType::None;  ///< via protocol::BatchCompressor
  protocol::TimestampType timestampType = protocol::TimestampType::CreateTime;
};

inline int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::span<const uint8_t> asBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// A records blob holding exactly one record batch v2 with these records.
inline std::vector<uint8_t> makeBatch(const std::vector<TestRecord>& records, const BatchOptions& options = {}) {
  protocol::RecordBatchBuilder builder;
  const int64_t base = options.baseTimestamp.value_or(wallClockMs());
  builder.begin(base, protocol::BatchAttributes{.timestampType = options.timestampType}, options.producerId,
                options.producerEpoch, options.baseSequence);
  for (const auto& r : records) {
    std::vector<protocol::RecordHeaderView> headers;
    for (const auto& [k, v] : r.headers) {
      headers.push_back({k, v ? std::optional<std::span<const uint8_t>>(asBytes(*v)) : std::nullopt});
    }
    const auto key = r.key ? std::optional<std::span<const uint8_t>>(asBytes(*r.key)) : std::nullopt;
    const auto value = r.value ? std::optional<std::span<const uint8_t>>(asBytes(*r.value)) : std::nullopt;
    if (!builder.append(r.timestamp.value_or(base), key, value, headers)) {
      throw std::runtime_error("RecordBatchBuilder::append failed");
    }
  }
  const auto batch = builder.finish();
  if (options.compression == protocol::CompressionType::None) return builder.takeBytes();
  protocol::BatchCompressor compressor;
  protocol::CodecError error;
  const auto compressed = compressor.compress(batch, options.compression, {}, error);
  if (!compressed) throw std::runtime_error("BatchCompressor::compress failed: " + error.message);
  return {compressed->begin(), compressed->end()};
}

/// A one-batch blob of records with these values and null keys.
inline std::vector<uint8_t> makeValueBatch(const std::vector<std::string>& values, const BatchOptions& options = {}) {
  std::vector<TestRecord> records;
  records.reserve(values.size());
  for (const auto& v : values) records.push_back(TestRecord{std::nullopt, v, std::nullopt, {}});
  return makeBatch(records, options);
}

/// "prefix-0", "prefix-1", ... (n values).
inline std::vector<std::string> numberedValues(const std::string& prefix, int n, int first = 0) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; ++i) out.push_back(prefix + "-" + std::to_string(i));
  return out;
}

/// A record as read back from a Fetch response.
struct FetchedRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t producerId = -1;
  int32_t partitionLeaderEpoch = -1;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  protocol::CompressionType compression = protocol::CompressionType::None;  ///< its batch's codec
  protocol::TimestampType timestampType = protocol::TimestampType::CreateTime;  ///< its batch's
};

/// Decodes every record of a records blob (a Fetch response's `records`), compressed
/// batches included; a partial trailing batch is allowed, as Fetch responses may end in
/// one. On malformed bytes (or a bad CRC) returns what was decoded so far and sets `*error`.
inline std::vector<FetchedRecord> decodeRecords(std::span<const uint8_t> blob, std::string* error = nullptr) {
  std::vector<FetchedRecord> out;
  protocol::Decompressor decompressor;
  protocol::RecordBatchIterator it(blob);
  protocol::RecordBatchView batch;
  auto toString = [](const std::optional<std::span<const uint8_t>>& b) -> std::optional<std::string> {
    if (!b) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(b->data()), b->size());
  };
  while (it.next(batch)) {
    if (!batch.crcValid()) {
      if (error) *error = "batch at offset " + std::to_string(batch.baseOffset()) + " has a bad CRC";
      return out;
    }
    auto cursor = batch.records(decompressor);
    protocol::RecordView r;
    while (cursor.next(r)) {
      FetchedRecord f{batch.offsetOf(r), batch.timestampOf(r), toString(r.key), toString(r.value), batch.producerId(),
                      batch.partitionLeaderEpoch(), {}, batch.compression(), batch.timestampType()};
      auto headers = r.headers();
      protocol::RecordHeaderView h;
      while (headers.next(h)) f.headers.emplace_back(std::string(h.key), toString(h.value));
      out.push_back(std::move(f));
    }
    if (cursor.failed()) {
      if (error) *error = cursor.error().message();
      return out;
    }
  }
  if (it.failed() && error) *error = it.error().message();
  return out;
}

inline std::vector<std::string> valuesOf(const std::vector<FetchedRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.value.value_or("<null>"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests for one partition. Records are views: keep the blob alive until the request is sent.

inline protocol::ProduceRequest produceRequest(const std::string& topic, int32_t partition,
                                               std::span<const uint8_t> records, int16_t acks,
                                               int32_t timeoutMs = 30000) {
  protocol::ProduceRequest req;
  req.acks = acks;
  req.timeoutMs = timeoutMs;
  protocol::ProduceRequest::TopicProduceData t;
  t.name = topic;
  protocol::ProduceRequest::TopicProduceData::PartitionProduceData p;
  p.index = partition;
  p.records = protocol::Records::of(records);
  t.partitionData.push_back(p);
  req.topicData.push_back(std::move(t));
  return req;
}

inline protocol::FetchRequest fetchRequest(const std::string& topic, int32_t partition, int64_t offset,
                                           int32_t maxWaitMs, int32_t minBytes,
                                           int32_t partitionMaxBytes = 1024 * 1024,
                                           int32_t currentLeaderEpoch = -1) {
  protocol::FetchRequest req;
  req.replicaId = -1;  // a consumer (spec 4.1)
  req.maxWaitMs = maxWaitMs;
  req.minBytes = minBytes;
  req.maxBytes = 50 * 1024 * 1024;
  req.isolationLevel = 0;
  req.sessionId = 0;
  req.sessionEpoch = -1;  // no fetch session, as librdkafka 2.0.2 sends
  protocol::FetchRequest::FetchTopic t;
  t.topic = topic;
  protocol::FetchRequest::FetchTopic::FetchPartition p;
  p.partition = partition;
  p.fetchOffset = offset;
  p.currentLeaderEpoch = currentLeaderEpoch;
  p.logStartOffset = -1;
  p.partitionMaxBytes = partitionMaxBytes;
  t.partitions.push_back(p);
  req.topics.push_back(std::move(t));
  return req;
}

inline protocol::ListOffsetsRequest listOffsetsRequest(const std::string& topic, int32_t partition,
                                                       int64_t timestamp) {
  protocol::ListOffsetsRequest req;
  req.replicaId = -1;
  req.isolationLevel = 0;
  protocol::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  protocol::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
  p.partitionIndex = partition;
  p.timestamp = timestamp;
  t.partitions.push_back(p);
  req.topics.push_back(std::move(t));
  return req;
}

/// Metadata for these topics; nullopt = every topic (v1+).
inline protocol::MetadataRequest metadataRequest(std::optional<std::vector<std::string>> topics,
                                                 bool allowAutoTopicCreation = false) {
  protocol::MetadataRequest req;
  if (!topics) {
    req.topics.reset();
  } else {
    req.topics.emplace();
    for (const auto& name : *topics) {
      protocol::MetadataRequest::MetadataRequestTopic t;
      t.name = name;
      req.topics->push_back(t);
    }
  }
  req.allowAutoTopicCreation = allowAutoTopicCreation;
  return req;
}

// ---------------------------------------------------------------------------------------------
// Finding one partition in a response. Nullptr when absent.

inline const protocol::ProduceResponse::TopicProduceResponse::PartitionProduceResponse* findPartition(
    const protocol::ProduceResponse& r, const std::string& topic, int32_t partition) {
  for (const auto& t : r.responses)
    if (t.name == topic)
      for (const auto& p : t.partitionResponses)
        if (p.index == partition) return &p;
  return nullptr;
}

inline const protocol::FetchResponse::FetchableTopicResponse::PartitionData* findPartition(
    const protocol::FetchResponse& r, const std::string& topic, int32_t partition) {
  for (const auto& t : r.responses)
    if (t.topic == topic)
      for (const auto& p : t.partitions)
        if (p.partitionIndex == partition) return &p;
  return nullptr;
}

inline const protocol::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse* findPartition(
    const protocol::ListOffsetsResponse& r, const std::string& topic, int32_t partition) {
  for (const auto& t : r.topics)
    if (t.name == topic)
      for (const auto& p : t.partitions)
        if (p.partitionIndex == partition) return &p;
  return nullptr;
}

inline const protocol::MetadataResponse::MetadataResponseTopic* findTopic(const protocol::MetadataResponse& r,
                                                                          const std::string& topic) {
  for (const auto& t : r.topics)
    if (t.name && *t.name == topic) return &t;
  return nullptr;
}

}  // namespace kafkalite::testing
