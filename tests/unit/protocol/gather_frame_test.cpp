// GatherFrame: record sets are referenced where they are, never copied, and the pieces
// written back to back are byte for byte the frame encodeResponseFrame/encodeRequestFrame
// make; a Records made of pieces encodes as their concatenation and decodes as one view.
#include "protocol/gather_frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "protocol/messages/fetch.hpp"
#include "protocol/messages/produce.hpp"

namespace kafkalite::protocol {
namespace {

using PartitionData = FetchResponse::FetchableTopicResponse::PartitionData;

TEST(GatherFrameTest, ResponseWithRecordPiecesEqualsTheFlatEncoding) {
  const std::vector<uint8_t> a(300, 0xAA);
  const std::vector<uint8_t> b(200, 0xBB);
  const std::vector<std::span<const uint8_t>> pieces{a, b};
  std::vector<uint8_t> joined(a);
  joined.insert(joined.end(), b.begin(), b.end());

  for (const int16_t version : {int16_t{4}, int16_t{12}}) {
    FetchResponse gathered;
    FetchResponse flat;
    for (FetchResponse* r : {&gathered, &flat}) {
      r->responses.push_back({"t", {}, {}});
      PartitionData p;
      p.partitionIndex = 0;
      p.highWatermark = 7;
      r->responses.back().partitions.push_back(p);
      p.partitionIndex = 1;
      p.records = Records::of({});  // empty, not null
      r->responses.back().partitions.push_back(p);
    }
    gathered.responses[0].partitions[0].records = Records::ofPieces(pieces);
    flat.responses[0].partitions[0].records = Records::of(joined);

    GatherFrame frame;
    ASSERT_FALSE(frame.encodeResponse(42, version, gathered));
    std::vector<uint8_t> expected;
    ASSERT_FALSE(encodeResponseFrame(42, version, flat, expected));
    EXPECT_EQ(frame.flatten(), expected) << "version " << version;
    EXPECT_EQ(frame.size(), expected.size());

    // The two record pieces are referenced, not copied.
    std::vector<const uint8_t*> starts;
    frame.forEachPiece([&](std::span<const uint8_t> piece) { starts.push_back(piece.data()); });
    EXPECT_NE(std::find(starts.begin(), starts.end(), a.data()), starts.end());
    EXPECT_NE(std::find(starts.begin(), starts.end(), b.data()), starts.end());

    // Decoded, the pieces are one record set.
    FetchResponse decoded;
    const auto bytes = frame.flatten();
    Reader in(std::span<const uint8_t>(bytes).subspan(4));
    ResponseHeader header;
    ASSERT_TRUE(decodeResponseHeader(in, header, responseHeaderVersion(ApiKey::Fetch, version)));
    ASSERT_TRUE(decodeFrom(in, version, decoded));
    EXPECT_EQ(header.correlationId, 42);
    const auto& records = decoded.responses[0].partitions[0].records;
    EXPECT_TRUE(std::equal(records.bytes.begin(), records.bytes.end(), joined.begin(), joined.end()));
    EXPECT_EQ(records, gathered.responses[0].partitions[0].records) << "Records compares content, pieces or not";
    EXPECT_TRUE(decoded.responses[0].partitions[1].records.present);
  }
}

TEST(GatherFrameTest, RequestEqualsEncodeRequestFrame) {
  const std::vector<uint8_t> batch(500, 0x5A);
  ProduceRequest request;
  request.acks = -1;
  request.timeoutMs = 1500;
  request.topicData = {{"t", {{0, Records::of(batch), {}}}, {}}};
  const RequestHeader header{ApiKey::Produce, 9, 5, std::string("client"), {}};
  GatherFrame frame;
  ASSERT_FALSE(frame.encodeRequest(header, request));
  std::vector<uint8_t> expected;
  ASSERT_FALSE(encodeRequestFrame(header, request, expected));
  EXPECT_EQ(frame.flatten(), expected);
  EXPECT_EQ(frame.pieceCount(), 3u) << "header+fields, the batch, the trailing fields";
}

}  // namespace
}  // namespace kafkalite::protocol
