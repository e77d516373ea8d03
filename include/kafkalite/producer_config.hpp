#pragma once
/// \file
/// The producer's configuration: a typed struct, built from Kafka-style string
/// properties (a map or a Java `.properties` file) or filled in directly.
///
/// Keys and meanings follow the Kafka 0.8 producer (design/broker-spec.md section 7);
/// the defaults are those of `kafka-console-producer`. Modern names are accepted as
/// aliases (table below); a few modern settings are companions with their own field.
///
/// `kafkalite.defaults=modern` (fromProperties) or ProducerConfig::modern() starts from
/// what current Kafka clients use instead (the "modern" column): idempotence on, acks=all,
/// retries unlimited within delivery.timeout.ms 120000, request.timeout.ms 30000, a
/// separate 10 s connection setup timeout, linger 5 ms, librdkafka's batch and queue
/// sizes and Java's 32 MiB buffer.memory and 60 s max.block.ms. Keys given explicitly
/// win over either column.
///
/// | key | field | default | allowed |
/// |---|---|---|---|
/// | bootstrap.servers (alias metadata.broker.list) | bootstrapServers | required | host:port,... ([ipv6]:port) |
/// | message.send.max.retries (alias retries) | messageSendMaxRetries | 3 | [0, 2^31-1] |
/// | retry.backoff.ms | retryBackoffMs | 100 | [0, 2^31-1] |
/// | queue.buffering.max.ms (alias linger.ms) | queueBufferingMaxMs | 1000 | [0, 2^31-1] |
/// | queue.buffering.max.messages | queueBufferingMaxMessages | 10000 | [1, 2^31-1] |
/// | batch.num.messages | batchNumMessages | 200 | [1, queue.buffering.max.messages] |
/// | batch.size | batchSizeBytes | 1000000 | [1, 2^31-1] |
/// | request.timeout.ms | requestTimeoutMs | 1500 | [1, 2^31-1] |
/// | topic.metadata.refresh.interval.ms | topicMetadataRefreshIntervalMs | 300000 | any int32 |
/// | client.id | clientId | console-producer | at most 32767 bytes |
/// | queue.enqueue.timeout.ms (alias max.block.ms) | queueEnqueueTimeoutMs | 2147483647 | any int32 (alias: >= 0) |
/// | request.required.acks (alias acks) | requestRequiredAcks | 1 | -1, 0, 1, all (= -1) |
/// | partitioner | partitioner | murmur2_random | see PartitionerKind |
/// | max.in.flight.requests.per.connection | maxInFlightRequestsPerConnection | 5 | [1, 2^31-1] |
/// | message.max.bytes | messageMaxBytes | 1000000 | [1000, 1000000000] |
/// | delivery.timeout.ms | deliveryTimeoutMs | unset | [1, 2^31-1], >= linger + request timeout |
/// | enable.idempotence | enableIdempotence | false | true, false |
/// | queue.buffering.max.kbytes (alias buffer.memory, in bytes) | queueBufferingMaxBytes | 1048576 KiB | [1, 2^31-1] KiB; buffer.memory [1024, 2^63-1] |
/// | socket.connection.setup.timeout.ms | socketConnectionSetupTimeoutMs | unset (= request.timeout.ms) | [1, 2^31-1] |
/// | metadata.max.idle.ms | metadataMaxIdleMs | 300000 | [5000, 2^31-1] |
/// | statistics.interval.ms | statisticsIntervalMs | 0 (off) | [0, 86400000] |
/// | log_level | logLevel | 6 (info) | [0, 7] (syslog levels) |
/// | compression.type (alias compression.codec) | compressionType | none | none, gzip, snappy, lz4, zstd |
/// | compression.level | compressionLevel | -1 (the codec's default) | -1, or the codec's range: gzip [1, 9], lz4 [1, 17], zstd [-131072, 22] |
///
/// The modern column (kafkalite.defaults=modern), where it differs: retries 2147483647,
/// linger.ms 5, queue.buffering.max.messages 100000, batch.num.messages 10000,
/// request.timeout.ms 30000, max.block.ms 60000, acks -1, delivery.timeout.ms 120000,
/// enable.idempotence true, buffer.memory 33554432, socket.connection.setup.timeout.ms
/// 10000. As in Java's producer, when enable.idempotence is not given and an explicit
/// setting contradicts it (acks other than all, retries 0, more than 5 requests in
/// flight), idempotence is off instead of an error; an implicit delivery.timeout.ms
/// shorter than linger + request timeout is raised to that sum; an implicit
/// batch.num.messages above an explicit queue.buffering.max.messages is lowered to it.
///
/// Alias precedence: giving a classic key and its alias together is allowed only
/// when both parse to the same value (`acks=all` with `request.required.acks=-1`);
/// different values are a ConfigException naming both keys. Neither name silently wins.
///
/// Threading: a ProducerConfig is a plain value. Const member functions may be called
/// from any number of threads at once; mutation needs the usual external exclusion.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kafkalite {

