#include "mockbroker/request_summary.hpp"

#include <algorithm>
#include <cstdio>

#include "protocol/messages/all.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {

namespace {

using namespace kafkalite::protocol;

class Builder {
 public:
  explicit Builder(RequestSummary& out) : out_(out) {}
  void topic(const std::string& name) {
    if (std::find(out_.topics.begin(), out_.topics.end(), name) == out_.topics.end()) out_.topics.push_back(name);
  }
  void add(std::string key, std::string value) { out_.details.emplace_back(std::move(key), std::move(value)); }
  void add(std::string key, int64_t value) { add(std::move(key), std::to_string(value)); }
  void flag(std::string key, bool value) { add(std::move(key), std::string(value ? "true" : "false")); }
  /// Appends `item` to a comma-separated list detail, creating it.
  void item(std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; }
  void addList(std::string key, std::string list) {
    if (!list.empty()) add(std::move(key), std::move(list));
  }

 private:
  RequestSummary& out_;
};

std::string nullable(const std::optional<std::string>& s) { return s ? *s : std::string("null"); }

std::string uuidText(const Uuid& id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(id.high),
                static_cast<unsigned long long>(id.low));
  return buf;
}

void produce(const ProduceRequest& r, Builder& b) {
  if (r.transactionalId) b.add("transactional_id", *r.transactionalId);
  b.add("acks", r.acks);
  b.add("timeout_ms", r.timeoutMs);
  std::string records;
  std::string sequences;
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  for (const auto& t : r.topicData) {
    b.topic(t.name);
    for (const auto& p : t.partitionData) {
      const std::string tp = t.name + "-" + std::to_string(p.index);
      int64_t count = 0;
      RecordBatchIterator it(p.records.bytes);
      RecordBatchView view;
      bool first = true;
      while (it.next(view)) {
        count += view.recordsCount();
        if (first && view.producerId() >= 0) {
          producerId = view.producerId();
          producerEpoch = view.producerEpoch();
          b.item(sequences, tp + ":" + std::to_string(view.baseSequence()));
        }
        first = false;
      }
      b.item(records, tp + ":" + (it.failed() ? std::string("?") : std::to_string(count)));
    }
  }
  b.addList("records", records);
  if (producerId >= 0) {
    b.add("producer_id", producerId);
    b.add("producer_epoch", producerEpoch);
    b.addList("base_sequences", sequences);
  }
}

void fetch(const FetchRequest& r, Builder& b) {
  b.add("replica_id", r.replicaId);
  b.add("max_wait_ms", r.maxWaitMs);
  b.add("min_bytes", r.minBytes);
  b.add("max_bytes", r.maxBytes);
  b.add("isolation_level", r.isolationLevel);
  std::string offsets;
  for (const auto& t : r.topics) {
    b.topic(t.topic);
    for (const auto& p : t.partitions) b.item(offsets, t.topic + "-" + std::to_string(p.partition) + "@" + std::to_string(p.fetchOffset));
  }
  b.addList("fetch_offsets", offsets);
}

void listOffsets(const ListOffsetsRequest& r, Builder& b) {
  b.add("replica_id", r.replicaId);
  b.add("isolation_level", r.isolationLevel);
  std::string timestamps;
  for (const auto& t : r.topics) {
    b.topic(t.name);
    for (const auto& p : t.partitions) {
      b.item(timestamps, t.name + "-" + std::to_string(p.partitionIndex) + "@" + std::to_string(p.timestamp));
    }
  }
  b.addList("timestamps", timestamps);
}

void metadata(const MetadataRequest& r, int16_t version, Builder& b) {
  const bool all = !r.topics || (version == 0 && r.topics->empty());
  std::string names = all ? "*" : "";
  if (!all) {
    for (const auto& t : *r.topics) {
      const std::string name = t.name ? *t.name : uuidText(t.topicId);
      b.topic(name);
      b.item(names, name);
    }
  }
  b.add("topics", names);
  if (version >= 4) b.flag("allow_auto_topic_creation", r.allowAutoTopicCreation);
}

