// compression.type / compression.codec and compression.level: Kafka's codec names and
// KIP-390's level ranges (Kafka's CompressionType: gzip 1-9, lz4 1-17, zstd -131072-22,
// each also accepting its default; snappy has none).

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "kafkalite/producer_config.hpp"

namespace kafkalite {
namespace {

using Properties = std::map<std::string, std::string>;

ProducerConfig parse(Properties p) {
  p.emplace("bootstrap.servers", "localhost:9092");
  return ProducerConfig::fromProperties(p);
}

std::string rejectionOf(Properties p) {
  p.emplace("bootstrap.servers", "localhost:9092");
  try {
    (void)ProducerConfig::fromProperties(p);
  } catch (const ConfigException& e) {
    return std::string(e.key()) + " | " + e.what();
  }
  return "accepted";
}

TEST(ProducerConfigCompressionTest, DefaultIsNoneAtTheCodecsDefaultLevel) {
  const ProducerConfig c;
  EXPECT_EQ(c.compressionType, CompressionCodec::None);
  EXPECT_EQ(c.compressionLevel, -1);
}

TEST(ProducerConfigCompressionTest, KafkasNamesAndLibrdkafkasAlias) {
  EXPECT_EQ(parse({{"compression.type", "gzip"}}).compressionType, CompressionCodec::Gzip);
  EXPECT_EQ(parse({{"compression.type", "snappy"}}).compressionType, CompressionCodec::Snappy);
  EXPECT_EQ(parse({{"compression.type", "LZ4"}}).compressionType, CompressionCodec::Lz4);
  EXPECT_EQ(parse({{"compression.codec", "zstd"}}).compressionType, CompressionCodec::Zstd);
  EXPECT_EQ(parse({{"compression.type", "none"}}).compressionType, CompressionCodec::None);
  EXPECT_EQ(parse({{"compression.type", "lz4"}, {"compression.codec", "lz4"}}).compressionType,
            CompressionCodec::Lz4);
  const std::string both = rejectionOf({{"compression.type", "lz4"}, {"compression.codec", "gzip"}});
  EXPECT_NE(both.find("compression.type"), std::string::npos) << both;
  EXPECT_NE(both.find("compression.codec"), std::string::npos) << both;
  const std::string bad = rejectionOf({{"compression.type", "brotli"}});
  EXPECT_NE(bad.find("none, gzip, snappy, lz4, zstd"), std::string::npos) << bad;
}

TEST(ProducerConfigCompressionTest, LevelsFollowTheCodecsRange) {
  EXPECT_EQ(parse({{"compression.type", "gzip"}, {"compression.level", "9"}}).compressionLevel, 9);
  EXPECT_EQ(parse({{"compression.type", "lz4"}, {"compression.level", "17"}}).compressionLevel, 17);
  EXPECT_EQ(parse({{"compression.type", "zstd"}, {"compression.level", "-5"}}).compressionLevel, -5);
  EXPECT_EQ(parse({{"compression.type", "zstd"}, {"compression.level", "22"}}).compressionLevel, 22);
  EXPECT_EQ(parse({{"compression.type", "snappy"}, {"compression.level", "-1"}}).compressionLevel, -1);
  for (const auto& [codec, level] : std::map<std::string, std::string>{{"gzip", "10"}, {"lz4", "18"}, {"gzip", "0"}}) {
    const std::string e = rejectionOf({{"compression.type", codec}, {"compression.level", level}});
    EXPECT_EQ(e.rfind("compression.level", 0), 0u) << codec << " " << level << ": " << e;
  }
  const std::string snappy = rejectionOf({{"compression.type", "snappy"}, {"compression.level", "3"}});
  EXPECT_NE(snappy.find("no levels"), std::string::npos) << snappy;
  const std::string none = rejectionOf({{"compression.level", "3"}});
  EXPECT_NE(none.find("no levels"), std::string::npos) << none;
  EXPECT_EQ(rejectionOf({{"compression.type", "zstd"}, {"compression.level", "23"}}).rfind("compression.level", 0), 0u);
}

TEST(ProducerConfigCompressionTest, ValidateChecksFieldsSetDirectly) {
  ProducerConfig c = parse({});
  c.compressionType = CompressionCodec::Lz4;
  c.compressionLevel = 12;
  EXPECT_NO_THROW(c.validate());
  c.compressionLevel = 30;
  EXPECT_THROW(c.validate(), ConfigException);
}

TEST(ProducerConfigCompressionTest, PropertiesRoundTrip) {
  const ProducerConfig c = parse({{"compression.codec", "zstd"}, {"compression.level", "7"}});
  const auto p = c.toProperties();
  EXPECT_EQ(p.at("compression.type"), "zstd");
  EXPECT_EQ(p.at("compression.level"), "7");
  const ProducerConfig again = ProducerConfig::fromProperties(p);
  EXPECT_EQ(again.compressionType, CompressionCodec::Zstd);
  EXPECT_EQ(again.compressionLevel, 7);
}

}  // namespace
}  // namespace kafkalite
