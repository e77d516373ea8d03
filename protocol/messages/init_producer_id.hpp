#pragma once
/// \file
/// InitProducerId (key 22), versions 0–4; flexible from v2.
///
/// An idempotent (non-transactional) producer sends a null transactional_id; Kafka's
/// coordinator answers an empty one with INVALID_REQUEST. From v3 the request may
/// carry the producer's current id and epoch (-1/-1 when it has none) so that it
/// can bump its epoch instead of getting a new id.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/api_key.hpp"
#include "protocol/schema.hpp"

namespace kafkalite::protocol {

struct InitProducerIdRequest {
  static constexpr ApiKey kApiKey = ApiKey::InitProducerId;
  static constexpr const char* kName = "InitProducerIdRequest";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(2);

  // Null (an idempotent, non-transactional producer) by default: Kafka's
  // coordinator rejects "" with INVALID_REQUEST.
  std::optional<std::string> transactionalId;
  int32_t transactionTimeoutMs = 0;
  int64_t producerId = -1;
  int16_t producerEpoch = -1;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = InitProducerIdRequest;
    return std::tuple{
        field("transactional_id", &S::transactionalId, since(0), since(0)),
        field("transaction_timeout_ms", &S::transactionTimeoutMs, since(0)),
        field("producer_id", &S::producerId, since(3)),
        field("producer_epoch", &S::producerEpoch, since(3)),
    };
  }
  bool operator==(const InitProducerIdRequest&) const = default;
};

struct InitProducerIdResponse {
  static constexpr ApiKey kApiKey = ApiKey::InitProducerId;
  static constexpr const char* kName = "InitProducerIdResponse";
  static constexpr VersionRange kValidVersions = between(0, 4);
  static constexpr VersionRange kFlexibleVersions = since(2);

  int32_t throttleTimeMs = 0;
  int16_t errorCode = 0;
  int64_t producerId = -1;
  int16_t producerEpoch = 0;
  TaggedFields unknownTaggedFields;

  static constexpr auto fields() {
    using S = InitProducerIdResponse;
    return std::tuple{
        field("throttle_time_ms", &S::throttleTimeMs, since(0)),
        field("error_code", &S::errorCode, since(0)),
        field("producer_id", &S::producerId, since(0)),
        field("producer_epoch", &S::producerEpoch, since(0)),
    };
  }
  bool operator==(const InitProducerIdResponse&) const = default;
};

}  // namespace kafkalite::protocol
