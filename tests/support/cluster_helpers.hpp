#pragma once
// Helpers for tests that drive an in-process MockCluster with KafkaTestClient:
// connecting to a given broker, finding leaders and followers in a PartitionView,
// producing one batch and reading the outcome, and comparing replica logs.
//
// Threading: free functions; MockCluster's members may be called from any thread.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "support/kafka_client.hpp"
#include "support/wait_until.hpp"

namespace kafkalite::testing {

using mock::MockCluster;
using mock::MockClusterOptions;
using mock::PartitionView;
using mock::StopMode;
using mock::StoredRecord;
using mock::TopicSpec;

/// A connection to one broker of the cluster; throws std::runtime_error on failure.
inline std::unique_ptr<KafkaTestClient> connectTo(const MockCluster& cluster, int32_t brokerId) {
  for (const auto& b : cluster.brokers()) {
    if (b.id == brokerId) return std::make_unique<KafkaTestClient>(b.host, b.port);
  }
  throw std::runtime_error("no broker " + std::to_string(brokerId));
}

inline std::vector<int32_t> sortedIds(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

inline bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

/// The replicas that are not the leader, in assignment order.
inline std::vector<int32_t> followersOf(const PartitionView& view) {
  std::vector<int32_t> out;
  for (int32_t r : view.replicas)
    if (r != view.leader) out.push_back(r);
  return out;
}

/// One replica's offsets in a view; throws if `brokerId` holds no replica.
inline const mock::ReplicaView& replicaOf(const PartitionView& view, int32_t brokerId) {
  for (const auto& r : view.replicaStates)
    if (r.brokerId == brokerId) return r;
  throw std::out_of_range("broker " + std::to_string(brokerId) + " holds no replica");
}

inline int64_t leaderHighWatermark(const MockCluster& cluster, const std::string& topic, int32_t partition) {
  const auto view = cluster.partition(topic, partition);
  if (view.leader < 0) return -1;
  return replicaOf(view, view.leader).highWatermark;
}

inline std::vector<std::string> storedValues(const std::vector<StoredRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.value.value_or("<null>"));
  return out;
}

/// The values stored at [from, from + n) in one replica's log, in offset order
/// (fewer if the log does not hold them all).
inline std::vector<std::string> storedValuesAt(const MockCluster& cluster, const std::string& topic,
                                               int32_t partition, int32_t brokerId, int64_t from, int64_t n) {
  std::vector<std::string> out;
  for (const auto& r : cluster.records(topic, partition, brokerId))
    if (r.offset >= from && r.offset < from + n) out.push_back(r.value.value_or("<null>"));
  return out;
}

/// The outcome of one produce request for one partition.
struct ProduceOutcome {
  ReadStatus status = ReadStatus::TimedOut;  ///< Ok: a response arrived
  std::string detail;                        ///< why there is no usable response
  int16_t errorCode = -1;
  int64_t baseOffset = -1;
  int64_t logStartOffset = -1;
  [[nodiscard]] bool answered() const { return status == ReadStatus::Ok && detail.empty(); }
  [[nodiscard]] ErrorCode error() const { return static_cast<ErrorCode>(errorCode); }
};

/// Reads the response to a produce sent earlier with `correlationId`.
inline ProduceOutcome receiveProduce(KafkaTestClient& client, int32_t correlationId, const std::string& topic,
                                     int32_t partition, int16_t version = 7,
                                     std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  ProduceOutcome out;
  auto reply = client.receive<protocol::ProduceResponse>(correlationId, version, timeout);
  out.status = reply.status;
  if (!reply.ok()) {
    out.detail = reply.error;
    return out;
  }
  const auto* p = findPartition(reply.body, topic, partition);
  if (!p) {
    out.detail = "the response has no entry for " + topic + "-" + std::to_string(partition);
    return out;
  }
  out.errorCode = p->errorCode;
  out.baseOffset = p->baseOffset;
  out.logStartOffset = p->logStartOffset;
  return out;
}

/// Sends one produce request carrying `records` for one partition and reads its response.
inline ProduceOutcome produce(KafkaTestClient& client, const std::string& topic, int32_t partition,
                              std::span<const uint8_t> records, int16_t acks, int32_t timeoutMs = 30000,
                              int16_t version = 7, std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  const int32_t id = client.send(produceRequest(topic, partition, records, acks, timeoutMs), version);
  if (id < 0) {
    ProduceOutcome out;
    out.status = ReadStatus::Closed;
    out.detail = "send failed: " + client.lastError();
    return out;
  }
  return receiveProduce(client, id, topic, partition, version, timeout);
}

inline std::string describe(const ProduceOutcome& o) {
  if (!o.answered()) return "no answer: " + o.detail;
  return errName(o.errorCode) + " baseOffset=" + std::to_string(o.baseOffset);
}

inline std::string describe(const PartitionView& v) {
  std::string s = v.topic + "-" + std::to_string(v.partition) + " leader=" + std::to_string(v.leader) +
                  " epoch=" + std::to_string(v.leaderEpoch) + " isr=[";
  for (int32_t i : v.isr) s += std::to_string(i) + ",";
  s += "] replicas:";
  for (const auto& r : v.replicaStates) {
    s += " {" + std::to_string(r.brokerId) + (r.online ? "" : " offline") + " LSO=" + std::to_string(r.logStartOffset) +
         " LEO=" + std::to_string(r.logEndOffset) + " HW=" + std::to_string(r.highWatermark) + "}";
  }
  return s;
}

/// Waits until every replica of the partition is in the ISR, and every replica's LEO
/// and HW equal the leader's LEO (a fully caught-up, quiet partition).
inline bool waitFullyReplicated(const MockCluster& cluster, const std::string& topic, int32_t partition,
                                std::chrono::milliseconds base = std::chrono::seconds(15)) {
  return waitUntil(
      [&] {
        const auto v = cluster.partition(topic, partition);
        if (v.leader < 0 || v.isr.size() != v.replicas.size()) return false;
        const int64_t leo = replicaOf(v, v.leader).logEndOffset;
        return std::all_of(v.replicaStates.begin(), v.replicaStates.end(), [&](const mock::ReplicaView& r) {
          return r.online && r.logEndOffset == leo && r.highWatermark == leo;
        });
      },
      base);
}

}  // namespace kafkalite::testing
