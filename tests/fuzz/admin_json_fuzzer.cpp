// Fuzz target: the admin endpoint's JSON parser (mockbroker/admin/json.hpp), which reads the
// bodies of POST /v1/topics and POST /v1/errors. On any bytes it returns a value or an
// error with a reason, within its nesting limit. A value it returns serializes to valid JSON
// that parses again, and after one such round trip the text is stable (numbers may change
// kind on the first: -0.0 is written "-0" and read back as the integer 0).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mockbroker/admin/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using kafkalite::mock::detail::parseJson;
  using kafkalite::mock::detail::serializeJson;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto value = parseJson(text, error);
  if (!value) {
    FUZZ_CHECK(!error.empty(), "a parse failure without a reason");
    return 0;
  }
  const std::string first = serializeJson(*value);
  std::string again;
  const auto reparsed = parseJson(first, again);
  FUZZ_CHECK(reparsed.has_value(), "serialized JSON does not parse: " + again + " in " + first.substr(0, 200));
  const std::string second = serializeJson(*reparsed);
  const auto third = parseJson(second, again);
  FUZZ_CHECK(third.has_value(), "serialized JSON does not parse: " + again);
  FUZZ_CHECK(serializeJson(*third) == second, "serialization is not stable: " + second.substr(0, 200));
  return 0;
}
