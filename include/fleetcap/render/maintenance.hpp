// `fleetcap maintenance list|node|impact|plan` as tables, JSON (fleetcap.maintenance.<cmd>/v1) or CSV.
#pragma once

#include "fleetcap/figures/maintenance.hpp"
#include "fleetcap/render/output.hpp"

#include <ostream>
#include <string>

namespace fleetcap {

std::string render_event_list(const EventList& list, const Snapshot& snap, const RenderOptions& o);
std::string render_node_card(const NodeCard& card, const Snapshot& snap, const RenderOptions& o);
std::string render_impact(const ImpactReport& report, const Snapshot& snap, const RenderOptions& o);
// The plan's JSON runs to tens of MB at a million GPUs (a job and its destination per move):
// it goes to `out` while it is written, so that writing it overlaps making it.
void render_move_plan(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out);

// The impact timeline: one line per cluster, one character per slot (6 hours, doubled until
// the line fits `width`, or has at most 240 slots when `width` is 0), lower blocks where
// schedulable GPUs dip.
std::string render_impact_timeline(const ImpactReport& report, const Snapshot& snap, int width);

// "2026-11-21T06:00Z" (seconds shown only when not zero): times in tables.
std::string short_time(Time t);
// "3d12h", "18h", "45m", "30s": a duration rounded down to its two largest units.
std::string human_duration(Duration d);
// "in 6h", "3d ago", "now": `t` seen from the fleet's time `at` (a narrow table's times).
std::string relative_time(Time t, Time at);

} // namespace fleetcap
