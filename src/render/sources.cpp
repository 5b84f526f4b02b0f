#include "fleetcap/render/sources.hpp"

#include "columns.hpp"
#include "fleetcap/render/maintenance.hpp"

namespace fleetcap {
namespace {

using namespace cols;
using json_out::JsonWriter;

struct SourceView {
  const SourceStatus* s;
  std::size_t clusters = 0;
};

std::string took(double seconds) {
  return seconds < 1 ? fmt::format("{}ms", static_cast<long long>(seconds * 1000 + 0.5))
                     : fmt::format("{:.1f}s", seconds);
}

// The keys the envelope's "sources" has (json_writer.hpp) come first, in its order, so that
// `.sources[]` reads alike in every document; this command's document adds the rest.
const Column<SourceView> kSourceColumns[] = {
    {.key = "name",
     .header = "NAME",
     .align = Align::left,
     .identifying = true,
     .get = [](const SourceView& r) { return txt(r.s->name); }},
    {.key = "kind",
     .header = "KIND",
     .align = Align::left,
     .priority = 2,
     .get = [](const SourceView& r) { return txt(r.s->kind); }},
    {.key = "source",
     .header = "SOURCE",
     .align = Align::left,
     .priority = 6,
     .get = [](const SourceView& r) { return txt(r.s->source); }},
    {.key = "ok",
     .header = "REACHABLE",
     .align = Align::left,
     .priority = 1,
     .get = [](const SourceView& r) { return flag(r.s->ok, r.s->ok ? Tone::good : Tone::bad); }},
    {.key = "error",
     .header = "ERROR",
     .align = Align::left,
     .priority = 1,
     .get = [](const SourceView& r) { return r.s->ok ? none() : txt(r.s->error, Tone::bad); }},
    {.key = "fetched_at",
     .header = "FETCHED",
     .align = Align::left,
     .priority = 8,
     .wide = true,
     .get = [](const SourceView& r) { return txt(format_rfc3339(r.s->fetched_at), Tone::plain, short_time(r.s->fetched_at)); }},
    {.key = "taken_at",
     .header = "TAKEN",
     .align = Align::left,
     .priority = 7,
     .wide = true,
     .get =
         [](const SourceView& r) {
           return r.s->ok && r.s->taken_at ? txt(format_rfc3339(*r.s->taken_at), Tone::plain, short_time(*r.s->taken_at))
                                           : none();
         }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .priority = 3,
     .get = [](const SourceView& r) { return r.s->ok ? num(r.clusters) : none(); }},
    {.key = "version",
     .header = "VERSION",
     .align = Align::left,
     .priority = 4,
     .get = [](const SourceView& r) { return r.s->version.empty() ? none() : txt(r.s->version); }},
    {.key = "auth",
     .header = "AUTH",
     .align = Align::left,
     .priority = 5,
     .get = [](const SourceView& r) { return r.s->auth.empty() ? none() : txt(r.s->auth); }},
    {.key = "took_ms",
     .header = "TOOK",
     .priority = 4,
     .get =
         [](const SourceView& r) {
           return num(static_cast<Gpus>(r.s->seconds * 1000 + 0.5), Tone::plain, took(r.s->seconds));
         }},
};

std::vector<SourceView> rows_of(const Snapshot& snap, const RenderOptions& o) {
  std::vector<SourceView> rows;
  for (const auto& s : snap.sources) rows.push_back({&s, 0});
  for (const auto& c : snap.clusters)
    if (c.source < rows.size()) ++rows[c.source].clusters;
  sort_rows<SourceView>(kSourceColumns, rows, o.sort);
  return rows;
}

} // namespace

namespace cols {
std::vector<ColumnList> sources_column_lists() { return {describe<SourceView>("sources", "sources", kSourceColumns)}; }
} // namespace cols

std::string render_sources(const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: {
    JsonWriter w;
    json_out::begin_document(w, "sources", o, false);
    json_list<SourceView>(w, "sources", kSourceColumns, rows_of(snap, o));
    return w.end_object().finish();
  }
  case Format::csv: return csv_of<SourceView>(kSourceColumns, rows_of(snap, o), o);
  case Format::name: return names_of<SourceView>(kSourceColumns, rows_of(snap, o));
  case Format::table: break;
  }
  return table_of<SourceView>(kSourceColumns, rows_of(snap, o), o);
}

} // namespace fleetcap
