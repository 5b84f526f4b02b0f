// `fleetcap nodes` as a table, JSON (fleetcap.nodes/v1), CSV or names.
#pragma once

#include "fleetcap/figures/nodes.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

// by_island: one row per island (--by island) instead of one per node.
std::string render_nodes(const NodesReport& report, const Snapshot& snap, const RenderOptions& o, bool by_island);

// `nodes --free` as a table, JSON (fleetcap.nodes.free/v1), CSV or names.
std::string render_free_nodes(const FreeNodes& report, const Snapshot& snap, const RenderOptions& o);

} // namespace fleetcap
