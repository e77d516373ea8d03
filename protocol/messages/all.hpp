#pragma once
/// \file
/// Every message kafkalite encodes and decodes.

#include "protocol/messages/api_versions.hpp"
#include "protocol/messages/delete_groups.hpp"
#include "protocol/messages/describe_groups.hpp"
#include "protocol/messages/fetch.hpp"
#include "protocol/messages/find_coordinator.hpp"
#include "protocol/messages/heartbeat.hpp"
#include "protocol/messages/init_producer_id.hpp"
#include "protocol/messages/join_group.hpp"
#include "protocol/messages/leave_group.hpp"
#include "protocol/messages/list_groups.hpp"
#include "protocol/messages/list_offsets.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/messages/offset_commit.hpp"
#include "protocol/messages/offset_delete.hpp"
#include "protocol/messages/offset_fetch.hpp"
#include "protocol/messages/offset_for_leader_epoch.hpp"
#include "protocol/messages/produce.hpp"
#include "protocol/messages/sync_group.hpp"
