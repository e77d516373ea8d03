#include "mockbroker/topic_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace kafkalite::mock {

namespace {

using protocol::ConfigSource;
using protocol::ConfigType;

constexpr std::string_view kLongMax = "9223372036854775807";

// How a value is checked beyond its type (Kafka's ConfigDef validators).
enum class Check { None, AtLeast, Between, OneOf, ListOf, GzipLevel, ThrottledReplicas, MessageFormat };

struct Rule {
  Check check = Check::None;
  int64_t lo = 0;
  int64_t hi = 0;
  std::string_view choices;  ///< ", "-separated, for OneOf and ListOf
};

struct Entry {
  TopicConfigDef def;
  Rule rule;
};

constexpr Rule none() { return {}; }
constexpr Rule atLeast(int64_t lo) { return {Check::AtLeast, lo, 0, {}}; }
constexpr Rule between(int64_t lo, int64_t hi) { return {Check::Between, lo, hi, {}}; }
constexpr Rule oneOf(std::string_view choices) { return {Check::OneOf, 0, 0, choices}; }
constexpr Rule listOf(std::string_view choices) { return {Check::ListOf, 0, 0, choices}; }

// LogConfig.CONFIG with ServerTopicConfigSynonyms, in Kafka's order.
const Entry kEntries[] = {
    {{"segment.bytes", ConfigType::Int, "1073741824", "log.segment.bytes", "", "", false,
      "Size of a log segment file (the mock keeps one batch per segment)."},
     atLeast(14)},
    {{"segment.ms", ConfigType::Long, "604800000", "log.roll.ms", "log.roll.hours", "168", false,
      "Time after which a segment is rolled."},
     atLeast(1)},
    {{"segment.jitter.ms", ConfigType::Long, "0", "log.roll.jitter.ms", "log.roll.jitter.hours", "0", false,
      "Random jitter subtracted from segment.ms."},
     atLeast(0)},
    {{"segment.index.bytes", ConfigType::Int, "10485760", "log.index.size.max.bytes", "", "", false,
      "Size of the offset index."},
     atLeast(4)},
    {{"flush.messages", ConfigType::Long, kLongMax, "log.flush.interval.messages", "", "", false,
      "Records written before the log is flushed."},
     atLeast(1)},
    {{"flush.ms", ConfigType::Long, kLongMax, "log.flush.interval.ms", "log.flush.scheduler.interval.ms", kLongMax,
      false, "Time after which the log is flushed."},
     atLeast(0)},
    {{"retention.bytes", ConfigType::Long, "-1", "log.retention.bytes", "", "", true,
      "Bytes a partition keeps before its oldest batches are deleted; -1: no limit. Never deletes at or above "
      "the high watermark."},
     none()},
    {{"retention.ms", ConfigType::Long, "604800000", "log.retention.ms", "log.retention.hours", "168", true,
      "Age after which a batch is deleted (by its largest timestamp); -1: no limit. Checked every "
      "log.retention.check.interval.ms and whenever the topic's configs change."},
     atLeast(-1)},
    {{"max.message.bytes", ConfigType::Int, "1048588", "message.max.bytes", "", "", true,
      "Largest record batch the topic accepts (MESSAGE_TOO_LARGE above it)."},
     atLeast(0)},
    {{"index.interval.bytes", ConfigType::Int, "4096", "log.index.interval.bytes", "", "", false,
      "Bytes between offset index entries."},
     atLeast(0)},
    {{"delete.retention.ms", ConfigType::Long, "86400000", "log.cleaner.delete.retention.ms", "", "", false,
      "How long tombstones are kept on compacted topics."},
     atLeast(0)},
    {{"min.compaction.lag.ms", ConfigType::Long, "0", "log.cleaner.min.compaction.lag.ms", "", "", false,
      "Minimum age of a record before it may be compacted."},
     atLeast(0)},
    {{"max.compaction.lag.ms", ConfigType::Long, kLongMax, "log.cleaner.max.compaction.lag.ms", "", "", false,
      "Maximum time a record stays uncompacted."},
     atLeast(1)},
    {{"file.delete.delay.ms", ConfigType::Long, "60000", "log.segment.delete.delay.ms", "", "", false,
      "Delay before a deleted segment's file is removed."},
     atLeast(0)},
    {{"min.cleanable.dirty.ratio", ConfigType::Double, "0.5", "log.cleaner.min.cleanable.ratio", "", "", false,
      "Dirty ratio above which the cleaner compacts the log."},
     none()},
    {{"cleanup.policy", ConfigType::List, "delete", "log.cleanup.policy", "", "", true,
      "delete: retention deletes old batches and DeleteRecords is allowed. compact is accepted and stored, "
      "records then need keys, but nothing is compacted."},
     listOf("compact, delete")},
    {{"unclean.leader.election.enable", ConfigType::Boolean, "false", "unclean.leader.election.enable", "", "",
      true, "Whether a replica outside the ISR may become leader when no in-sync replica is alive."},
     none()},
    {{"min.insync.replicas", ConfigType::Int, "1", "min.insync.replicas", "", "", true,
      "In-sync replicas an acks=-1 produce needs (NOT_ENOUGH_REPLICAS below it)."},
     atLeast(1)},
    {{"compression.type", ConfigType::String, "producer", "compression.type", "", "", false,
      "Final compression of the topic's batches (stored; batches are kept as the producer sent them)."},
     oneOf("uncompressed, zstd, lz4, snappy, gzip, producer")},
    {{"compression.gzip.level", ConfigType::Int, "-1", "compression.gzip.level", "", "", false,
      "gzip level when compression.type is gzip."},
     {Check::GzipLevel, 1, 9, {}}},
    {{"compression.lz4.level", ConfigType::Int, "9", "compression.lz4.level", "", "", false,
      "lz4 level when compression.type is lz4."},
     between(1, 17)},
    {{"compression.zstd.level", ConfigType::Int, "3", "compression.zstd.level", "", "", false,
      "zstd level when compression.type is zstd."},
     between(-131072, 22)},
    {{"preallocate", ConfigType::Boolean, "false", "log.preallocate", "", "", false,
      "Whether segment files are preallocated."},
     none()},
    {{"message.format.version", ConfigType::String, "3.0-IV1", "log.message.format.version", "", "", false,
      "Deprecated message format version."},
     {Check::MessageFormat, 0, 0, {}}},
    {{"message.timestamp.type", ConfigType::String, "CreateTime", "log.message.timestamp.type", "", "", true,
      "CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the leader's clock."},
     oneOf("CreateTime, LogAppendTime")},
    {{"message.timestamp.difference.max.ms", ConfigType::Long, kLongMax,
      "log.message.timestamp.difference.max.ms", "", "", false, "Deprecated timestamp bound."},
     atLeast(0)},
    {{"message.timestamp.before.max.ms", ConfigType::Long, kLongMax, "log.message.timestamp.before.max.ms", "", "",
      false, "How far a CreateTime timestamp may lie in the past."},
     atLeast(0)},
    {{"message.timestamp.after.max.ms", ConfigType::Long, kLongMax, "log.message.timestamp.after.max.ms", "", "",
      false, "How far a CreateTime timestamp may lie in the future."},
     atLeast(0)},
    {{"leader.replication.throttled.replicas", ConfigType::List, "", "", "", "", false,
      "Replicas whose leader-side replication is throttled."},
     {Check::ThrottledReplicas, 0, 0, {}}},
    {{"follower.replication.throttled.replicas", ConfigType::List, "", "", "", "", false,
      "Replicas whose follower-side replication is throttled."},
     {Check::ThrottledReplicas, 0, 0, {}}},
    {{"message.downconversion.enable", ConfigType::Boolean, "true", "log.message.downconversion.enable", "", "",
      false, "Whether old consumers get down-converted batches."},
     none()},
    {{"remote.storage.enable", ConfigType::Boolean, "false", "", "", "", false,
      "Tiered storage for the topic (the mock has none: true is refused)."},
     none()},
    {{"local.retention.ms", ConfigType::Long, "-2", "log.local.retention.ms", "", "", false,
      "Local retention time with tiered storage; -2: retention.ms."},
     atLeast(-2)},
    {{"local.retention.bytes", ConfigType::Long, "-2", "log.local.retention.bytes", "", "", false,
      "Local retention size with tiered storage; -2: retention.bytes."},
     atLeast(-2)},
    {{"remote.log.copy.disable", ConfigType::Boolean, "false", "", "", "", false,
      "Stops copying segments to tiered storage."},
     none()},
    {{"remote.log.delete.on.disable", ConfigType::Boolean, "false", "", "", "", false,
      "Deletes tiered data when tiered storage is disabled."},
     none()},
};

const Entry* findEntry(std::string_view name) {
  for (const Entry& e : kEntries) {
    if (e.def.name == name) return &e;
  }
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitList(std::string_view s) {
  std::vector<std::string_view> out;
  if (trim(s).empty()) return out;
  for (std::size_t start = 0;;) {
    const std::size_t comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parseInteger(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parseDouble(std::string_view s, double& out) {
  if (s.empty()) return false;
  const std::string text(s);
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && !std::isnan(out);
}

ApiError invalid(std::string_view name, std::string_view value, std::string_view why) {
  return {ErrorCode::INVALID_CONFIG,
          "Invalid value " + std::string(value) + " for configuration " + std::string(name) + ": " + std::string(why)};
}

bool isChoice(std::string_view choices, std::string_view value) {
  for (const auto choice : splitList(choices)) {
    if (choice == value) return true;
  }
  return false;
}

// MetadataVersion strings: 0.8.0 ... 3.9-IV0, optionally with a -IVn suffix.
bool isMessageFormatVersion(std::string_view v) {
  const std::size_t iv = v.find("-IV");
  if (iv != std::string_view::npos) {
    int64_t n = 0;
    if (!parseInteger(v.substr(iv + 3), n) || n < 0) return false;
    v = v.substr(0, iv);
  }
  int dots = 0;
  for (char c : v) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return !v.empty() && (dots == 1 || dots == 2) && v.front() != '.' && v.back() != '.' && v.find("..") == std::string_view::npos &&
         (v.rfind("0.", 0) == 0 || v.rfind("1.", 0) == 0 || v.rfind("2.", 0) == 0 || v.rfind("3.", 0) == 0);
}

}  // namespace

std::optional<std::string> staticBrokerConfig(std::string_view brokerName, const MockClusterOptions& o) {
  if (brokerName == "min.insync.replicas" && o.minInsyncReplicas != 1) return std::to_string(o.minInsyncReplicas);
  if (brokerName == "log.retention.bytes" && o.retentionBytes != -1) return std::to_string(o.retentionBytes);
  if (brokerName == "log.retention.ms" && o.retentionMs != 604800000) return std::to_string(o.retentionMs);
  if (brokerName == "message.max.bytes" && o.messageMaxBytes != 1048588) return std::to_string(o.messageMaxBytes);
  if (brokerName == "unclean.leader.election.enable" && o.uncleanLeaderElection) return std::string("true");
  if (brokerName == "log.message.timestamp.type" && o.logMessageTimestampType != "CreateTime") {
    return o.logMessageTimestampType;
  }
  if (brokerName == "compression.type" && o.compressionType != "producer") return o.compressionType;
  return std::nullopt;
}

std::optional<std::string> ApiError::wireMessage() const {
  if (ok()) return std::nullopt;
  if (!message.empty()) return message;
  return std::string(errorDescription(error));
}

std::span<const TopicConfigDef> topicConfigDefs() noexcept {
  static const std::vector<TopicConfigDef> defs = [] {
    std::vector<TopicConfigDef> out;
    for (const Entry& e : kEntries) out.push_back(e.def);
    return out;
  }();
  return defs;
}

const TopicConfigDef* findTopicConfig(std::string_view name) noexcept {
  const Entry* e = findEntry(name);
  return e ? &e->def : nullptr;
}

ApiError canonicalTopicConfigValue(std::string_view name, std::string_view raw, std::string& out) {
  const Entry* e = findEntry(name);
  if (e == nullptr) return {ErrorCode::INVALID_CONFIG, "Unknown topic config name: " + std::string(name)};
  const std::string_view value = trim(raw);
  const Rule& rule = e->rule;
  switch (e->def.type) {
    case ConfigType::Int:
    case ConfigType::Long: {
      int64_t n = 0;
      const bool isInt = e->def.type == ConfigType::Int;
      if (!parseInteger(value, n) ||
          (isInt && (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max()))) {
        return invalid(name, raw, isInt ? "Not a number of type INT" : "Not a number of type LONG");
      }
      if ((rule.check == Check::AtLeast || rule.check == Check::Between) && n < rule.lo) {
        return invalid(name, value, "Value must be at least " + std::to_string(rule.lo));
      }
      if (rule.check == Check::Between && n > rule.hi) {
        return invalid(name, value, "Value must be no more than " + std::to_string(rule.hi));
      }
      if (rule.check == Check::GzipLevel && (n > rule.hi || (n < rule.lo && n != -1))) {
        return invalid(name, value, "Value must be between 1 and 9 or equal to -1");
      }
      out = std::to_string(n);
      return {};
    }
    case ConfigType::Double: {
      double d = 0;
      if (!parseDouble(value, d)) return invalid(name, raw, "Not a number of type DOUBLE");
      if (name == "min.cleanable.dirty.ratio" && d < 0) return invalid(name, value, "Value must be at least 0");
      if (name == "min.cleanable.dirty.ratio" && d > 1) return invalid(name, value, "Value must be no more than 1");
      out = std::string(value);
      return {};
    }
    case ConfigType::Boolean: {
      std::string lower(value);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower != "true" && lower != "false") return invalid(name, raw, "Expected value to be either true or false");
      out = lower;
      return {};
    }
    case ConfigType::List: {
      const auto items = splitList(value);
      std::string joined;
      for (const auto item : items) {
        if (rule.check == Check::ListOf && !isChoice(rule.choices, item)) {
          return invalid(name, item, "String must be one of: " + std::string(rule.choices));
        }
        if (rule.check == Check::ThrottledReplicas && !(items.size() == 1 && item == "*")) {
          const std::size_t colon = item.find(':');
          int64_t p = 0;
          int64_t b = 0;
          if (colon == std::string_view::npos || !parseInteger(trim(item.substr(0, colon)), p) ||
              !parseInteger(trim(item.substr(colon + 1)), b)) {
            return invalid(name, value,
                           "Should be a comma separated list of [partitionId]:[brokerId] or the wildcard '*' to "
                           "throttle all replicas");
          }
        }
        if (!joined.empty()) joined += ',';
        joined += item;
      }
      out = joined;
      return {};
    }
    default: {
      if (rule.check == Check::OneOf && !isChoice(rule.choices, value)) {
        return invalid(name, value, "String must be one of: " + std::string(rule.choices));
      }
      if (rule.check == Check::MessageFormat && !isMessageFormatVersion(value)) {
        return invalid(name, value, "Version " + std::string(value) + " is not a valid version");
      }
      out = std::string(value);
      return {};
    }
  }
}

ApiError validateTopicConfigs(const TopicConfigOverrides& overrides) {
  const auto get = [&](std::string_view name) {
    const auto it = overrides.find(std::string(name));
    return it != overrides.end() ? it->second : std::string(findTopicConfig(name)->defaultValue);
  };
  int64_t minLag = 0;
  int64_t maxLag = 0;
  parseInteger(get("min.compaction.lag.ms"), minLag);
  parseInteger(get("max.compaction.lag.ms"), maxLag);
  if (minLag > maxLag) {
    return {ErrorCode::INVALID_CONFIG, "conflict topic config setting min.compaction.lag.ms (" + std::to_string(minLag) +
                                           ") > max.compaction.lag.ms (" + std::to_string(maxLag) + ")"};
  }
  if (get("remote.storage.enable") == "true") {
    // Kafka's answer when the broker's remote log storage system is off.
    return {ErrorCode::INVALID_CONFIG,
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log "
            "storage."};
  }
  return {};
}

TopicConfig resolveTopicConfig(const TopicConfigOverrides& overrides, const MockClusterOptions& options) {
  const auto value = [&](std::string_view name) {
    if (const auto it = overrides.find(std::string(name)); it != overrides.end()) return it->second;
    const TopicConfigDef* def = findTopicConfig(name);
    if (auto s = staticBrokerConfig(def->brokerSynonym, options)) return *s;
    return std::string(def->defaultValue);
  };
  const auto number = [&](std::string_view name) {
    int64_t n = 0;
    parseInteger(value(name), n);
    return n;
  };
  TopicConfig c;
  c.minInsyncReplicas = static_cast<int32_t>(number("min.insync.replicas"));
  c.retentionBytes = number("retention.bytes");
  c.retentionMs = number("retention.ms");
  c.maxMessageBytes = static_cast<int32_t>(number("max.message.bytes"));
  c.logAppendTime = value("message.timestamp.type") == "LogAppendTime";
  const auto policy = value("cleanup.policy");
  c.cleanupDelete = isChoice(policy, "delete");
  c.cleanupCompact = isChoice(policy, "compact");
  c.uncleanLeaderElection = value("unclean.leader.election.enable") == "true";
  c.compressionType = value("compression.type");
  c.messageTimestampBeforeMaxMs = number("message.timestamp.before.max.ms");
  c.messageTimestampAfterMaxMs = number("message.timestamp.after.max.ms");
  return c;
}

ApiError applyIncrementalAlter(TopicConfigOverrides& configs, const std::string& name, protocol::AlterConfigOp op,
                               const std::optional<std::string>& value) {
  using protocol::AlterConfigOp;
  const TopicConfigDef* def = findTopicConfig(name);
  if (op == AlterConfigOp::Delete) {
    configs.erase(name);  // Kafka accepts deleting a config that is not set
    return {};
  }
  if (def == nullptr) return {ErrorCode::INVALID_CONFIG, "Unknown topic config name: " + name};
  if (op == AlterConfigOp::Set) {
    std::string canonical;
    if (ApiError e = canonicalTopicConfigValue(name, *value, canonical); !e.ok()) return e;
    configs[name] = canonical;
    return {};
  }
  // Kafka's ConfigurationControlManager: APPEND and SUBTRACT work on LIST configs, from
  // the current value or the default.
  if (def->type != ConfigType::List) {
    return {ErrorCode::INVALID_CONFIG, std::string("Can't ") + (op == AlterConfigOp::Append ? "APPEND" : "SUBTRACT") +
                                           " to key " + name + " because its type is not LIST."};
  }
  const auto current = configs.find(name);
  std::vector<std::string> parts;
  // Named: splitList's views point into it (a temporary would die before the loop runs).
  const std::string base = current != configs.end() ? current->second : std::string(def->defaultValue);
  for (const auto part : splitList(base)) {
    if (!part.empty()) parts.emplace_back(part);
  }
  for (const auto item : splitList(*value)) {
    const std::string v(item);
    const auto at = std::find(parts.begin(), parts.end(), v);
    if (op == AlterConfigOp::Append && at == parts.end()) parts.push_back(v);
    if (op == AlterConfigOp::Subtract && at != parts.end()) parts.erase(at);
  }
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : ",") + part;
  std::string canonical;
  if (ApiError e = canonicalTopicConfigValue(name, joined, canonical); !e.ok()) return e;
  configs[name] = canonical;
  return {};
}

}  // namespace kafkalite::mock
