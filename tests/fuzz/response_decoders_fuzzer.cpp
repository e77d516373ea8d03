// Fuzz target: every response decoder at every version, and what the producer does with the
// responses it reads. The input is an API key (int16), a version (int16) and a response frame
// without its size prefix (header, then body). The header decodes in the version the API
// uses; the body goes to that API's response decoder at that version (unknown keys and
// versions are mapped onto known ones) and the codec's contract holds (message_check.hpp).
// A Metadata response that decodes is then stored in the producer's MetadataCache, as the
// Sender does, and read back: whatever a broker answers, the producer must neither crash nor
// allocate far beyond what the answer holds.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>

#include "client/metadata_cache.hpp"
#include "fuzz_check.hpp"
#include "message_check.hpp"
#include "protocol/headers.hpp"

namespace kafkalite::fuzz {
namespace {

void storeAsTheProducerDoes(const protocol::MetadataResponse& response) {
  client::MetadataCache cache(300000);
  cache.update(response, 1000);
  // A topic named twice in one answer (a malformed one) is stored as its last description.
  std::map<std::string, const protocol::MetadataResponse::MetadataResponseTopic*> last;
  for (const auto& topic : response.topics) {
    if (topic.name) last[*topic.name] = &topic;
  }
  for (const auto& [name, topic] : last) {
    cache.addTopic(name);
    const client::TopicMetadata* stored = cache.topic(name);
    FUZZ_CHECK(stored != nullptr, "a topic of the response is not in the cache");
    // A topic is described by its partitions: the cache holds no more of them than the answer.
    FUZZ_CHECK(stored->partitions.size() <= topic->partitions.size(),
               "cache holds " + std::to_string(stored->partitions.size()) + " partitions for a topic described with " +
                   std::to_string(topic->partitions.size()));
    for (const auto& p : topic->partitions) (void)cache.leaderFor(name, p.partitionIndex);
  }
  for (const auto& broker : response.brokers) (void)cache.broker(broker.nodeId);
  (void)cache.nextUpdateMs(2000);
}

}  // namespace
}  // namespace kafkalite::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kafkalite;
  if (size < 4) return 0;
  const auto key = static_cast<int16_t>(protocol::detail::loadBigEndian(data, 2));
  const auto requestedVersion = static_cast<int16_t>(protocol::detail::loadBigEndian(data + 2, 2));
  const std::span<const uint8_t> frame(data + 4, size - 4);
  fuzz::withMessageType<fuzz::ResponseTypes>(key, [&](auto message) {
    using M = decltype(message);
    const int16_t version = fuzz::supportedVersion<M>(requestedVersion);
    protocol::Reader in(frame);
    protocol::ResponseHeader header;
    if (!protocol::decodeResponseHeader(in, header, protocol::responseHeaderVersion(M::kApiKey, version))) {
      FUZZ_CHECK(!in.error().reason.empty(), "a header decode error without a reason");
      return;
    }
    const auto body = frame.subspan(frame.size() - in.remaining());
    if (fuzz::checkMessage(body, version, message)) {
      if constexpr (std::is_same_v<M, protocol::MetadataResponse>) fuzz::storeAsTheProducerDoes(message);
    }
  });
  return 0;
}
