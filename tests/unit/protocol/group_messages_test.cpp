// The group APIs' messages against bytes written out by hand from Kafka's message
// definitions (clients/src/main/resources/common/message/*.json): the versions where a
// field appears or goes, nullable fields, and the flexible encodings of OffsetFetch v6+,
// ListGroups v3+ and OffsetForLeaderEpoch v4.

#include "protocol/messages/all.hpp"

#include <gtest/gtest.h>

#include <span>

#include "support/wire_expect.hpp"

namespace kafkalite::protocol {
namespace {

using testing::Bytes8;
using testing::expectWire;

TEST(JoinGroupMessagesTest, RequestV0HasNoRebalanceTimeoutAndV5AddsTheInstanceId) {
  JoinGroupRequest r;
  r.groupId = "g";
  r.sessionTimeoutMs = 10;
  r.memberId = "";
  r.protocolType = "c";
  r.protocols = {{"r", Bytes{0x01}, {}}};
  expectWire(r, 0,
             {
                 0x00, 0x01, 'g',          // group_id
                 0x00, 0x00, 0x00, 0x0a,   // session_timeout_ms
                 0x00, 0x00,               // member_id ""
                 0x00, 0x01, 'c',          // protocol_type
                 0x00, 0x00, 0x00, 0x01,   // protocols: 1
                 0x00, 0x01, 'r',          //   name
                 0x00, 0x00, 0x00, 0x01, 0x01,  // metadata
             });
  r.rebalanceTimeoutMs = 20;
  r.groupInstanceId = "i";
  expectWire(r, 5,
             {
                 0x00, 0x01, 'g',
                 0x00, 0x00, 0x00, 0x0a,  // session_timeout_ms
                 0x00, 0x00, 0x00, 0x14,  // rebalance_timeout_ms (v1+)
                 0x00, 0x00,              // member_id
                 0x00, 0x01, 'i',         // group_instance_id (v5+)
                 0x00, 0x01, 'c',
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'r', 0x00, 0x00, 0x00, 0x01, 0x01,
             });
  r.groupInstanceId.reset();
  Bytes8 out;
  ASSERT_FALSE(encode(r, 5, out));
  EXPECT_EQ(out[13], 0xff);  // null group_instance_id: int16 length -1
  EXPECT_EQ(out[14], 0xff);
}

TEST(JoinGroupMessagesTest, ResponseV2AddsThrottleAndV5AddsMemberInstanceIds) {
  JoinGroupResponse r;
  r.errorCode = 79;  // MEMBER_ID_REQUIRED
  r.generationId = -1;
  r.protocolName = "";
  r.leader = "";
  r.memberId = "m";
  expectWire(r, 1,
             {
                 0x00, 0x4f,              // error_code (throttle_time_ms: v2+)
                 0xff, 0xff, 0xff, 0xff,  // generation_id
                 0x00, 0x00,              // protocol_name
                 0x00, 0x00,              // leader
                 0x00, 0x01, 'm',         // member_id
                 0x00, 0x00, 0x00, 0x00,  // members
             });
  r.throttleTimeMs = 1;
  r.members = {{"m", std::nullopt, Bytes{0x07}, {}}};
  expectWire(r, 5,
             {
                 0x00, 0x00, 0x00, 0x01,  // throttle_time_ms
                 0x00, 0x4f, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'm',
                 0x00, 0x00, 0x00, 0x01,  // members: 1
                 0x00, 0x01, 'm',         //   member_id
                 0xff, 0xff,              //   group_instance_id: null (v5+)
                 0x00, 0x00, 0x00, 0x01, 0x07,
             });
}

TEST(SyncGroupMessagesTest, RequestV3AddsTheInstanceIdAndResponseV1AddsThrottle) {
  SyncGroupRequest r;
  r.groupId = "g";
  r.generationId = 3;
  r.memberId = "m";
  r.assignments = {{"m", Bytes{0x09}, {}}};
  const Bytes8 v0 = {
      0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 'm',
      0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm', 0x00, 0x00, 0x00, 0x01, 0x09,
  };
  expectWire(r, 0, v0);
  expectWire(r, 2, v0);
  r.groupInstanceId = "i";
  expectWire(r, 3,
             {
                 0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 'm',
                 0x00, 0x01, 'i',  // group_instance_id
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm', 0x00, 0x00, 0x00, 0x01, 0x09,
             });
  SyncGroupResponse resp;
  resp.errorCode = 27;  // REBALANCE_IN_PROGRESS
  expectWire(resp, 0, {0x00, 0x1b, 0x00, 0x00, 0x00, 0x00});
  expectWire(resp, 1, {0x00, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00});
}

TEST(LeaveGroupMessagesTest, V2NamesOneMemberAndV3ABatch) {
  LeaveGroupRequest r;
  r.groupId = "g";
  r.memberId = "m";
  expectWire(r, 2, {0x00, 0x01, 'g', 0x00, 0x01, 'm'});
  r.memberId.clear();
  r.members = {{"", std::string("i"), {}}};
  expectWire(r, 3,
             {
                 0x00, 0x01, 'g',
                 0x00, 0x00, 0x00, 0x01,  // members: 1
                 0x00, 0x00,              //   member_id ""
                 0x00, 0x01, 'i',         //   group_instance_id
             });
  LeaveGroupResponse resp;
  resp.errorCode = 0;
  resp.members = {{"m", std::nullopt, 25, {}}};
  expectWire(resp, 3,
             {
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm', 0xff, 0xff, 0x00, 0x19,  // UNKNOWN_MEMBER_ID
             });
}

TEST(OffsetCommitMessagesTest, FieldsComeAndGoByVersion) {
  using Partition = OffsetCommitRequest::OffsetCommitRequestTopic::OffsetCommitRequestPartition;
  OffsetCommitRequest r;
  r.groupId = "g";
  r.generationIdOrMemberEpoch = 1;
  r.memberId = "m";
  // v1: generation and member id, and the per-partition commit timestamp.
  r.topics = {{"t", {Partition{0, 5, -1, 7, std::nullopt, {}}}, {}}};
  expectWire(r, 1,
             {
                 0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm',
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00, 0x00, 0x00,                          // partition_index
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // committed_offset
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // commit_timestamp (v1 only)
                 0xff, 0xff,                                      // committed_metadata: null
             });
  // v2: retention time, no commit timestamp.
  r.topics = {{"t", {Partition{0, 5, -1, -1, std::nullopt, {}}}, {}}};
  r.retentionTimeMs = 1000;
  expectWire(r, 2,
             {
                 0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm',
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // retention_time_ms
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xff, 0xff,
             });
  // v7: no retention time; leader epoch (v6+) and group instance id (v7+).
  r.retentionTimeMs = -1;
  r.groupInstanceId = "i";
  r.topics = {{"t", {Partition{0, 5, 2, -1, std::string("md"), {}}}, {}}};
  expectWire(r, 7,
             {
                 0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm',
                 0x00, 0x01, 'i',  // group_instance_id
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
                 0x00, 0x00, 0x00, 0x02,  // committed_leader_epoch
                 0x00, 0x02, 'm', 'd',    // committed_metadata
             });
  OffsetCommitResponse resp;
  resp.topics = {{"t", {{0, 3, {}}}, {}}};
  expectWire(resp, 2, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03});
  expectWire(resp, 3, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00,
                       0x00, 0x00, 0x00, 0x00, 0x03});
}

