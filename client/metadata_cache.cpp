#include "client/metadata_cache.hpp"

#include <algorithm>

namespace kafkalite::client {

void MetadataCache::update(const protocol::MetadataResponse& response, int64_t nowMs) {
  std::map<int32_t, BrokerAddress> brokers;
  for (const auto& b : response.brokers) {
    brokers[b.nodeId] = BrokerAddress{b.host, static_cast<uint16_t>(b.port)};
  }
  brokers_ = std::move(brokers);
  for (const auto& t : response.topics) {
    if (!t.name) continue;
    TopicMetadata meta;
    meta.error = static_cast<ErrorCode>(t.errorCode);
    if (meta.error == ErrorCode::NONE) {
      // A broker describes every partition of a topic, numbered 0..n-1 (Kafka's
      // MetadataResponse): an index at or beyond the number of partitions listed is a
      // malformed answer and ignored, so an answer cannot make the cache allocate for
      // partitions it never described.
      const auto listed = static_cast<int64_t>(t.partitions.size());
      int32_t count = 0;
      for (const auto& p : t.partitions) {
        if (p.partitionIndex >= 0 && p.partitionIndex < listed) count = std::max(count, p.partitionIndex + 1);
      }
      meta.partitions.resize(static_cast<std::size_t>(count));
      for (int32_t i = 0; i < count; ++i) meta.partitions[static_cast<std::size_t>(i)].partition = i;
      for (const auto& p : t.partitions) {
        if (p.partitionIndex < 0 || p.partitionIndex >= count) continue;
        auto& pm = meta.partitions[static_cast<std::size_t>(p.partitionIndex)];
        pm.error = static_cast<ErrorCode>(p.errorCode);
        pm.leader = p.leaderId;
        pm.leaderEpoch = p.leaderEpoch;
        pm.replicas = p.replicaNodes;
        pm.isr = p.isrNodes;
      }
    }
    topics_[*t.name] = std::move(meta);
  }
  ++version_;
  ++refreshAttempts_;
  lastRefreshMs_ = nowMs;
  sendPassSinceRefresh_ = false;
  // A topic still unknown (being auto-created) or a leaderless partition is asked about
  // again after a backoff, which the Sender requests through requestUpdate().
  requestedAtMs_.reset();
}

void MetadataCache::updateFailed(int64_t nowMs, int32_t retryBackoffMs) noexcept {
  ++refreshAttempts_;
  requestedAtMs_ = nowMs + retryBackoffMs;
}

void MetadataCache::addTopic(const std::string& topic) {
  if (interest_.insert(topic).second && !topics_.contains(topic)) {
    if (!requestedAtMs_ || *requestedAtMs_ > 0) requestedAtMs_ = 0;
  }
}

void MetadataCache::requestUpdate(int64_t notBeforeMs) noexcept {
  if (!requestedAtMs_ || *requestedAtMs_ > notBeforeMs) requestedAtMs_ = notBeforeMs;
}

std::optional<int64_t> MetadataCache::nextUpdateMs(int64_t nowMs) const noexcept {
  std::optional<int64_t> due = requestedAtMs_;
  auto earliest = [&](int64_t t) {
    if (!due || t < *due) due = t;
  };
  if (lastRefreshMs_ && refreshIntervalMs_ > 0) {
    earliest(*lastRefreshMs_ + refreshIntervalMs_);
  } else if (!lastRefreshMs_ && !requestedAtMs_ && !interest_.empty()) {
    earliest(nowMs);  // never asked yet (after a failed attempt, requestedAtMs_ holds the backoff)
  }
  return due;
}

const TopicMetadata* MetadataCache::topic(const std::string& name) const {
  const auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

int32_t MetadataCache::leaderFor(const std::string& topic, int32_t partition) const {
  const TopicMetadata* t = this->topic(topic);
  if (!t || partition < 0 || static_cast<std::size_t>(partition) >= t->partitions.size()) return -1;
  return t->partitions[static_cast<std::size_t>(partition)].leader;
}

const BrokerAddress* MetadataCache::broker(int32_t nodeId) const {
  const auto it = brokers_.find(nodeId);
  return it == brokers_.end() ? nullptr : &it->second;
}

}  // namespace kafkalite::client
