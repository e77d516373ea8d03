#include "kafkalite/producer_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <fstream>
#include <limits>
#include <utility>

#include "client/producer_config_keys.hpp"
#include "protocol/compression.hpp"

namespace kafkalite {
namespace {

using namespace config_keys;

bool isHostChar(char c, bool bracketed) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_') return true;
  return bracketed && (c == ':' || c == '%');
}

// One `host:port` or `[ipv6]:port` entry; nullopt when malformed.
std::optional<BrokerAddress> parseBrokerAddress(std::string_view entry) {
  const bool bracketed = !entry.empty() && entry.front() == '[';
  std::size_t colon = 0;
  std::string_view host;
  if (bracketed) {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos || close + 1 >= entry.size() || entry[close + 1] != ':') return std::nullopt;
    host = entry.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = entry.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = entry.substr(0, colon);
  }
  const auto hostChar = [bracketed](char c) { return isHostChar(c, bracketed); };
  if (host.empty() || !std::all_of(host.begin(), host.end(), hostChar)) return std::nullopt;
  const std::string_view portText = entry.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc{} || end != portText.data() + portText.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return BrokerAddress{std::string(host), static_cast<uint16_t>(port)};
}

constexpr std::string_view kAcksAllowed = "must be -1, 0, 1 or all (= -1)";
constexpr std::string_view kBootstrapAllowed =
    "must be a comma-separated list of host:port (port 1-65535, IPv6 as [address]:port)";

std::vector<BrokerAddress> parseBootstrapServers(const std::string& key, const std::string& value) {
  std::vector<BrokerAddress> servers;
  std::string_view rest = value;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view entry = trim(rest.substr(0, comma));
    if (!entry.empty()) {  // as Java: empty entries ("a:1,,b:2") are skipped
      auto address = parseBrokerAddress(entry);
      if (!address) {
        throw ConfigException(key, value, "entry '" + std::string(entry) + "' is not valid; " +
                                              std::string(kBootstrapAllowed));
      }
      servers.push_back(std::move(*address));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (servers.empty()) throw ConfigException(key, value, kBootstrapAllowed);
  return servers;
}

// Parses `value` (already trimmed) into the field of `setting`. `alias` selects the
// modern name's stricter range where the two differ (max.block.ms >= 0).
void applySetting(ProducerConfig& config, Setting setting, bool alias, const std::string& key,
                  const std::string& value) {
  for (const IntField& f : kIntFields) {
    if (f.setting == setting) {
      const IntRange range = (setting == Setting::QueueEnqueueTimeoutMs && alias) ? kNonNegative : f.range;
      config.*f.field = parseInt(key, value, range);
      return;
    }
  }
  const std::string lower = toLowerAscii(value);
  switch (setting) {
    case Setting::BootstrapServers:
      config.bootstrapServers = parseBootstrapServers(key, value);
      return;
    case Setting::ClientId:
      if (value.size() > kMaxClientIdBytes) throw ConfigException(key, value, "must be at most 32767 bytes long");
      config.clientId = value;
      return;
    case Setting::RequestRequiredAcks: {  // spec 7.4: [-1, 1]; "all" is the modern spelling of -1
      const std::optional<int64_t> acks = lower == "all" ? std::optional<int64_t>(-1) : parseInteger(value);
      if (!acks || *acks < -1 || *acks > 1) throw ConfigException(key, value, kAcksAllowed);
      config.requestRequiredAcks = static_cast<int16_t>(*acks);
      return;
    }
    case Setting::Partitioner:
      for (const auto& [kind, name] : kPartitionerNames) {
        if (lower == name) {
          config.partitioner = kind;
          return;
        }
      }
      throw ConfigException(key, value,
                            "must be one of murmur2_random, murmur2, consistent_random, random, round_robin");
    case Setting::CompressionType:
      for (const auto& [codec, name] : kCompressionCodecNames) {
        if (lower == name) {
          config.compressionType = codec;
          return;
        }
      }
      throw ConfigException(key, value, "must be one of none, gzip, snappy, lz4, zstd");
    case Setting::DeliveryTimeoutMs:
      config.deliveryTimeoutMs = parseInt(key, value, kPositive);
      return;
    case Setting::EnableIdempotence:
      if (lower != "true" && lower != "false") throw ConfigException(key, value, "must be true or false");
      config.enableIdempotence = lower == "true";
      return;
    case Setting::QueueBufferingMaxBytes:
      if (alias) {  // buffer.memory: bytes
        const std::optional<int64_t> bytes = parseInteger(value);
        if (!bytes || *bytes < kMinBufferBytes) {
          throw ConfigException(key, value, "must be an integer in [1, 9223372036854775807] (bytes)");
        }
        config.queueBufferingMaxBytes = *bytes;
      } else {  // queue.buffering.max.kbytes: KiB
        config.queueBufferingMaxBytes = int64_t{parseInt(key, value, kBufferingKBytes)} * 1024;
      }
      return;
    case Setting::SocketConnectionSetupTimeoutMs:
      config.socketConnectionSetupTimeoutMs = parseInt(key, value, kPositive);
      return;
    default:
      return;  // every int32 setting was handled by kIntFields
  }
}

struct Given { std::string key; std::string value; };  // key as spelled, value trimmed

// The modern column's values that the explicit settings contradict give way, as Java's
// ProducerConfig does for defaults it derives: idempotence (not given) is off when acks,
// retries or max.in.flight rule it out; an implicit delivery.timeout.ms is at least
// linger + request timeout; an implicit batch.num.messages fits the queue.
template <class Given>
void resolveImplicitModern(ProducerConfig& config, const Given& given) {
  if (!given(Setting::EnableIdempotence)) {
    const bool acksAll = config.requestRequiredAcks == -1;
    if (!acksAll || config.messageSendMaxRetries < 1 ||
        config.maxInFlightRequestsPerConnection > kMaxInFlightWithIdempotence) {
      config.enableIdempotence = false;
    }
  }
  if (!given(Setting::DeliveryTimeoutMs) && config.deliveryTimeoutMs) {
    const int64_t floor = int64_t{config.queueBufferingMaxMs} + config.requestTimeoutMs;
    if (*config.deliveryTimeoutMs < floor) config.deliveryTimeoutMs = static_cast<int32_t>(std::min(floor, kInt32Max));
  }
  if (!given(Setting::BatchNumMessages)) {
    config.batchNumMessages = std::min(config.batchNumMessages, config.queueBufferingMaxMessages);
  }
}

}  // namespace

