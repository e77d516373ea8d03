// The kafkalite side of `kafkalite-perf produce`: kafkalite::Producer, one send() per
// record from this thread, completions on the producer's I/O thread.

#include <algorithm>
#include <charconv>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "bench/perf/produce_run.hpp"
#include "kafkalite/producer.hpp"

namespace kafkalite::perf {
namespace {

// How long the final flush may take before the records still pending are failed.
// As long as librdkafka's default message.timeout.ms, so both clients give up alike.
constexpr std::chrono::milliseconds kDrainTimeout(300'000);

std::string normalizedKey(const std::string& key) {
  std::string k = key;
  k.erase(0, k.find_first_not_of(" \t"));
  k.erase(k.find_last_not_of(" \t") + 1);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k;
}

std::map<std::string, std::string> producerProperties(const ProduceOptions& opts) {
  std::map<std::string, std::string> props;
  bool enqueueTimeoutGiven = false;
  for (const auto& [key, value] : opts.settings) {
    const std::string k = normalizedKey(key);
    enqueueTimeoutGiven = enqueueTimeoutGiven || k == "queue.enqueue.timeout.ms" || k == "max.block.ms";
    props[key] = value;  // a key repeated on the command line: the last one wins
  }
  props["bootstrap.servers"] = opts.bootstrap;
  // Block in send() while the queue is full, as librdkafka does with RD_KAFKA_MSG_F_BLOCK;
  // the default (2^31-1 ms) would also block, but the intent should not hang on a number.
  if (!enqueueTimeoutGiven) props["queue.enqueue.timeout.ms"] = "-1";
  return props;
}

}  // namespace

void runKafkalite(const ProduceOptions& opts, RunState& state) {
  std::optional<kafkalite::Producer> producer;
  try {
    producer.emplace(producerProperties(opts));
  } catch (const kafkalite::ConfigException& e) {
    throw UsageError(e.what());
  }

  RecordPayload payload(opts.size, opts.payload);
  Pacer pacer(opts.rate);
  state.firstSendNs = nowNs();
  pacer.start();
  for (uint64_t i = 0; i < opts.count; ++i) {
    pacer.waitFor(i);
    char keyText[24];
    std::optional<std::string_view> key;
    if (opts.keys) {
      const auto end = std::to_chars(keyText, keyText + sizeof keyText, i).ptr;
      key = std::string_view(keyText, static_cast<std::size_t>(end - keyText));
    }
    state.sentBytes += opts.size + (key ? key->size() : 0);
    // The copying send: key and value are copied from this thread's buffer, as librdkafka's
    // RD_KAFKA_MSG_F_COPY does on the other side.
    kafkalite::RecordView record{opts.topic, std::nullopt, key, std::string_view(payload.fill(i)), std::nullopt};
    const int64_t sentNs = nowNs();
    // Two words, trivially copyable: std::function keeps it inline, no allocation per record.
    auto callback = [run = &state, sentNs](std::error_code ec, const kafkalite::RecordMetadata&) {
      if (!ec) {
        run->onCompletion(sentNs, nullptr);
        return;
      }
      const std::string text = ec.message();
      run->onCompletion(sentNs, &text);
    };
    static_assert(sizeof(callback) <= 16 && std::is_trivially_copyable_v<decltype(callback)>);
    try {
      producer->send(record, callback);
    } catch (const kafkalite::QueueFullException& e) {  // only when -X sets a finite enqueue timeout
      state.onRejected(e.what());
    } catch (const std::system_error& e) {
      state.onRejected(e.what());
    }
    state.sent.fetch_add(1, std::memory_order_relaxed);
  }

  // flush() sends what lingers at once (as rd_kafka_flush does); close() then fails
  // whatever the drain timeout left pending, through the callbacks, and joins the I/O
  // thread, after which RunState's plain fields are safe to read here.
  producer->flush(kDrainTimeout);
  producer->close(std::chrono::milliseconds(0));
}

}  // namespace kafkalite::perf
