// `fleetcap sources` as a table, JSON (fleetcap.sources/v1), CSV or names (docs/sources.md).
#pragma once

#include "fleetcap/model/model.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

// One row per source read (o.sources, with o.source_details): what it is, whether it answered,
// the version it said, how fleetcap logged in, how long it took and how many clusters it gave.
std::string render_sources(const RenderOptions& o);

} // namespace fleetcap