/// A setting was rejected: unknown key, malformed or out-of-range value, conflicting
/// settings, or a malformed line of a properties file.
///
/// `what()` names the key, the value and what is allowed, e.g.
/// `Invalid value '0' for configuration 'request.timeout.ms': must be an integer in [1, 2147483647]`.
/// Thrown only while a configuration is built or validated (the API edge).
class ConfigException : public std::invalid_argument {
 public:
  /// Builds the message `Invalid value 'VALUE' for configuration 'KEY': ALLOWED`.
  /// `key` is spelled as the user gave it. Throws only std::bad_alloc.
  ConfigException(std::string key, std::string value, std::string_view allowed);

  /// An exception with `message` used verbatim as `what()`, for errors that do not fit
  /// the standard sentence (unknown keys, file errors). Throws only std::bad_alloc.
  [[nodiscard]] static ConfigException withMessage(std::string key, std::string value, const std::string& message);

  /// The offending key as given (empty when the error is not about one key, such as
  /// an unreadable file or a line without a separator).
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

  /// The offending value as given (for file syntax errors: the raw line).
  [[nodiscard]] const std::string& value() const noexcept { return value_; }

 private:
  struct VerbatimTag {};
  ConfigException(VerbatimTag, std::string key, std::string value, const std::string& message);

  std::string key_;
  std::string value_;
};

/// One entry of `bootstrap.servers`: where to send the first metadata request.
struct BrokerAddress {
  std::string host;  ///< Host name, IPv4 literal, or IPv6 literal without brackets.
  uint16_t port = 0;  ///< TCP port, 1..65535 in a valid config.

  /// `host:port`, or `[host]:port` when the host is an IPv6 literal. Throws only std::bad_alloc.
  [[nodiscard]] std::string toString() const;

  /// Member-wise equality.
  bool operator==(const BrokerAddress&) const = default;
};

/// How records are assigned to partitions (key `partitioner`). Names and keyless
/// behaviour follow librdkafka; "Java hash" means `toPositive(murmur2(key)) % n`,
/// exactly what Java's default partitioner does for keyed records.
/// "Sticky" means a keyless record goes to the topic's current sticky partition,
/// which moves to another (random) partition when a new batch is started, as Java's
/// producer does since 2.4 (KIP-480).
enum class PartitionerKind : uint8_t {
  Murmur2Random,  ///< "murmur2_random" (default): keyed → Java hash; keyless → sticky.
  Murmur2,  ///< "murmur2": keyed → Java hash; keyless → hash of the empty key (one partition).
  ConsistentRandom,  ///< "consistent_random": CRC-32 of the key % n; keyless or empty key → sticky.
  Random,  ///< "random": every record, keyed or not, to a uniformly random partition.
  RoundRobin,  ///< "round_robin": every record, keyed or not, to the next partition in turn.
};

/// The property value naming `kind`, e.g. "murmur2_random". Thread-safe, never throws.
[[nodiscard]] std::string_view partitionerName(PartitionerKind kind) noexcept;

/// The codec of the producer's record batches (key `compression.type`): the names are
/// Kafka's. Batches are compressed on the I/O thread, never in send().
enum class CompressionCodec : uint8_t { None, Gzip, Snappy, Lz4, Zstd };

/// The property value naming `codec`, e.g. "lz4". Thread-safe, never throws.
[[nodiscard]] std::string_view compressionCodecName(CompressionCodec codec) noexcept;

/// Settings of a Producer. Defaults are the table in this file's header; fill the fields
/// directly and call validate(), or build with fromProperties()/fromPropertiesFile(),
/// which validate.
struct ProducerConfig {
  /// `bootstrap.servers`: brokers to ask for metadata first. Required (non-empty).
  std::vector<BrokerAddress> bootstrapServers;

  /// `message.send.max.retries` / `retries`: how many times a failed batch is retried
  /// before its records fail with the last error (spec 7.2). 0 = never retried.
  int32_t messageSendMaxRetries = 3;

  /// `retry.backoff.ms`: wait before each retry and before the metadata refresh that
  /// looks for a new leader.
  int32_t retryBackoffMs = 100;

