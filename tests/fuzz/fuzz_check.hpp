#pragma once
// What every fuzz target shares: FUZZ_CHECK, which reports a broken invariant and aborts
// (libFuzzer then saves the input as a crash; the regression replay fails), and the
// message types of the codec by API key, so one target can reach every decoder.
//
// Threading: the fuzz targets are single-threaded; nothing here is shared.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>

#include "protocol/messages/all.hpp"

namespace kafkalite::fuzz {

[[noreturn]] inline void failCheck(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n  %s\n", file, line, condition, detail.c_str());
  std::abort();
}

/// Aborts with `detail` (a std::string expression, evaluated only on failure) unless `condition` holds.
#define FUZZ_CHECK(condition, detail)                                                         \
  do {                                                                                        \
    if (!(condition)) ::kafkalite::fuzz::failCheck(__FILE__, __LINE__, #condition, (detail)); \
  } while (false)

/// Every request message of the codec, and every response, in the same API order.
using RequestTypes = std::tuple<
    protocol::ProduceRequest,
    protocol::FetchRequest,
    protocol::ListOffsetsRequest,
    protocol::MetadataRequest,
    protocol::OffsetCommitRequest,
    protocol::OffsetFetchRequest,
    protocol::FindCoordinatorRequest,
    protocol::JoinGroupRequest,
    protocol::HeartbeatRequest,
    protocol::LeaveGroupRequest,
    protocol::SyncGroupRequest,
    protocol::DescribeGroupsRequest,
    protocol::ListGroupsRequest,
    protocol::ApiVersionsRequest,
    protocol::CreateTopicsRequest,
    protocol::DeleteTopicsRequest,
    protocol::DeleteRecordsRequest,
    protocol::InitProducerIdRequest,
    protocol::OffsetForLeaderEpochRequest,
    protocol::DescribeConfigsRequest,
    protocol::AlterConfigsRequest,
    protocol::DescribeLogDirsRequest,
    protocol::CreatePartitionsRequest,
    protocol::DeleteGroupsRequest,
    protocol::ElectLeadersRequest,
    protocol::IncrementalAlterConfigsRequest,
    protocol::OffsetDeleteRequest,
    protocol::DescribeClusterRequest>;
using ResponseTypes = std::tuple<
    protocol::ProduceResponse,
    protocol::FetchResponse,
    protocol::ListOffsetsResponse,
    protocol::MetadataResponse,
    protocol::OffsetCommitResponse,
    protocol::OffsetFetchResponse,
    protocol::FindCoordinatorResponse,
    protocol::JoinGroupResponse,
    protocol::HeartbeatResponse,
    protocol::LeaveGroupResponse,
    protocol::SyncGroupResponse,
    protocol::DescribeGroupsResponse,
    protocol::ListGroupsResponse,
    protocol::ApiVersionsResponse,
    protocol::CreateTopicsResponse,
    protocol::DeleteTopicsResponse,
    protocol::DeleteRecordsResponse,
    protocol::InitProducerIdResponse,
    protocol::OffsetForLeaderEpochResponse,
    protocol::DescribeConfigsResponse,
    protocol::AlterConfigsResponse,
    protocol::DescribeLogDirsResponse,
    protocol::CreatePartitionsResponse,
    protocol::DeleteGroupsResponse,
    protocol::ElectLeadersResponse,
    protocol::IncrementalAlterConfigsResponse,
    protocol::OffsetDeleteResponse,
    protocol::DescribeClusterResponse>;
inline constexpr std::size_t kMessageApis = std::tuple_size_v<RequestTypes>;

/// Calls `fn(M{})` with the message type of `Types` whose API key is `key`, or, for a key the
/// codec does not know, with the one at `key` modulo the number of APIs (so random keys still
/// reach a decoder).
template <class Types, class Fn>
void withMessageType(int16_t key, Fn&& fn) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t index = static_cast<std::size_t>(static_cast<uint16_t>(key)) % sizeof...(I);
    (void)((std::tuple_element_t<I, Types>::kApiKey == static_cast<protocol::ApiKey>(key) ? (index = I, true) : false) ||
           ...);
    (void)((I == index ? (fn(std::tuple_element_t<I, Types>{}), true) : false) || ...);
  }(std::make_index_sequence<std::tuple_size_v<Types>>{});
}

/// `version` if M has it, else one of M's versions chosen by it, so every input reaches a
/// version the decoder knows.
template <class M>
int16_t supportedVersion(int16_t version) {
  if (M::kValidVersions.contains(version)) return version;
  const auto count = static_cast<uint16_t>(M::kValidVersions.hi - M::kValidVersions.lo + 1);
  return static_cast<int16_t>(M::kValidVersions.lo + static_cast<uint16_t>(version) % count);
}

/// The bytes of a span as a string, for messages.
inline std::string hexPrefix(const uint8_t* data, std::size_t size, std::size_t max = 32) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size && i < max; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  if (size > max) out += "...";
  return out;
}

}  // namespace kafkalite::fuzz
