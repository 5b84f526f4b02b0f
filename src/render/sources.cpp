// The sources a run read (docs/sources.md): one list of columns, written in every JSON
// document's envelope (its first seven keys) and, whole, by `fleetcap sources`.
#include "fleetcap/render/sources.hpp"

#include "columns.hpp"
#include "fleetcap/render/maintenance.hpp"

namespace fleetcap {
namespace {

using namespace cols;

// `fleetcap sources` shows what the envelope leaves out.
constexpr unsigned kDetails = kFirstOwnCondition;

std::string took(double seconds) {
  return seconds < 1 ? fmt::format("{}ms", static_cast<long long>(seconds * 1000 + 0.5))
                     : fmt::format("{:.1f}s", seconds);
}

Value short_time_of(Time t) { return txt(format_rfc3339(t), Tone::plain, short_time(t)); }

const Column<SourceStatus> kSourceList[] = {
    {.key = "name",
     .header = "NAME",
     .align = Align::left,
     .identifying = true,
     .get = [](const SourceStatus& s) { return txt(s.name); }},
    {.key = "kind",
     .header = "KIND",
     .align = Align::left,
     .drop = 2,
     .get = [](const SourceStatus& s) { return txt(s.kind); }},
    {.key = "source",
     .header = "SOURCE",
     .align = Align::left,
     .drop = 6,
     .get = [](const SourceStatus& s) { return txt(s.source); }},
    {.key = "ok",
     .header = "REACHABLE",
     .align = Align::left,
     .drop = 1,
     .get = [](const SourceStatus& s) { return flag(s.ok, s.ok ? Tone::good : Tone::bad); }},
    {.key = "error",
     .header = "ERROR",
     .align = Align::left,
     .drop = 1,
     .get = [](const SourceStatus& s) { return s.ok ? none() : txt(s.error, Tone::bad); }},
    {.key = "fetched_at",
     .header = "FETCHED",
     .align = Align::left,
     .drop = 8,
     .wide = true,
     .get = [](const SourceStatus& s) { return short_time_of(s.fetched_at); }},
    {.key = "taken_at",
     .header = "TAKEN",
     .align = Align::left,
     .drop = 7,
     .wide = true,
     .get = [](const SourceStatus& s) { return s.ok && s.taken_at ? short_time_of(*s.taken_at) : none(); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .drop = 3,
     .only_with = kDetails,
     .get = [](const SourceStatus& s) { return s.ok ? num(s.clusters) : none(); }},
    {.key = "version",
     .header = "VERSION",
     .align = Align::left,
     .drop = 4,
     .only_with = kDetails,
     .get = [](const SourceStatus& s) { return s.version.empty() ? none() : txt(s.version); }},
    {.key = "auth",
     .header = "AUTH",
     .align = Align::left,
     .drop = 5,
     .only_with = kDetails,
     .get = [](const SourceStatus& s) { return s.auth.empty() ? none() : txt(s.auth); }},
    {.key = "took_ms",
     .header = "TOOK",
     .drop = 4,
     .only_with = kDetails,
     .get =
         [](const SourceStatus& s) {
           return num(static_cast<Gpus>(s.seconds * 1000 + 0.5), Tone::plain, took(s.seconds));
         }},
};
const Columns<SourceStatus> kSourceColumns{"sources", "sources", kSourceList};

unsigned have_of(const RenderOptions& o) { return o.source_details ? kDetails : 0; }

std::vector<SourceStatus> rows_of(const RenderOptions& o) {
  std::vector<SourceStatus> rows = o.sources;
  sort_rows(kSourceColumns, rows, o.sort);
  return rows;
}

// fleetcap.sources: the envelope, whose `sources` has every column here, and whether all answered.
const Column<RenderOptions> kSourcesDocList[] = {
    {.key = "all_ok",
     .get =
         [](const RenderOptions& o) {
           return flag(std::all_of(o.sources.begin(), o.sources.end(), [](const auto& s) { return s.ok; }));
         }},
};
const Columns<RenderOptions> kSourcesDoc{"sources", "document", kSourcesDocList, ListKind::document,
                                         "fleetcap.sources/v1"};

} // namespace

namespace cols {
void link_sources_columns() {}

void envelope_sources(JsonWriter& w, std::string_view key, const Envelope& e, unsigned) {
  const unsigned have = have_of(*e.o);
  json_list(w, key, kSourceColumns, have ? rows_of(*e.o) : e.o->sources, have);
}
} // namespace cols

std::string render_sources(const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return json_document(kSourcesDoc, o, o);
  case Format::csv: return csv_of(kSourceColumns, rows_of(o), o, kDetails);
  case Format::name: return names_of(kSourceColumns, rows_of(o));
  case Format::table: break;
  }
  return table_of(kSourceColumns, rows_of(o), o, nullptr, kDetails);
}

} // namespace fleetcap
