// `fleetcap overalloc`: what a quota buffer would cut, from whom, in which rollout phase
// (docs/overalloc.md). Pure: integers in, integers out; percentages are basis points.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/history.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetcap {

using BasisPoints = std::int64_t; // 1% = 100 bp
inline constexpr BasisPoints kWholeBp = 10000;

// "15%" → 1500, "2.5%" → 250, "15" → 1500 (a bare number is percent), "0.01%" → 1.
// Exact: at most two decimals, 0%..100%; anything else is nullopt.
std::optional<BasisPoints> parse_percent(std::string_view text);

// target = floor((10000 − bp) × R / 10000), in integers, so 15% of 80 keeps exactly 68.
Gpus buffer_target(Gpus reference, BasisPoints bp);

// --buffer auto: clamp(ceil(10000 × (median − p10) / median), lo, hi). A zero median (no
// healthy GPUs to buffer) takes `hi`.
BasisPoints auto_buffer(Gpus median, Gpus p10, BasisPoints lo, BasisPoints hi);

enum class CutPolicy { pro_rata, least_disruptive };
std::string_view to_string(CutPolicy p);

// One leaf quota of a cluster, as the cut split sees it.
struct CutInput {
  std::string_view name; // ties of the largest remainder go to the name that sorts first
  Gpus assigned = 0;
  Gpus free = 0; // max(0, assigned − used)
  Gpus idle = 0; // Σ GPUs of its running idle jobs
};

// Splits a cluster's cut over its leaves (docs/overalloc.md --cut). `cut` ≤ Σ assigned.
std::vector<Gpus> split_cut(Gpus cut, const std::vector<CutInput>& leaves, CutPolicy policy);

// Rollout phase of one quota's cut: 1 when nothing is cut, 2 when cut ≤ free, 3 when
// cut ≤ free + idle, else 4.
int cut_phase(Gpus cut, Gpus free, Gpus idle);

// Where a quota's cut comes from: unscheduled quota first, then idle jobs, then running jobs.
struct CutSources {
  Gpus unscheduled = 0, idle = 0, running = 0;
};
CutSources cut_sources(Gpus cut, Gpus free, Gpus idle);

// How each cluster's buffer is chosen.
struct BufferChoice {
  bool automatic = false;
  BasisPoints bp = 1500;                                        // --buffer PCT (when not automatic)
  BasisPoints auto_min = 500, auto_max = 1500;                  // --buffer auto[:MIN..MAX]
  std::vector<std::pair<std::string, BasisPoints>> per_cluster; // --buffer-for, last one wins
};

enum class BufferSource { fixed, per_cluster, automatic, automatic_no_history };
std::string_view to_string(BufferSource s);

// What does not depend on the buffer or the policy, computed once (a sweep reuses it).
struct OverallocBasis {
  struct Leaf {
    std::uint32_t quota = kNone;
    Gpus assigned = 0, used = 0, free = 0, idle = 0;
    std::vector<std::uint32_t> preemptible; // running, not idle, in preemption order (docs/overalloc.md phase 4)
  };
  struct ClusterBasis {
    std::uint32_t cluster = kNone;
    Gpus healthy = 0; // H now
    HistoryStats history;
    Gpus reference = 0; // R: the history's median, else H
    Gpus assigned = 0;
    std::vector<Leaf> leaves; // snapshot order
  };
  Time at = 0;
  HistoryWindow window;
  std::vector<ClusterBasis> clusters; // selected clusters, snapshot order
};

OverallocBasis overalloc_basis(const Snapshot& snap, const FleetAt& fleet, const Selection& sel,
                               const std::vector<HealthSample>& history, Duration window);

struct OverallocQuota {
  std::uint32_t quota = kNone, cluster = kNone; // snapshot indices
  Gpus assigned = 0, used = 0, free = 0, idle = 0;
  Gpus cut = 0;
  Gpus new_gpus = 0; // assigned − cut: its gpus once the cut is made
  CutSources from;
  int phase = 1;
  std::vector<std::uint32_t> preempted; // jobs, in preemption order
  Gpus gpus_preempted = 0;
};

struct OverallocCluster {
  std::uint32_t cluster = kNone;
  Gpus healthy = 0;
  HistoryStats history;
  Gpus reference = 0;
  BasisPoints buffer_bp = 0;
  BufferSource buffer_source = BufferSource::fixed;
  Gpus buffer_gpus = 0; // reference − target
  Gpus target = 0, assigned = 0, cut = 0;
  CutSources from;
  int phase = 1;
  std::size_t quotas_affected = 0, jobs_preempted = 0;
  Gpus gpus_preempted = 0;
  std::size_t first_quota = 0, quota_count = 0; // its leaves in OverallocReport::quotas
};

struct OverallocSummary {
  std::size_t clusters = 0, clusters_over_target = 0;
  Gpus assigned = 0, cut = 0;
  CutSources from;
  Gpus cut_by_phase[5] = {}; // [2], [3], [4] are used
  std::size_t quotas_affected = 0, jobs_preempted = 0;
  Gpus gpus_preempted = 0;
};

struct OverallocReport {
  Time at = 0;
  HistoryWindow window;
  CutPolicy policy = CutPolicy::pro_rata;
  BufferChoice buffer;
  std::vector<OverallocCluster> clusters;
  std::vector<OverallocQuota> quotas; // every leaf of the selected clusters, cluster by cluster
  OverallocSummary summary;
};

