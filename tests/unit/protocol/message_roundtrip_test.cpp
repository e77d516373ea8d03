// Every message, request and response, at every version kafkalite supports:
// round trip with non-default values in every field, truncation at every byte,
// and seeded random mutation. Decoding never crashes, never over-reads (the asan
// preset runs this too) and always names the failing field.

#include <gtest/gtest.h>

#include <random>

#include "protocol/api_key.hpp"
#include "protocol/messages/all.hpp"
#include "support/message_fill.hpp"

namespace kafkalite::protocol {
namespace {

// Any bytes will do for the codec; a record batch's shape is tested elsewhere.
const std::vector<uint8_t> kRecords = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 2, 1, 2, 3};

template <class M>
class MessageRoundTrip : public ::testing::Test {};
TYPED_TEST_SUITE_P(MessageRoundTrip);

template <class M>
void checkRoundTrip(int16_t version, bool nulls) {
  SCOPED_TRACE(std::string(M::kName) + " v" + std::to_string(version) + (nulls ? " (nulls)" : ""));
  const M original = testing::filledMessage<M>(version, nulls, kRecords);
  std::vector<uint8_t> bytes;
  const auto encodeError = encode(original, version, bytes);
  ASSERT_FALSE(encodeError) << encodeError->message();
  EXPECT_EQ(encodedSize(original, version), bytes.size());

  M decoded{};
  const auto decodeError = decode(std::span<const uint8_t>(bytes), version, decoded);
  ASSERT_FALSE(decodeError) << decodeError->message();
  EXPECT_TRUE(decoded == original);
  std::vector<uint8_t> again;
  ASSERT_FALSE(encode(decoded, version, again));
  EXPECT_EQ(again, bytes);
}

TYPED_TEST_P(MessageRoundTrip, EveryVersionWithEveryFieldSet) {
  using M = TypeParam;
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) checkRoundTrip<M>(v, false);
}

TYPED_TEST_P(MessageRoundTrip, EveryVersionWithNullsWhereAllowed) {
  using M = TypeParam;
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) checkRoundTrip<M>(v, true);
}

TYPED_TEST_P(MessageRoundTrip, TruncationAtEveryByteIsACleanError) {
  using M = TypeParam;
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) {
    const M original = testing::filledMessage<M>(v, false, kRecords);
    std::vector<uint8_t> bytes;
    ASSERT_FALSE(encode(original, v, bytes));
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      // A fresh copy of exactly `cut` bytes, so ASan sees any read past the end.
      const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      M decoded{};
      const auto err = decode(std::span<const uint8_t>(prefix), v, decoded);
      ASSERT_TRUE(err) << M::kName << " v" << v << " decoded from " << cut << " of " << bytes.size() << " bytes";
      EXPECT_EQ(err->path.rfind(M::kName, 0), 0u) << err->message();
      EXPECT_FALSE(err->reason.empty());
    }
  }
}

// Kafka (RequestContext.parseRequest, AbstractResponse.parseResponse) and librdkafka read a
// message's fields and ignore whatever follows them; librdkafka 2.15 itself sends such
// bytes (issue 19). So at every version a body with bytes after its last field decodes to
// the same message, and the caller learns how many bytes were left over.
TYPED_TEST_P(MessageRoundTrip, BytesAfterTheLastFieldAreCountedNotRejected) {
  using M = TypeParam;
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) {
    SCOPED_TRACE(std::string(M::kName) + " v" + std::to_string(v));
    const M original = testing::filledMessage<M>(v, false, kRecords);
    std::vector<uint8_t> bytes;
    ASSERT_FALSE(encode(original, v, bytes));
    for (const std::vector<uint8_t>& extra : {std::vector<uint8_t>{0x01}, std::vector<uint8_t>{0x01, 0x00, 0x00},
                                              std::vector<uint8_t>(100, 0xff)}) {
      std::vector<uint8_t> longer = bytes;
      longer.insert(longer.end(), extra.begin(), extra.end());
      M decoded{};
      std::size_t trailing = 0;
      const auto err = decode(std::span<const uint8_t>(longer), v, decoded, &trailing);
      ASSERT_FALSE(err) << err->message();
      EXPECT_EQ(trailing, extra.size());
      EXPECT_TRUE(decoded == original);
    }
    M decoded{};
    std::size_t trailing = 99;
    ASSERT_FALSE(decode(std::span<const uint8_t>(bytes), v, decoded, &trailing));
    EXPECT_EQ(trailing, 0u);
  }
}

