#pragma once
/// \file
/// The admin endpoint's consumer-group routes (see admin_routes.hpp for the rest):
///   GET  /v1/groups                                     every group, as GET /v1/groups/{id}
///   GET  /v1/groups/{id}                                state, generation, protocol, leader,
///                                                       coordinator, members with their
///                                                       assignments, committed offsets with lag
///   POST /v1/groups/{id}/rebalance                      every member must join again
///   POST /v1/groups/{id}/members/{memberId}/expire      as if the member's session timed out
/// An unknown group or member is 404; rebalancing a group without members is 400.
///
/// Threading: as handleAdminRequest.

#include <string>
#include <string_view>
#include <vector>

#include "kafkalite/mock/cluster.hpp"
#include "mockbroker/admin/admin_routes.hpp"

namespace kafkalite::mock::detail {

/// Answers a request whose path starts /v1/groups (`segments` = the decoded path segments).
/// Throws std::logic_error from MockCluster (the caller answers 400).
[[nodiscard]] AdminReply handleGroupRoute(MockCluster& cluster, std::string_view method,
                                          const std::vector<std::string>& segments);

}  // namespace kafkalite::mock::detail
