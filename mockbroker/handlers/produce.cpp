#include <map>

#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/produce.hpp"
#include "protocol/record_batch.hpp"

namespace kafkalite::mock {

namespace {
using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::TopicProduceResponse::PartitionProduceResponse;

// ProduceRequest.validateRecords: zstd batches need Produce v7 (KIP-110).
bool zstdBeforeV7(std::span<const uint8_t> records, int16_t version) {
  if (version >= 7) return false;
  protocol::DecodeError error;
  const auto batch = protocol::RecordBatchView::parse(records, error);
  return batch && batch->compression() == protocol::CompressionType::Zstd;
}
}  // namespace

void KafkaApis::handleProduceRequest(Request& request, std::optional<ErrorCode> injected) {
  auto body = std::make_shared<protocol::ProduceRequest>();
  if (!decodeBody(request, *body)) return;
  const int16_t version = request.header.apiVersion;

  // The response mirrors the request's topics and partitions; errors found before the
  // append are filled in now, the rest when the append (or DelayedProduce) completes.
  auto response = std::make_shared<ProduceResponse>();
  std::vector<std::pair<TopicPartition, std::span<const uint8_t>>> entries;
  std::map<TopicPartition, PartitionResponse*> pending;
  std::optional<ErrorCode> requestError = injected;
  if (!requestError && version < 3) requestError = ErrorCode::UNSUPPORTED_VERSION;  // no magic-2 batches before v3
  if (!requestError && body->acks != -1 && body->acks != 0 && body->acks != 1) {
    requestError = ErrorCode::INVALID_REQUIRED_ACKS;  // spec 1.1: nothing is appended
  }
  for (const auto& topic : body->topicData) {
    response->responses.push_back({topic.name, {}, {}});
    auto& topicResponse = response->responses.back();
    topicResponse.partitionResponses.reserve(topic.partitionData.size());
    for (const auto& p : topic.partitionData) {
      PartitionResponse pr;
      pr.index = p.index;
      // Kafka's PartitionResponse(error): nothing was appended, so no offsets.
      pr.baseOffset = -1;
      pr.logStartOffset = -1;
      const TopicPartition tp{topic.name, p.index};
      if (requestError) {
        pr.errorCode = static_cast<int16_t>(*requestError);
      } else if (const ErrorCode unknown = ctx_.replicaManager.getPartitionOrError(tp).error;
                 unknown == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) {
        // spec 1.2 (KafkaApis: the metadata has no such partition; also any name that breaks
        // Kafka's topic rule, since no such topic can exist).
        pr.errorCode = static_cast<int16_t>(unknown);
      } else if (zstdBeforeV7(p.records.bytes, version)) {
        pr.errorCode = static_cast<int16_t>(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE);
        pr.errorMessage = "Produce requests with version " + std::to_string(version) +
                          " are not allowed to use ZStandard compression";
      } else {
        entries.emplace_back(tp, p.records.bytes);
      }
      topicResponse.partitionResponses.push_back(std::move(pr));
    }
  }
  for (auto& topic : response->responses) {
    for (auto& pr : topic.partitionResponses) {
      if (pr.errorCode == 0) pending[{topic.name, pr.index}] = &pr;
    }
  }

  const int16_t acks = body->acks;
  auto respond = [this, request = request, response, acks](bool anyError) {
    if (acks == 0) {
      // spec 1.9: no response; an error closes the connection so the client refreshes metadata.
      if (anyError) {
        request.responder.closeConnection();
      } else {
        request.responder.sendNothing();
      }
      return;
    }
    sendResponse(request, *response);
  };

  bool anyEarlyError = false;
  for (const auto& topic : response->responses) {
    for (const auto& pr : topic.partitionResponses) anyEarlyError |= pr.errorCode != 0;
  }
  if (entries.empty()) {
    respond(anyEarlyError);
    return;
  }
  // The records are views into the request frame; the logs keep their batches in it.
  ctx_.replicaManager.appendRecords(
      body->timeoutMs, acks, entries,
      [this, request, respond, response, pending = std::move(pending),
       anyEarlyError](std::vector<ProducePartitionResult> results) {
        // Runs now or when a DelayedProduce completes, maybe while another request is handled.
        guarded(request, [&] {
          bool anyError = anyEarlyError;
          for (const auto& r : results) {
            const auto it = pending.find(r.tp);
            if (it == pending.end()) continue;
            PartitionResponse& pr = *it->second;
            pr.errorCode = static_cast<int16_t>(r.error);
            // -1 when the partition failed before its append; the appended offset otherwise,
            // also when the wait for the ISR then failed (Kafka's DelayedProduce keeps it).
            pr.baseOffset = r.baseOffset;
            pr.logStartOffset = r.logStartOffset;
            pr.logAppendTimeMs = r.logAppendTime;  // -1 unless the topic uses LogAppendTime
            if (!r.errorMessage.empty()) pr.errorMessage = r.errorMessage;
            for (const auto& e : r.recordErrors) pr.recordErrors.push_back({e.batchIndex, e.message, {}});
            anyError |= r.error != ErrorCode::NONE;
          }
          respond(anyError);
        });
      },
      request.frame);
}

}  // namespace kafkalite::mock
