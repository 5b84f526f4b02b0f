#include "fleetcap/render/snapshot.hpp"

#include "json_out.hpp"

#include <fmt/format.h>

namespace fleetcap {

std::string render_snapshot_saved(const Snapshot& snap, const std::string& dir, Time taken_at, const RenderOptions& o) {
  const std::pair<std::string_view, std::size_t> counts[] = {
      {"clusters", snap.clusters.size()},       {"nodes", snap.nodes.size()},
      {"quotas", snap.quotas.size()},           {"jobs", snap.jobs.size()},
      {"maintenance", snap.maintenance.size()}, {"health_history", snap.health_history.size()}};
  if (o.format == Format::json) {
    json_out::Json doc = json_out::envelope("snapshot", o);
    doc["dir"] = dir;
    doc["taken_at"] = format_rfc3339(taken_at);
    json_out::Json items;
    for (auto [name, n] : counts) items[std::string(name)] = n;
    doc["items"] = std::move(items);
    return json_out::dump(doc);
  }
  std::string line = fmt::format("Saved {} taken at {} to {}:", snap.source, format_rfc3339(taken_at), dir);
  for (auto [name, n] : counts) line += fmt::format(" {} {}", n, name);
  return line + "\n";
}

std::string render_version(const RenderOptions& o) {
  if (o.format == Format::json) {
    json_out::Json doc;
    doc["schema"] = "fleetcap.version/v1";
    doc["version"] = FLEETCAP_VERSION;
    return json_out::dump(doc);
  }
  return fmt::format("fleetcap {}\n", FLEETCAP_VERSION);
}

} // namespace fleetcap
