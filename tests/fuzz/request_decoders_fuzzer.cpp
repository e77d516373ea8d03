// Fuzz target: every request decoder at every version, as a broker meets them. The input is
// one request frame without its size prefix (header, then body), like the golden captures
// of real clients. The header decodes or fails cleanly; the body goes to the decoder of the
// header's API at the header's version (an unknown API key or version is mapped onto one the
// codec has, so every input reaches a decoder), and the codec's contract holds
// (message_check.hpp). The record sets of a Produce request are walked as the broker walks
// them.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "message_check.hpp"
#include "protocol/headers.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::fuzz {
namespace {

void checkHeader(const protocol::RequestHeader& header) {
  std::vector<uint8_t> encoded;
  protocol::VectorSink sink(encoded);
  protocol::encodeRequestHeader(sink, header);
  FUZZ_CHECK(!sink.failed(), "a decoded request header does not encode: " + sink.error().message());
  protocol::Reader in(encoded);
  protocol::RequestHeader again;
  FUZZ_CHECK(protocol::decodeRequestHeader(in, again), "an encoded request header does not decode: " + in.error().message());
  FUZZ_CHECK(in.empty() && again == header, "request header round trip differs");
}

void walkRecordSets(const protocol::ProduceRequest& request) {
  for (const auto& topic : request.topicData) {
    for (const auto& partition : topic.partitionData) {
      protocol::RecordBatchIterator batches(partition.records.bytes);
      protocol::RecordBatchView batch;
      while (batches.next(batch)) {
        (void)batch.crcValid();
        auto records = batch.records();
        protocol::RecordView record;
        while (records.next(record)) {
          auto headers = record.headers();
          protocol::RecordHeaderView header;
          while (headers.next(header)) {
          }
          FUZZ_CHECK(!headers.failed(), "headers of a validated record failed: " + headers.error().message());
        }
      }
    }
  }
}

}  // namespace
}  // namespace kafkalite::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kafkalite;
  const std::span<const uint8_t> frame(data, size);
  protocol::Reader in(frame);
  protocol::RequestHeader header;
  if (!protocol::decodeRequestHeader(in, header)) {
    FUZZ_CHECK(!in.error().reason.empty(), "a header decode error without a reason");
    return 0;
  }
  fuzz::checkHeader(header);
  const std::span<const uint8_t> body = frame.subspan(size - in.remaining());
  fuzz::withMessageType<fuzz::RequestTypes>(static_cast<int16_t>(header.apiKey), [&](auto message) {
    using M = decltype(message);
    if (fuzz::checkMessage(body, fuzz::supportedVersion<M>(header.apiVersion), message)) {
      if constexpr (std::is_same_v<M, protocol::ProduceRequest>) fuzz::walkRecordSets(message);
    }
  });
  return 0;
}
