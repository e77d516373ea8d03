#include "protocol/topic_name.hpp"

namespace kafkalite::protocol {

namespace {
bool isLegalChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// A name as it may be quoted in a message: printable ASCII kept, the rest escaped, and
// at most 64 characters of it.
std::string quoted(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < name.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (name.size() > 64) out += "...";
  return out + "\"";
}
}  // namespace

std::optional<std::string> topicNameError(std::string_view name) {
  if (name.empty()) return "Topic name is illegal, it can't be empty";
  if (name == "." || name == "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > kMaxTopicNameLength) {
    return "Topic name is illegal, it can't be longer than " + std::to_string(kMaxTopicNameLength) +
           " characters, topic name: " + quoted(name);
  }
  for (const char c : name) {
    if (!isLegalChar(c)) {
      return "Topic name " + quoted(name) +
             " is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
    }
  }
  return std::nullopt;
}

}  // namespace kafkalite::protocol
