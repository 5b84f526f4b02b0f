// `fleetcap nodes` as a table, JSON (fleetcap.nodes/v1), CSV or names.
#pragma once

#include "fleetcap/figures/nodes.hpp"
#include "fleetcap/render/output.hpp"

#include <iosfwd>
#include <string>

namespace fleetcap {

// One row per node, or per island (--by island), or per partition (--by partition).
enum class NodesBy { node, island, partition };
std::string render_nodes(const NodesReport& report, const Snapshot& snap, const RenderOptions& o, NodesBy by);

// `nodes --free` as a table, JSON (fleetcap.nodes.free/v1), CSV or names. With `sink`, the JSON
// document goes there as it is written and the result is empty.
std::string render_free_nodes(const FreeNodes& report, const Snapshot& snap, const RenderOptions& o,
                              std::ostream* sink = nullptr);

} // namespace fleetcap
