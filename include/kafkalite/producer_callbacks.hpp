#pragma once
/// \file
/// ProducerCallbacks: what a Producer tells the application besides each record's outcome —
/// log lines, errors that belong to no single record, and periodic statistics.
///
/// ```cpp
/// kafkalite::ProducerCallbacks callbacks;
/// callbacks.log = [](kafkalite::LogLevel level, std::string_view facility, std::string_view message) {
///   std::clog << static_cast<int>(level) << ' ' << facility << ": " << message << '\n';
/// };
/// callbacks.error = [](std::error_code ec, std::string_view reason) { alert(ec, reason); };
/// callbacks.statistics = [](std::string_view json) { metrics.push(json); };
/// kafkalite::Producer producer({{"bootstrap.servers", "localhost:9092"}, {"statistics.interval.ms", "5000"}},
///                              std::move(callbacks));
/// ```
///
/// Threading: every callback runs on the producer's I/O thread, like the delivery
/// callbacks, one at a time; it must not block for long and must not call flush() or
/// close(). An exception thrown by a callback is caught and ignored.

#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include "kafkalite/log.hpp"

namespace kafkalite {

/// Receives an error that is not the outcome of one record: every broker unreachable
/// (ClientError::AllBrokersDown), a producer id refused (e.g. CLUSTER_AUTHORIZATION_FAILED),
/// an idempotence failure that cost records their delivery (OUT_OF_ORDER_SEQUENCE_NUMBER,
/// INVALID_PRODUCER_EPOCH after the retries). The producer keeps running; the records
/// concerned fail through their own callbacks.
using ErrorCallback = std::function<void(std::error_code error, std::string_view reason)>;

/// Receives a statistics document (JSON, one object) every `statistics.interval.ms`;
/// docs/producer.md lists every field. The view is valid during the call only.
using StatisticsCallback = std::function<void(std::string_view json)>;

/// The application's callbacks; each may be empty (the default writes nothing anywhere).
struct ProducerCallbacks {
  LogCallback log;                ///< log lines at logLevel or more severe
  ErrorCallback error;            ///< errors not tied to one record
  StatisticsCallback statistics;  ///< every statisticsIntervalMs when that is > 0
};

}  // namespace kafkalite