TEST(OffsetFetchMessagesTest, NullTopicsFromV2AndCompactEncodingsFromV6) {
  OffsetFetchRequest r;
  r.groupId = "g";
  r.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0, 1}, {}}};
  expectWire(r, 1,
             {
                 0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
                 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
             });
  r.topics.reset();
  expectWire(r, 2, {0x00, 0x01, 'g', 0xff, 0xff, 0xff, 0xff});
  Bytes8 out;
  EXPECT_TRUE(encode(r, 1, out)) << "null topics cannot be written before v2";
  // v7 (librdkafka 2.0.2): compact string and array, require_stable, tag sections.
  r.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {3}, {}}};
  r.requireStable = true;
  expectWire(r, 7,
             {
                 0x02, 'g',                     // group_id (compact)
                 0x02,                          // topics: 1 (compact)
                 0x02, 't', 0x02, 0x00, 0x00, 0x00, 0x03, 0x00,  // name, partition_indexes, tags
                 0x01,                          // require_stable
                 0x00,                          // tags
             });
  r.topics.reset();
  r.requireStable = false;  // v7+
  expectWire(r, 6, {0x02, 'g', 0x00, 0x00});  // null compact array, then tags

  OffsetFetchResponse resp;
  resp.throttleTimeMs = 0;
  resp.topics = {{"t", {{3, 42, 5, std::string("md"), 0, {}}}, {}}};
  resp.errorCode = 0;
  expectWire(resp, 6,
             {
                 0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
                 0x02, 0x02, 't',                                  // topics: 1; name
                 0x02,                                             // partitions: 1
                 0x00, 0x00, 0x00, 0x03,                           // partition_index
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // committed_offset
                 0x00, 0x00, 0x00, 0x05,                           // committed_leader_epoch (v5+)
                 0x03, 'm', 'd',                                   // metadata (compact)
                 0x00, 0x00, 0x00,                                 // error_code, partition tags
                 0x00,                                             // topic tags
                 0x00, 0x00,                                       // error_code (v2+)
                 0x00,                                             // tags
             });
  resp.topics[0].partitions[0].committedLeaderEpoch = -1;  // v5+
  expectWire(resp, 1,
             {
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03,
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x02, 'm', 'd', 0x00, 0x00,
             });
}