  /// `queue.buffering.max.ms` / `linger.ms`: longest a record waits to be batched. A
  /// batch goes when it holds batchNumMessages records, reaches batchSizeBytes, or this
  /// long has passed since its first record, whichever is first.
  int32_t queueBufferingMaxMs = 1000;

  /// `queue.buffering.max.messages`: records accepted by send() and not yet completed,
  /// across all partitions; beyond it send() waits per queueEnqueueTimeoutMs.
  int32_t queueBufferingMaxMessages = 10000;

  /// `batch.num.messages`: most records in one partition's batch. Must not exceed
  /// queueBufferingMaxMessages (spec 7.5).
  int32_t batchNumMessages = 200;

  /// `batch.size`: most bytes (record batch v2 encoding) in one partition's batch, the
  /// byte companion of batchNumMessages: a batch goes when either fills. A single record
  /// larger than this still gets a batch of its own (bounded by messageMaxBytes).
  int32_t batchSizeBytes = 1000000;

  /// `request.timeout.ms`: the ProduceRequest's timeout_ms (how long the broker may hold
  /// an acks=-1 reply) and the client's deadline for each response; past it the request
  /// counts as failed and is retried (spec 7.4).
  int32_t requestTimeoutMs = 1500;

  /// `topic.metadata.refresh.interval.ms`: periodic metadata refresh. 0 = before every
  /// send pass; negative = only after failures (spec 7.3).
  int32_t topicMetadataRefreshIntervalMs = 300000;

  /// `client.id`: sent in every request header.
  std::string clientId = "console-producer";

  /// `queue.enqueue.timeout.ms` / `max.block.ms`: what send() does while the queue is
  /// full: 0 = throw QueueFullException at once; negative = block until there is room;
  /// positive = block up to that many ms, then throw (spec 7.5). The modern name accepts
  /// only values >= 0, as in Java.
  int32_t queueEnqueueTimeoutMs = 2147483647;

  /// `request.required.acks` / `acks`: 0 = no response awaited; 1 = the leader wrote
  /// it; -1 (`all`) = every in-sync replica has it.
  int16_t requestRequiredAcks = 1;

  /// `partitioner`: how records are assigned to partitions.
  PartitionerKind partitioner = PartitionerKind::Murmur2Random;

  /// `max.in.flight.requests.per.connection`: unanswered ProduceRequests per broker.
  /// With 1, per-partition order survives retries; above 1 a retry can reorder records
  /// unless enableIdempotence is on (spec 8.5).
  int32_t maxInFlightRequestsPerConnection = 5;

  /// `message.max.bytes`: largest ProduceRequest record set the producer builds; a
  /// record that cannot fit fails with a record-too-large error.
  int32_t messageMaxBytes = 1000000;

  /// `delivery.timeout.ms`: when set, an upper bound on the time from send() to the
  /// callback. A record fails at whichever comes first: its retries are used up, or this
  /// time has passed (then with a timed-out error, even if retries remain). Unset = only
  /// the retry count bounds delivery (classic behaviour). Must be at least
  /// queueBufferingMaxMs + requestTimeoutMs, as in Java.
  std::optional<int32_t> deliveryTimeoutMs;

  /// `queue.buffering.max.kbytes` (in KiB) / `buffer.memory` (in bytes): the most bytes of
  /// keys, values and headers accepted by send() and not yet completed, enforced with
  /// queueBufferingMaxMessages under the same queueEnqueueTimeoutMs rules (a send() that
  /// would exceed it waits or throws QueueFullException). A single record larger than the
  /// whole bound is accepted and fails with ClientError::RecordTooLarge.
  int64_t queueBufferingMaxBytes = int64_t{1048576} * 1024;

  /// `socket.connection.setup.timeout.ms`: how long a connection may take to become
  /// usable (TCP connect and ApiVersions). Unset = requestTimeoutMs (classic behaviour).
  std::optional<int32_t> socketConnectionSetupTimeoutMs;

  /// `metadata.max.idle.ms`: a topic the producer has not sent to for this long, with
  /// nothing of it pending, leaves the Metadata requests (as Java's producer).
  int32_t metadataMaxIdleMs = 300000;

  /// `statistics.interval.ms`: how often the statistics callback gets a JSON document
  /// (ProducerCallbacks::statistics); 0 = never.
  int32_t statisticsIntervalMs = 0;

  /// `log_level`: the most verbose syslog level passed to the log callback (0 emergency
  /// ... 6 info, 7 debug).
  int32_t logLevel = 6;

