#pragma once
/// \file
/// Kafka API keys and the header versions each API version uses.

#include <cstdint>
#include <string_view>

namespace kafkalite::protocol {

/// Kafka's numeric API keys (the ones kafkalite's producer or broker may see).
enum class ApiKey : int16_t {
  Produce = 0,
  Fetch = 1,
  ListOffsets = 2,
  Metadata = 3,
  LeaderAndIsr = 4,
  StopReplica = 5,
  UpdateMetadata = 6,
  ControlledShutdown = 7,
  OffsetCommit = 8,
  OffsetFetch = 9,
  FindCoordinator = 10,
  JoinGroup = 11,
  Heartbeat = 12,
  LeaveGroup = 13,
  SyncGroup = 14,
  DescribeGroups = 15,
  ListGroups = 16,
  SaslHandshake = 17,
  ApiVersions = 18,
  CreateTopics = 19,
  DeleteTopics = 20,
  DeleteRecords = 21,
  InitProducerId = 22,
  OffsetForLeaderEpoch = 23,
  DescribeConfigs = 32,
  AlterConfigs = 33,
  DescribeLogDirs = 35,
  SaslAuthenticate = 36,
  CreatePartitions = 37,
  DeleteGroups = 42,
  ElectLeaders = 43,
  IncrementalAlterConfigs = 44,
  OffsetDelete = 47,
  DescribeCluster = 60,
};

/// "Produce", "Fetch", ...; "Unknown" for keys outside the enum.
std::string_view apiKeyName(ApiKey key) noexcept;

/// The first flexible version of `key`, or -1 when kafkalite knows no flexible
/// version of it (then every version is treated as non-flexible).
int16_t firstFlexibleVersion(ApiKey key) noexcept;

/// Whether requests and responses of (key, version) use the flexible encodings.
inline bool isFlexible(ApiKey key, int16_t version) noexcept {
  const int16_t first = firstFlexibleVersion(key);
  return first >= 0 && version >= first;
}

/// Request header version: 2 for flexible requests, 1 otherwise
/// (v0, without client_id, is only ControlledShutdown v0).
inline int16_t requestHeaderVersion(ApiKey key, int16_t version) noexcept {
  if (key == ApiKey::ControlledShutdown && version == 0) return 0;
  return isFlexible(key, version) ? 2 : 1;
}

/// Response header version: 1 for flexible responses, 0 otherwise. ApiVersions
/// responses always use v0, so that a client can parse them whatever it asked for.
inline int16_t responseHeaderVersion(ApiKey key, int16_t version) noexcept {
  if (key == ApiKey::ApiVersions) return 0;
  return isFlexible(key, version) ? 1 : 0;
}

}  // namespace kafkalite::protocol
