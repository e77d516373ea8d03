#pragma once
/// \file
/// Producer: the asynchronous Kafka producer.
///
/// ```cpp
/// kafkalite::Producer producer({{"bootstrap.servers", "localhost:9092"}, {"acks", "all"}});
/// producer.send({"orders", "key-1", "value"}, [](std::error_code ec, const kafkalite::RecordMetadata& md) {
///   if (ec) std::cerr << "failed: " << ec.message() << '\n';  // runs on the producer's I/O thread
/// });
/// producer.close(std::chrono::seconds(10));
/// ```
///
/// How it works: send() hands the record to the producer's single I/O thread through a
/// bounded lock-free queue of `queue.buffering.max.messages` slots. The I/O thread chooses
/// the partition, appends the record to its partition's record batch, and sends each
/// broker one ProduceRequest carrying the ready batches it leads: a batch goes when it
/// holds `batch.num.messages` records (or `batch.size` bytes), or `queue.buffering.max.ms`
/// after its first record. Retriable failures are retried up to `message.send.max.retries`
/// times, `retry.backoff.ms` apart, after a metadata refresh; then the records fail with
/// the last error. The settings are documented in kafkalite/producer_config.hpp.
///
/// Delivery guarantee: every record accepted by send() gets exactly one completion, a
/// callback or a future result, with its offset or an error; none is dropped silently,
/// not even at close(). Records of one partition are written in send() order when no
/// retry happens, and across retries when `max.in.flight.requests.per.connection` is 1;
/// with more requests in flight a retry can reorder them (spec 8.5). Without idempotence
/// a retried record may be written twice; with `enable.idempotence=true` the producer
/// numbers its batches (one in flight per partition), so a retry is recognised by the
/// broker and neither duplicates nor reorders records.
///
/// Threading: send(), flush(), partitionsFor() and close() may be called from any number
/// of threads at once. Completion callbacks and futures are completed on the producer's
/// I/O thread, one at a time, in the order the broker answered; a callback must not block
/// for long (it holds up every other completion and all sending) and must not call
/// flush() or close() (they would wait for the thread running them). Calling send() from
/// a callback is allowed, but it throws QueueFullException rather than wait when the
/// queue is full, since waiting there could never end; a RecordFuture waited on there
/// throws instead of hanging (record_future.hpp). Destroying the producer from one of its
/// own callbacks (dropping the last shared_ptr to it there) is allowed: see ~Producer().
///
/// Memory: records accepted and not yet completed are bounded by count
/// (`queue.buffering.max.messages`) and by bytes of keys, values and headers
/// (`queue.buffering.max.kbytes` / `buffer.memory`); once a burst has been delivered the
/// producer gives back what it held above a small pool (docs/producer.md).
///
/// Visibility: ProducerCallbacks (producer_callbacks.hpp) receive log lines, errors that
/// belong to no single record, and statistics every `statistics.interval.ms`.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kafkalite/error.hpp"
#include "kafkalite/producer_callbacks.hpp"
#include "kafkalite/producer_config.hpp"
#include "kafkalite/producer_record.hpp"
#include "kafkalite/record_future.hpp"
#include "kafkalite/record_metadata.hpp"

namespace kafkalite {

/// send() found the queue full (`queue.buffering.max.messages` records, or
/// `queue.buffering.max.kbytes` of keys, values and headers, accepted and not yet
/// completed) and `queue.enqueue.timeout.ms` ran out: at once for 0, after that many
/// milliseconds for a positive value. The record was not accepted and its callback is
/// never called (spec 7.5). code() is ClientError::QueueFull.
class QueueFullException : public std::runtime_error {
 public:
  /// Builds the exception; `what()` names the queue size. Throws only std::bad_alloc.
  explicit QueueFullException(int32_t capacity);
  /// Builds the exception for the byte bound: `what()` names it and the record's size.
  /// Throws only std::bad_alloc.
  QueueFullException(int64_t maxBytes, int64_t recordBytes);
  /// ClientError::QueueFull. Never throws.
  [[nodiscard]] std::error_code code() const noexcept { return ClientError::QueueFull; }
};

/// One partition of a topic as the producer's metadata last saw it.
struct PartitionInfo {
  std::string topic;              ///< the topic
  int32_t partition = -1;         ///< the partition index
  int32_t leader = -1;            ///< broker id of the leader; -1 when it has none
  std::vector<int32_t> replicas;  ///< broker ids of the assigned replicas
  std::vector<int32_t> isr;       ///< broker ids of the in-sync replicas
  /// Member-wise equality.
  bool operator==(const PartitionInfo&) const = default;
};

/// An asynchronous Kafka producer with the classic 0.8 settings (see the file comment).
class Producer {
 public:
  /// The completion of one record: an empty error_code and the record's metadata on
  /// success; on failure the error (a Kafka ErrorCode such as NOT_ENOUGH_REPLICAS, or a
  /// ClientError such as TimedOut, ProducerClosed, RecordTooLarge, UnknownPartition) and
  /// metadata with offset -1. Called exactly once per accepted record, on the I/O thread.
  /// An exception thrown by a callback is caught and ignored.
  using Callback = std::function<void(std::error_code, const RecordMetadata&)>;