  /// `compression.type` (alias `compression.codec`, librdkafka's name): the codec of every
  /// record batch. Kafka's framings: gzip streams, snappy in snappy-java's xerial frames,
  /// LZ4 frames, zstd frames (needs Produce v7, which every broker since Kafka 2.1 serves).
  /// batch.size then bounds the compressed batch, estimated from each topic's observed
  /// compression ratio as Java's producer does; message.max.bytes still bounds a single
  /// record before compression.
  CompressionCodec compressionType = CompressionCodec::None;
  /// `compression.level`: -1 = the codec's default (gzip zlib's 6, lz4 9, zstd 3, as
  /// Kafka); otherwise within Kafka's range for the codec (KIP-390): gzip [1, 9], lz4
  /// [1, 17], zstd [-131072, 22]. none and snappy have no levels (only -1).
  int32_t compressionLevel = -1;

  /// `enable.idempotence`: when true the producer obtains a producer id (InitProducerId)
  /// and numbers its batches, so retries neither duplicate nor reorder records (spec
  /// 8.5-8.6); it keeps one batch per partition in flight (up to 5 requests per broker). Default false (classic). Requires acks = -1,
  /// maxInFlightRequestsPerConnection <= 5 and messageSendMaxRetries >= 1. In
  /// fromProperties(), as in Java, acks defaults to -1 when enable.idempotence=true and
  /// no acks key is given; an explicit conflicting value is an error.
  bool enableIdempotence = false;

  /// What current Kafka clients use (`kafkalite.defaults=modern`, see the file comment),
  /// without bootstrap servers. Throws only std::bad_alloc.
  [[nodiscard]] static ProducerConfig modern();

  /// The connection setup timeout in effect: socketConnectionSetupTimeoutMs, else
  /// requestTimeoutMs. Never throws.
  [[nodiscard]] int32_t connectionSetupTimeoutMs() const noexcept {
    return socketConnectionSetupTimeoutMs.value_or(requestTimeoutMs);
  }

  /// The modern name of queueBufferingMaxMs (`linger.ms`). Never throws.
  [[nodiscard]] int32_t lingerMs() const noexcept { return queueBufferingMaxMs; }
  /// Sets queueBufferingMaxMs. Never throws.
  void setLingerMs(int32_t ms) noexcept { queueBufferingMaxMs = ms; }

  /// Builds a config from string properties. Keys are matched case-insensitively and
  /// trimmed; values are trimmed. `kafkalite.defaults` (classic, the default, or modern)
  /// chooses the column that keys not given take their values from. Integers are decimal (optional sign), without trailing
  /// characters, and range-checked. Keys not given keep their defaults.
  /// Throws ConfigException: unknown key; a key given twice (in different case);
  /// malformed or out-of-range value; a classic key and its alias with different values;
  /// missing bootstrap.servers; any cross-check of validate().
  /// Thread-safe (pure function).
  [[nodiscard]] static ProducerConfig fromProperties(const std::map<std::string, std::string>& properties);

  /// Reads a Java `.properties` file and calls fromProperties(). Syntax: `key=value` or
  /// `key: value` (the first `=` or `:` separates), `#` and `!` comment lines, blank
  /// lines, whitespace around keys and values trimmed, a line ending in an odd number of
  /// backslashes continues on the next line (leading whitespace of that line dropped);
  /// other backslashes are taken literally. A repeated key: the last line wins (as Java).
  /// Throws ConfigException: the file cannot be read; a line without `=`/`:` or with an
  /// empty key (message names the line number); any error of fromProperties(), whose
  /// message is then prefixed with `path:line:` of the offending key.
  /// Thread-safe (reads only `path`).
  [[nodiscard]] static ProducerConfig fromPropertiesFile(const std::string& path);

  /// Every setting under its canonical (classic) name, values formatted so that
  /// fromProperties(toProperties()) == *this. delivery.timeout.ms and
  /// socket.connection.setup.timeout.ms appear only when set; kafkalite.defaults never
  /// (every value is given).
  /// Throws only std::bad_alloc.
  [[nodiscard]] std::map<std::string, std::string> toProperties() const;

  /// Checks every field's range and the cross-checks (batch.num.messages <=
  /// queue.buffering.max.messages; delivery.timeout.ms >= linger + request timeout;
  /// idempotence requirements, treated as explicit). Messages use canonical key names.
  /// Throws ConfigException on the first violation found.
  void validate() const;

  /// Member-wise equality.
  bool operator==(const ProducerConfig&) const = default;
};

}  // namespace kafkalite
