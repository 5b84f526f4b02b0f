// `overalloc report --summary` (fleetcap.overalloc.summary/v1) and `--compare-cuts`
// (fleetcap.overalloc.compare/v1): the leadership brief of figures/overalloc.hpp as one screen,
// JSON or CSV. Keys are documented in docs/overalloc.md.
#pragma once

#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

// One line per rollout phase and a TOTAL, after the sentence a TPM can paste.
std::string render_overalloc_brief(const OverallocReport& report, const OverallocBrief& brief, const RenderOptions& o);

// The same figures for pro-rata and least-disruptive, side by side (same buffer, same basis).
std::string render_overalloc_compare(const OverallocReport& pro_rata, const OverallocBrief& pro_rata_brief,
                                     const OverallocReport& least_disruptive,
                                     const OverallocBrief& least_disruptive_brief, const RenderOptions& o);

// The brief's sentence: over target, cut, already unbacked, sources, jobs preempted (no newline).
std::string brief_sentence(const OverallocBrief& b);

} // namespace fleetcap
