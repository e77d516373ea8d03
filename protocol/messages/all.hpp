#pragma once
/// \file
/// Every message kafkalite encodes and decodes.

#include "protocol/messages/api_versions.hpp"
#include "protocol/messages/fetch.hpp"
#include "protocol/messages/find_coordinator.hpp"
#include "protocol/messages/init_producer_id.hpp"
#include "protocol/messages/list_offsets.hpp"
#include "protocol/messages/metadata.hpp"
#include "protocol/messages/produce.hpp"
