#pragma once
/// \file
/// A small JSON value, parser and serializer for the admin endpoint.
///
/// Why not Boost.JSON: it first shipped in Boost 1.75, and Debian 12's libboost-dev is
/// 1.74, so the admin endpoint carries this ~300-line RFC 8259 subset instead of a new
/// dependency. It covers what the endpoint needs: objects (member order kept), arrays,
/// strings, 64-bit integers, doubles, booleans and null.
///
/// Strings are byte strings. The parser accepts only valid UTF-8 and decodes every
/// escape (surrogate pairs included). The serializer writes valid UTF-8 through as it
/// is and escapes quotes, backslashes and control characters; a byte that is not part
/// of valid UTF-8 (a record's binary key, say) is written as the escape `\u00XX` of its
/// value, so the output is always valid JSON and such a byte reads back as U+00XX.
///
/// Threading: plain values without shared state.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace kafkalite::mock::detail {

/// One JSON value.
class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  /// Members in the order they were added or parsed; duplicates are kept, find()
  /// returns the last one (as most parsers do).
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  /// null.
  JsonValue() = default;
  JsonValue(std::nullptr_t) {}                     // NOLINT(google-explicit-constructor)
  JsonValue(bool b) : value_(b) {}                 // NOLINT(google-explicit-constructor)
  JsonValue(double d) : value_(d) {}               // NOLINT(google-explicit-constructor)
  JsonValue(std::string s) : value_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  JsonValue(std::string_view s) : value_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  JsonValue(const char* s) : value_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  JsonValue(Array a) : value_(std::move(a)) {}     // NOLINT(google-explicit-constructor)
  JsonValue(Object o) : value_(std::move(o)) {}    // NOLINT(google-explicit-constructor)
  /// Any integer type but bool; stored as int64 (uint64 values above INT64_MAX wrap).
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  JsonValue(I i) : value_(static_cast<int64_t>(i)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool isNull() const noexcept { return std::holds_alternative<std::nullptr_t>(value_); }
  [[nodiscard]] bool isBool() const noexcept { return std::holds_alternative<bool>(value_); }
  /// True for a number written without fraction or exponent that fits int64.
  [[nodiscard]] bool isInt() const noexcept { return std::holds_alternative<int64_t>(value_); }
  [[nodiscard]] bool isDouble() const noexcept { return std::holds_alternative<double>(value_); }
  [[nodiscard]] bool isString() const noexcept { return std::holds_alternative<std::string>(value_); }
  [[nodiscard]] bool isArray() const noexcept { return std::holds_alternative<Array>(value_); }
  [[nodiscard]] bool isObject() const noexcept { return std::holds_alternative<Object>(value_); }

  /// The value if it holds that kind; nullptr otherwise. Never throws.
  [[nodiscard]] const bool* asBool() const noexcept { return std::get_if<bool>(&value_); }
  [[nodiscard]] const int64_t* asInt() const noexcept { return std::get_if<int64_t>(&value_); }
  [[nodiscard]] const double* asDouble() const noexcept { return std::get_if<double>(&value_); }
  [[nodiscard]] const std::string* asString() const noexcept { return std::get_if<std::string>(&value_); }
  [[nodiscard]] const Array* asArray() const noexcept { return std::get_if<Array>(&value_); }
  [[nodiscard]] const Object* asObject() const noexcept { return std::get_if<Object>(&value_); }
  [[nodiscard]] Array* asArray() noexcept { return std::get_if<Array>(&value_); }
  [[nodiscard]] Object* asObject() noexcept { return std::get_if<Object>(&value_); }

  /// The last member named `key` of an object; nullptr if absent or not an object.
  [[nodiscard]] const JsonValue* find(std::string_view key) const noexcept;

  /// Member access for tests and readers that already checked the shape: the member
  /// `key` of an object, or a shared null value when absent or not an object.
  [[nodiscard]] const JsonValue& operator[](std::string_view key) const noexcept;
  /// Element `i` of an array, or a shared null value when out of range or not an array.
  [[nodiscard]] const JsonValue& operator[](std::size_t i) const noexcept;

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> value_;
};

/// Deepest nesting of arrays and objects parseJson accepts (deeper input is rejected,
/// so no input can exhaust the stack).
inline constexpr int kJsonMaxDepth = 64;

/// Parses one JSON text (RFC 8259; surrounding whitespace allowed, nothing else after
/// it). On failure returns nullopt and sets `error` to a short reason with the byte
/// offset. Never throws except std::bad_alloc.
[[nodiscard]] std::optional<JsonValue> parseJson(std::string_view text, std::string& error);

/// The compact JSON text of `value`. Non-finite doubles are written as null.
[[nodiscard]] std::string serializeJson(const JsonValue& value);

}  // namespace kafkalite::mock::detail
