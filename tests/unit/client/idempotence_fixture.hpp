#pragma once
// An idempotent producer stepped by hand (CoreFixture): answering InitProducerId and
// reading the producer id, epoch and base sequence of the batches a request carries.
//
// Threading: one test thread.

#include <gtest/gtest.h>

#include "protocol/messages/init_producer_id.hpp"
#include "protocol/record_batch.hpp"
#include "unit/client/core_fixture.hpp"

namespace kafkalite::client::testing {

constexpr int16_t kNone = 0;

struct BatchIdentity {
  int64_t producerId = -2;
  int16_t producerEpoch = -2;
  int32_t baseSequence = -2;
  int32_t records = 0;
};

class IdempotenceFixture : public CoreFixture {
 protected:
  IdempotenceFixture() {
    config.queueBufferingMaxMs = 0;
    config.enableIdempotence = true;
    config.requestRequiredAcks = -1;
    config.messageSendMaxRetries = 3;
  }

  /// Answers the pending InitProducerId request (on any connection) with `id`/`epoch`.
  bool answerInitProducerId(int64_t id, int16_t epoch, int16_t error = kNone) {
    bool answered = false;
    forEachConnection([&](MockConnection& c) {
      if (answered) return;
      if (const auto i = c.pending(protocol::ApiKey::InitProducerId)) {
        protocol::InitProducerIdResponse r;
        r.errorCode = error;
        r.producerId = id;
        r.producerEpoch = epoch;
        c.respond(*i, encodeBody(r, c.sent()[*i].header.apiVersion));
        answered = true;
      }
    });
    return answered;
  }

  /// The pending InitProducerId request (on any connection), decoded.
  std::optional<protocol::InitProducerIdRequest> pendingInitProducerId() {
    std::optional<protocol::InitProducerIdRequest> out;
    forEachConnection([&](MockConnection& c) {
      if (out) return;
      if (const auto i = c.pending(protocol::ApiKey::InitProducerId)) {
        out = c.sent()[*i].decode<protocol::InitProducerIdRequest>();
      }
    });
    return out;
  }

  /// The identity of the batch for `partition` (default: the first one) in `request`.
  static BatchIdentity identityOf(const protocol::ProduceRequest& request, std::optional<int32_t> partition = std::nullopt) {
    BatchIdentity id;
    protocol::DecodeError error;
    const protocol::ProduceRequest::TopicProduceData::PartitionProduceData* data = &request.topicData.at(0).partitionData.at(0);
    if (partition) {
      data = nullptr;
      for (const auto& p : request.topicData.at(0).partitionData) {
        if (p.index == *partition) data = &p;
      }
      if (data == nullptr) return id;
    }
    const auto view = protocol::RecordBatchView::parse(data->records.bytes, error);
    if (!view) return id;
    id.producerId = view->producerId();
    id.producerEpoch = view->producerEpoch();
    id.baseSequence = view->baseSequence();
    id.records = view->recordsCount();
    return id;
  }
};

}  // namespace kafkalite::client::testing
