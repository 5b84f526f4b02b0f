// What `snapshot save` and `version` print.
#pragma once

#include "fleetcap/model/model.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

std::string render_snapshot_saved(const Snapshot& snap, const std::string& dir, Time taken_at, const RenderOptions& o);
std::string render_version(const RenderOptions& o);

} // namespace fleetcap
