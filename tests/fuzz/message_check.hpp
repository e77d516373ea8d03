#pragma once
// The codec's contract for one message body, checked on any bytes: decoding either fails
// with a reason and a path that starts with the message's name, or succeeds; what decoded
// encodes again without error, to exactly encodedSize() bytes, and those bytes decode to an
// equal message that encodes to the same bytes (decode and encode agree on every field,
// tag and version).

#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::fuzz {

/// Checks the contract for `bytes` as the body of M at `version`. Returns whether it decoded;
/// `out` then holds the message (its Records view `bytes`).
template <class M>
bool checkMessage(std::span<const uint8_t> bytes, int16_t version, M& out) {
  const std::string what = std::string(M::kName) + " v" + std::to_string(version);
  if (auto error = protocol::decode(bytes, version, out)) {
    FUZZ_CHECK(!error->reason.empty(), what + ": a decode error without a reason");
    FUZZ_CHECK(error->path.rfind(M::kName, 0) == 0, what + ": error path '" + error->path + "' does not name the message");
    return false;
  }
  std::vector<uint8_t> encoded;
  const auto encodeError = protocol::encode(out, version, encoded);
  FUZZ_CHECK(!encodeError, what + ": decoded but does not encode: " + (encodeError ? encodeError->message() : ""));
  FUZZ_CHECK(protocol::encodedSize(out, version) == encoded.size(), what + ": encodedSize disagrees with encode");
  FUZZ_CHECK(encoded.size() <= bytes.size(), what + ": re-encoding grew from " + std::to_string(bytes.size()) + " to " +
                                                  std::to_string(encoded.size()) + " bytes");
  M again{};
  const auto againError = protocol::decode(std::span<const uint8_t>(encoded), version, again);
  FUZZ_CHECK(!againError, what + ": its own encoding does not decode: " + (againError ? againError->message() : ""));
  FUZZ_CHECK(again == out, what + ": decode(encode(m)) != m");
  std::vector<uint8_t> reencoded;
  FUZZ_CHECK(!protocol::encode(again, version, reencoded), what + ": second encode failed");
  FUZZ_CHECK(reencoded == encoded, what + ": encoding is not stable");
  return true;
}

}  // namespace kafkalite::fuzz
