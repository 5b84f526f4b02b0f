// `fleetcap flex` as a table, JSON (fleetcap.flex/v1) or CSV.
#pragma once

#include "fleetcap/figures/flex.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

std::string render_flex(const FlexReport& report, const Snapshot& snap, const RenderOptions& o);

} // namespace fleetcap