ConfigException::ConfigException(std::string key, std::string value, std::string_view allowed)
    : std::invalid_argument("Invalid value '" + value + "' for configuration '" + key + "': " + std::string(allowed)),
      key_(std::move(key)),
      value_(std::move(value)) {}

ConfigException::ConfigException(VerbatimTag, std::string key, std::string value, const std::string& message)
    : std::invalid_argument(message), key_(std::move(key)), value_(std::move(value)) {}

ConfigException ConfigException::withMessage(std::string key, std::string value, const std::string& message) {
  return ConfigException(VerbatimTag{}, std::move(key), std::move(value), message);
}

std::string BrokerAddress::toString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string_view partitionerName(PartitionerKind kind) noexcept {
  for (const auto& [k, name] : kPartitionerNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::string_view compressionCodecName(CompressionCodec codec) noexcept {
  for (const auto& [c, name] : kCompressionCodecNames) {
    if (c == codec) return name;
  }
  return "unknown";
}

ProducerConfig ProducerConfig::fromProperties(const std::map<std::string, std::string>& properties) {
  // Each setting can be given once under its canonical name and once under its alias.
  std::array<std::optional<Given>, kSettingCount> canonical;
  std::array<std::optional<Given>, kSettingCount> alias;
  bool modernColumn = false;
  for (const auto& [rawKey, rawValue] : properties) {
    const std::string lower = toLowerAscii(trim(rawKey));
    if (lower == kDefaultsKey) {
      const std::string column = toLowerAscii(trim(rawValue));
      if (column != "classic" && column != "modern") throw ConfigException(rawKey, rawValue, "must be classic or modern");
      modernColumn = column == "modern";
      continue;
    }
    const KeyName* match = nullptr;
    for (const KeyName& k : kKeyNames) {
      if (k.name == lower) match = &k;
    }
    if (match == nullptr) {
      throw ConfigException::withMessage(rawKey, rawValue, "Unknown configuration '" + rawKey + "' (value '" +
                                                               rawValue + "'): not a kafkalite producer setting");
    }
    auto& slot = (match->alias ? alias : canonical)[static_cast<std::size_t>(match->setting)];
    if (slot) {
      throw ConfigException(rawKey, rawValue, "the key is also given as '" + slot->key + "'; give it once");
    }
    slot = Given{rawKey, std::string(trim(rawValue))};
  }

  ProducerConfig config = modernColumn ? ProducerConfig::modern() : ProducerConfig();
  for (std::size_t i = 0; i < kSettingCount; ++i) {
    const auto setting = static_cast<Setting>(i);
    if (canonical[i]) applySetting(config, setting, false, canonical[i]->key, canonical[i]->value);
    if (!alias[i]) continue;
    ProducerConfig withAlias = config;
    applySetting(withAlias, setting, true, alias[i]->key, alias[i]->value);
    // Precedence: neither name wins silently; both are fine only when they mean the same.
    if (canonical[i] && !(withAlias == config)) {
      throw ConfigException(alias[i]->key, alias[i]->value,
                            "conflicts with '" + canonical[i]->key + "=" + canonical[i]->value +
                                "'; give only one of the two names, or the same value under both");
    }
    config = std::move(withAlias);
  }
  const auto given = [&](Setting setting) {
    const auto i = static_cast<std::size_t>(setting);
    return canonical[i].has_value() || alias[i].has_value();
  };
  // As Java's producer: idempotence without an explicit acks means acks=all.
  if (config.enableIdempotence && !given(Setting::RequestRequiredAcks)) config.requestRequiredAcks = -1;
  if (modernColumn) resolveImplicitModern(config, given);
  config.validate();
  return config;
}

ProducerConfig ProducerConfig::modern() {
  ProducerConfig c;
  c.messageSendMaxRetries = std::numeric_limits<int32_t>::max();
  c.queueBufferingMaxMs = 5;
  c.queueBufferingMaxMessages = 100000;
  c.batchNumMessages = 10000;
  c.requestTimeoutMs = 30000;
  c.queueEnqueueTimeoutMs = 60000;
  c.requestRequiredAcks = -1;
  c.deliveryTimeoutMs = 120000;
  c.enableIdempotence = true;
  c.queueBufferingMaxBytes = int64_t{32} * 1024 * 1024;
  c.socketConnectionSetupTimeoutMs = 10000;
  return c;
}

void ProducerConfig::validate() const {
  const std::string serversKey = canonicalName(Setting::BootstrapServers);
  if (bootstrapServers.empty()) throw ConfigException(serversKey, "", "required; " + std::string(kBootstrapAllowed));
  for (const BrokerAddress& server : bootstrapServers) {
    if (!parseBrokerAddress(server.toString())) throw ConfigException(serversKey, server.toString(), kBootstrapAllowed);
  }
  for (const IntField& f : kIntFields) checkRange(canonicalName(f.setting), this->*f.field, f.range);
  if (clientId.size() > kMaxClientIdBytes) {
    throw ConfigException(canonicalName(Setting::ClientId), clientId, "must be at most 32767 bytes long");
  }
  if (requestRequiredAcks < -1 || requestRequiredAcks > 1) {  // spec 7.4
    const std::string acks = std::to_string(requestRequiredAcks);
    throw ConfigException(canonicalName(Setting::RequestRequiredAcks), acks, kAcksAllowed);
  }
  if (queueBufferingMaxBytes < kMinBufferBytes) {
    throw ConfigException(canonicalName(Setting::QueueBufferingMaxBytes), std::to_string(queueBufferingMaxBytes),
                          "must be at least 1 byte");
  }
  if (socketConnectionSetupTimeoutMs) {
    checkRange(canonicalName(Setting::SocketConnectionSetupTimeoutMs), *socketConnectionSetupTimeoutMs, kPositive);
  }
  const std::string_view kindName = partitionerName(partitioner);  // "unknown" only through a cast
  if (kindName == "unknown") throw ConfigException(canonicalName(Setting::Partitioner), "unknown", "no such kind");
  const std::string_view codecName = compressionCodecName(compressionType);
  if (codecName == "unknown") throw ConfigException(canonicalName(Setting::CompressionType), "unknown", "no such codec");
  if (compressionLevel != -1) {
    // Kafka's CompressionType level ranges (KIP-390); -1 is every codec's default.
    const auto codec = protocol::compressionTypeForName(codecName);
    const auto levels = codec ? protocol::compressionLevels(*codec) : std::nullopt;
    if (!levels) {
      throw ConfigException(canonicalName(Setting::CompressionLevel), std::to_string(compressionLevel),
                            "must be -1 with compression.type " + std::string(codecName) + " (it has no levels)");
    }
    if (!protocol::isValidCompressionLevel(*codec, compressionLevel)) {
      throw ConfigException(canonicalName(Setting::CompressionLevel), std::to_string(compressionLevel),
                            "must be -1 or in [" + std::to_string(levels->min) + ", " + std::to_string(levels->max) +
                                "] with compression.type " + std::string(codecName));
    }
  }
  if (batchNumMessages > queueBufferingMaxMessages) {  // spec 7.5
    throw ConfigException(canonicalName(Setting::BatchNumMessages), std::to_string(batchNumMessages),
                          "must not exceed queue.buffering.max.messages (" +
                              std::to_string(queueBufferingMaxMessages) + ")");
  }
  // As Java: a delivery timeout shorter than one linger plus one request could never be met.
  const int64_t deliveryFloor = int64_t{queueBufferingMaxMs} + requestTimeoutMs;
  if (deliveryTimeoutMs && *deliveryTimeoutMs < deliveryFloor) {
    throw ConfigException(canonicalName(Setting::DeliveryTimeoutMs), std::to_string(*deliveryTimeoutMs),
                          "must be at least queue.buffering.max.ms + request.timeout.ms (" +
                              std::to_string(deliveryFloor) + ")");
  }
  if (!enableIdempotence) return;
  // spec 8.5; Java's ProducerConfig makes the same checks for an explicit enable.idempotence=true.
  const auto require = [](bool ok, Setting setting, int32_t value, std::string_view rule) {
    if (!ok) {
      throw ConfigException(canonicalName(setting), std::to_string(value),
                            std::string(rule) + " when enable.idempotence=true");
    }
  };
  require(requestRequiredAcks == -1, Setting::RequestRequiredAcks, requestRequiredAcks, "must be -1 (all)");
  require(maxInFlightRequestsPerConnection <= kMaxInFlightWithIdempotence, Setting::MaxInFlight,
          maxInFlightRequestsPerConnection, "must be at most 5");
  require(messageSendMaxRetries >= 1, Setting::MessageSendMaxRetries, messageSendMaxRetries, "must be at least 1");
}

}  // namespace kafkalite
