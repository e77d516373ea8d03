#pragma once
/// \file
/// The admin endpoint's request handling without the HTTP transport: a method, a
/// request target and a body in; a status, a JSON body and (for 405) an Allow value out.
/// AdminServer calls it once per parsed request; tests may call it directly.
///
/// Routes (all bodies and replies are JSON; every error reply is {"error": "..."}):
///   GET  /v1/cluster                                  cluster, brokers, partitions
///   POST /v1/brokers/{id}/stop?mode=clean|hard        default clean
///   POST /v1/brokers/{id}/start
///   POST /v1/brokers/{id}/rtt?ms=N                    0 turns it off
///   POST /v1/brokers/{id}/stall?on=true|false         default true
///   POST /v1/topics                                   {"name","partitions","replicationFactor",
///                                                      "minInsyncReplicas"?, "configs"?:{name: value}}
///                                                      -> 201
///   DELETE /v1/topics/{topic}                         deletes it (as DeleteTopics)
///   GET  /v1/requests?api=&broker=&clientId=&topic=&since=&sinceMs=&limit=
///                                                     the request log: {"lastSequence", "requests":[...]}
///   DELETE /v1/requests                               clears the request log
///   POST /v1/partitions/{topic}/{partition}/leader?broker=N
///   GET  /v1/partitions/{topic}/{partition}/records?broker=N   default: the current leader
///   POST /v1/errors                                   {"apiKey","errors":[code|"NAME",..],
///                                                      "broker"?:-1,"delayMs"?:0}
///   POST /v1/network/cut?a=N&b=M, /v1/network/heal?a=N&b=M
///   POST /v1/heal                                     undoes every injected fault
///   /v1/groups...                                     consumer groups: see group_routes.hpp
///
/// Status codes: 200 (201 for a created topic); 400 for malformed input, an unknown
/// broker, or a std::logic_error from MockCluster (std::invalid_argument,
/// std::out_of_range); 404 for an unknown path; 405 for a known path with another
/// method; 500 for any other exception. Nothing thrown leaves handleAdminRequest.
///
/// Record keys, values and header values are written as JSON strings (null for null):
/// valid UTF-8 as it is, any other byte as the escape \u00XX (see json.hpp).
///
/// Threading: handleAdminRequest may be called from any thread; it calls MockCluster
/// members, which may block until the cluster has done what was asked.

#include <string>
#include <string_view>

#include "kafkalite/mock/cluster.hpp"

namespace kafkalite::mock::detail {

/// What to answer.
struct AdminReply {
  unsigned status = 200;
  std::string body;   ///< JSON text
  std::string allow;  ///< the Allow header's value for 405, else empty
};

/// Handles one request. `target` is the origin-form request target ("/v1/...?..."),
/// percent-encoded as it came; `method` is the HTTP method as sent ("GET", "POST").
/// Never throws except std::bad_alloc while building an error reply.
[[nodiscard]] AdminReply handleAdminRequest(MockCluster& cluster, std::string_view method, std::string_view target,
                                            std::string_view body);

}  // namespace kafkalite::mock::detail
