// The librdkafka C API tests build once per librdkafka (tests/CMakeLists.txt): Debian's
// 2.0.2, and 2.15.1 from scripts/build-librdkafka.sh, whose librdkafka.so.1 the binary's
// runtime path must pick over Debian's. The loaded library is the one the binary was built for.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

namespace kafkalite::testing {
namespace {

TEST(LibrdkafkaVersion, TheLoadedLibraryIsTheOneThisBinaryWasBuiltFor) {
  EXPECT_STREQ(rd_kafka_version_str(), KAFKALITE_RDKAFKA_VERSION_STR);
  EXPECT_EQ(rd_kafka_version(), RD_KAFKA_VERSION) << "the header and the loaded library differ";
}

}  // namespace
}  // namespace kafkalite::testing
