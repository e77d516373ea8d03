#pragma once
// readToEof: a librdkafka consumer assigned every partition of a topic from the beginning,
// reading until each partition has reported EOF — how the interop tests read back what was
// produced, byte for byte, with an independent client.
//
// Threading: runs on the calling thread; the consumer lives only inside the call.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/timeouts.hpp"

namespace kafkalite::testing {

inline void quietRdkafkaLog(const rd_kafka_t*, int, const char*, const char*) {}

/// Consumes `partitions` partitions of `topic` with librdkafka `settings` (bootstrap.servers
/// and enable.partition.eof=true are added) and calls `onMessage(const rd_kafka_message_t&)`
/// for every record, until every partition reported EOF or 60 s (scaled) passed. Returns the
/// first error ("" when none).
template <class F>
std::string readToEof(const std::string& bootstrap, const std::string& topic, int32_t partitions,
                      std::vector<std::pair<std::string, std::string>> settings, F&& onMessage) {
  settings.emplace_back("bootstrap.servers", bootstrap);
  settings.emplace_back("enable.partition.eof", "true");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, quietRdkafkaLog);  // connection chatter would swamp the output
  char err[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return k + ": " + err;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) return err;
  std::string error;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (const auto e = rd_kafka_assign(rk, assignment)) error = std::string("assign: ") + rd_kafka_err2str(e);
  rd_kafka_topic_partition_list_destroy(assignment);
  std::set<int32_t> atEof;
  const auto deadline = std::chrono::steady_clock::now() + scaledTimeout(std::chrono::seconds(60));
  while (error.empty() && atEof.size() < static_cast<std::size_t>(partitions)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      error = "not every partition reached EOF in time (" + std::to_string(atEof.size()) + " did)";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      atEof.insert(m->partition);
    } else if (m->err) {
      error = std::string("consumer error: ") + rd_kafka_message_errstr(m);
    } else {
      onMessage(*m);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return error;
}

/// Calls `onHeader(name, value, size)` for each header of `m`, in order.
template <class F>
void forEachHeader(const rd_kafka_message_t& m, F&& onHeader) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const char* name;
  const void* value;
  std::size_t size;
  for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    onHeader(name, value, size);
  }
}

}  // namespace kafkalite::testing
