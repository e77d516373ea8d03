// RequestFrame: record sets are referenced, not copied, and the gathered pieces are byte
// for byte what the codec's contiguous encoder writes.

#include "client/request_frame.hpp"

#include <gtest/gtest.h>

#include "protocol/messages/metadata.hpp"
#include "protocol/messages/produce.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::client {
namespace {

std::vector<uint8_t> batchOf(const std::string& value) {
  protocol::RecordBatchBuilder b;
  b.begin(1000);
  EXPECT_TRUE(b.append(1000, std::nullopt,
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(value.data()), value.size())));
  b.finish();
  return b.takeBytes();
}

class RequestFrameTest : public ::testing::TestWithParam<int16_t> {};

TEST_P(RequestFrameTest, ProduceFrameReferencesBatchesAndMatchesTheCodec) {
  const int16_t version = GetParam();
  const auto a = batchOf("first");
  const auto b = batchOf("second");
  protocol::ProduceRequest request;
  request.acks = -1;
  request.timeoutMs = 1500;
  request.topicData.push_back({"t", {{0, protocol::Records::of(a), {}}, {1, protocol::Records::of(b), {}}}, {}});
  const protocol::RequestHeader header{protocol::ApiKey::Produce, version, 17, std::string("client"), {}};

  RequestFrame frame;
  ASSERT_FALSE(RequestFrame::encode(header, request, frame));
  std::vector<uint8_t> expected;
  ASSERT_FALSE(protocol::encodeRequestFrame(header, request, expected));
  EXPECT_EQ(frame.flatten(), expected);
  EXPECT_EQ(frame.size(), expected.size());
  EXPECT_EQ(frame.correlationId(), 17);

  std::vector<const uint8_t*> starts;
  frame.forEachPiece([&](std::span<const uint8_t> piece) { starts.push_back(piece.data()); });
  EXPECT_GE(starts.size(), 4u);
  EXPECT_NE(std::find(starts.begin(), starts.end(), a.data()), starts.end()) << "batch a is not copied";
  EXPECT_NE(std::find(starts.begin(), starts.end(), b.data()), starts.end()) << "batch b is not copied";
}

INSTANTIATE_TEST_SUITE_P(ProduceVersions, RequestFrameTest, ::testing::Values(3, 7, 9));

TEST(RequestFrameTest, FrameWithoutRecordsIsOnePiece) {
  protocol::MetadataRequest request;
  const protocol::RequestHeader header{protocol::ApiKey::Metadata, 12, 1, std::string("c"), {}};
  RequestFrame frame;
  ASSERT_FALSE(RequestFrame::encode(header, request, frame));
  std::vector<uint8_t> expected;
  ASSERT_FALSE(protocol::encodeRequestFrame(header, request, expected));
  EXPECT_EQ(frame.flatten(), expected);
  EXPECT_EQ(frame.pieceCount(), 1u);
}

}  // namespace
}  // namespace kafkalite::client
