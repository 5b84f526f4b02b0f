// JSON output helpers, private to the render layer: nlohmann never leaves it. Small documents
// are built as an nlohmann tree here; the large ones stream through json_writer.hpp.
#pragma once

#include "fleetcap/render/output.hpp"
#include "json_writer.hpp"

#include <nlohmann/json.hpp>

namespace fleetcap::json_out {

using Json = nlohmann::ordered_json;

// A document holding only the envelope (begin_document() in json_writer.hpp, read back).
Json envelope(std::string_view command, const RenderOptions& o);

// Two-space indented, one trailing newline.
std::string dump(const Json& doc);

} // namespace fleetcap::json_out
