#include "mockbroker/group/group_records.hpp"

namespace kafkalite::mock::records {

namespace {

// Kafka's flexibleVersions for OffsetCommitValue and GroupMetadataValue ("4+"); the keys
// are never flexible.
constexpr int16_t kFirstFlexibleValueVersion = 4;

// Every version written here (keys 1 and 2, values 3) is non-flexible.
template <class S>
std::vector<uint8_t> versionPrefixed(const S& s, int16_t version, const char* name) {
  std::vector<uint8_t> out;
  protocol::VectorSink sink(out);
  sink.int16(version);
  protocol::Codec<S>::encode(sink, s, protocol::CodecContext{version, false, false, name});
  return out;
}

template <class S>
bool decodeWhole(protocol::Reader& in, S& out, int16_t version, bool flexible, const char* name) {
  if (!protocol::Codec<S>::decode(in, out, protocol::CodecContext{version, flexible, false, name})) return false;
  return in.empty();
}

}  // namespace

std::vector<uint8_t> offsetCommitKey(std::string_view groupId, const TopicPartition& tp) {
  return versionPrefixed(OffsetCommitKey{std::string(groupId), tp.topic, tp.partition}, 1, "OffsetCommitKey");
}

std::vector<uint8_t> offsetCommitValue(const OffsetAndMetadata& offset) {
  OffsetCommitValue v;
  v.offset = offset.committedOffset;
  v.leaderEpoch = offset.leaderEpoch;
  v.metadata = offset.metadata;
  v.commitTimestamp = offset.commitTimestampMs;
  return versionPrefixed(v, 3, "OffsetCommitValue");
}

std::vector<uint8_t> groupMetadataKey(std::string_view groupId) {
  return versionPrefixed(GroupMetadataKey{std::string(groupId)}, 2, "GroupMetadataKey");
}

std::vector<uint8_t> groupMetadataValue(const GroupMetadataValue& value) {
  return versionPrefixed(value, 3, "GroupMetadataValue");
}

std::optional<BaseKey> readMessageKey(std::span<const uint8_t> bytes) {
  protocol::Reader in(bytes);
  int16_t version = 0;
  if (!in.int16(version)) return std::nullopt;
  BaseKey key;
  key.version = version;
  if (version == 0 || version == 1) {
    OffsetCommitKey k;
    if (!decodeWhole(in, k, version, false, "OffsetCommitKey")) return std::nullopt;
    key.kind = BaseKey::Kind::Offset;
    key.group = std::move(k.group);
    key.topicPartition = TopicPartition{std::move(k.topic), k.partition};
    return key;
  }
  if (version == 2) {
    GroupMetadataKey k;
    if (!decodeWhole(in, k, version, false, "GroupMetadataKey")) return std::nullopt;
    key.kind = BaseKey::Kind::Group;
    key.group = std::move(k.group);
    return key;
  }
  return key;  // Kind::Unknown: a record of another coordinator (KIP-848 groups, ...)
}

std::optional<OffsetAndMetadata> readOffsetMessageValue(std::span<const uint8_t> bytes) {
  protocol::Reader in(bytes);
  int16_t version = 0;
  if (!in.int16(version) || version < 0 || version > 4) return std::nullopt;
  OffsetCommitValue v;
  if (!decodeWhole(in, v, version, version >= kFirstFlexibleValueVersion, "OffsetCommitValue")) return std::nullopt;
  return OffsetAndMetadata{v.offset, v.leaderEpoch, std::move(v.metadata), v.commitTimestamp};
}

std::optional<GroupMetadataValue> readGroupMessageValue(std::span<const uint8_t> bytes) {
  protocol::Reader in(bytes);
  int16_t version = 0;
  if (!in.int16(version) || version < 0 || version > 4) return std::nullopt;
  GroupMetadataValue v;
  if (!decodeWhole(in, v, version, version >= kFirstFlexibleValueVersion, "GroupMetadataValue")) return std::nullopt;
  if (version == 0) {
    for (auto& m : v.members) m.rebalanceTimeout = m.sessionTimeout;
  }
  return v;
}

}  // namespace kafkalite::mock::records
