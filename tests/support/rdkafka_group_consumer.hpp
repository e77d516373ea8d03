#pragma once
// librdkafka's high-level (consumer-group) consumer through its C API, for interop tests:
// subscribe (to names, or to regular expressions: names that start with '^'), poll one
// message at a time, commit a message synchronously, read the current
// assignment, close (which leaves the group). Logs are dropped (connection chatter after a
// broker stop would swamp the output); errors the consumer reports are counted by name.
//
// Threading: one thread per consumer; rebalances and commits happen inside poll()/commit().

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kafkalite::testing {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

class RdKafkaGroupConsumer {
 public:
  using Config = std::vector<std::pair<std::string, std::string>>;

  /// Creates the consumer with `settings` (bootstrap.servers, group.id, ...) and subscribes to
  /// `topics`; ok() says whether that worked, error() why not.
  RdKafkaGroupConsumer(const Config& settings, const std::vector<std::string>& topics) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : settings) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        error_ = k + ": " + err;
        rd_kafka_conf_destroy(conf);
        return;
      }
    }
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk_) {
      error_ = err;
      return;
    }
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) error_ = rd_kafka_err2str(e);
  }
  ~RdKafkaGroupConsumer() {
    if (rk_) {
      if (!closed_) rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
  }
  RdKafkaGroupConsumer(const RdKafkaGroupConsumer&) = delete;
  RdKafkaGroupConsumer& operator=(const RdKafkaGroupConsumer&) = delete;

  [[nodiscard]] bool ok() const { return rk_ != nullptr && error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

  /// The next message within `ms`, or nothing (a timeout or a consumer error, counted).
  std::optional<ConsumedMessage> poll(int ms) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, ms);
    if (!m) return std::nullopt;
    std::optional<ConsumedMessage> out;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedMessage c;
      c.topic = rd_kafka_topic_name(m->rkt);
      c.partition = m->partition;
      c.offset = m->offset;
      if (m->key) c.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) c.value.assign(static_cast<const char*>(m->payload), m->len);
      out = std::move(c);
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++errors[rd_kafka_err2name(m->err)];
    }
    rd_kafka_message_destroy(m);
    return out;
  }

  /// Commits `m` (its offset + 1) and waits for the coordinator's answer. True on success.
  bool commit(const std::string& topic, const ConsumedMessage& m) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), m.partition)->offset = m.offset + 1;
    const rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, /*async=*/0);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) ++commitErrors[rd_kafka_err2name(e)];
    return e == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  /// The partitions currently assigned to this member.
  [[nodiscard]] std::set<int32_t> assignment() const {
    std::set<int32_t> out;
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || !list) return out;
    for (int i = 0; i < list->cnt; ++i) out.insert(list->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  /// The partitions currently assigned to this member, by topic.
  [[nodiscard]] std::map<std::string, std::set<int32_t>> assignmentByTopic() const {
    std::map<std::string, std::set<int32_t>> out;
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || !list) return out;
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].topic].insert(list->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  /// Leaves the group (LeaveGroup) after committing what auto-commit holds; idempotent.
  void close() {
    if (rk_ && !closed_) rd_kafka_consumer_close(rk_);
    closed_ = true;
  }

  std::map<std::string, int> errors;        ///< consumer errors by name
  std::map<std::string, int> commitErrors;  ///< failed commits by error name

 private:
  rd_kafka_t* rk_ = nullptr;
  std::string error_;
  bool closed_ = false;
};

inline std::string describeCounts(const std::map<std::string, int>& counts) {
  std::string s;
  for (const auto& [name, n] : counts) s += name + " x" + std::to_string(n) + " ";
  return s.empty() ? "none" : s;
}

}  // namespace kafkalite::testing
