// The librdkafka side of `kafkalite-perf produce`: the C API, rd_kafka_produce() with
// RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK from this thread, delivery reports served by
// a poll thread (as kafkalite's callbacks run on its I/O thread), rd_kafka_flush() at the
// end. Also librdkafka's mock cluster for --rdkafka-mock.
//
// Why F_COPY: both clients copy each record from the same reused application buffer
// inside their send call: librdkafka with RD_KAFKA_MSG_F_COPY, kafkalite with
// Producer::send(const RecordView&, ...).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench/perf/produce_run.hpp"

namespace kafkalite::perf {
namespace {

constexpr int kDrainTimeoutMs = 300'000;  // librdkafka's default message.timeout.ms
constexpr int kPollTimeoutMs = 100;

// Delivery report: runs in whichever thread polls (the poll thread, then flush()).
void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* state = static_cast<RunState*>(opaque);
  const auto sentNs = static_cast<int64_t>(reinterpret_cast<intptr_t>(message->_private));
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    state->onCompletion(sentNs, nullptr);
    return;
  }
  const std::string text = rd_kafka_err2str(message->err);
  state->onCompletion(sentNs, &text);
}

void setOrThrow(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw UsageError("-X " + key + "=" + value + ": " + error);
  }
}

}  // namespace

struct RdkafkaMock::Handles {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Handles() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

RdkafkaMock::RdkafkaMock(int brokers, const std::string& topic, int partitions, int replicationFactor)
    : handles_(std::make_unique<Handles>()) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);  // errors only
  handles_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handles_->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rdkafka mock: rd_kafka_new: ") + error);
  }
  handles_->cluster = rd_kafka_mock_cluster_new(handles_->rk, brokers);
  if (handles_->cluster == nullptr) throw std::runtime_error("rdkafka mock: rd_kafka_mock_cluster_new failed");
  if (const auto e = rd_kafka_mock_topic_create(handles_->cluster, topic.c_str(), partitions, replicationFactor)) {
    throw std::runtime_error("rdkafka mock: creating topic " + topic + ": " + rd_kafka_err2str(e));
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(handles_->cluster);
}

RdkafkaMock::~RdkafkaMock() = default;

void runRdkafka(const ProduceOptions& opts, RunState& state) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Topic-level keys (acks, request.timeout.ms, message.timeout.ms, partitioner...) are
  // accepted here too: librdkafka puts them into the default topic configuration, which
  // rd_kafka_topic_new(..., nullptr) below uses.
  for (const auto& [key, value] : opts.settings) setOrThrow(conf, key, value);
  setOrThrow(conf, "bootstrap.servers", opts.bootstrap);
  rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
  rd_kafka_conf_set_opaque(conf, &state);
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (rk == nullptr) {  // rd_kafka_new frees conf only on success
    rd_kafka_conf_destroy(conf);
    throw UsageError(std::string("librdkafka: ") + error);
  }
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, opts.topic.c_str(), nullptr);
  if (topic == nullptr) {
    const std::string text = rd_kafka_err2str(rd_kafka_last_error());
    rd_kafka_destroy(rk);
    throw std::runtime_error("librdkafka: topic " + opts.topic + ": " + text);
  }

  std::atomic<bool> stopPolling{false};
  std::thread poller([&] {
    while (!stopPolling.load(std::memory_order_acquire)) rd_kafka_poll(rk, kPollTimeoutMs);
  });

  RecordPayload payload(opts.size, opts.payload);
  Pacer pacer(opts.rate);
  state.firstSendNs = nowNs();
  pacer.start();
  for (uint64_t i = 0; i < opts.count; ++i) {
    pacer.waitFor(i);
    const std::string key = opts.keys ? std::to_string(i) : std::string();
    const std::string& value = payload.fill(i);
    state.sentBytes += value.size() + key.size();
    const int64_t sentNs = nowNs();
    for (;;) {
      // F_BLOCK: a full queue blocks here until the poll thread's delivery reports
      // free room, as kafkalite's send() blocks with queue.enqueue.timeout.ms=-1.
      if (rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK,
                           const_cast<char*>(value.data()), value.size(), opts.keys ? key.data() : nullptr,
                           key.size(), reinterpret_cast<void*>(static_cast<intptr_t>(sentNs))) == 0) {
        break;
      }
      const rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Not expected with F_BLOCK; should it happen, wait for the poll thread to make
        // room, the way rdkafka_performance polls and retries.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      state.onRejected(rd_kafka_err2str(err));
      break;
    }
    state.sent.fetch_add(1, std::memory_order_relaxed);
  }

  // Stop the poll thread before flushing: rd_kafka_flush() serves delivery reports
  // itself, and RunState wants them from one thread at a time.
  stopPolling.store(true, std::memory_order_release);
  rd_kafka_yield(rk);
  poller.join();
  if (rd_kafka_flush(rk, kDrainTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Fail what is left, through delivery reports (ERR__PURGE_QUEUE/_INFLIGHT).
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, kDrainTimeoutMs);
  }
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
}

}  // namespace kafkalite::perf
