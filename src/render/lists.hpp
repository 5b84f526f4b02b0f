// The column lists one renderer shares with another, private to the render layer: report
// --html draws capacity, the overalloc cuts and sweep, and maintenance impact from the same
// lists that make those commands' tables and JSON, so a figure is described once.
#pragma once

#include "columns.hpp"

#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/maintenance.hpp"
#include "fleetcap/figures/overalloc.hpp"

namespace fleetcap::cols {

// ---- capacity (render/capacity.cpp)

using CapacityView = ClusterView<CapacityRow>;
// One row per cluster; the figures' columns total to CapacityReport::totals.
extern const Columns<CapacityView> kCapacityColumns;

// ---- maintenance (render/maintenance.cpp)

// The window a maintenance or nodes document looks at: window, until, and with kLead the lead.
inline constexpr unsigned kLead = kFirstOwnCondition;
extern const Columns<MaintenanceHorizon> kHorizonColumns;

using ImpactView = ClusterView<ClusterImpact>;
// One row per cluster, each with its steps.
extern const Columns<ImpactView> kImpactColumns;

// ---- overalloc (render/overalloc_columns.cpp)

using OverallocClusterView = ClusterView<OverallocCluster>;
struct OverallocQuotaView {
  const Snapshot* snap;
  const OverallocQuota* q;
};
struct OverallocTreeView {
  const Snapshot* snap;
  const OverallocTree* t;
};
struct PreemptedJobView {
  const Snapshot* snap;
  const OverallocQuota* q;
  std::uint32_t index; // in Snapshot::jobs
  const Job& job() const { return snap->jobs[index]; }
};
// A report's summary; a sweep's buffer (with its buffer_bp); one policy of --compare-cuts (with
// its brief, for the figures only the brief has); `text`: with the sentence (the report's).
struct SummaryView {
  const OverallocSummary* s;
  std::optional<BasisPoints> buffer_bp = {};
  bool text = false;
  const OverallocBrief* brief = nullptr;
};

extern const Columns<OverallocClusterView> kOverallocClusterColumns;
extern const Columns<OverallocQuotaView> kOverallocQuotaColumns;
extern const Columns<OverallocTreeView> kOverallocTreeColumns;
extern const Columns<PreemptedJobView> kPreemptedJobColumns;
extern const Columns<SummaryView> kSummaryColumns;

Tone phase_tone(int phase);
Tone cut_tone(Gpus cut);
// A percentage cell: sorts by the ratio, shows format_share().
Value share(Gpus part, Gpus whole);

} // namespace fleetcap::cols