void createTopics(const CreateTopicsRequest& r, int16_t version, Builder& b) {
  std::string topics;
  std::string configs;
  for (const auto& t : r.topics) {
    b.topic(t.name);
    std::string shape = t.assignments.empty()
                            ? std::to_string(t.numPartitions) + "x" + std::to_string(t.replicationFactor)
                            : std::to_string(t.assignments.size()) + " assigned";
    b.item(topics, t.name + ":" + shape);
    for (const auto& c : t.configs) b.item(configs, t.name + ":" + c.name + "=" + nullable(c.value));
  }
  b.addList("topics", topics);
  b.addList("configs", configs);
  b.add("timeout_ms", r.timeoutMs);
  if (version >= 1) b.flag("validate_only", r.validateOnly);
}

void deleteTopics(const DeleteTopicsRequest& r, Builder& b) {
  std::string topics;
  for (const auto& name : r.topicNames) {
    b.topic(name);
    b.item(topics, name);
  }
  for (const auto& t : r.topics) {
    const std::string name = t.name ? *t.name : uuidText(t.topicId);
    if (t.name) b.topic(name);
    b.item(topics, name);
  }
  b.addList("topics", topics);
  b.add("timeout_ms", r.timeoutMs);
}

template <class Resources>
std::string resourceList(const Resources& resources, Builder& b) {
  std::string list;
  for (const auto& res : resources) {
    const auto type = static_cast<ConfigResourceType>(res.resourceType);
    const char* kind = type == ConfigResourceType::Topic    ? "topic"
                       : type == ConfigResourceType::Broker ? "broker"
                                                            : "type";
    if (type == ConfigResourceType::Topic) b.topic(res.resourceName);
    b.item(list, std::string(kind) + (type == ConfigResourceType::Topic || type == ConfigResourceType::Broker
                                          ? ""
                                          : std::to_string(res.resourceType)) +
                     ":" + res.resourceName);
  }
  return list;
}

void describeConfigs(const DescribeConfigsRequest& r, int16_t version, Builder& b) {
  b.addList("resources", resourceList(r.resources, b));
  if (version >= 1) b.flag("include_synonyms", r.includeSynonyms);
}

void alterConfigs(const AlterConfigsRequest& r, Builder& b) {
  b.addList("resources", resourceList(r.resources, b));
  std::string configs;
  for (const auto& res : r.resources) {
    for (const auto& c : res.configs) b.item(configs, res.resourceName + ":" + c.name + "=" + nullable(c.value));
  }
  b.addList("configs", configs);
  b.flag("validate_only", r.validateOnly);
}

void incrementalAlterConfigs(const IncrementalAlterConfigsRequest& r, Builder& b) {
  static const char* const kOps[] = {"SET", "DELETE", "APPEND", "SUBTRACT"};
  b.addList("resources", resourceList(r.resources, b));
  std::string configs;
  for (const auto& res : r.resources) {
    for (const auto& c : res.configs) {
      const std::string op = c.configOperation >= 0 && c.configOperation <= 3 ? kOps[c.configOperation]
                                                                               : std::to_string(c.configOperation);
      b.item(configs, res.resourceName + ":" + op + " " + c.name + (c.value ? "=" + *c.value : ""));
    }
  }
  b.addList("configs", configs);
  b.flag("validate_only", r.validateOnly);
}

}  // namespace