  /// Starts a producer: validates `config` (ConfigException naming the key, the value and
  /// what is allowed) and starts the I/O thread. No connection is opened until the first
  /// record or partitionsFor(). Throws ConfigException, std::system_error if the thread
  /// cannot start, std::bad_alloc.
  /// `callbacks` receive log lines, errors and statistics (producer_callbacks.hpp).
  explicit Producer(const ProducerConfig& config, ProducerCallbacks callbacks = {});

  /// As Producer(ProducerConfig::fromProperties(properties)): keys as Kafka users know
  /// them, case-insensitive. Throws ConfigException for an unknown key or a bad value.
  explicit Producer(const std::map<std::string, std::string>& properties, ProducerCallbacks callbacks = {});

  /// As Producer(std::map{properties}), so that `Producer p({{"bootstrap.servers", "h:9092"}})`
  /// is not ambiguous with the ProducerConfig constructor. Throws as that one.
  Producer(std::initializer_list<std::pair<const std::string, std::string>> properties,
           ProducerCallbacks callbacks = {});

  /// The implementation (internal; tests build one with a fake clock and connections).
  class Impl;
  /// Takes over a ready-made implementation (internal). Never throws.
  explicit Producer(std::unique_ptr<Impl> impl) noexcept;

  /// close() with no time limit: waits until every record has completed. Never throws.
  /// Called on the producer's own I/O thread (the last owner dropped inside one of its
  /// callbacks), it cannot wait for that thread: it stops accepting records and returns,
  /// and the I/O thread goes on as close() would — every pending record is still sent
  /// and completed, its callback called — then stops and frees the producer.
  ~Producer();

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Queues `record` for sending and returns; `callback` (may be empty) is called once
  /// with the outcome, on the I/O thread. Key, value and headers are moved, not copied.
  /// When the queue is full, waits as `queue.enqueue.timeout.ms` says (0: not at all,
  /// negative: until there is room, positive: up to that long); the wait blocks the
  /// thread, it never spins. Records that fail later (unknown partition, too large,
  /// retries used up, closed) fail through the callback, never by an exception.
  /// Throws QueueFullException (the record is not accepted and the callback is never
  /// called); std::system_error with ClientError::ProducerClosed once close() has begun.
  /// Thread-safe.
  void send(ProducerRecord record, Callback callback);

  /// As send(record, callback), but the topic, key and value are copied from `record`'s
  /// views into buffers the producer keeps per queue slot and reuses, so a record costs no
  /// allocation once the slots are warm (the other overload frees the application's
  /// strings on the I/O thread). Same waiting, callback and exceptions. Thread-safe.
  void send(const RecordView& record, Callback callback);

  /// As send(record, callback), with the outcome in a future, set on the I/O thread: the
  /// metadata, or a std::system_error carrying the error code. Waiting for it inside a
  /// callback throws instead of hanging (RecordFuture). Throws as the other overload.
  /// Thread-safe.
  [[nodiscard]] RecordFuture send(ProducerRecord record);

  /// Makes every queued record ready to send at once (ignoring `queue.buffering.max.ms`)
  /// and waits until no record is pending, that is every record accepted so far, also
  /// those other threads send meanwhile, has completed, or `timeout` has passed.
  /// Returns true if nothing was pending when it returned. Never throws. Thread-safe;
  /// not from a callback.
  bool flush(std::chrono::milliseconds timeout);

  /// Stops accepting records (send() then throws), sends what is queued without waiting
  /// for linger and waits up to `timeout` for every pending record to complete. Records
  /// still pending after that fail: those not yet sent with ClientError::ProducerClosed,
  /// those awaiting a broker's answer with ClientError::TimedOut. Then the I/O thread stops
  /// and connections close. Returns true if every record completed within `timeout` (by
  /// delivery or by its own error) and none had to be failed by close. Senders blocked on
  /// a full queue wake up and throw ProducerClosed. Calling it again returns at once.
  /// Never throws. Thread-safe; not from a callback.
  bool close(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  /// The partitions of `topic` (sorted by index), fetching its metadata first if the
  /// producer does not know the topic yet (which, like any Metadata request, may create
  /// it when the cluster auto-creates topics). Waits at most `timeout`.
  /// Throws std::system_error: ClientError::TimedOut when no metadata arrived in time;
  /// the topic's Kafka error (e.g. UNKNOWN_TOPIC_OR_PARTITION) when the cluster reported
  /// one for it until the deadline; ClientError::ProducerClosed once close() has begun
  /// (also a call already waiting returns then, at once);
  /// std::errc::resource_deadlock_would_occur from a callback (it cannot wait there).
  /// Thread-safe.
  [[nodiscard]] std::vector<PartitionInfo> partitionsFor(const std::string& topic,
                                                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafkalite
