// Fuzz target: the producer's properties-file reader, ProducerConfig::fromPropertiesFile,
// fed through a memory file. On any bytes it returns a valid configuration or throws
// ConfigException with a message; nothing else escapes. A configuration it returns is
// valid, and writing it out as properties and reading those back gives the same
// configuration.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "kafkalite/producer_config.hpp"

namespace {

/// A file in memory holding `data`, named by its /proc/self/fd path; closed on destruction.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, std::size_t size) : fd_(::memfd_create("producer.properties", MFD_CLOEXEC)) {
    FUZZ_CHECK(fd_ >= 0, "memfd_create failed");
    for (std::size_t written = 0; written < size;) {
      const ssize_t n = ::write(fd_, data + written, size - written);
      FUZZ_CHECK(n > 0, "write to a memory file failed");
      written += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using kafkalite::ConfigException;
  using kafkalite::ProducerConfig;
  const MemoryFile file(data, size);
  ProducerConfig config;
  try {
    config = ProducerConfig::fromPropertiesFile(file.path());
  } catch (const ConfigException& e) {
    FUZZ_CHECK(std::string(e.what()).find(file.path()) == 0, std::string("message does not name the file: ") + e.what());
    return 0;
  }
  try {
    config.validate();
    const ProducerConfig again = ProducerConfig::fromProperties(config.toProperties());
    FUZZ_CHECK(again == config, "toProperties/fromProperties changed the configuration");
  } catch (const ConfigException& e) {
    FUZZ_CHECK(false, std::string("a configuration read from a file does not survive a round trip: ") + e.what());
  }
  return 0;
}