RequestSummary summarizeRequest(ApiKey apiKey, int16_t version, std::span<const uint8_t> body) {
  RequestSummary out;
  Builder b(out);
  const auto as = [&](auto message, auto&& fn) {
    if (const auto error = decode(body, version, message)) {
      b.add("decode_error", error->message());
      return;
    }
    fn(message);
  };
  switch (apiKey) {
    case ApiKey::Produce: as(ProduceRequest{}, [&](const auto& r) { produce(r, b); });
      break;
    case ApiKey::Fetch: as(FetchRequest{}, [&](const auto& r) { fetch(r, b); });
      break;
    case ApiKey::ListOffsets: as(ListOffsetsRequest{}, [&](const auto& r) { listOffsets(r, b); });
      break;
    case ApiKey::Metadata: as(MetadataRequest{}, [&](const auto& r) { metadata(r, version, b); });
      break;
    case ApiKey::ApiVersions:
      if (version > ApiVersionsRequest::kValidVersions.hi) return out;
      as(ApiVersionsRequest{}, [&](const auto& r) {
        if (version >= 3) {
          b.add("client_software_name", r.clientSoftwareName);
          b.add("client_software_version", r.clientSoftwareVersion);
        }
      });
      break;
    case ApiKey::InitProducerId:
      as(InitProducerIdRequest{}, [&](const auto& r) {
        b.add("transactional_id", nullable(r.transactionalId));
        b.add("transaction_timeout_ms", r.transactionTimeoutMs);
        if (version >= 3) {
          b.add("producer_id", r.producerId);
          b.add("producer_epoch", r.producerEpoch);
        }
      });
      break;
    case ApiKey::FindCoordinator:
      as(FindCoordinatorRequest{}, [&](const auto& r) {
        b.add("key", r.key);
        b.add("key_type", r.keyType);
      });
      break;
    case ApiKey::CreateTopics: as(CreateTopicsRequest{}, [&](const auto& r) { createTopics(r, version, b); });
      break;
    case ApiKey::DeleteTopics: as(DeleteTopicsRequest{}, [&](const auto& r) { deleteTopics(r, b); });
      break;
    case ApiKey::DeleteRecords:
      as(DeleteRecordsRequest{}, [&](const auto& r) {
        std::string offsets;
        for (const auto& t : r.topics) {
          b.topic(t.name);
          for (const auto& p : t.partitions) {
            b.item(offsets, t.name + "-" + std::to_string(p.partitionIndex) + "@" + std::to_string(p.offset));
          }
        }
        b.addList("offsets", offsets);
        b.add("timeout_ms", r.timeoutMs);
      });
      break;
    case ApiKey::CreatePartitions:
      as(CreatePartitionsRequest{}, [&](const auto& r) {
        std::string counts;
        for (const auto& t : r.topics) {
          b.topic(t.name);
          b.item(counts, t.name + ":" + std::to_string(t.count));
        }
        b.addList("counts", counts);
        b.add("timeout_ms", r.timeoutMs);
        b.flag("validate_only", r.validateOnly);
      });
      break;
    case ApiKey::DescribeConfigs:
      as(DescribeConfigsRequest{}, [&](const auto& r) { describeConfigs(r, version, b); });
      break;
    case ApiKey::AlterConfigs: as(AlterConfigsRequest{}, [&](const auto& r) { alterConfigs(r, b); });
      break;
    case ApiKey::IncrementalAlterConfigs:
      as(IncrementalAlterConfigsRequest{}, [&](const auto& r) { incrementalAlterConfigs(r, b); });
      break;
    case ApiKey::DescribeCluster:
      as(DescribeClusterRequest{}, [&](const auto& r) {
        b.flag("include_cluster_authorized_operations", r.includeClusterAuthorizedOperations);
        if (version >= 1) b.add("endpoint_type", r.endpointType);
      });
      break;
    case ApiKey::ElectLeaders:
      as(ElectLeadersRequest{}, [&](const auto& r) {
        if (version >= 1) b.add("election_type", std::string(r.electionType == 1 ? "UNCLEAN" : "PREFERRED"));
        std::string partitions = r.topicPartitions ? "" : "*";
        if (r.topicPartitions) {
          for (const auto& t : *r.topicPartitions) {
            b.topic(t.topic);
            for (int32_t p : t.partitions) b.item(partitions, t.topic + "-" + std::to_string(p));
          }
        }
        b.addList("partitions", partitions);
        b.add("timeout_ms", r.timeoutMs);
      });
      break;
    case ApiKey::DescribeLogDirs:
      as(DescribeLogDirsRequest{}, [&](const auto& r) {
        std::string topics = r.topics ? "" : "*";
        if (r.topics) {
          for (const auto& t : *r.topics) {
            b.topic(t.topic);
            b.item(topics, t.topic);
          }
        }
        b.addList("topics", topics);
      });
      break;
    default: break;
  }
  return out;
}

std::string summaryLine(const std::vector<std::pair<std::string, std::string>>& details) {
  std::string line;
  for (const auto& [k, v] : details) line += (line.empty() ? "" : " ") + k + "=" + v;
  return line;
}

}  // namespace kafkalite::mock
