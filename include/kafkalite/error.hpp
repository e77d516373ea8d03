#pragma once
/// \file
/// Error codes of kafkalite, wired into `std::error_code`.
///
/// Two categories:
/// - `kafkaCategory()` ("kafka"): `ErrorCode`, the error codes Kafka brokers put on
///   the wire, with Kafka's numbers and Kafka's names (Apache Kafka's
///   `org.apache.kafka.common.protocol.Errors`, codes -1 through 133).
/// - `clientCategory()` ("kafkalite"): `ClientError`, failures that happen in the
///   producer itself and never travel on the wire (queue full, timed out, closed, ...).
///
/// Whether an error is worth retrying is answered in one place: `isRetriable()`.
///
/// Threading: every function here is pure and may be called from any thread. The
/// category objects are immutable singletons.

#include <cstdint>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace kafkalite {

/// A Kafka wire error code: the `error_code` INT16 field of Kafka responses.
///
/// Enumerators use Kafka's own spelling (`Errors.java`) so they can be searched for
/// side by side with Kafka's sources; the numbers are fixed by the protocol. A broker
/// newer than this table may send a code that has no enumerator here: such values
/// are still representable (`static_cast<ErrorCode>(n)`), `errorName()` reports them
/// as "UNKNOWN_ERROR_CODE" and `isRetriable()` answers false, as Kafka's Java client
/// does for codes it does not know.
enum class ErrorCode : int16_t {
  UNKNOWN_SERVER_ERROR = -1,  ///< The broker hit an unexpected internal error.
  NONE = 0,  ///< Success.
  OFFSET_OUT_OF_RANGE = 1,  ///< The offset is outside the partition's log.
  CORRUPT_MESSAGE = 2,  ///< A record failed its CRC or size check, or is otherwise malformed.
  UNKNOWN_TOPIC_OR_PARTITION = 3,  ///< This broker does not host the topic-partition.
  INVALID_FETCH_SIZE = 4,  ///< The fetch size is not valid.
  LEADER_NOT_AVAILABLE = 5,  ///< The partition has no leader right now (election in progress).
  NOT_LEADER_OR_FOLLOWER = 6,  ///< This broker is not the leader (or not a replica) of the partition.
  REQUEST_TIMED_OUT = 7,  ///< The broker timed the request out.
  BROKER_NOT_AVAILABLE = 8,  ///< The broker is not available.
  REPLICA_NOT_AVAILABLE = 9,  ///< The replica is not available for the partition.
  MESSAGE_TOO_LARGE = 10,  ///< A record batch exceeds the broker's maximum message size.
  STALE_CONTROLLER_EPOCH = 11,  ///< The controller epoch is stale.
  OFFSET_METADATA_TOO_LARGE = 12,  ///< The offset commit metadata is too large.
  NETWORK_EXCEPTION = 13,  ///< The connection closed before a response arrived.
  COORDINATOR_LOAD_IN_PROGRESS = 14,  ///< The coordinator is still loading its state.
  COORDINATOR_NOT_AVAILABLE = 15,  ///< The coordinator is not available.
  NOT_COORDINATOR = 16,  ///< This broker is not the coordinator.
  INVALID_TOPIC_EXCEPTION = 17,  ///< The topic name is not valid for this operation.
  RECORD_LIST_TOO_LARGE = 18,  ///< A record batch exceeds the broker's segment size.
  NOT_ENOUGH_REPLICAS = 19,  ///< Too few in-sync replicas; the records were not written.
  NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,  ///< The records were written but too few in-sync replicas acknowledged them.
  INVALID_REQUIRED_ACKS = 21,  ///< The acks value is not valid.
  ILLEGAL_GENERATION = 22,  ///< The group generation id is not valid.
  INCONSISTENT_GROUP_PROTOCOL = 23,  ///< The member's protocols do not match the group's.
  INVALID_GROUP_ID = 24,  ///< The group id is not valid.
  UNKNOWN_MEMBER_ID = 25,  ///< The coordinator does not know this member.
  INVALID_SESSION_TIMEOUT = 26,  ///< The session timeout is outside the broker's allowed range.
  REBALANCE_IN_PROGRESS = 27,  ///< The group is rebalancing; rejoin.
  INVALID_COMMIT_OFFSET_SIZE = 28,  ///< The offset commit size is not valid.
  TOPIC_AUTHORIZATION_FAILED = 29,  ///< Not authorized to access the topic.
  GROUP_AUTHORIZATION_FAILED = 30,  ///< Not authorized to access the group.
  CLUSTER_AUTHORIZATION_FAILED = 31,  ///< Not authorized for the cluster operation.
  INVALID_TIMESTAMP = 32,  ///< A record timestamp is outside the accepted range.
  UNSUPPORTED_SASL_MECHANISM = 33,  ///< The broker does not support the SASL mechanism.
  ILLEGAL_SASL_STATE = 34,  ///< The request is not valid in the current SASL state.
  UNSUPPORTED_VERSION = 35,  ///< The broker does not support this API version.
  TOPIC_ALREADY_EXISTS = 36,  ///< The topic already exists.
  INVALID_PARTITIONS = 37,  ///< The partition count is not valid.
  INVALID_REPLICATION_FACTOR = 38,  ///< The replication factor is not valid.
  INVALID_REPLICA_ASSIGNMENT = 39,  ///< The replica assignment is not valid.
  INVALID_CONFIG = 40,  ///< The configuration is not valid.
  NOT_CONTROLLER = 41,  ///< This broker is not the active controller.
  INVALID_REQUEST = 42,  ///< The request is malformed or not valid for this broker.
  UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,  ///< The broker's message format does not support the request.
  POLICY_VIOLATION = 44,  ///< The request violates a configured policy.
  OUT_OF_ORDER_SEQUENCE_NUMBER = 45,  ///< The producer sequence number is out of order.
  DUPLICATE_SEQUENCE_NUMBER = 46,  ///< The producer sequence number is a duplicate.
  INVALID_PRODUCER_EPOCH = 47,  ///< The producer epoch is older than the broker's.
  INVALID_TXN_STATE = 48,  ///< The transactional operation is not valid in the current state.
  INVALID_PRODUCER_ID_MAPPING = 49,  ///< The producer id is not assigned to this transactional id.
  INVALID_TRANSACTION_TIMEOUT = 50,  ///< The transaction timeout exceeds the broker's maximum.
  CONCURRENT_TRANSACTIONS = 51,  ///< Another operation on the same transaction is in progress.
  TRANSACTION_COORDINATOR_FENCED = 52,  ///< The transaction coordinator has been fenced.
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,  ///< Not authorized for the transactional id.
  SECURITY_DISABLED = 54,  ///< Security features are disabled on the broker.
  OPERATION_NOT_ATTEMPTED = 55,  ///< The broker skipped this operation because another in the batch failed.
  KAFKA_STORAGE_ERROR = 56,  ///< The broker hit a disk error on the log.
  LOG_DIR_NOT_FOUND = 57,  ///< The log directory is not in the broker's configuration.
  SASL_AUTHENTICATION_FAILED = 58,  ///< SASL authentication failed.
  UNKNOWN_PRODUCER_ID = 59,  ///< The broker has no state for this producer id.
  REASSIGNMENT_IN_PROGRESS = 60,  ///< A partition reassignment is in progress.
  DELEGATION_TOKEN_AUTH_DISABLED = 61,  ///< Delegation tokens are disabled.
  DELEGATION_TOKEN_NOT_FOUND = 62,  ///< The delegation token does not exist.
  DELEGATION_TOKEN_OWNER_MISMATCH = 63,  ///< The principal is not the token's owner or renewer.
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED = 64,  ///< Delegation token requests are not allowed on this channel.
  DELEGATION_TOKEN_AUTHORIZATION_FAILED = 65,  ///< Not authorized for the delegation token.
  DELEGATION_TOKEN_EXPIRED = 66,  ///< The delegation token has expired.
  INVALID_PRINCIPAL_TYPE = 67,  ///< The principal type is not supported.
  NON_EMPTY_GROUP = 68,  ///< The group still has members.
  GROUP_ID_NOT_FOUND = 69,  ///< The group does not exist.
  FETCH_SESSION_ID_NOT_FOUND = 70,  ///< The fetch session does not exist.
  INVALID_FETCH_SESSION_EPOCH = 71,  ///< The fetch session epoch is not valid.
  LISTENER_NOT_FOUND = 72,  ///< The leader has no listener matching the request's listener.
  TOPIC_DELETION_DISABLED = 73,  ///< Topic deletion is disabled.
  FENCED_LEADER_EPOCH = 74,  ///< The request's leader epoch is older than the broker's.
  UNKNOWN_LEADER_EPOCH = 75,  ///< The request's leader epoch is newer than the broker's.
  UNSUPPORTED_COMPRESSION_TYPE = 76,  ///< The client does not support the partition's compression type.
  STALE_BROKER_EPOCH = 77,  ///< The broker epoch is stale.
  OFFSET_NOT_AVAILABLE = 78,  ///< The new leader's high watermark has not caught up yet.
  MEMBER_ID_REQUIRED = 79,  ///< The member must obtain a member id first.
  PREFERRED_LEADER_NOT_AVAILABLE = 80,  ///< The preferred leader is not available.
  GROUP_MAX_SIZE_REACHED = 81,  ///< The group is at its maximum size.
  FENCED_INSTANCE_ID = 82,  ///< Another member with the same group instance id fenced this one.
  ELIGIBLE_LEADERS_NOT_AVAILABLE = 83,  ///< No eligible leader is available.
  ELECTION_NOT_NEEDED = 84,  ///< No leader election is needed.
  NO_REASSIGNMENT_IN_PROGRESS = 85,  ///< No partition reassignment is in progress.
  GROUP_SUBSCRIBED_TO_TOPIC = 86,  ///< Cannot delete offsets of a topic the group is subscribed to.
  INVALID_RECORD = 87,  ///< The broker rejected a record that failed validation.
  UNSTABLE_OFFSET_COMMIT = 88,  ///< Unstable offsets are pending.
  THROTTLING_QUOTA_EXCEEDED = 89,  ///< The throttling quota is exceeded.
  PRODUCER_FENCED = 90,  ///< A newer producer with the same transactional id fenced this one.
  RESOURCE_NOT_FOUND = 91,  ///< The resource does not exist.
  DUPLICATE_RESOURCE = 92,  ///< The request names the same resource twice.
  UNACCEPTABLE_CREDENTIAL = 93,  ///< The credential does not meet the acceptance criteria.
  INCONSISTENT_VOTER_SET = 94,  ///< The sender or receiver is not an expected voter.
  INVALID_UPDATE_VERSION = 95,  ///< The update version is not valid.
  FEATURE_UPDATE_FAILED = 96,  ///< The finalized feature update failed.
  PRINCIPAL_DESERIALIZATION_FAILURE = 97,  ///< The forwarded principal could not be deserialized.
  SNAPSHOT_NOT_FOUND = 98,  ///< The snapshot does not exist.
  POSITION_OUT_OF_RANGE = 99,  ///< The position is outside the snapshot.
  UNKNOWN_TOPIC_ID = 100,  ///< This broker does not host the topic id.
  DUPLICATE_BROKER_REGISTRATION = 101,  ///< The broker id is already registered.
  BROKER_ID_NOT_REGISTERED = 102,  ///< The broker id is not registered.
  INCONSISTENT_TOPIC_ID = 103,  ///< The topic id does not match the log's.
  INCONSISTENT_CLUSTER_ID = 104,  ///< The cluster id does not match the broker's.
  TRANSACTIONAL_ID_NOT_FOUND = 105,  ///< The transactional id does not exist.
  FETCH_SESSION_TOPIC_ID_ERROR = 106,  ///< The fetch session used topic ids inconsistently.
  INELIGIBLE_REPLICA = 107,  ///< The new ISR contains an ineligible replica.
  NEW_LEADER_ELECTED = 108,  ///< The partition state was updated but the leader changed.
  OFFSET_MOVED_TO_TIERED_STORAGE = 109,  ///< The offset has moved to tiered storage.
  FENCED_MEMBER_EPOCH = 110,  ///< The member epoch is fenced; rejoin.
  UNRELEASED_INSTANCE_ID = 111,  ///< The instance id is still held by another member.
  UNSUPPORTED_ASSIGNOR = 112,  ///< The assignor is not supported.
  STALE_MEMBER_EPOCH = 113,  ///< The member epoch is stale.
  MISMATCHED_ENDPOINT_TYPE = 114,  ///< The request reached an endpoint of the wrong type.
  UNSUPPORTED_ENDPOINT_TYPE = 115,  ///< The endpoint type is not supported.
  UNKNOWN_CONTROLLER_ID = 116,  ///< The controller id is not known.
  UNKNOWN_SUBSCRIPTION_ID = 117,  ///< The telemetry subscription id is unknown or outdated.
  TELEMETRY_TOO_LARGE = 118,  ///< The telemetry push exceeds the broker's maximum size.
  INVALID_REGISTRATION = 119,  ///< The controller rejected the broker registration.
  TRANSACTION_ABORTABLE = 120,  ///< The transaction failed; abort it to continue.
  INVALID_RECORD_STATE = 121,  ///< The record state does not allow the acknowledgement.
  SHARE_SESSION_NOT_FOUND = 122,  ///< The share session does not exist.
  INVALID_SHARE_SESSION_EPOCH = 123,  ///< The share session epoch is not valid.
  FENCED_STATE_EPOCH = 124,  ///< The share group state epoch does not match.
  INVALID_VOTER_KEY = 125,  ///< The voter key does not match the receiver's.
  DUPLICATE_VOTER = 126,  ///< The voter is already in the voter set.
  VOTER_NOT_FOUND = 127,  ///< The voter is not in the voter set.
  INVALID_REGULAR_EXPRESSION = 128,  ///< The regular expression is not valid.
  REBOOTSTRAP_REQUIRED = 129,  ///< The client's metadata is stale; rebootstrap.
  STREAMS_INVALID_TOPOLOGY = 130,  ///< The streams topology is not valid.
  STREAMS_INVALID_TOPOLOGY_EPOCH = 131,  ///< The streams topology epoch is not valid.
  STREAMS_TOPOLOGY_FENCED = 132,  ///< The streams topology epoch is outdated.
  SHARE_SESSION_LIMIT_REACHED = 133,  ///< The broker's share session limit is reached.
};

