// ProducerConfig: reading a Java .properties file, and writing every setting back as
// properties (the parsing and checks are in producer_config.cpp).
#include <fstream>
#include <map>
#include <string>

#include "client/producer_config_keys.hpp"
#include "kafkalite/producer_config.hpp"

namespace kafkalite {
namespace {

using namespace config_keys;

// Java .properties: a line ending in an odd number of backslashes continues on the next line.
bool continuesOnNextLine(const std::string& line) {
  std::size_t backslashes = 0;
  while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

}  // namespace

ProducerConfig ProducerConfig::fromPropertiesFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigException::withMessage("", path, "Cannot read properties file '" + path + "'");
  std::map<std::string, std::string> properties;
  std::map<std::string, int> lineOfKey;  // lower-case key (and canonical name) -> line number
  std::string physical;
  int lineNumber = 0;
  while (std::getline(in, physical)) {
    ++lineNumber;
    const int startLine = lineNumber;
    if (startLine == 1 && physical.starts_with("\xEF\xBB\xBF")) physical.erase(0, 3);  // UTF-8 BOM
    std::string logical(trim(physical));
    if (logical.empty() || logical.front() == '#' || logical.front() == '!') continue;
    while (continuesOnNextLine(logical)) {
      logical.pop_back();
      if (!std::getline(in, physical)) break;
      ++lineNumber;
      logical += trim(physical);
    }
    const std::size_t separator = logical.find_first_of("=:");
    const std::string_view key = trim(std::string_view(logical).substr(0, std::min(separator, logical.size())));
    if (separator == std::string::npos || key.empty()) {
      throw ConfigException::withMessage(std::string(key), logical,
                                         path + ":" + std::to_string(startLine) + ": expected 'key=value' or " +
                                             "'key: value', got '" + logical + "'");
    }
    properties[std::string(key)] = std::string(trim(std::string_view(logical).substr(separator + 1)));
    const std::string lower = toLowerAscii(key);
    lineOfKey[lower] = startLine;
    for (const KeyName& k : kKeyNames) {
      if (k.name == lower) lineOfKey[canonicalName(k.setting)] = startLine;
    }
  }
  try {
    return fromProperties(properties);
  } catch (const ConfigException& e) {
    const auto line = lineOfKey.find(toLowerAscii(trim(e.key())));
    const std::string where = line == lineOfKey.end() ? path : path + ":" + std::to_string(line->second);
    throw ConfigException::withMessage(e.key(), e.value(), where + ": " + e.what());
  }
}

std::map<std::string, std::string> ProducerConfig::toProperties() const {
  std::map<std::string, std::string> out;
  std::string servers;
  for (const BrokerAddress& server : bootstrapServers) servers += (servers.empty() ? "" : ",") + server.toString();
  out[canonicalName(Setting::BootstrapServers)] = servers;
  for (const IntField& f : kIntFields) out[canonicalName(f.setting)] = std::to_string(this->*f.field);
  out[canonicalName(Setting::ClientId)] = clientId;
  out[canonicalName(Setting::RequestRequiredAcks)] = std::to_string(requestRequiredAcks);
  out[canonicalName(Setting::Partitioner)] = std::string(partitionerName(partitioner));
  out[canonicalName(Setting::CompressionType)] = std::string(compressionCodecName(compressionType));
  if (deliveryTimeoutMs) out[canonicalName(Setting::DeliveryTimeoutMs)] = std::to_string(*deliveryTimeoutMs);
  out[canonicalName(Setting::EnableIdempotence)] = enableIdempotence ? "true" : "false";
  // In KiB when whole, else under the byte-valued alias (a map may hold both names only
  // with equal values, so exactly one is written).
  if (queueBufferingMaxBytes % 1024 == 0 && queueBufferingMaxBytes / 1024 <= kInt32Max) {
    out[canonicalName(Setting::QueueBufferingMaxBytes)] = std::to_string(queueBufferingMaxBytes / 1024);
  } else {
    out["buffer.memory"] = std::to_string(queueBufferingMaxBytes);
  }
  if (socketConnectionSetupTimeoutMs) {
    out[canonicalName(Setting::SocketConnectionSetupTimeoutMs)] = std::to_string(*socketConnectionSetupTimeoutMs);
  }
  return out;
}

}  // namespace kafkalite
