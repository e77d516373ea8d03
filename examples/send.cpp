// kafkalite-send-example: sends N records to a Kafka cluster with kafkalite::Producer.
//
//   kafkalite-send-example BOOTSTRAP TOPIC [COUNT] [key=value ...]
//
// BOOTSTRAP is host:port[,host:port...] of any Kafka-compatible cluster (Apache Kafka,
// Redpanda, kafkalite-broker, ...). Extra key=value pairs are producer settings, e.g.
// acks=all linger.ms=5. Prints how many records were delivered and failed; the exit
// status is 0 only if all were delivered.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include "kafkalite/producer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " BOOTSTRAP TOPIC [COUNT] [key=value ...]\n";
    return 2;
  }
  const std::string topic = argv[2];
  long count = 1000;
  int firstSetting = 3;
  if (argc > 3 && std::string(argv[3]).find('=') == std::string::npos) {
    count = std::stol(argv[3]);
    firstSetting = 4;
  }
  std::map<std::string, std::string> properties{{"bootstrap.servers", argv[1]}};
  for (int i = firstSetting; i < argc; ++i) {
    const std::string setting = argv[i];
    const auto eq = setting.find('=');
    if (eq == std::string::npos) {
      std::cerr << "not a key=value setting: " << setting << '\n';
      return 2;
    }
    properties[setting.substr(0, eq)] = setting.substr(eq + 1);
  }

  try {
    kafkalite::Producer producer(properties);
    std::atomic<long> delivered{0};
    std::atomic<long> failed{0};
    std::mutex errorMutex;
    std::string firstError;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) {
      // The callback runs on the producer's I/O thread.
      producer.send({topic, "key-" + std::to_string(i), "value-" + std::to_string(i)},
                    [&](std::error_code ec, const kafkalite::RecordMetadata&) {
                      if (!ec) {
                        delivered.fetch_add(1, std::memory_order_relaxed);
                        return;
                      }
                      failed.fetch_add(1, std::memory_order_relaxed);
                      std::lock_guard lock(errorMutex);
                      if (firstError.empty()) firstError = ec.message();
                    });
    }
    producer.close(std::chrono::seconds(60));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%ld delivered, %ld failed in %.3f s (%.0f records/s)\n", delivered.load(), failed.load(), seconds,
                seconds > 0 ? static_cast<double>(delivered.load()) / seconds : 0.0);
    if (!firstError.empty()) std::printf("first error: %s\n", firstError.c_str());
    return failed.load() == 0 && delivered.load() == count ? 0 : 1;
  } catch (const kafkalite::ConfigException& e) {
    std::cerr << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
