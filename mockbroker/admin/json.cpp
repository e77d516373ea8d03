#include "mockbroker/admin/json.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace kafkalite::mock::detail {

namespace {

const JsonValue kNull;

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void appendEscapedByte(std::string& out, unsigned char b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u00";
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

void serializeString(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    switch (b) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (b < 0x20) {
      appendEscapedByte(out, b);
      ++i;
      continue;
    }
    const std::size_t len = utf8SequenceLength(s, i);
    if (len == 0) {
      appendEscapedByte(out, b);  // not UTF-8: see the header
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

void serializeTo(std::string& out, const JsonValue& v) {
  if (v.isNull()) {
    out += "null";
  } else if (const bool* b = v.asBool()) {
    out += *b ? "true" : "false";
  } else if (const int64_t* i = v.asInt()) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out.append(buf, r.ptr);
  } else if (const double* d = v.asDouble()) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, *d);
      out.append(buf, r.ptr);
    }
  } else if (const std::string* s = v.asString()) {
    serializeString(out, *s);
  } else if (const JsonValue::Array* a = v.asArray()) {
    out += '[';
    for (std::size_t k = 0; k < a->size(); ++k) {
      if (k != 0) out += ',';
      serializeTo(out, (*a)[k]);
    }
    out += ']';
  } else if (const JsonValue::Object* o = v.asObject()) {
    out += '{';
    for (std::size_t k = 0; k < o->size(); ++k) {
      if (k != 0) out += ',';
      serializeString(out, (*o)[k].first);
      out += ':';
      serializeTo(out, (*o)[k].second);
    }
    out += '}';
  }
}

/// Recursive descent over RFC 8259; depth is bounded by kJsonMaxDepth.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<JsonValue> parseDocument(std::string& error) {
    JsonValue v;
    skipWhitespace();
    if (!parseValue(v, 0)) {
      error = error_ + " at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    skipWhitespace();
    if (pos_ != s_.size()) {
      error = "unexpected data after the JSON value at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    return v;
  }

 private:
  bool fail(const char* why) {
    error_ = why;
    return false;
  }
  [[nodiscard]] bool atEnd() const { return pos_ >= s_.size(); }
  void skipWhitespace() {
    while (!atEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool consumeLiteral(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool parseValue(JsonValue& out, int depth) {
    if (atEnd()) return fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{': return parseObject(out, depth + 1);
      case '[': return parseArray(out, depth + 1);
      case '"': {
        std::string str;
        if (!parseString(str)) return false;
        out = JsonValue(std::move(str));
        return true;
      }
      case 't': out = JsonValue(true); return consumeLiteral("true");
      case 'f': out = JsonValue(false); return consumeLiteral("false");
      case 'n': out = JsonValue(nullptr); return consumeLiteral("null");
      default: return parseNumber(out);
    }
  }

  bool parseObject(JsonValue& out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting too deep");
    ++pos_;  // '{'
    JsonValue::Object members;
    skipWhitespace();
    if (!atEnd() && s_[pos_] == '}') {
      ++pos_;
      out = JsonValue(std::move(members));
      return true;
    }
    for (;;) {
      skipWhitespace();
      if (atEnd() || s_[pos_] != '"') return fail("expected a member name");
      std::string key;
      if (!parseString(key)) return false;
      skipWhitespace();
      if (atEnd() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skipWhitespace();
      JsonValue v;
      if (!parseValue(v, depth)) return false;
      members.emplace_back(std::move(key), std::move(v));
      skipWhitespace();
      if (atEnd()) return fail("unexpected end of input");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] != '}') return fail("expected ',' or '}'");
      ++pos_;
      out = JsonValue(std::move(members));
      return true;
    }
  }

  bool parseArray(JsonValue& out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting too deep");
    ++pos_;  // '['
    JsonValue::Array items;
    skipWhitespace();
    if (!atEnd() && s_[pos_] == ']') {
      ++pos_;
      out = JsonValue(std::move(items));
      return true;
    }
    for (;;) {
      skipWhitespace();
      JsonValue v;
      if (!parseValue(v, depth)) return false;
      items.push_back(std::move(v));
      skipWhitespace();
      if (atEnd()) return fail("unexpected end of input");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] != ']') return fail("expected ',' or ']'");
      ++pos_;
      out = JsonValue(std::move(items));
      return true;
    }
  }

  bool parseHex4(uint32_t& out) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') out |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= static_cast<uint32_t>(c - 'A' + 10);
      else return fail("invalid \\u escape");
    }
    return true;
  }

  bool parseString(std::string& out) {
    ++pos_;  // '"'
    for (;;) {
      if (atEnd()) return fail("unterminated string");
      const auto b = static_cast<unsigned char>(s_[pos_]);
      if (b == '"') {
        ++pos_;
        return true;
      }
      if (b < 0x20) return fail("control character in string");
      if (b != '\\') {
        const std::size_t len = utf8SequenceLength(s_, pos_);
        if (len == 0) return fail("invalid UTF-8 in string");
        out.append(s_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      ++pos_;
      if (atEnd()) return fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!parseHex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("unpaired surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            if (!parseHex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: return fail("invalid escape in string");
      }
    }
  }

  bool parseNumber(JsonValue& out) {
    const std::size_t start = pos_;
    const auto digit = [&] { return !atEnd() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (!atEnd() && s_[pos_] == '-') ++pos_;
    if (!digit()) return fail("invalid value");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (!atEnd() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    if (!atEnd() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!atEnd() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integral) {
      int64_t i = 0;
      const auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        out = JsonValue(i);
        return true;
      }
      // Out of int64 range: keep it as a double, as Boost.JSON does.
    }
    double d = 0;
    const auto r = std::from_chars(first, last, d);
    if (r.ptr != last || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
      return fail("invalid number");
    }
    if (r.ec == std::errc::result_out_of_range) d = (*first == '-') ? -HUGE_VAL : HUGE_VAL;
    out = JsonValue(d);
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  const Object* o = asObject();
  if (o == nullptr) return nullptr;
  for (auto it = o->rbegin(); it != o->rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

const JsonValue& JsonValue::operator[](std::string_view key) const noexcept {
  const JsonValue* v = find(key);
  return v != nullptr ? *v : kNull;
}

const JsonValue& JsonValue::operator[](std::size_t i) const noexcept {
  const Array* a = asArray();
  return (a != nullptr && i < a->size()) ? (*a)[i] : kNull;
}

std::optional<JsonValue> parseJson(std::string_view text, std::string& error) {
  return Parser(text).parseDocument(error);
}

std::string serializeJson(const JsonValue& value) {
  std::string out;
  serializeTo(out, value);
  return out;
}

}  // namespace kafkalite::mock::detail
