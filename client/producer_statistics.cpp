// ProducerCore::statistics: the JSON document given to the statistics callback every
// statistics.interval.ms. Field names follow librdkafka's STATISTICS.md where the meaning
// is the same (msg_cnt, txmsgs, brokers.*.rtt, topics.*.partitions.*.msgq_cnt, eos, ...);
// docs/producer.md lists every field. nlohmann::json is used here only (a private
// dependency of the client library).
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "client/producer_core.hpp"

namespace kafkalite::client {

namespace {

using Json = nlohmann::ordered_json;

const char* stateName(const BrokerConnection& conn) {
  switch (conn.state()) {
    case ConnectionState::Ready: return "UP";
    case ConnectionState::Connecting: return "CONNECT";
    case ConnectionState::Failed: return "DOWN";
    case ConnectionState::Disconnected: break;
  }
  return conn.counters().everReady ? "DOWN" : "INIT";
}

Json windowJson(const LatencyHistogram& h) {
  return Json{{"min", h.min()},
              {"max", h.max()},
              {"avg", h.avg()},
              {"sum", h.sum()},
              {"cnt", h.count()},
              {"p50", h.percentile(0.50)},
              {"p75", h.percentile(0.75)},
              {"p90", h.percentile(0.90)},
              {"p95", h.percentile(0.95)},
              {"p99", h.percentile(0.99)},
              {"p99_99", h.percentile(0.9999)}};
}

// Records and their bytes in flight, per node and per topic-partition.
struct InFlight {
  int64_t msgs = 0;
  int64_t bytes = 0;
  std::map<int32_t, int64_t> msgsByNode;
  std::map<int32_t, int64_t> requestsByNode;
  std::map<std::pair<std::string, int32_t>, int64_t> msgsByPartition;
};

InFlight inFlightOf(const Sender& sender) {
  InFlight out;
  sender.forEachInFlightBatch([&](int32_t node, const ProducerBatch& b) {
    if (b.recordsCompleted) return;  // failed by delivery.timeout.ms already
    out.msgs += b.recordCount();
    out.bytes += b.recordBytes;
    out.msgsByNode[node] += b.recordCount();
    out.msgsByPartition[{b.topic(), b.partition()}] += b.recordCount();
  });
  return out;
}

}  // namespace

std::string ProducerCore::statistics(int64_t nowMs) {
  SenderCounters& c = sender_.counters();
  const InFlight inFlight = inFlightOf(sender_);
  Json doc;
  doc["name"] = config_.clientId + "#producer";
  doc["client_id"] = config_.clientId;
  doc["type"] = "producer";
  doc["ts"] = clock_.nowUs();
  doc["time"] = clock_.wallClockMs() / 1000;
  doc["age"] = (nowMs - startedMs_) * 1000;
  doc["msg_cnt"] = handoff_.pending();
  doc["msg_size"] = handoff_.pendingBytes();
  doc["msg_max"] = handoff_.capacity();
  doc["msg_size_max"] = handoff_.maxBytes();
  doc["tx"] = c.tx;
  doc["txbytes"] = c.txBytes;
  doc["rx"] = c.rx;
  doc["rxbytes"] = c.rxBytes;
  doc["txmsgs"] = c.txMsgs;
  doc["txmsg_bytes"] = c.txMsgBytes;
  doc["msgs_inflight"] = inFlight.msgs;
  doc["msgs_inflight_bytes"] = inFlight.bytes;
  doc["acked_msgs"] = c.ackedMsgs;
  doc["acked_msg_bytes"] = c.ackedBytes;
  doc["failed_msgs"] = c.failedMsgs;
  doc["failed_msg_bytes"] = c.failedBytes;
  doc["retried_msgs"] = c.retriedMsgs;
  doc["retried_msg_bytes"] = c.retriedBytes;
  doc["metadata_wait_cnt"] = waitingForMetadata();
  std::size_t known = 0;
  for (const std::string& topic : metadata_.topics()) known += metadata_.topic(topic) != nullptr ? 1 : 0;
  doc["metadata_cache_cnt"] = known;
  doc["memory"] = Json{{"batch_pool_bytes", accumulator_.pooledBytes()},
                       {"batches", accumulator_.outstandingBatches()},
                       {"copy_buffer_bytes", handoff_.keptBodyBytes()},
                       {"released_bytes", releasedHeapBytesTotal_},
                       {"heap_trims", heapTrims_}};

  Json brokers = Json::object();
  for (const auto& [node, conn] : sender_.connections()) {
    const ConnectionCounters counters = conn->counters();
    const std::string nodename = conn->address();
    const std::string name = nodename + "/" + (node < 0 ? std::string("bootstrap") : std::to_string(node));
    SenderCounters::Broker& b = c.brokers[node];
    Json j;
    j["name"] = name;
    j["nodeid"] = node < 0 ? -1 : node;
    j["nodename"] = nodename;
    j["source"] = node < 0 ? "configured" : "learned";
    j["state"] = stateName(*conn);
    j["stateage"] = (nowMs - counters.stateSinceMs) * 1000;
    j["waitresp_cnt"] = conn->inFlight();
    const auto msgs = inFlight.msgsByNode.find(node);
    j["waitresp_msg_cnt"] = msgs == inFlight.msgsByNode.end() ? 0 : msgs->second;
    j["tx"] = b.tx;
    j["txbytes"] = b.txBytes;
    j["txretries"] = b.txRetries;
    j["req_timeouts"] = b.reqTimeouts;
    j["rx"] = b.rx;
    j["rxbytes"] = b.rxBytes;
    j["connects"] = counters.connects;
    j["disconnects"] = counters.disconnects;
    j["rtt"] = windowJson(b.rtt);
    b.rtt.reset();  // a window per document, as librdkafka's
    brokers[name] = std::move(j);
  }
  doc["brokers"] = std::move(brokers);

  Json topics = Json::object();
  const auto lastRefresh = metadata_.lastRefreshMs();
  for (const auto& [name, queues] : accumulator_.topics()) {
    Json t;
    t["topic"] = name;
    t["metadata_age"] = metadata_.topic(name) != nullptr && lastRefresh ? nowMs - *lastRefresh : -1;
    Json partitions = Json::object();
    for (std::size_t p = 0; p < queues->partitions.size(); ++p) {
      const PartitionQueue& pq = queues->partitions[p];
      const auto partition = static_cast<int32_t>(p);
      int64_t queued = 0;
      int64_t queuedBytes = 0;
      for (const ProducerBatch* b : pq.batches) {
        queued += b->recordCount();
        queuedBytes += b->recordBytes;
      }
      const auto inflight = inFlight.msgsByPartition.find({name, partition});
      Json j;
      j["partition"] = partition;
      j["leader"] = metadata_.leaderFor(name, partition);
      j["msgq_cnt"] = queued;
      j["msgq_bytes"] = queuedBytes;
      j["batches"] = pq.batches.size();
      j["msgs_inflight"] = inflight == inFlight.msgsByPartition.end() ? 0 : inflight->second;
      j["msgs"] = pq.appendedRecords;
      j["txmsgs"] = pq.sentRecords;
      j["txbytes"] = pq.sentBytes;
      j["next_seq"] = pq.producerId >= 0 ? pq.nextSequence : -1;
      j["producer_epoch"] = pq.producerEpoch;
      partitions[std::to_string(partition)] = std::move(j);
    }
    t["partitions"] = std::move(partitions);
    topics[name] = std::move(t);
  }
  doc["topics"] = std::move(topics);

  doc["eos"] = Json{{"idemp_state", sender_.idempotenceState()},
                    {"producer_id", sender_.producerId()},
                    {"producer_epoch", sender_.producerEpoch()},
                    {"epoch_cnt", c.producerIdAssignments}};
  return doc.dump();
}

}  // namespace kafkalite::client