/// The lowest code in the table (`UNKNOWN_SERVER_ERROR`, -1).
inline constexpr ErrorCode kLowestErrorCode = ErrorCode::UNKNOWN_SERVER_ERROR;
/// The highest code in the table; codes above it are unknown to this build.
inline constexpr ErrorCode kHighestErrorCode = ErrorCode::SHARE_SESSION_LIMIT_REACHED;

/// True if `code` is in the table (between `kLowestErrorCode` and
/// `kHighestErrorCode`, which has no gaps).
[[nodiscard]] bool isKnown(ErrorCode code) noexcept;

/// Kafka's name of `code`, e.g. "NOT_LEADER_OR_FOLLOWER"; "UNKNOWN_ERROR_CODE" for a
/// code not in the table. The view refers to static storage.
[[nodiscard]] std::string_view errorName(ErrorCode code) noexcept;

/// A short human description of `code` (lower case, no trailing period), e.g.
/// "the broker timed the request out"; "an error code this client does not know"
/// for a code not in the table. The view refers to static storage.
[[nodiscard]] std::string_view errorDescription(ErrorCode code) noexcept;

/// True if a request that failed with `code` may succeed when sent again, possibly
/// after a metadata refresh: exactly the codes whose Kafka exception extends
/// `RetriableException` (e.g. NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT,
/// NOT_ENOUGH_REPLICAS). False for NONE and for codes not in the table.
///
/// Retriable does not mean "safe to retry" for a non-idempotent producer: a retry
/// after e.g. REQUEST_TIMED_OUT may duplicate records. That decision belongs to the
/// sender, not to this function.
[[nodiscard]] bool isRetriable(ErrorCode code) noexcept;

