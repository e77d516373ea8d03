#pragma once
/// \file
/// Every message kafkalite encodes and decodes.

#include "protocol/messages/alter_configs.hpp"
#include "protocol/messages/api_versions.hpp"
#include "protocol/messages/create_partitions.hpp"
#include "protocol/messages/create_topics.hpp"
#include "protocol/messages/delete_records.hpp"
#include "protocol/messages/delete_topics.hpp"
#include "protocol/messages/describe_cluster.hpp"
#include "protocol/messages/describe_configs.hpp"
#include "protocol/messages/describe_log_dirs.hpp"
#include "protocol/messages/elect_leaders.hpp"
#include "protocol/messages/fetch.hpp"
#include "protocol/messages/find_coordinator.hpp"
#include "protocol/messages/incremental_alter_configs.hpp"
#include "protocol/messages/init_producer_id.hpp"
#include "protocol/messages/list_offsets.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/messages/produce.hpp"