TYPED_TEST_P(MessageRoundTrip, RandomMutationNeverCrashes) {
  using M = TypeParam;
  std::mt19937 rng(static_cast<uint32_t>(static_cast<uint16_t>(M::kApiKey)) * 7919u + (M::kName[0] == 'F' ? 1u : 0u));
  for (int16_t v = M::kValidVersions.lo; v <= M::kValidVersions.hi; ++v) {
    const M original = testing::filledMessage<M>(v, false, kRecords);
    std::vector<uint8_t> bytes;
    ASSERT_FALSE(encode(original, v, bytes));
    for (int round = 0; round < 300; ++round) {
      std::vector<uint8_t> mutated = bytes;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips && !mutated.empty(); ++i) {
        const std::size_t at = rng() % mutated.size();
        switch (rng() % 3) {
          case 0: mutated[at] = static_cast<uint8_t>(rng()); break;
          case 1: mutated[at] = 0xff; break;
          default: mutated[at] = 0x7f; break;
        }
      }
      M decoded{};
      const auto err = decode(std::span<const uint8_t>(mutated), v, decoded);
      if (err) {
        EXPECT_FALSE(err->reason.empty());
      } else {
        // Whatever decoded must encode again (possibly to other bytes, e.g. a bool 0x7f → 0x01).
        std::vector<uint8_t> again;
        encode(decoded, v, again);
      }
    }
  }
}

TYPED_TEST_P(MessageRoundTrip, FlexibleVersionsAgreeWithTheApiKeyTable) {
  using M = TypeParam;
  EXPECT_EQ(firstFlexibleVersion(M::kApiKey), M::kFlexibleVersions.lo) << M::kName;
}

TYPED_TEST_P(MessageRoundTrip, UnsupportedVersionIsAnError) {
  using M = TypeParam;
  std::vector<uint8_t> out;
  EXPECT_TRUE(encode(M{}, static_cast<int16_t>(M::kValidVersions.hi + 1), out));
  M decoded{};
  const auto err = decode(std::span<const uint8_t>(out), static_cast<int16_t>(M::kValidVersions.hi + 1), decoded);
  ASSERT_TRUE(err);
  EXPECT_NE(err->reason.find("unsupported version"), std::string::npos);
}

REGISTER_TYPED_TEST_SUITE_P(MessageRoundTrip, EveryVersionWithEveryFieldSet, EveryVersionWithNullsWhereAllowed,
                            TruncationAtEveryByteIsACleanError, BytesAfterTheLastFieldAreCountedNotRejected,
                            RandomMutationNeverCrashes,
                            FlexibleVersionsAgreeWithTheApiKeyTable, UnsupportedVersionIsAnError);

using AllMessages = ::testing::Types<ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
                                     ProduceRequest, ProduceResponse, FetchRequest, FetchResponse,
                                     ListOffsetsRequest, ListOffsetsResponse, InitProducerIdRequest,
                                     InitProducerIdResponse, FindCoordinatorRequest, FindCoordinatorResponse,
                                     JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse,
                                     HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse,
                                     OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse,
                                     ListGroupsRequest, ListGroupsResponse, DescribeGroupsRequest, DescribeGroupsResponse,
                                     DeleteGroupsRequest, DeleteGroupsResponse, OffsetDeleteRequest, OffsetDeleteResponse,
                                     OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
                                     CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest,
                                     DeleteTopicsResponse, CreatePartitionsRequest, CreatePartitionsResponse,
                                     DeleteRecordsRequest, DeleteRecordsResponse, DescribeConfigsRequest,
                                     DescribeConfigsResponse, AlterConfigsRequest, AlterConfigsResponse,
                                     IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
                                     DescribeClusterRequest, DescribeClusterResponse, ElectLeadersRequest,
                                     ElectLeadersResponse, DescribeLogDirsRequest, DescribeLogDirsResponse>;

class MessageNames {
 public:
  template <class M>
  static std::string GetName(int) {
    return M::kName;
  }
};
INSTANTIATE_TYPED_TEST_SUITE_P(All, MessageRoundTrip, AllMessages, MessageNames);

}  // namespace
}  // namespace kafkalite::protocol
