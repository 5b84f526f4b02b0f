// `fleetcap snapshot save` and `fleetcap version`: small documents, written like every other.
#include "fleetcap/render/snapshot.hpp"

#include "columns.hpp"

#include <fmt/format.h>

namespace fleetcap {
namespace {

using namespace cols;

// How many items of each resource a saved snapshot holds.
const Column<Snapshot> kItemList[] = {
    {.key = "clusters", .get = [](const Snapshot& s) { return num(s.clusters.size()); }},
    {.key = "nodes", .get = [](const Snapshot& s) { return num(s.nodes.size()); }},
    {.key = "quotas", .get = [](const Snapshot& s) { return num(s.quotas.size()); }},
    {.key = "jobs", .get = [](const Snapshot& s) { return num(s.jobs.size()); }},
    {.key = "maintenance", .get = [](const Snapshot& s) { return num(s.maintenance.size()); }},
    {.key = "health_history", .get = [](const Snapshot& s) { return num(s.health_history.size()); }},
};
const Columns<Snapshot> kItemColumns{"snapshot save", "items", kItemList, ListKind::section};

struct SavedDoc {
  const Snapshot* snap;
  const std::string* dir;
  Time taken_at;
};

const Column<SavedDoc> kSavedList[] = {
    {.key = "dir", .get = [](const SavedDoc& d) { return txt(*d.dir); }},
    {.key = "taken_at", .get = [](const SavedDoc& d) { return txt(format_rfc3339(d.taken_at)); }},
    {.key = "items", .section = object<kItemColumns, &SavedDoc::snap>},
};
const Columns<SavedDoc> kSavedDoc{"snapshot save", "document", kSavedList, ListKind::document, "fleetcap.snapshot/v1"};

// `version --json` has no envelope: it says which fleetcap this is, nothing about a fleet.
constexpr std::string_view kVersionSchema = "fleetcap.version/v1";
const Column<RenderOptions> kVersionList[] = {
    {.key = "schema", .get = [](const RenderOptions&) { return txt(kVersionSchema); }},
    {.key = "version", .get = [](const RenderOptions&) { return txt(FLEETCAP_VERSION); }},
};
const Columns<RenderOptions> kVersionDoc{"version", "document", kVersionList, ListKind::document, kVersionSchema};

} // namespace

namespace cols {
void link_snapshot_columns() {}
} // namespace cols

std::string render_snapshot_saved(const Snapshot& snap, const std::string& dir, Time taken_at, const RenderOptions& o) {
  if (o.format == Format::json) return json_document(kSavedDoc, SavedDoc{&snap, &dir, taken_at}, o);
  std::string line = fmt::format("Saved {} taken at {} to {}:", snap.source, format_rfc3339(taken_at), dir);
  for (const auto& c : kItemColumns) line += fmt::format(" {} {}", c.get(snap).number, c.key);
  return line + "\n";
}

std::string render_version(const RenderOptions& o) {
  if (o.format == Format::json) {
    JsonWriter w;
    json_row(w, kVersionDoc, o);
    return w.finish();
  }
  return fmt::format("fleetcap {}\n", FLEETCAP_VERSION);
}

} // namespace fleetcap
