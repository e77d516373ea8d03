#include "mockbroker/kafka_apis.hpp"
#include "mockbroker/replica_manager.hpp"
#include "protocol/messages/fetch.hpp"

namespace kafkalite::mock {

namespace {
using protocol::FetchResponse;
using PartitionData = FetchResponse::FetchableTopicResponse::PartitionData;
}  // namespace

void KafkaApis::handleFetchRequest(Request& request, std::optional<ErrorCode> injected) {
  protocol::FetchRequest body;
  if (!decodeBody(request, body)) return;

  FetchParams params;
  params.replicaId = body.replicaId;
  params.maxWaitMs = body.maxWaitMs;
  params.minBytes = body.minBytes;
  params.maxBytes = body.maxBytes;
  // spec 4.1: followers read to the LEO; consumers to the HW (read_committed to the LSO,
  // which is the HW here: the mock has no transactions).
  params.isolation = body.replicaId >= 0 ? FetchIsolation::LogEnd
                     : body.isolationLevel == 1 ? FetchIsolation::TxnCommitted
                                                : FetchIsolation::HighWatermark;
  for (const auto& topic : body.topics) {
    for (const auto& p : topic.partitions) {
      params.partitions.push_back(
          {{topic.topic, p.partition}, p.fetchOffset, p.partitionMaxBytes, p.currentLeaderEpoch, p.lastFetchedEpoch});
    }
  }

  auto respond = [this, request = request](const std::vector<FetchPartitionResult>& results) {
    // Kafka's maybeConvertFetchedData: a topic whose compression.type is zstd is not served
    // below Fetch v10, whatever the error or data (clients that old cannot read zstd).
    const auto refusesZstd = [this, version = request.header.apiVersion](const TopicPartition& tp) {
      if (version >= 10) return false;
      const Partition* partition = ctx_.replicaManager.partition(tp);
      return partition != nullptr && partition->log().config().compressionType == BrokerCompressionType::Zstd;
    };
    // The records go out where the log keeps them: the frame references each batch
    // (protocol::GatherFrame) and the batches' owners travel with it until it is written.
    std::vector<std::shared_ptr<const void>> owners;
    FetchResponse response;
    for (const auto& r : results) {
      if (response.responses.empty() || response.responses.back().topic != r.tp.topic) {
        response.responses.push_back({r.tp.topic, {}, {}});
      }
      PartitionData pd;
      pd.partitionIndex = r.tp.partition;
      if (refusesZstd(r.tp)) {
        pd.errorCode = static_cast<int16_t>(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE);
        pd.highWatermark = -1;  // FetchResponse.partitionResponse: no offsets
        pd.records = protocol::Records::ofPieces({});
        response.responses.back().partitions.push_back(std::move(pd));
        continue;
      }
      pd.errorCode = static_cast<int16_t>(r.error);
      pd.highWatermark = r.highWatermark;
      pd.lastStableOffset = r.lastStableOffset;  // interop.md §2: LSO = HW, so kcat sees EOF
      pd.logStartOffset = r.logStartOffset;
      pd.preferredReadReplica = -1;  // anything else makes librdkafka drop the data
      if (r.divergingEpoch) pd.divergingEpoch = {r.divergingEpoch->epoch, r.divergingEpoch->endOffset, {}};
      // Never null: librdkafka rejects a null record set ("invalid MessageSetSize -1").
      pd.records = protocol::Records::ofPieces(r.batches);
      owners.insert(owners.end(), r.owners.begin(), r.owners.end());
      response.responses.back().partitions.push_back(std::move(pd));
    }
    protocol::GatherFrame frame;
    if (auto error = frame.encodeResponse(request.header.correlationId, request.header.apiVersion, response)) {
      failRequest(request, "cannot encode the response: " + error->message());
      return;
    }
    request.responder.send(std::move(frame), std::move(owners),
                           static_cast<ErrorCode>(protocol::firstErrorCode(response, request.header.apiVersion)));
  };

  if (injected) {
    std::vector<FetchPartitionResult> results;
    for (const auto& p : params.partitions) {
      FetchPartitionResult r;
      r.tp = p.tp;
      r.error = *injected;
      results.push_back(std::move(r));
    }
    respond(results);
    return;
  }
  // Runs now or when a DelayedFetch completes, maybe while another request is handled.
  ctx_.replicaManager.fetchMessages(std::move(params), [this, request, respond](std::vector<FetchPartitionResult> results) {
    guarded(request, [&] { respond(results); });
  });
}

}  // namespace kafkalite::mock