TEST(ListGroupsMessagesTest, FlexibleFromV3AndStatesFromV4) {
  ListGroupsRequest r;
  expectWire(r, 0, {});
  expectWire(r, 3, {0x00});
  r.statesFilter = {"Stable"};
  expectWire(r, 4, {0x02, 0x07, 'S', 't', 'a', 'b', 'l', 'e', 0x00});
  ListGroupsResponse resp;
  resp.groups = {{"g", "consumer", "", {}}};  // group_state: v4+
  expectWire(resp, 0,
             {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'});
  resp.groups[0].groupState = "Empty";
  expectWire(resp, 4,
             {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 'g', 0x09, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0x06, 'E',
              'm', 'p', 't', 'y', 0x00, 0x00});
}

TEST(DescribeGroupsMessagesTest, AuthorizedOperationsFromV3AndInstanceIdsFromV4) {
  DescribeGroupsRequest r;
  r.groups = {"g"};
  expectWire(r, 0, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'g'});
  r.includeAuthorizedOperations = true;
  expectWire(r, 3, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'g', 0x01});
  DescribeGroupsResponse resp;
  DescribeGroupsResponse::DescribedGroup g;
  g.groupId = "g";
  g.groupState = "Dead";
  g.authorizedOperations = 328;
  g.members = {{"m", std::nullopt, "c", "/h", {}, {}, {}}};
  resp.groups = {g};
  expectWire(resp, 4,
             {
                 0x00, 0x00, 0x00, 0x00,              // throttle_time_ms
                 0x00, 0x00, 0x00, 0x01,              // groups: 1
                 0x00, 0x00,                          //   error_code
                 0x00, 0x01, 'g',                     //   group_id
                 0x00, 0x04, 'D', 'e', 'a', 'd',      //   group_state
                 0x00, 0x00, 0x00, 0x00,              //   protocol_type, protocol_data
                 0x00, 0x00, 0x00, 0x01,              //   members: 1
                 0x00, 0x01, 'm', 0xff, 0xff,         //     member_id, group_instance_id (v4+)
                 0x00, 0x01, 'c', 0x00, 0x02, '/', 'h',  //   client_id, client_host
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // member_metadata, member_assignment
                 0x00, 0x00, 0x01, 0x48,              //   authorized_operations (v3+)
             });
}

TEST(DeleteGroupsAndOffsetDeleteMessagesTest, MatchHandEncodedBytes) {
  DeleteGroupsRequest r;
  r.groupsNames = {"g"};
  expectWire(r, 1, {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'g'});
  DeleteGroupsResponse resp;
  resp.results = {{"g", 69, {}}};  // GROUP_ID_NOT_FOUND
  expectWire(resp, 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x45});

  OffsetDeleteRequest od;
  od.groupId = "g";
  od.topics = {{"t", {{2, {}}}, {}}};
  expectWire(od, 0, {0x00, 0x01, 'g', 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02});
  OffsetDeleteResponse odr;
  odr.errorCode = 0;
  odr.topics = {{"t", {{2, 86, {}}}, {}}};  // GROUP_SUBSCRIBED_TO_TOPIC
  expectWire(odr, 0,
             {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
              0x00, 0x02, 0x00, 0x56});
  Bytes8 out;
  EXPECT_TRUE(encode(od, 1, out)) << "OffsetDelete has only v0";
}

TEST(OffsetForLeaderEpochMessagesTest, ReplicaIdFromV3AndFlexibleV4) {
  OffsetForLeaderEpochRequest r;  // replica_id (v3+) keeps its default -2 at v2
  r.topics = {{"t", {{0, 4, 3, {}}}, {}}};
  expectWire(r, 2,
             {
                 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00, 0x00, 0x00,  // partition
                 0x00, 0x00, 0x00, 0x04,  // current_leader_epoch
                 0x00, 0x00, 0x00, 0x03,  // leader_epoch
             });
  r.replicaId = -1;  // a consumer
  expectWire(r, 4,
             {
                 0xff, 0xff, 0xff, 0xff,  // replica_id (v3+)
                 0x02, 0x02, 't', 0x02,   // topics, topic, partitions (compact)
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03,
                 0x00, 0x00, 0x00,        // partition, topic and request tags
             });
  OffsetForLeaderEpochResponse resp;
  resp.topics = {{"t", {{0, 0, 3, 17, {}}}, {}}};
  expectWire(resp, 2,
             {
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00,                                      // error_code
                 0x00, 0x00, 0x00, 0x00,                          // partition
                 0x00, 0x00, 0x00, 0x03,                          // leader_epoch
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,  // end_offset
             });
  Bytes8 out;
  EXPECT_TRUE(encode(r, 1, out)) << "v0-1 are not served";
}

}  // namespace
}  // namespace kafkalite::protocol
