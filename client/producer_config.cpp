#include "kafkalite/producer_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <fstream>
#include <limits>
#include <utility>

namespace kafkalite {
namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

struct IntRange { int64_t min; int64_t max; };

constexpr IntRange kNonNegative{0, kInt32Max};
constexpr IntRange kPositive{1, kInt32Max};
constexpr IntRange kAnyInt32{kInt32Min, kInt32Max};
// librdkafka's range for message.max.bytes: below ~1000 no useful batch fits.
constexpr IntRange kMessageMaxBytes{1000, 1000000000};
// The 0.8 idempotent producer's limit (spec 8.5): the broker caches 5 batches per producer.
constexpr int32_t kMaxInFlightWithIdempotence = 5;
// client.id is a Kafka nullable STRING: an INT16 length.
constexpr std::size_t kMaxClientIdBytes = 32767;

enum class Setting : uint8_t {
  BootstrapServers, MessageSendMaxRetries, RetryBackoffMs, QueueBufferingMaxMs, QueueBufferingMaxMessages,
  BatchNumMessages, BatchSizeBytes, RequestTimeoutMs, TopicMetadataRefreshIntervalMs, ClientId,
  QueueEnqueueTimeoutMs, RequestRequiredAcks, Partitioner, MaxInFlight, MessageMaxBytes, DeliveryTimeoutMs,
  EnableIdempotence, Count
};
constexpr std::size_t kSettingCount = static_cast<std::size_t>(Setting::Count);

struct KeyName { std::string_view name; Setting setting; bool alias; };  // name in lower case

// Canonical names first, in Setting order, so kKeyNames[s].name is the canonical name of s.
constexpr std::array<KeyName, kSettingCount + 5> kKeyNames{{
    {"bootstrap.servers", Setting::BootstrapServers, false},
    {"message.send.max.retries", Setting::MessageSendMaxRetries, false},
    {"retry.backoff.ms", Setting::RetryBackoffMs, false},
    {"queue.buffering.max.ms", Setting::QueueBufferingMaxMs, false},
    {"queue.buffering.max.messages", Setting::QueueBufferingMaxMessages, false},
    {"batch.num.messages", Setting::BatchNumMessages, false},
    {"batch.size", Setting::BatchSizeBytes, false},
    {"request.timeout.ms", Setting::RequestTimeoutMs, false},
    {"topic.metadata.refresh.interval.ms", Setting::TopicMetadataRefreshIntervalMs, false},
    {"client.id", Setting::ClientId, false},
    {"queue.enqueue.timeout.ms", Setting::QueueEnqueueTimeoutMs, false},
    {"request.required.acks", Setting::RequestRequiredAcks, false},
    {"partitioner", Setting::Partitioner, false},
    {"max.in.flight.requests.per.connection", Setting::MaxInFlight, false},
    {"message.max.bytes", Setting::MessageMaxBytes, false},
    {"delivery.timeout.ms", Setting::DeliveryTimeoutMs, false},
    {"enable.idempotence", Setting::EnableIdempotence, false},
    // Aliases: the modern (Java producer) names, and 0.8's metadata.broker.list.
    {"metadata.broker.list", Setting::BootstrapServers, true}, {"retries", Setting::MessageSendMaxRetries, true},
    {"linger.ms", Setting::QueueBufferingMaxMs, true}, {"max.block.ms", Setting::QueueEnqueueTimeoutMs, true},
    {"acks", Setting::RequestRequiredAcks, true}}};

constexpr bool canonicalNamesInSettingOrder() {
  for (std::size_t i = 0; i < kSettingCount; ++i) {
    if (static_cast<std::size_t>(kKeyNames[i].setting) != i || kKeyNames[i].alias) return false;
  }
  return true;
}
static_assert(canonicalNamesInSettingOrder());

std::string canonicalName(Setting setting) { return std::string(kKeyNames[static_cast<std::size_t>(setting)].name); }

// The int32 fields with their setting and range; the others are handled one by one.
struct IntField { Setting setting; int32_t ProducerConfig::*field; IntRange range; };
constexpr std::array<IntField, 11> kIntFields{{
    {Setting::MessageSendMaxRetries, &ProducerConfig::messageSendMaxRetries, kNonNegative},
    {Setting::RetryBackoffMs, &ProducerConfig::retryBackoffMs, kNonNegative},
    {Setting::QueueBufferingMaxMs, &ProducerConfig::queueBufferingMaxMs, kNonNegative},
    {Setting::QueueBufferingMaxMessages, &ProducerConfig::queueBufferingMaxMessages, kPositive},
    {Setting::BatchNumMessages, &ProducerConfig::batchNumMessages, kPositive},
    {Setting::BatchSizeBytes, &ProducerConfig::batchSizeBytes, kPositive},
    {Setting::RequestTimeoutMs, &ProducerConfig::requestTimeoutMs, kPositive},  // spec 7.4
    {Setting::TopicMetadataRefreshIntervalMs, &ProducerConfig::topicMetadataRefreshIntervalMs, kAnyInt32},
    {Setting::QueueEnqueueTimeoutMs, &ProducerConfig::queueEnqueueTimeoutMs, kAnyInt32},
    {Setting::MaxInFlight, &ProducerConfig::maxInFlightRequestsPerConnection, kPositive},
    {Setting::MessageMaxBytes, &ProducerConfig::messageMaxBytes, kMessageMaxBytes},
}};

constexpr std::array<std::pair<PartitionerKind, std::string_view>, 5> kPartitionerNames{{
    {PartitionerKind::Murmur2Random, "murmur2_random"}, {PartitionerKind::Murmur2, "murmur2"},
    {PartitionerKind::ConsistentRandom, "consistent_random"}, {PartitionerKind::Random, "random"},
    {PartitionerKind::RoundRobin, "round_robin"}}};

std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string rangeText(IntRange range) {
  return "must be an integer in [" + std::to_string(range.min) + ", " + std::to_string(range.max) + "]";
}

void checkRange(const std::string& key, int64_t value, IntRange range) {
  if (value < range.min || value > range.max) throw ConfigException(key, std::to_string(value), rangeText(range));
}

// A whole decimal integer with an optional sign; nullopt for anything else (junk, overflow).
std::optional<int64_t> parseInteger(std::string_view digits) {
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-') digits.remove_prefix(1);  // Java accepts "+5"
  int64_t parsed = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return parsed;
}

int32_t parseInt(const std::string& key, const std::string& value, IntRange range) {
  const std::optional<int64_t> parsed = parseInteger(value);
  if (!parsed || *parsed < range.min || *parsed > range.max) throw ConfigException(key, value, rangeText(range));
  return static_cast<int32_t>(*parsed);
}

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
    case Setting::DeliveryTimeoutMs:
      config.deliveryTimeoutMs = parseInt(key, value, kPositive);
      return;
    case Setting::EnableIdempotence:
      if (lower != "true" && lower != "false") throw ConfigException(key, value, "must be true or false");
      config.enableIdempotence = lower == "true";
      return;
    default:
      return;  // every int32 setting was handled by kIntFields
  }
}

