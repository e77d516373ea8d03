#include "protocol/api_key.hpp"

namespace kafkalite::protocol {

std::string_view apiKeyName(ApiKey key) noexcept {
  switch (key) {
    case ApiKey::Produce: return "Produce";
    case ApiKey::Fetch: return "Fetch";
    case ApiKey::ListOffsets: return "ListOffsets";
    case ApiKey::Metadata: return "Metadata";
    case ApiKey::LeaderAndIsr: return "LeaderAndIsr";
    case ApiKey::StopReplica: return "StopReplica";
    case ApiKey::UpdateMetadata: return "UpdateMetadata";
    case ApiKey::ControlledShutdown: return "ControlledShutdown";
    case ApiKey::OffsetCommit: return "OffsetCommit";
    case ApiKey::OffsetFetch: return "OffsetFetch";
    case ApiKey::FindCoordinator: return "FindCoordinator";
    case ApiKey::JoinGroup: return "JoinGroup";
    case ApiKey::Heartbeat: return "Heartbeat";
    case ApiKey::LeaveGroup: return "LeaveGroup";
    case ApiKey::SyncGroup: return "SyncGroup";
    case ApiKey::DescribeGroups: return "DescribeGroups";
    case ApiKey::ListGroups: return "ListGroups";
    case ApiKey::SaslHandshake: return "SaslHandshake";
    case ApiKey::ApiVersions: return "ApiVersions";
    case ApiKey::CreateTopics: return "CreateTopics";
    case ApiKey::DeleteTopics: return "DeleteTopics";
    case ApiKey::DeleteRecords: return "DeleteRecords";
    case ApiKey::InitProducerId: return "InitProducerId";
    case ApiKey::OffsetForLeaderEpoch: return "OffsetForLeaderEpoch";
    case ApiKey::DescribeConfigs: return "DescribeConfigs";
    case ApiKey::AlterConfigs: return "AlterConfigs";
    case ApiKey::DescribeLogDirs: return "DescribeLogDirs";
    case ApiKey::SaslAuthenticate: return "SaslAuthenticate";
    case ApiKey::CreatePartitions: return "CreatePartitions";
    case ApiKey::DeleteGroups: return "DeleteGroups";
    case ApiKey::ElectLeaders: return "ElectLeaders";
    case ApiKey::IncrementalAlterConfigs: return "IncrementalAlterConfigs";
    case ApiKey::OffsetDelete: return "OffsetDelete";
    case ApiKey::DescribeCluster: return "DescribeCluster";
  }
  return "Unknown";
}

int16_t firstFlexibleVersion(ApiKey key) noexcept {
  // From Kafka's message definitions ("flexibleVersions"); the message structs in
  // messages/ carry the same numbers and a unit test checks that they agree.
  switch (key) {
    case ApiKey::Produce: return 9;
    case ApiKey::Fetch: return 12;
    case ApiKey::ListOffsets: return 6;
    case ApiKey::Metadata: return 9;
    case ApiKey::LeaderAndIsr: return 4;
    case ApiKey::StopReplica: return 2;
    case ApiKey::UpdateMetadata: return 6;
    case ApiKey::ControlledShutdown: return 3;
    case ApiKey::OffsetCommit: return 8;
    case ApiKey::OffsetFetch: return 6;
    case ApiKey::FindCoordinator: return 3;
    case ApiKey::JoinGroup: return 6;
    case ApiKey::Heartbeat: return 4;
    case ApiKey::LeaveGroup: return 4;
    case ApiKey::SyncGroup: return 4;
    case ApiKey::DescribeGroups: return 5;
    case ApiKey::ListGroups: return 3;
    case ApiKey::SaslHandshake: return -1;
    case ApiKey::ApiVersions: return 3;
    case ApiKey::CreateTopics: return 5;
    case ApiKey::DeleteTopics: return 4;
    case ApiKey::DeleteRecords: return 2;
    case ApiKey::InitProducerId: return 2;
    case ApiKey::OffsetForLeaderEpoch: return 4;
    case ApiKey::DescribeConfigs: return 4;
    case ApiKey::AlterConfigs: return 2;
    case ApiKey::DescribeLogDirs: return 2;
    case ApiKey::SaslAuthenticate: return 2;
    case ApiKey::CreatePartitions: return 2;
    case ApiKey::DeleteGroups: return 2;
    case ApiKey::ElectLeaders: return 2;
    case ApiKey::IncrementalAlterConfigs: return 1;
    case ApiKey::OffsetDelete: return -1;  // no flexible version
    case ApiKey::DescribeCluster: return 0;
  }
  return -1;
}

}  // namespace kafkalite::protocol