OverallocReport overalloc(const OverallocBasis& basis, const Snapshot& snap, const BufferChoice& buffer,
                          CutPolicy policy);

// `overalloc sweep`: one report per buffer from `from` to `to` by `step` (basis points), each
// with `pinned`'s --buffer-for clusters kept at theirs.
std::vector<OverallocReport> overalloc_sweep(const OverallocBasis& basis, const Snapshot& snap, BufferChoice pinned,
                                             BasisPoints from, BasisPoints to, BasisPoints step, CutPolicy policy);

// The TOTAL row of the cluster table: the sums of `clusters` where sums make sense (healthy,
// reference, buffer GPUs, target, assigned, cut and its sources, quotas affected, jobs and
// GPUs preempted); the rest stays 0 (cluster kNone, no history, phase 0).
OverallocCluster overalloc_cluster_totals(const std::vector<const OverallocCluster*>& clusters);

// A team's view: the leaves of one quota tree summed over the selected clusters.
struct OverallocTree {
  std::uint32_t tree = kNone;
  std::size_t clusters = 0, quotas = 0, quotas_affected = 0;
  Gpus assigned = 0, free = 0, idle = 0, cut = 0;
  CutSources from;
  int phase = 1; // the highest of its quotas'
  std::size_t jobs_preempted = 0;
  Gpus gpus_preempted = 0;
};
// Trees with a leaf in the report, by name.
std::vector<OverallocTree> overalloc_trees(const OverallocReport& report, const Snapshot& snap);

// `overalloc report --phase N` (0: every phase): the rows a view of phase N shows, in report
// order. A quota when it has a cut and the cut is in phase N; a cluster or a tree when one of
// its quotas' cuts is in phase N, or, for phase 1, when nothing of it is cut.
struct PhaseView {
  std::vector<const OverallocCluster*> clusters;
  std::vector<const OverallocQuota*> quotas;
  std::vector<const OverallocTree*> trees;
};
PhaseView phase_view(const OverallocReport& report, const std::vector<OverallocTree>& trees, const Snapshot& snap,
                     int phase);

// How much health history the report's reference capacities rest on.
struct HistoryCoverage {
  std::size_t samples = 0;                             // over every cluster
  std::size_t clusters_with = 0, clusters_without = 0; // clusters with and without a sample
  std::size_t fewest = 0, most = 0;                    // samples per cluster, over those with any
  Time first = 0, last = 0;                            // the earliest and latest sample
};
HistoryCoverage history_coverage(const OverallocReport& report);

// `overalloc plan --phase N` (0: every phase): each leaf's gpus once the corrections of phases
// up to N are made; a quota whose cut is in a later phase keeps its gpus for now (deferred).
struct PlanQuota {
  const OverallocQuota* quota = nullptr;
  Gpus old_gpus = 0, gpus = 0, cut = 0;
  Gpus final_gpus = 0; // once every phase is made: the quota's new_gpus
  bool deferred = false;
};
struct QuotaPlan {
  std::vector<PlanQuota> quotas; // report order
  PlanQuota totals;              // Σ old_gpus, gpus and cut
};
QuotaPlan quota_plan(const OverallocReport& report, int up_to_phase);

// ---- `overalloc report --summary`: one screen for leadership (issue 15)
//
// One line per rollout phase and one for the whole, every line reconciled the same way:
//   cut = cut_from_unscheduled + cut_from_idle + cut_from_running
// and cut_from_running is the one running-work figure: the GPUs of quota taken from running
// jobs. The jobs preempted to cover it hold gpus_preempted ≥ cut_from_running GPUs (jobs stop
// whole); the difference, gpus_preempted_beyond_cut, is work that stops but whose GPUs stay
// in the quota. cut_unbacked is the part of the cut that is quota already without healthy
// GPUs behind it (nobody could have used it): per cluster min(cut, max(0, assigned − healthy)),
// split over the cluster's quotas in proportion to their cut (largest remainder), so that the
// phase lines add up to the whole.
struct OverallocBriefLine {
  int phase = 0;            // 1..4; 0 for the whole
  std::size_t clusters = 0; // clusters in this phase (a cluster's phase: its highest quota phase)
  std::size_t quotas = 0;   // leaf quotas whose cut is in this phase (phase 1: no cut)
  Gpus assigned = 0;        // of those quotas
  Gpus cut = 0;
  Gpus cut_unbacked = 0; // of the cut, already unbacked
  CutSources from;       // unscheduled + idle + running = cut
  std::size_t jobs_preempted = 0;
  Gpus gpus_preempted = 0;            // GPUs the preempted jobs hold
  Gpus gpus_preempted_beyond_cut = 0; // gpus_preempted − cut_from_running
};

struct OverallocBrief {
  std::size_t clusters = 0, clusters_over_target = 0;
  std::size_t quotas_affected = 0; // quotas with a cut: those of phases 2 to 4
  OverallocBriefLine total;        // phase 0: every quota of the report
  OverallocBriefLine phases[5];    // [1]..[4]; [0] unused
};

OverallocBrief overalloc_brief(const OverallocReport& report, const Snapshot& snap);

} // namespace fleetcap
