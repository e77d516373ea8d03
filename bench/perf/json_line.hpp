#pragma once
// parseJsonLine: reads back the one flat JSON object a produce run prints, so compare can
// check it and take its figures. Only what that line holds is supported: one object of
// string and number values, no nesting, no arrays, no literals.
//
// Threading: pure functions.

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kafkalite::perf {

/// One value of the line: a string or a number.
struct JsonValue {
  bool isString = false;
  std::string text;   ///< the string's value (escapes \" \\ \/ resolved)
  double number = 0;  ///< the number's value
};

/// The members of `line`, or std::nullopt when it is not such an object (trailing text
/// after the closing brace, apart from whitespace, counts as malformed).
inline std::optional<std::map<std::string, JsonValue>> parseJsonLine(std::string_view line) {
  std::size_t pos = 0;
  const auto skipSpace = [&] {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r' || line[pos] == '\n')) ++pos;
  };
  const auto eat = [&](char c) {
    skipSpace();
    if (pos >= line.size() || line[pos] != c) return false;
    ++pos;
    return true;
  };
  const auto readString = [&]() -> std::optional<std::string> {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (pos < line.size() && line[pos] != '"') {
      char c = line[pos++];
      if (c == '\\') {
        if (pos >= line.size()) return std::nullopt;
        c = line[pos++];
        if (c != '"' && c != '\\' && c != '/') return std::nullopt;
      }
      out.push_back(c);
    }
    if (pos >= line.size()) return std::nullopt;
    ++pos;  // the closing quote
    return out;
  };

  std::map<std::string, JsonValue> members;
  if (!eat('{')) return std::nullopt;
  if (!eat('}')) {
    do {
      auto key = readString();
      if (!key || !eat(':')) return std::nullopt;
      skipSpace();
      JsonValue value;
      if (pos < line.size() && line[pos] == '"') {
        auto text = readString();
        if (!text) return std::nullopt;
        value.isString = true;
        value.text = std::move(*text);
      } else {
        const std::size_t start = pos;
        while (pos < line.size() && std::string_view("+-0123456789.eE").find(line[pos]) != std::string_view::npos) ++pos;
        const std::string number(line.substr(start, pos - start));
        char* end = nullptr;
        value.number = std::strtod(number.c_str(), &end);
        if (number.empty() || end != number.c_str() + number.size()) return std::nullopt;
      }
      if (!members.emplace(std::move(*key), std::move(value)).second) return std::nullopt;  // a repeated key
    } while (eat(','));
    if (!eat('}')) return std::nullopt;
  }
  skipSpace();
  if (pos != line.size()) return std::nullopt;
  return members;
}

}  // namespace kafkalite::perf
