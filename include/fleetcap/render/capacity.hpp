// `fleetcap capacity` as a table, JSON (fleetcap.capacity/v1) or CSV.
#pragma once

#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

// What a --by grouping is called in JSON ("by") and in labels: region, sku, provider, cluster.
std::string_view group_name(GroupBy by);

std::string render_capacity(const CapacityReport& report, const Snapshot& snap, const RenderOptions& o);

} // namespace fleetcap