/// The category of `ErrorCode` values. `name()` is "kafka"; `message(v)` is
/// "NAME (v): description", e.g. "REQUEST_TIMED_OUT (7): the broker timed the request
/// out", and "UNKNOWN_ERROR_CODE (v): ..." for values not in the table.
[[nodiscard]] const std::error_category& kafkaCategory() noexcept;

/// Wraps `code` in a `std::error_code` of `kafkaCategory()`. Found by argument-
/// dependent lookup, so `std::error_code ec = ErrorCode::NOT_CONTROLLER;` works.
/// (Its snake_case name is required by the standard library.)
[[nodiscard]] std::error_code make_error_code(ErrorCode code) noexcept;

/// Failures raised inside the producer, never sent on the wire.
enum class ClientError : int {
  QueueFull = 1,       ///< The record queue or buffer memory is full (Kafka: QueueFullException / buffer exhausted).
  TimedOut,            ///< A deadline passed: delivery timeout, max.block.ms, a request or metadata wait.
  RecordTooLarge,      ///< The serialized record exceeds max.request.size or buffer.memory.
  ProducerClosed,      ///< The producer is closed or closing and accepts no more records.
  Disconnected,        ///< The connection to a broker closed with requests in flight.
  InvalidConfig,       ///< A configuration value is missing, malformed or out of range.
  PurgedOnClose,       ///< The record was still queued when the producer was closed without flushing.
  UnknownPartition,    ///< The record names a partition the topic does not have.
  Malformed,           ///< A broker response could not be decoded.
  ConnectionFailed,    ///< No connection to a broker could be established (refused, unreachable, DNS).
  UnsupportedVersion,  ///< The broker supports no version of an API the producer needs.
  AllBrokersDown,      ///< No broker could be reached: every known address failed (librdkafka's _ALL_BROKERS_DOWN).
};

