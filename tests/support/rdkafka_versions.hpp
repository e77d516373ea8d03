#pragma once
// The request version each API gets from the librdkafka this test binary is built with, when
// it talks to kafkalite's broker: librdkafka sends the highest version in its own range and
// the broker's advertised one (rdkafka_broker.c, rd_kafka_broker_ApiVersion_supported), and
// the broker advertises mockbroker/kafka_apis.cpp's supportedApis().
//
// librdkafka's own ranges, from its source:
// - 2.0.2 (Debian 12): Metadata 0–4, Produce 0–7, Fetch 0–11, ListOffsets 0–2,
//   AlterConfigs 0, CreatePartitions 0, DeleteRecords 0–1, DeleteTopics 0–1.
// - 2.15.1: Metadata 0–13, Produce 0–10 (rdkafka_msgset_writer.c), Fetch 0–16 (v13+ only
//   with topic ids, rdkafka_fetcher.c), ListOffsets 0–7, AlterConfigs 0–2,
//   CreatePartitions 0–2, DeleteRecords 0–2, DeleteTopics 0–4, OffsetCommit and
//   OffsetFetch 0–9 (rdkafka_request.c).
// - both: ApiVersions 3, InitProducerId 0–4, FindCoordinator 0–2, CreateTopics 0–4,
//   DescribeConfigs 0–1, JoinGroup 0–5, SyncGroup and Heartbeat 0–3, LeaveGroup 0–1.
// Against the broker's Metadata 0–12, Produce 0–9, Fetch 4–12 and OffsetCommit/OffsetFetch
// 0–7, librdkafka 2.15.1 therefore sends versions the codec implements, not Metadata v13,
// Produce v10 or Fetch v13+.

#include <librdkafka/rdkafka.h>

#include <cstdint>

namespace kafkalite::testing {

struct RdkafkaRequestVersions {
  int16_t apiVersions;
  int16_t metadata;
  int16_t produce;
  int16_t fetch;
  int16_t listOffsets;
  int16_t initProducerId;
  int16_t findCoordinator;
  int16_t joinGroup;
  int16_t syncGroup;
  int16_t heartbeat;
  int16_t leaveGroup;
  int16_t offsetCommit;
  int16_t offsetFetch;
  int16_t createTopics;
  int16_t describeConfigs;
  int16_t alterConfigs;
  int16_t createPartitions;
  int16_t deleteRecords;
  int16_t deleteTopics;
};

#if RD_KAFKA_VERSION >= 0x020f0000
inline constexpr RdkafkaRequestVersions kRdkafkaSends{
    .apiVersions = 3, .metadata = 12, .produce = 9, .fetch = 12, .listOffsets = 7, .initProducerId = 4,
    .findCoordinator = 2, .joinGroup = 5, .syncGroup = 3, .heartbeat = 3, .leaveGroup = 1, .offsetCommit = 7,
    .offsetFetch = 7, .createTopics = 4, .describeConfigs = 1, .alterConfigs = 2, .createPartitions = 2,
    .deleteRecords = 2, .deleteTopics = 4};
#else
inline constexpr RdkafkaRequestVersions kRdkafkaSends{
    .apiVersions = 3, .metadata = 4, .produce = 7, .fetch = 11, .listOffsets = 2, .initProducerId = 4,
    .findCoordinator = 2, .joinGroup = 5, .syncGroup = 3, .heartbeat = 3, .leaveGroup = 1, .offsetCommit = 7,
    .offsetFetch = 7, .createTopics = 4, .describeConfigs = 1, .alterConfigs = 0, .createPartitions = 0,
    .deleteRecords = 1, .deleteTopics = 1};
#endif

}  // namespace kafkalite::testing
