// JSON output helpers, private to the render layer: nlohmann never leaves it.
#pragma once

#include "fleetcap/render/output.hpp"

#include <nlohmann/json.hpp>

namespace fleetcap::json_out {

using Json = nlohmann::ordered_json;

// {"schema": "fleetcap.<command>/v1", "generated_at", "at", "source"} (SPEC §7).
Json envelope(std::string_view command, const RenderOptions& o);

// Every SPEC §4 cluster figure into `into`, in column order.
void put_figures(Json& into, const ClusterFigures& f);

// Two-space indented, one trailing newline.
std::string dump(const Json& doc);

} // namespace fleetcap::json_out
