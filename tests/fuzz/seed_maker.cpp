// Writes the seed corpora of the fuzz targets (scripts/fuzz-seeds.sh runs it and keeps the
// result in tests/fuzz/corpus/<target>/seeds/): every request and response message at every
// version with every field set and with nulls (as the round-trip tests build them), record
// batches of every shape the builder makes, request sequences a client sends a broker
// (metadata with auto-creation, produce at every acks, follower and consumer fetches, offsets,
// producer ids), admin endpoint bodies and producer properties files. Deterministic: the
// same build writes the same bytes.
//
// Usage: fuzz_seed_maker OUTPUT_DIR

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/compressed_batch.hpp"
#include "protocol/compression.hpp"
#include "protocol/headers.hpp"
#include "protocol/messages/all.hpp"
#include "protocol/record_batch.hpp"
#include "support/message_fill.hpp"

namespace kafkalite::fuzz {
namespace {

namespace fs = std::filesystem;
using protocol::ApiKey;
using Bytes = std::vector<uint8_t>;

// A fixed time, so that seeds do not change from one run to the next.
constexpr int64_t kBaseTimestamp = 1'700'000'000'000;

class SeedWriter {
 public:
  explicit SeedWriter(fs::path root) : root_(std::move(root)) {}

  void write(const std::string& target, const std::string& name, std::span<const uint8_t> bytes) {
    const fs::path dir = root_ / target / "seeds";
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    FUZZ_CHECK(out.good(), "cannot write " + (dir / name).string());
    ++count_;
  }
  void write(const std::string& target, const std::string& name, const std::string& text) {
    write(target, name, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  [[nodiscard]] int count() const { return count_; }

 private:
  fs::path root_;
  int count_ = 0;
};

// ---- record batches -------------------------------------------------------------------------

struct SeedRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestampDelta = 0;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::optional<std::span<const uint8_t>> bytesOf(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s->data()), s->size());
}

Bytes batch(const std::vector<SeedRecord>& records, protocol::BatchAttributes attributes = {}, int64_t producerId = -1,
            int16_t producerEpoch = -1, int32_t baseSequence = -1, int64_t baseOffset = 0) {
  protocol::RecordBatchBuilder builder;
  builder.begin(kBaseTimestamp, attributes, producerId, producerEpoch, baseSequence);
  for (const auto& r : records) {
    std::vector<protocol::RecordHeaderView> headers;
    for (const auto& [k, v] : r.headers) headers.push_back({k, bytesOf(v)});
    FUZZ_CHECK(builder.append(kBaseTimestamp + r.timestampDelta, bytesOf(r.key), bytesOf(r.value), headers),
               "append failed");
  }
  builder.finish(baseOffset);
  return builder.takeBytes();
}

// `plain` (a finished uncompressed batch) compressed with `type`, as a producer sends it.
Bytes compressed(const Bytes& plain, protocol::CompressionType type) {
  protocol::BatchCompressor compressor;
  protocol::CodecError error;
  const auto out = compressor.compress(plain, type, {}, error);
  FUZZ_CHECK(out.has_value(), "compress: " + error.message);
  return {out->begin(), out->end()};
}

// Compressed batches the broker must refuse: records that are not a stream of the codec
// (CORRUPT_MESSAGE), a count that lies about the compressed records (INVALID_RECORD), and
// one record of 4 MiB of zeros that compresses to a few hundred bytes (a small
// decompression bomb: past the fuzz cluster's bound, MESSAGE_TOO_LARGE).
std::vector<std::pair<std::string, Bytes>> badCompressedBatches() {
  std::vector<std::pair<std::string, Bytes>> out;
  Bytes corrupt = compressed(batch({{"k", "some value to compress", 0, {}}}), protocol::CompressionType::Lz4);
  for (std::size_t i = protocol::kRecordBatchHeaderSize + 4; i < corrupt.size(); i += 3) corrupt[i] ^= 0x5a;
  (void)protocol::RecordBatchBuilder::setProducerState(corrupt, -1, -1, -1);  // a valid CRC over the damage
  out.emplace_back("corrupt-lz4", corrupt);
  std::vector<SeedRecord> three = {{"a", "1", 0, {}}, {"b", "2", 1, {}}, {"c", "3", 2, {}}};
  Bytes lying = compressed(batch(three), protocol::CompressionType::Gzip);
  lying[26] = 4;  // lastOffsetDelta 2 -> 4 (big-endian int32 at byte 23) and
  lying[60] = 5;  // recordsCount 3 -> 5 (at byte 57) agree with each other, not with the records
  (void)protocol::RecordBatchBuilder::setProducerState(lying, -1, -1, -1);
  out.emplace_back("lying-count-gzip", lying);
  out.emplace_back("bomb-zstd", compressed(batch({{std::nullopt, std::string(std::size_t{4} << 20, '\0'), 0, {}}}),
                                           protocol::CompressionType::Zstd));
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

void recordBatchSeeds(SeedWriter& w) {
  const std::string t = "record_batch";
  w.write(t, "one-record", batch({{"k", "v", 0, {}}}));
  w.write(t, "nulls-and-empties", batch({{std::nullopt, std::nullopt, 0, {}}, {"", "", 1, {}}, {"key", std::nullopt, 2, {}}}));
  w.write(t, "headers", batch({{"k", "value", 5, {{"h1", "v1"}, {"h2", std::nullopt}, {"", ""}}}}));
  w.write(t, "timestamps-before-base", batch({{"a", "1", -1000, {}}, {"b", "2", 123456789, {}}, {"c", "3", -5, {}}}));
  w.write(t, "idempotent", batch({{"k", "v1", 0, {}}, {"k", "v2", 0, {}}}, {}, 1000, 0, 41, 7));
  w.write(t, "sequence-wrap", batch({{"k", "v1", 0, {}}, {"k", "v2", 0, {}}}, {}, 1000, 3, INT32_MAX));
  protocol::BatchAttributes logAppend;
  logAppend.timestampType = protocol::TimestampType::LogAppendTime;
  w.write(t, "log-append-time", batch({{"k", "v", 0, {}}}, logAppend));
  protocol::BatchAttributes gzip;
  gzip.compression = protocol::CompressionType::Gzip;
  w.write(t, "compressed-attribute", batch({{"k", "v", 0, {}}}, gzip));
  for (const auto type : {protocol::CompressionType::Gzip, protocol::CompressionType::Snappy,
                          protocol::CompressionType::Lz4, protocol::CompressionType::Zstd}) {
    w.write(t, "compressed-" + std::string(protocol::compressionTypeName(type)),
            compressed(batch({{"k1", "v1", 0, {{"h", "x"}}}, {std::nullopt, "v2", 1, {}}}), type));
  }
  for (const auto& [name, bytes] : badCompressedBatches()) w.write(t, name, bytes);
  protocol::BatchAttributes control;
  control.transactional = true;
  control.control = true;
  w.write(t, "transactional-control", batch({{"\x00\x00\x00\x00", "\x00\x00\x00\x00\x00\x00", 0, {}}}, control, 5, 0, -1));
  protocol::BatchAttributes reserved = protocol::BatchAttributes::fromBits(static_cast<int16_t>(0x7f80));
  w.write(t, "reserved-attribute-bits", batch({{"k", "v", 0, {}}}, reserved));
  w.write(t, "empty-batch", batch({}));
  std::vector<SeedRecord> many;
  for (int i = 0; i < 40; ++i) many.push_back({"key" + std::to_string(i % 7), std::string(static_cast<std::size_t>(i * 3), 'x'), i, {}});
  w.write(t, "forty-records", batch(many));
  const Bytes first = batch({{"a", "1", 0, {}}}, {}, -1, -1, -1, 0);
  const Bytes second = batch({{"b", "2", 0, {}}, {"c", "3", 1, {}}}, {}, -1, -1, -1, 1);
  w.write(t, "two-batches", concat({first, second}));
  Bytes partial = concat({first, second});
  partial.resize(first.size() + 30);
  w.write(t, "partial-tail", partial);
  w.write(t, "empty", Bytes{});
}

// ---- messages -------------------------------------------------------------------------------

template <class M>
void requestSeeds(SeedWriter& w, const Bytes& records) {
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) {
    for (const bool nulls : {false, true}) {
      const M message = protocol::testing::filledMessage<M>(v, nulls, records);
      Bytes frame;
      const protocol::RequestHeader header{M::kApiKey, v, 7, std::string("seed"), {}};
      FUZZ_CHECK(!protocol::encodeRequestFrame(header, message, frame), std::string("encode ") + M::kName);
      const std::string name = std::string(M::kName) + "-v" + std::to_string(v) + (nulls ? "-nulls" : "");
      // request_decoders reads a frame without its size prefix; kafka_apis a stream of frames.
      w.write("request_decoders", name, std::span<const uint8_t>(frame).subspan(4));
      w.write("kafka_apis", "filled-" + name, frame);
    }
  }
}

template <class M>
void responseSeeds(SeedWriter& w, const Bytes& records) {
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) {
    for (const bool nulls : {false, true}) {
      const M message = protocol::testing::filledMessage<M>(v, nulls, records);
      Bytes input = {static_cast<uint8_t>(static_cast<uint16_t>(M::kApiKey) >> 8),
                     static_cast<uint8_t>(static_cast<uint16_t>(M::kApiKey)), static_cast<uint8_t>(v >> 8),
                     static_cast<uint8_t>(v)};
      Bytes frame;
      FUZZ_CHECK(!protocol::encodeResponseFrame(7, v, message, frame), std::string("encode ") + M::kName);
      input.insert(input.end(), frame.begin() + 4, frame.end());
      w.write("response_decoders", std::string(M::kName) + "-v" + std::to_string(v) + (nulls ? "-nulls" : ""), input);
    }
  }
}

// ---- request sequences for the broker -------------------------------------------------------

class Conversation {
 public:
  template <class M>
  Conversation& add(const M& message, int16_t version) {
    const protocol::RequestHeader header{M::kApiKey, version, nextCorrelationId_++, std::string("seed-client"), {}};
    lastFrame_ = bytes_.size();
    FUZZ_CHECK(!protocol::encodeRequestFrame(header, message, bytes_), std::string("encode ") + M::kName);
    return *this;
  }
  /// Rewrites the api version of the last frame, to one the codec cannot encode.
  Conversation& withLastVersion(int16_t version) {
    bytes_[lastFrame_ + 6] = static_cast<uint8_t>(static_cast<uint16_t>(version) >> 8);
    bytes_[lastFrame_ + 7] = static_cast<uint8_t>(version);
    return *this;
  }
  [[nodiscard]] const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
  std::size_t lastFrame_ = 0;
  int32_t nextCorrelationId_ = 1;
};

protocol::MetadataRequest metadata(std::optional<std::vector<std::string>> topics, bool autoCreate) {
  protocol::MetadataRequest m;
  if (topics) {
    m.topics.emplace();
    for (const auto& name : *topics) {
      protocol::MetadataRequest::MetadataRequestTopic t;
      t.name = name;
      m.topics->push_back(t);
    }
  } else {
    m.topics.reset();
  }
  m.allowAutoTopicCreation = autoCreate;
  return m;
}

protocol::ProduceRequest produce(const std::string& topic, const std::vector<int32_t>& partitions, const Bytes& records,
                                 int16_t acks, int32_t timeoutMs = 1000) {
  protocol::ProduceRequest p;
  p.acks = acks;
  p.timeoutMs = timeoutMs;
  protocol::ProduceRequest::TopicProduceData t;
  t.name = topic;
  for (int32_t index : partitions) t.partitionData.push_back({index, protocol::Records::of(records), {}});
  p.topicData.push_back(std::move(t));
  return p;
}

protocol::FetchRequest fetch(int32_t replicaId, const std::string& topic, const std::vector<int32_t>& partitions,
                             int64_t offset, int32_t maxWaitMs, int32_t minBytes) {
  protocol::FetchRequest f;
  f.replicaId = replicaId;
  f.maxWaitMs = maxWaitMs;
  f.minBytes = minBytes;
  f.maxBytes = 1 << 20;
  f.sessionEpoch = -1;
  protocol::FetchRequest::FetchTopic t;
  t.topic = topic;
  for (int32_t index : partitions) {
    protocol::FetchRequest::FetchTopic::FetchPartition p;
    p.partition = index;
    p.fetchOffset = offset;
    p.currentLeaderEpoch = -1;
    p.lastFetchedEpoch = -1;
    p.logStartOffset = -1;
    p.partitionMaxBytes = 1 << 20;
    t.partitions.push_back(p);
  }
  f.topics.push_back(std::move(t));
  return f;
}

protocol::ListOffsetsRequest listOffsets(const std::string& topic, const std::vector<int32_t>& partitions,
                                         int64_t timestamp) {
  protocol::ListOffsetsRequest l;
  l.replicaId = -1;
  protocol::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  for (int32_t index : partitions) {
    protocol::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition p;
    p.partitionIndex = index;
    p.timestamp = timestamp;
    t.partitions.push_back(p);
  }
  l.topics.push_back(std::move(t));
  return l;
}

void brokerSeeds(SeedWriter& w) {
  const std::string t = "kafka_apis";
  const std::vector<int32_t> all = {0, 1, 2};
  const Bytes records = batch({{"k1", "v1", 0, {{"h", "x"}}}, {"k2", "v2", 1, {}}});
  const Bytes idempotent = batch({{"k", "v", 0, {}}}, {}, 1000, 0, 0);
  protocol::ApiVersionsRequest apiVersions;
  apiVersions.clientSoftwareName = "kafkalite";
  apiVersions.clientSoftwareVersion = "0.1.0";

  w.write(t, "api-versions-v3", Conversation().add(apiVersions, 3).bytes());
  w.write(t, "api-versions-v9-unsupported", Conversation().add(protocol::ApiVersionsRequest{}, 0).withLastVersion(9).bytes());
  w.write(t, "metadata-all-v1-v12", Conversation()
                                        .add(metadata(std::nullopt, false), 1)
                                        .add(metadata(std::vector<std::string>{}, false), 0)
                                        .add(metadata(std::nullopt, false), 12)
                                        .bytes());
  w.write(t, "metadata-auto-create", Conversation()
                                         .add(metadata(std::vector<std::string>{"t", "created"}, true), 4)
                                         .add(metadata(std::vector<std::string>{"created", "not-created"}, false), 9)
                                         .add(produce("created", {0, 1}, records, 1), 7)
                                         .bytes());
  // Kafka's longest legal topic name (249 characters), auto-created.
  w.write(t, "metadata-longest-topic-name",
          Conversation().add(metadata(std::vector<std::string>{std::string(249, 'n')}, true), 4).bytes());
  for (const int16_t acks : {int16_t{1}, int16_t{0}, int16_t{-1}, int16_t{2}}) {
    w.write(t, "produce-acks" + std::to_string(acks), Conversation()
                                                          .add(produce("t", all, records, acks), 7)
                                                          .add(produce("solo", {0}, records, acks), 9)
                                                          .add(fetch(-1, "t", all, 0, 0, 1), 11)
                                                          .bytes());
  }
  w.write(t, "produce-acks-all-completed-by-followers", Conversation()
                                                           .add(produce("t", all, records, -1, 30000), 8)
                                                           .add(fetch(2, "t", all, 2, 0, 1), 12)
                                                           .add(fetch(3, "t", all, 2, 0, 1), 12)
                                                           .add(fetch(-1, "t", all, 0, 500, 1), 12)
                                                           .bytes());
  w.write(t, "produce-acks-all-timeout", Conversation().add(produce("t", all, records, -1, 20), 7).bytes());
  w.write(t, "fetch-long-poll-then-produce", Conversation()
                                                 .add(fetch(-1, "t", all, 0, 5000, 1), 11)
                                                 .add(fetch(2, "t", all, 0, 5000, 1), 4)
                                                 .add(produce("t", all, records, 1), 3)
                                                 .bytes());
  w.write(t, "produce-old-versions", Conversation()
                                         .add(produce("solo", {0}, records, 1), 0)
                                         .add(produce("solo", {0}, records, 1), 2)
                                         .add(produce("solo", {0}, records, 1), 3)
                                         .bytes());
  protocol::InitProducerIdRequest init;
  init.transactionalId.reset();
  init.transactionTimeoutMs = 60000;
  init.producerId = -1;
  init.producerEpoch = -1;
  w.write(t, "idempotent-produce", Conversation()
                                       .add(init, 4)
                                       .add(produce("solo", {0}, idempotent, -1), 7)
                                       .add(produce("solo", {0}, idempotent, -1), 7)
                                       .add(produce("solo", {0}, batch({{"k", "v", 0, {}}}, {}, 1000, 0, 5), -1), 7)
                                       .bytes());
  Conversation offsets;
  offsets.add(produce("t", all, records, 1), 7).add(produce("solo", {0}, records, 1), 7);
  for (int16_t v = 1; v <= 7; ++v) {
    for (const int64_t ts : {int64_t{-2}, int64_t{-1}, int64_t{-3}, kBaseTimestamp}) offsets.add(listOffsets("t", all, ts), v);
  }
  w.write(t, "list-offsets", offsets.bytes());
  protocol::FindCoordinatorRequest coordinator;
  coordinator.key = "group";
  for (const auto type : {protocol::CompressionType::Gzip, protocol::CompressionType::Snappy,
                          protocol::CompressionType::Lz4, protocol::CompressionType::Zstd}) {
    w.write(t, "produce-" + std::string(protocol::compressionTypeName(type)) + "-then-fetch",
            Conversation()
                .add(produce("t", all, compressed(records, type), -1), 9)
                .add(fetch(-1, "t", all, 0, 0, 1), 11)
                .add(listOffsets("t", all, kBaseTimestamp + 1), 7)
                .bytes());
  }
  for (const auto& [name, bytes] : badCompressedBatches()) {
    w.write(t, "produce-" + name, Conversation().add(produce("t", {0}, bytes, 1), 9).add(fetch(-1, "t", {0}, 0, 0, 1), 11).bytes());
  }
  w.write(t, "find-coordinator", Conversation().add(coordinator, 0).add(coordinator, 2).bytes());
  // What a producer sends first, pipelined in one write.
  w.write(t, "producer-startup", Conversation()
                                     .add(apiVersions, 3)
                                     .add(metadata(std::vector<std::string>{"t"}, true), 12)
                                     .add(init, 4)
                                     .add(produce("t", all, records, -1), 9)
                                     .bytes());
}

// ---- admin bodies and properties files ------------------------------------------------------

void textSeeds(SeedWriter& w) {
  const std::vector<std::pair<std::string, std::string>> json = {
      {"create-topic", R"({"name":"orders","partitions":6,"replicationFactor":3,"minInsyncReplicas":2})"},
      {"create-topic-null-min-isr", R"({"name":"t","partitions":1,"replicationFactor":1,"minInsyncReplicas":null})"},
      {"inject-errors", R"({"apiKey":0,"errors":[6,6,7],"broker":2,"delayMs":150})"},
      {"cluster-view",
       R"({"brokers":[{"id":1,"host":"127.0.0.1","port":9092,"online":true}],"controller":1,"partitions":[{"topic":"t","partition":0,"leader":1,"leaderEpoch":0,"replicas":[1],"isr":[1],"replicaStates":[{"brokerId":1,"online":true,"logStartOffset":0,"logEndOffset":3,"highWatermark":3}]}]})"},
      {"records", R"([{"offset":0,"timestamp":1700000000000,"key":"k","value":"v\u00e9\ud83d\ude00","headers":[["h",null]]}])"},
      {"numbers", R"([0,-0,1.5,-2.5e-3,1E+300,123456789012345678901234567890,-9223372036854775808,9223372036854775807])"},
      {"escapes", R"(" \"\\\/\b\f\n\r\t\u0000\u001f")"},
      {"nested", R"({"a":[{"b":[{"c":[[[[]]]]}]}],"":{}})"},
      {"literals", " \t\r\n[true,false,null] \n"},
  };
  for (const auto& [name, text] : json) w.write("admin_json", name, text);

  const std::vector<std::pair<std::string, std::string>> properties = {
      {"every-key",
       "bootstrap.servers=127.0.0.1:9092,[::1]:9093\nmessage.send.max.retries=5\nretry.backoff.ms=50\n"
       "queue.buffering.max.ms=5\nqueue.buffering.max.messages=100000\nbatch.num.messages=1000\n"
       "batch.size=16384\nrequest.timeout.ms=3000\ntopic.metadata.refresh.interval.ms=-1\nclient.id=app\n"
       "queue.enqueue.timeout.ms=0\nrequest.required.acks=all\npartitioner=murmur2\n"
       "max.in.flight.requests.per.connection=1\nmessage.max.bytes=2000000\ndelivery.timeout.ms=120000\n"
       "enable.idempotence=false\ncompression.type=lz4\ncompression.level=12\n"},
      {"compression", "bootstrap.servers=h:1\ncompression.codec=zstd\ncompression.level=-7\n"},
      {"aliases", "metadata.broker.list = localhost:9092\nretries: 3\nlinger.ms=10\nmax.block.ms=100\nacks=-1\n"},
      {"idempotence", "\xEF\xBB\xBF# a comment\n! another\nbootstrap.servers=h:1\nenable.idempotence=TRUE\n"},
      {"continuation", "bootstrap.servers=a:1,\\\n   b:2\nclient.id=with\\\\\n"},
      {"errors", "bootstrap.servers=h:1\nACKS=2\n"},
      {"no-separator", "bootstrap.servers\n"},
  };
  for (const auto& [name, text] : properties) w.write("producer_properties", name, text);
}

}  // namespace
}  // namespace kafkalite::fuzz

int main(int argc, char** argv) {
  using namespace kafkalite;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  fuzz::SeedWriter w{std::filesystem::path(argv[1])};
  const fuzz::Bytes records = fuzz::batch({{"key", "value", 0, {{"h", "v"}}}});
  std::apply([&](auto... m) { (fuzz::requestSeeds<decltype(m)>(w, records), ...); }, fuzz::RequestTypes{});
  std::apply([&](auto... m) { (fuzz::responseSeeds<decltype(m)>(w, records), ...); }, fuzz::ResponseTypes{});
  fuzz::recordBatchSeeds(w);
  fuzz::brokerSeeds(w);
  fuzz::textSeeds(w);
  std::printf("%d seeds written under %s\n", w.count(), argv[1]);
  return 0;
}
