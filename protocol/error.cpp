// Kafka wire error codes and kafkalite client errors, wired into std::error_code.
// Everything is answered from two constexpr tables indexed by value, so lookups are O(1).

#include "kafkalite/error.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <string>

namespace kafkalite {
namespace {

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;
  // True exactly when Kafka's exception for the code extends RetriableException
  // (checked against clients/.../common/errors/*.java). This column is the single
  // answer to "is this wire error retriable?".
  bool retriable;
  std::string_view description;
};

// One row per wire code, in code order with no gaps, so the row of code c is at index
// c + 1. Names are Kafka's (Errors.java); descriptions are our own.
constexpr auto kErrorTable = std::to_array<ErrorInfo>({
    {ErrorCode::UNKNOWN_SERVER_ERROR, "UNKNOWN_SERVER_ERROR", false, "the broker hit an unexpected internal error"},
    {ErrorCode::NONE, "NONE", false, "success"},
    {ErrorCode::OFFSET_OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE", false, "the offset is outside the partition's log"},
    {ErrorCode::CORRUPT_MESSAGE, "CORRUPT_MESSAGE", true,
     "a record failed its CRC or size check, or is otherwise malformed"},
    {ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION", true,
     "this broker does not host the topic-partition"},
    {ErrorCode::INVALID_FETCH_SIZE, "INVALID_FETCH_SIZE", false, "the fetch size is not valid"},
    {ErrorCode::LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE", true,
     "the partition has no leader right now (election in progress)"},
    {ErrorCode::NOT_LEADER_OR_FOLLOWER, "NOT_LEADER_OR_FOLLOWER", true,
     "this broker is not the leader (or not a replica) of the partition"},
    {ErrorCode::REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT", true, "the broker timed the request out"},
    {ErrorCode::BROKER_NOT_AVAILABLE, "BROKER_NOT_AVAILABLE", false, "the broker is not available"},
    {ErrorCode::REPLICA_NOT_AVAILABLE, "REPLICA_NOT_AVAILABLE", true, "the replica is not available for the partition"},
    {ErrorCode::MESSAGE_TOO_LARGE, "MESSAGE_TOO_LARGE", false,
     "a record batch exceeds the broker's maximum message size"},
    {ErrorCode::STALE_CONTROLLER_EPOCH, "STALE_CONTROLLER_EPOCH", false, "the controller epoch is stale"},
    {ErrorCode::OFFSET_METADATA_TOO_LARGE, "OFFSET_METADATA_TOO_LARGE", false,
     "the offset commit metadata is too large"},
    {ErrorCode::NETWORK_EXCEPTION, "NETWORK_EXCEPTION", true, "the connection closed before a response arrived"},
    {ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, "COORDINATOR_LOAD_IN_PROGRESS", true,
     "the coordinator is still loading its state"},
    {ErrorCode::COORDINATOR_NOT_AVAILABLE, "COORDINATOR_NOT_AVAILABLE", true, "the coordinator is not available"},
    {ErrorCode::NOT_COORDINATOR, "NOT_COORDINATOR", true, "this broker is not the coordinator"},
    {ErrorCode::INVALID_TOPIC_EXCEPTION, "INVALID_TOPIC_EXCEPTION", false,
     "the topic name is not valid for this operation"},
    {ErrorCode::RECORD_LIST_TOO_LARGE, "RECORD_LIST_TOO_LARGE", false,
     "a record batch exceeds the broker's segment size"},
    {ErrorCode::NOT_ENOUGH_REPLICAS, "NOT_ENOUGH_REPLICAS", true,
     "too few in-sync replicas; the records were not written"},
    {ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true,
     "the records were written but too few in-sync replicas acknowledged them"},
    {ErrorCode::INVALID_REQUIRED_ACKS, "INVALID_REQUIRED_ACKS", false, "the acks value is not valid"},
    {ErrorCode::ILLEGAL_GENERATION, "ILLEGAL_GENERATION", false, "the group generation id is not valid"},
    {ErrorCode::INCONSISTENT_GROUP_PROTOCOL, "INCONSISTENT_GROUP_PROTOCOL", false,
     "the member's protocols do not match the group's"},
    {ErrorCode::INVALID_GROUP_ID, "INVALID_GROUP_ID", false, "the group id is not valid"},
    {ErrorCode::UNKNOWN_MEMBER_ID, "UNKNOWN_MEMBER_ID", false, "the coordinator does not know this member"},
    {ErrorCode::INVALID_SESSION_TIMEOUT, "INVALID_SESSION_TIMEOUT", false,
     "the session timeout is outside the broker's allowed range"},
    {ErrorCode::REBALANCE_IN_PROGRESS, "REBALANCE_IN_PROGRESS", false, "the group is rebalancing; rejoin"},
    {ErrorCode::INVALID_COMMIT_OFFSET_SIZE, "INVALID_COMMIT_OFFSET_SIZE", false, "the offset commit size is not valid"},
    {ErrorCode::TOPIC_AUTHORIZATION_FAILED, "TOPIC_AUTHORIZATION_FAILED", false, "not authorized to access the topic"},
    {ErrorCode::GROUP_AUTHORIZATION_FAILED, "GROUP_AUTHORIZATION_FAILED", false, "not authorized to access the group"},
    {ErrorCode::CLUSTER_AUTHORIZATION_FAILED, "CLUSTER_AUTHORIZATION_FAILED", false,
     "not authorized for the cluster operation"},
    {ErrorCode::INVALID_TIMESTAMP, "INVALID_TIMESTAMP", false, "a record timestamp is outside the accepted range"},
    {ErrorCode::UNSUPPORTED_SASL_MECHANISM, "UNSUPPORTED_SASL_MECHANISM", false,
     "the broker does not support the SASL mechanism"},
    {ErrorCode::ILLEGAL_SASL_STATE, "ILLEGAL_SASL_STATE", false, "the request is not valid in the current SASL state"},
    {ErrorCode::UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION", false, "the broker does not support this API version"},
    {ErrorCode::TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", false, "the topic already exists"},
    {ErrorCode::INVALID_PARTITIONS, "INVALID_PARTITIONS", false, "the partition count is not valid"},
    {ErrorCode::INVALID_REPLICATION_FACTOR, "INVALID_REPLICATION_FACTOR", false, "the replication factor is not valid"},
    {ErrorCode::INVALID_REPLICA_ASSIGNMENT, "INVALID_REPLICA_ASSIGNMENT", false, "the replica assignment is not valid"},
    {ErrorCode::INVALID_CONFIG, "INVALID_CONFIG", false, "the configuration is not valid"},
    {ErrorCode::NOT_CONTROLLER, "NOT_CONTROLLER", true, "this broker is not the active controller"},
    {ErrorCode::INVALID_REQUEST, "INVALID_REQUEST", false, "the request is malformed or not valid for this broker"},
    {ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false,
     "the broker's message format does not support the request"},
    {ErrorCode::POLICY_VIOLATION, "POLICY_VIOLATION", false, "the request violates a configured policy"},
    {ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, "OUT_OF_ORDER_SEQUENCE_NUMBER", false,
     "the producer sequence number is out of order"},
    {ErrorCode::DUPLICATE_SEQUENCE_NUMBER, "DUPLICATE_SEQUENCE_NUMBER", false,
     "the producer sequence number is a duplicate"},
    {ErrorCode::INVALID_PRODUCER_EPOCH, "INVALID_PRODUCER_EPOCH", false,
     "the producer epoch is older than the broker's"},
    {ErrorCode::INVALID_TXN_STATE, "INVALID_TXN_STATE", false,
     "the transactional operation is not valid in the current state"},
    {ErrorCode::INVALID_PRODUCER_ID_MAPPING, "INVALID_PRODUCER_ID_MAPPING", false,
     "the producer id is not assigned to this transactional id"},
    {ErrorCode::INVALID_TRANSACTION_TIMEOUT, "INVALID_TRANSACTION_TIMEOUT", false,
     "the transaction timeout exceeds the broker's maximum"},
    {ErrorCode::CONCURRENT_TRANSACTIONS, "CONCURRENT_TRANSACTIONS", true,
     "another operation on the same transaction is in progress"},
    {ErrorCode::TRANSACTION_COORDINATOR_FENCED, "TRANSACTION_COORDINATOR_FENCED", false,
     "the transaction coordinator has been fenced"},
    {ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false,
     "not authorized for the transactional id"},
    {ErrorCode::SECURITY_DISABLED, "SECURITY_DISABLED", false, "security features are disabled on the broker"},
    {ErrorCode::OPERATION_NOT_ATTEMPTED, "OPERATION_NOT_ATTEMPTED", false,
     "the broker skipped this operation because another in the batch failed"},
    {ErrorCode::KAFKA_STORAGE_ERROR, "KAFKA_STORAGE_ERROR", true, "the broker hit a disk error on the log"},
    {ErrorCode::LOG_DIR_NOT_FOUND, "LOG_DIR_NOT_FOUND", false,
     "the log directory is not in the broker's configuration"},
    {ErrorCode::SASL_AUTHENTICATION_FAILED, "SASL_AUTHENTICATION_FAILED", false, "SASL authentication failed"},
    {ErrorCode::UNKNOWN_PRODUCER_ID, "UNKNOWN_PRODUCER_ID", false, "the broker has no state for this producer id"},
    {ErrorCode::REASSIGNMENT_IN_PROGRESS, "REASSIGNMENT_IN_PROGRESS", false, "a partition reassignment is in progress"},
    {ErrorCode::DELEGATION_TOKEN_AUTH_DISABLED, "DELEGATION_TOKEN_AUTH_DISABLED", false,
     "delegation tokens are disabled"},
    {ErrorCode::DELEGATION_TOKEN_NOT_FOUND, "DELEGATION_TOKEN_NOT_FOUND", false, "the delegation token does not exist"},
    {ErrorCode::DELEGATION_TOKEN_OWNER_MISMATCH, "DELEGATION_TOKEN_OWNER_MISMATCH", false,
     "the principal is not the token's owner or renewer"},
    {ErrorCode::DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false,
     "delegation token requests are not allowed on this channel"},
    {ErrorCode::DELEGATION_TOKEN_AUTHORIZATION_FAILED, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false,
     "not authorized for the delegation token"},
    {ErrorCode::DELEGATION_TOKEN_EXPIRED, "DELEGATION_TOKEN_EXPIRED", false, "the delegation token has expired"},
    {ErrorCode::INVALID_PRINCIPAL_TYPE, "INVALID_PRINCIPAL_TYPE", false, "the principal type is not supported"},
    {ErrorCode::NON_EMPTY_GROUP, "NON_EMPTY_GROUP", false, "the group still has members"},
    {ErrorCode::GROUP_ID_NOT_FOUND, "GROUP_ID_NOT_FOUND", false, "the group does not exist"},
    {ErrorCode::FETCH_SESSION_ID_NOT_FOUND, "FETCH_SESSION_ID_NOT_FOUND", true, "the fetch session does not exist"},
    {ErrorCode::INVALID_FETCH_SESSION_EPOCH, "INVALID_FETCH_SESSION_EPOCH", true,
     "the fetch session epoch is not valid"},
    {ErrorCode::LISTENER_NOT_FOUND, "LISTENER_NOT_FOUND", true,
     "the leader has no listener matching the request's listener"},
    {ErrorCode::TOPIC_DELETION_DISABLED, "TOPIC_DELETION_DISABLED", false, "topic deletion is disabled"},
    {ErrorCode::FENCED_LEADER_EPOCH, "FENCED_LEADER_EPOCH", true,
     "the request's leader epoch is older than the broker's"},
    {ErrorCode::UNKNOWN_LEADER_EPOCH, "UNKNOWN_LEADER_EPOCH", true,
     "the request's leader epoch is newer than the broker's"},
    {ErrorCode::UNSUPPORTED_COMPRESSION_TYPE, "UNSUPPORTED_COMPRESSION_TYPE", false,
     "the client does not support the partition's compression type"},
    {ErrorCode::STALE_BROKER_EPOCH, "STALE_BROKER_EPOCH", false, "the broker epoch is stale"},
    {ErrorCode::OFFSET_NOT_AVAILABLE, "OFFSET_NOT_AVAILABLE", true,
     "the new leader's high watermark has not caught up yet"},
    {ErrorCode::MEMBER_ID_REQUIRED, "MEMBER_ID_REQUIRED", false, "the member must obtain a member id first"},
    {ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE, "PREFERRED_LEADER_NOT_AVAILABLE", true,
     "the preferred leader is not available"},
    {ErrorCode::GROUP_MAX_SIZE_REACHED, "GROUP_MAX_SIZE_REACHED", false, "the group is at its maximum size"},
    {ErrorCode::FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID", false,
     "another member with the same group instance id fenced this one"},
    {ErrorCode::ELIGIBLE_LEADERS_NOT_AVAILABLE, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true,
     "no eligible leader is available"},
    {ErrorCode::ELECTION_NOT_NEEDED, "ELECTION_NOT_NEEDED", true, "no leader election is needed"},
    {ErrorCode::NO_REASSIGNMENT_IN_PROGRESS, "NO_REASSIGNMENT_IN_PROGRESS", false,
     "no partition reassignment is in progress"},
    {ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC, "GROUP_SUBSCRIBED_TO_TOPIC", false,
     "cannot delete offsets of a topic the group is subscribed to"},
    {ErrorCode::INVALID_RECORD, "INVALID_RECORD", false, "the broker rejected a record that failed validation"},
    {ErrorCode::UNSTABLE_OFFSET_COMMIT, "UNSTABLE_OFFSET_COMMIT", true, "unstable offsets are pending"},
    {ErrorCode::THROTTLING_QUOTA_EXCEEDED, "THROTTLING_QUOTA_EXCEEDED", true, "the throttling quota is exceeded"},
    {ErrorCode::PRODUCER_FENCED, "PRODUCER_FENCED", false,
     "a newer producer with the same transactional id fenced this one"},
    {ErrorCode::RESOURCE_NOT_FOUND, "RESOURCE_NOT_FOUND", false, "the resource does not exist"},
    {ErrorCode::DUPLICATE_RESOURCE, "DUPLICATE_RESOURCE", false, "the request names the same resource twice"},
    {ErrorCode::UNACCEPTABLE_CREDENTIAL, "UNACCEPTABLE_CREDENTIAL", false,
     "the credential does not meet the acceptance criteria"},
    {ErrorCode::INCONSISTENT_VOTER_SET, "INCONSISTENT_VOTER_SET", false,
     "the sender or receiver is not an expected voter"},
    {ErrorCode::INVALID_UPDATE_VERSION, "INVALID_UPDATE_VERSION", false, "the update version is not valid"},
    {ErrorCode::FEATURE_UPDATE_FAILED, "FEATURE_UPDATE_FAILED", false, "the finalized feature update failed"},
    {ErrorCode::PRINCIPAL_DESERIALIZATION_FAILURE, "PRINCIPAL_DESERIALIZATION_FAILURE", false,
     "the forwarded principal could not be deserialized"},
    {ErrorCode::SNAPSHOT_NOT_FOUND, "SNAPSHOT_NOT_FOUND", false, "the snapshot does not exist"},
    {ErrorCode::POSITION_OUT_OF_RANGE, "POSITION_OUT_OF_RANGE", false, "the position is outside the snapshot"},
    {ErrorCode::UNKNOWN_TOPIC_ID, "UNKNOWN_TOPIC_ID", true, "this broker does not host the topic id"},
    {ErrorCode::DUPLICATE_BROKER_REGISTRATION, "DUPLICATE_BROKER_REGISTRATION", false,
     "the broker id is already registered"},
    {ErrorCode::BROKER_ID_NOT_REGISTERED, "BROKER_ID_NOT_REGISTERED", false, "the broker id is not registered"},
    {ErrorCode::INCONSISTENT_TOPIC_ID, "INCONSISTENT_TOPIC_ID", true, "the topic id does not match the log's"},
    {ErrorCode::INCONSISTENT_CLUSTER_ID, "INCONSISTENT_CLUSTER_ID", false,
     "the cluster id does not match the broker's"},
    {ErrorCode::TRANSACTIONAL_ID_NOT_FOUND, "TRANSACTIONAL_ID_NOT_FOUND", false, "the transactional id does not exist"},
    {ErrorCode::FETCH_SESSION_TOPIC_ID_ERROR, "FETCH_SESSION_TOPIC_ID_ERROR", true,
     "the fetch session used topic ids inconsistently"},
    {ErrorCode::INELIGIBLE_REPLICA, "INELIGIBLE_REPLICA", false, "the new ISR contains an ineligible replica"},
    {ErrorCode::NEW_LEADER_ELECTED, "NEW_LEADER_ELECTED", false,
     "the partition state was updated but the leader changed"},
    {ErrorCode::OFFSET_MOVED_TO_TIERED_STORAGE, "OFFSET_MOVED_TO_TIERED_STORAGE", false,
     "the offset has moved to tiered storage"},
    {ErrorCode::FENCED_MEMBER_EPOCH, "FENCED_MEMBER_EPOCH", false, "the member epoch is fenced; rejoin"},
    {ErrorCode::UNRELEASED_INSTANCE_ID, "UNRELEASED_INSTANCE_ID", false,
     "the instance id is still held by another member"},
    {ErrorCode::UNSUPPORTED_ASSIGNOR, "UNSUPPORTED_ASSIGNOR", false, "the assignor is not supported"},
    {ErrorCode::STALE_MEMBER_EPOCH, "STALE_MEMBER_EPOCH", false, "the member epoch is stale"},
    {ErrorCode::MISMATCHED_ENDPOINT_TYPE, "MISMATCHED_ENDPOINT_TYPE", false,
     "the request reached an endpoint of the wrong type"},
    {ErrorCode::UNSUPPORTED_ENDPOINT_TYPE, "UNSUPPORTED_ENDPOINT_TYPE", false, "the endpoint type is not supported"},
    {ErrorCode::UNKNOWN_CONTROLLER_ID, "UNKNOWN_CONTROLLER_ID", false, "the controller id is not known"},
    {ErrorCode::UNKNOWN_SUBSCRIPTION_ID, "UNKNOWN_SUBSCRIPTION_ID", false,
     "the telemetry subscription id is unknown or outdated"},
    {ErrorCode::TELEMETRY_TOO_LARGE, "TELEMETRY_TOO_LARGE", false,
     "the telemetry push exceeds the broker's maximum size"},
    {ErrorCode::INVALID_REGISTRATION, "INVALID_REGISTRATION", false, "the controller rejected the broker registration"},
    {ErrorCode::TRANSACTION_ABORTABLE, "TRANSACTION_ABORTABLE", false, "the transaction failed; abort it to continue"},
    {ErrorCode::INVALID_RECORD_STATE, "INVALID_RECORD_STATE", false,
     "the record state does not allow the acknowledgement"},
    {ErrorCode::SHARE_SESSION_NOT_FOUND, "SHARE_SESSION_NOT_FOUND", true, "the share session does not exist"},
    {ErrorCode::INVALID_SHARE_SESSION_EPOCH, "INVALID_SHARE_SESSION_EPOCH", true,
     "the share session epoch is not valid"},
    {ErrorCode::FENCED_STATE_EPOCH, "FENCED_STATE_EPOCH", false, "the share group state epoch does not match"},
    {ErrorCode::INVALID_VOTER_KEY, "INVALID_VOTER_KEY", false, "the voter key does not match the receiver's"},
    {ErrorCode::DUPLICATE_VOTER, "DUPLICATE_VOTER", false, "the voter is already in the voter set"},
    {ErrorCode::VOTER_NOT_FOUND, "VOTER_NOT_FOUND", false, "the voter is not in the voter set"},
    {ErrorCode::INVALID_REGULAR_EXPRESSION, "INVALID_REGULAR_EXPRESSION", false, "the regular expression is not valid"},
    {ErrorCode::REBOOTSTRAP_REQUIRED, "REBOOTSTRAP_REQUIRED", false, "the client's metadata is stale; rebootstrap"},
    {ErrorCode::STREAMS_INVALID_TOPOLOGY, "STREAMS_INVALID_TOPOLOGY", false, "the streams topology is not valid"},
    {ErrorCode::STREAMS_INVALID_TOPOLOGY_EPOCH, "STREAMS_INVALID_TOPOLOGY_EPOCH", false,
     "the streams topology epoch is not valid"},
    {ErrorCode::STREAMS_TOPOLOGY_FENCED, "STREAMS_TOPOLOGY_FENCED", false, "the streams topology epoch is outdated"},
    {ErrorCode::SHARE_SESSION_LIMIT_REACHED, "SHARE_SESSION_LIMIT_REACHED", true,
     "the broker's share session limit is reached"},
});

constexpr int kLowestCode = static_cast<int>(kLowestErrorCode);

constexpr bool errorTableIsDense() {
  for (std::size_t i = 0; i < kErrorTable.size(); ++i) {
    if (static_cast<int>(kErrorTable[i].code) != kLowestCode + static_cast<int>(i)) return false;
    if (kErrorTable[i].name.empty() || kErrorTable[i].description.empty()) return false;
  }
  return true;
}
static_assert(errorTableIsDense(), "kErrorTable must list every code from -1 upwards, in order, without gaps");
static_assert(kErrorTable.back().code == kHighestErrorCode, "kHighestErrorCode must be the last row");

constexpr std::string_view kUnknownErrorName = "UNKNOWN_ERROR_CODE";
constexpr std::string_view kUnknownErrorDescription = "an error code this client does not know";

constexpr const ErrorInfo* findError(int value) noexcept {
  const int index = value - kLowestCode;
  if (index < 0 || index >= static_cast<int>(kErrorTable.size())) return nullptr;
  return &kErrorTable[static_cast<std::size_t>(index)];
}

struct ClientErrorInfo {
  ClientError error;
  std::string_view name;
  bool retriable;
  std::string_view description;
};

// One row per ClientError, in order from QueueFull (1); the row of value v is at v - 1.
constexpr auto kClientErrorTable = std::to_array<ClientErrorInfo>({
    {ClientError::QueueFull, "QueueFull", false, "the producer's record queue is full"},
    {ClientError::TimedOut, "TimedOut", true, "the operation timed out"},
    {ClientError::RecordTooLarge, "RecordTooLarge", false, "the record is larger than the producer accepts"},
    {ClientError::ProducerClosed, "ProducerClosed", false, "the producer is closed"},
    {ClientError::Disconnected, "Disconnected", true, "the broker connection closed with requests in flight"},
    {ClientError::InvalidConfig, "InvalidConfig", false, "the configuration is not valid"},
    {ClientError::PurgedOnClose, "PurgedOnClose", false, "the record was discarded when the producer closed"},
    {ClientError::UnknownPartition, "UnknownPartition", false, "the topic has no such partition"},
    {ClientError::Malformed, "Malformed", false, "a broker response could not be decoded"},
    {ClientError::ConnectionFailed, "ConnectionFailed", true, "could not connect to the broker"},
    {ClientError::UnsupportedVersion, "UnsupportedVersion", false,
     "the broker supports no usable version of a required API"},
    {ClientError::AllBrokersDown, "AllBrokersDown", true, "no broker of the cluster could be reached"},
});

constexpr bool clientErrorTableIsDense() {
  for (std::size_t i = 0; i < kClientErrorTable.size(); ++i) {
    if (static_cast<int>(kClientErrorTable[i].error) != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(clientErrorTableIsDense(), "kClientErrorTable must list every ClientError in order");

constexpr std::string_view kUnknownClientErrorName = "UnknownClientError";
constexpr std::string_view kUnknownClientErrorDescription = "an unknown kafkalite client error";

constexpr const ClientErrorInfo* findClientError(int value) noexcept {
  if (value < 1 || value > static_cast<int>(kClientErrorTable.size())) return nullptr;
  return &kClientErrorTable[static_cast<std::size_t>(value - 1)];
}

std::string formatMessage(std::string_view name, int value, std::string_view description) {
  std::string text;
  text.reserve(name.size() + description.size() + 16);
  text.append(name).append(" (").append(std::to_string(value)).append("): ").append(description);
  return text;
}

class KafkaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kafka"; }
  std::string message(int value) const override {
    const ErrorInfo* info = findError(value);
    return info ? formatMessage(info->name, value, info->description)
                : formatMessage(kUnknownErrorName, value, kUnknownErrorDescription);
  }
};

class ClientCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kafkalite"; }
  std::string message(int value) const override {
    const ClientErrorInfo* info = findClientError(value);
    return info ? formatMessage(info->name, value, info->description)
                : formatMessage(kUnknownClientErrorName, value, kUnknownClientErrorDescription);
  }
};

}  // namespace

bool isKnown(ErrorCode code) noexcept { return findError(static_cast<int>(code)) != nullptr; }

std::string_view errorName(ErrorCode code) noexcept {
  const ErrorInfo* info = findError(static_cast<int>(code));
  return info ? info->name : kUnknownErrorName;
}

std::string_view errorDescription(ErrorCode code) noexcept {
  const ErrorInfo* info = findError(static_cast<int>(code));
  return info ? info->description : kUnknownErrorDescription;
}

bool isRetriable(ErrorCode code) noexcept {
  // Unknown codes are final, as in Kafka's Java client (they become UnknownServerException).
  const ErrorInfo* info = findError(static_cast<int>(code));
  return info != nullptr && info->retriable;
}

const std::error_category& kafkaCategory() noexcept {
  static const KafkaCategory category;
  return category;
}

std::error_code make_error_code(ErrorCode code) noexcept { return {static_cast<int>(code), kafkaCategory()}; }

const std::error_category& clientCategory() noexcept {
  static const ClientCategory category;
  return category;
}

std::error_code make_error_code(ClientError error) noexcept { return {static_cast<int>(error), clientCategory()}; }

std::string_view errorName(ClientError error) noexcept {
  const ClientErrorInfo* info = findClientError(static_cast<int>(error));
  return info ? info->name : kUnknownClientErrorName;
}

bool isRetriable(ClientError error) noexcept {
  const ClientErrorInfo* info = findClientError(static_cast<int>(error));
  return info != nullptr && info->retriable;
}

bool isRetriable(const std::error_code& ec) noexcept {
  if (ec.category() == kafkaCategory()) {
    // A value outside int16 cannot be a wire code; don't let the cast wrap it onto one.
    if (ec.value() < std::numeric_limits<int16_t>::min() || ec.value() > std::numeric_limits<int16_t>::max()) {
      return false;
    }
    return isRetriable(static_cast<ErrorCode>(ec.value()));
  }
  if (ec.category() == clientCategory()) return isRetriable(static_cast<ClientError>(ec.value()));
  return false;
}

}  // namespace kafkalite
