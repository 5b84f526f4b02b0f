// `fleetcap report --html FILE`: one self-contained HTML page (inline CSS and SVG, no script
// that runs, nothing fetched) showing capacity, the overalloc sweep and cuts, and maintenance
// impact with each cluster's events. Every figure is drawn from the figures/ structs it is given, never recomputed; the
// page also embeds each command's own JSON document (the --json output) in a
// <script type="application/json">, and every drawn element carries its values in data-*.
#pragma once

#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/maintenance.hpp"
#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/render/output.hpp"
#include "fleetcap/render/overalloc.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace fleetcap {

struct HtmlReport {
  const CapacityReport* capacity = nullptr;            // per cluster (GroupBy::none)
  const OverallocReport* overalloc = nullptr;          // at the report's buffer
  const std::vector<OverallocReport>* sweep = nullptr; // one per buffer, in sweep order
  HistorySourceInfo history;
  const ImpactReport* impact = nullptr;
  const EventList* events = nullptr; // the impact window's open events, listed under each cluster
};

// `o` carries the run's metadata (generated_at, at, source); its format is ignored. With `sink`,
// the page goes there as it is made (tens of MB on a large fleet) and the result is empty.
std::string render_html_report(const HtmlReport& report, const Snapshot& snap, const RenderOptions& o,
                               std::ostream* sink = nullptr);

// Text made safe for HTML element content and attribute values (& < > " ').
std::string html_escape(std::string_view text);

} // namespace fleetcap