// Java .properties: a line ending in an odd number of backslashes continues on the next line.
bool continuesOnNextLine(const std::string& line) {
  std::size_t backslashes = 0;
  while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

struct Given { std::string key; std::string value; };  // key as spelled, value trimmed

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

ProducerConfig ProducerConfig::fromProperties(const std::map<std::string, std::string>& properties) {
  // Each setting can be given once under its canonical name and once under its alias.
  std::array<std::optional<Given>, kSettingCount> canonical;
  std::array<std::optional<Given>, kSettingCount> alias;
  for (const auto& [rawKey, rawValue] : properties) {
    const std::string lower = toLowerAscii(trim(rawKey));
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

  ProducerConfig config;
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
  // As Java's producer: idempotence without an explicit acks means acks=all.
  const auto acks = static_cast<std::size_t>(Setting::RequestRequiredAcks);
  if (config.enableIdempotence && !canonical[acks] && !alias[acks]) config.requestRequiredAcks = -1;
  config.validate();
  return config;
}

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
  if (deliveryTimeoutMs) out[canonicalName(Setting::DeliveryTimeoutMs)] = std::to_string(*deliveryTimeoutMs);
  out[canonicalName(Setting::EnableIdempotence)] = enableIdempotence ? "true" : "false";
  return out;
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
  const std::string_view kindName = partitionerName(partitioner);  // "unknown" only through a cast
  if (kindName == "unknown") throw ConfigException(canonicalName(Setting::Partitioner), "unknown", "no such kind");
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