/// The category of `ClientError` values. `name()` is "kafkalite"; `message(v)` is
/// "Name (v): description", e.g. "QueueFull (1): ...".
[[nodiscard]] const std::error_category& clientCategory() noexcept;

/// Wraps `error` in a `std::error_code` of `clientCategory()`.
/// (Its snake_case name is required by the standard library.)
[[nodiscard]] std::error_code make_error_code(ClientError error) noexcept;

/// Name of `error`, e.g. "QueueFull"; "UnknownClientError" for a value that is not an
/// enumerator. The view refers to static storage.
[[nodiscard]] std::string_view errorName(ClientError error) noexcept;

/// True if `error` is transient: `TimedOut`, `Disconnected`, `ConnectionFailed` and
/// `AllBrokersDown`.
/// All other client errors are final.
[[nodiscard]] bool isRetriable(ClientError error) noexcept;

/// True if `ec` is a retriable error of either category: `kafkaCategory()` codes as
/// `isRetriable(ErrorCode)`, `clientCategory()` codes as `isRetriable(ClientError)`.
/// False for success and for every other category (callers map system errors such as
/// a reset connection to `ClientError::Disconnected` first).
[[nodiscard]] bool isRetriable(const std::error_code& ec) noexcept;

}  // namespace kafkalite

/// Lets `ErrorCode` convert implicitly to `std::error_code`.
template <>
struct std::is_error_code_enum<kafkalite::ErrorCode> : std::true_type {};

/// Lets `ClientError` convert implicitly to `std::error_code`.
template <>
struct std::is_error_code_enum<kafkalite::ClientError> : std::true_type {};
