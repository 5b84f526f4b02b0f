// The column lists of `fleetcap overalloc` (lists.hpp): clusters, quotas, trees, preempted
// jobs and the summary. Each makes its table, JSON, CSV and Prometheus families, and report
// --html draws the cuts and the sweep from the same lists.
#include "fleetcap/render/overalloc.hpp"

#include "lists.hpp"
#include "shared_columns.hpp"

namespace fleetcap::cols {

Tone phase_tone(int phase) { return phase == 4 ? Tone::bad : phase == 3 ? Tone::warn : Tone::plain; }
Tone cut_tone(Gpus cut) { return cut > 0 ? Tone::warn : Tone::plain; }
Value share(Gpus part, Gpus whole) {
  return num(whole > 0 ? part * 1000000 / whole : -1, Tone::plain, format_share(part, whole));
}

namespace {

template <class Row, const CutSources& (*From)(const Row&), Gpus CutSources::*F> Value from(const Row& r) {
  return num(From(r).*F);
}

// Where the cut comes from, as every overalloc list shows it after the cut.
#define FLEETCAP_CUT_SOURCES(ROW, FROM, DROP_U, DROP_I, DROP_R, WIDE, TOTAL, METRICS)                                  \
  {.key = "cut_from_unscheduled",                                                                                      \
   .header = "UNSCHED",                                                                                                \
   .unit = Unit::gpus,                                                                                                 \
   .meaning = meaning::kCutFromUnscheduled,                                                                            \
   .drop = DROP_U,                                                                                                     \
   .wide = WIDE,                                                                                                       \
   .total = TOTAL,                                                                                                     \
   .label = "from unscheduled quota",                                                                                  \
   .part = true,                                                                                                       \
   .metric = METRICS ? "cut_from_unscheduled_gpus" : "",                                                               \
   .get = from<ROW, FROM, &CutSources::unscheduled>},                                                                  \
      {.key = "cut_from_idle",                                                                                         \
       .header = "FROM-IDLE",                                                                                          \
       .unit = Unit::gpus,                                                                                             \
       .meaning = meaning::kCutFromIdle,                                                                               \
       .drop = DROP_I,                                                                                                 \
       .wide = WIDE,                                                                                                   \
       .total = TOTAL,                                                                                                 \
       .label = "from idle jobs",                                                                                      \
       .part = true,                                                                                                   \
       .metric = METRICS ? "cut_from_idle_gpus" : "",                                                                  \
       .get = from<ROW, FROM, &CutSources::idle>},                                                                     \
  {                                                                                                                    \
    .key = "cut_from_running", .header = "RUNNING", .unit = Unit::gpus, .meaning = meaning::kCutFromRunning,           \
    .drop = DROP_R, .wide = WIDE, .total = TOTAL, .label = "from running jobs", .part = true,                          \
    .metric = METRICS ? "cut_from_running_gpus" : "", .get = from<ROW, FROM, &CutSources::running>                     \
  }

// ---- clusters

const OverallocCluster& oc(const OverallocClusterView& r) { return *r.row; }
const CutSources& cluster_from(const OverallocClusterView& r) { return oc(r).from; }
bool has_history(const OverallocClusterView& r) { return oc(r).history.samples > 0; }
template <Gpus HistoryStats::*F> Value history(const OverallocClusterView& r) {
  return has_history(r) ? num(oc(r).history.*F) : none();
}

const Column<OverallocClusterView> kClusterList[] = {
    cluster_column<OverallocClusterView>(),
    region_column<OverallocClusterView>(21, true),
    sku_column<OverallocClusterView>(22, true),
    figure_column<OverallocClusterView>(kHealthyFigure, {.drop = 1, .total = Total::value},
                                        [](const OverallocClusterView& r) { return num(oc(r).healthy); }),
    {.key = "reference",
     .header = "REFERENCE",
     .unit = Unit::gpus,
     .meaning = "Reference capacity R: the median of healthy GPUs over the history window, else healthy now.",
     .drop = 1,
     .total = Total::value,
     .needs = kHistory,
     .metric = "reference_gpus",
     .get = [](const OverallocClusterView& r) { return num(oc(r).reference); }},
    {.key = "reference_source",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return txt(has_history(r) ? "history" : "healthy"); }},
    {.key = "history_samples",
     .header = "SAMPLES",
     .unit = Unit::count,
     .meaning = "Health history samples in the window.",
     .drop = 7,
     .needs = kHistory,
     .get =
         [](const OverallocClusterView& r) {
           return num(oc(r).history.samples, oc(r).history.thin() ? Tone::warn : Tone::plain);
         }},
    {.key = "history_first",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return time_or_none(has_history(r), oc(r).history.first); }},
    {.key = "history_last",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return time_or_none(has_history(r), oc(r).history.last); }},
    {.key = "history_median", .drop = 1, .get = history<&HistoryStats::median>},
    {.key = "history_p10",
     .header = "P10",
     .unit = Unit::gpus,
     .meaning = "10th percentile of healthy GPUs over the window.",
     .drop = 23,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::p10>},
    {.key = "history_min",
     .header = "MIN",
     .unit = Unit::gpus,
     .meaning = "Fewest healthy GPUs over the window.",
     .drop = 24,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::min>},
    {.key = "history_max",
     .header = "MAX",
     .unit = Unit::gpus,
     .meaning = "Most healthy GPUs over the window.",
     .drop = 25,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::max>},
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .unit = Unit::bp,
     .meaning = "Buffer kept out of quota, as a share of R (0.15 = 15%).",
     .drop = 1,
     .metric = "buffer_ratio",
     .get =
         [](const OverallocClusterView& r) { return num(oc(r).buffer_bp, Tone::plain, format_bp(oc(r).buffer_bp)); }},
    {.key = "buffer_source",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return txt(std::string(to_string(oc(r).buffer_source))); }},
    {.key = "buffer_gpus",
     .header = "BUF-GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs kept out of quota: R - TARGET.",
     .drop = 8,
     .wide = true,
     .total = Total::value,
     .get = [](const OverallocClusterView& r) { return num(oc(r).buffer_gpus); }},
    {.key = "target",
     .header = "TARGET",
     .unit = Unit::gpus,
     .meaning = "floor((1 - buffer) x R): quota the cluster can back.",
     .drop = 1,
     .total = Total::value,
     .metric = "target_gpus",
     .get = [](const OverallocClusterView& r) { return num(oc(r).target); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .unit = Unit::gpus,
     .meaning = "GPUs of the cluster's leaf quotas.",
     .drop = 1,
     .total = Total::value,
     .metric = "assigned_gpus",
     .get = [](const OverallocClusterView& r) { return num(oc(r).assigned); }},
    {.key = "cut",
     .header = "CUT",
     .unit = Unit::gpus,
     .meaning = "max(0, assigned - target): quota GPUs the buffer cuts.",
     .drop = 1,
     .total = Total::value,
     .metric = "cut_gpus",
     .get = [](const OverallocClusterView& r) { return num(oc(r).cut, cut_tone(oc(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .unit = Unit::bp,
     .meaning = meaning::kCutShare,
     .drop = 3,
     .total = Total::value,
     .in = In::table,
     .get = [](const OverallocClusterView& r) { return share(oc(r).cut, oc(r).assigned); }},
    FLEETCAP_CUT_SOURCES(OverallocClusterView, cluster_from, 9, 10, 11, true, Total::value, true),
    {.key = "phase",
     .header = "PHASE",
     .unit = Unit::count,
     .meaning = "Rollout phase 1-4: the highest phase of its quotas' cuts.",
     .drop = 1,
     .metric = "phase",
     .get = [](const OverallocClusterView& r) { return num(oc(r).phase, phase_tone(oc(r).phase)); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .unit = Unit::count,
     .meaning = meaning::kQuotasAffected,
     .drop = 6,
     .total = Total::value,
     .get = [](const OverallocClusterView& r) { return num(oc(r).quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .unit = Unit::jobs,
     .meaning = "Running jobs the cut preempts.",
     .drop = 5,
     .total = Total::value,
     .metric = "preempted_jobs",
     .get = [](const OverallocClusterView& r) { return num(oc(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .unit = Unit::gpus,
     .meaning = "GPUs of the jobs the cut preempts.",
     .drop = 4,
     .total = Total::value,
     .metric = "preempted_gpus",
     .get = [](const OverallocClusterView& r) { return num(oc(r).gpus_preempted); }},
};

// ---- quotas

const OverallocQuota& oq(const OverallocQuotaView& r) { return *r.q; }
const CutSources& quota_from(const OverallocQuotaView& r) { return oq(r).from; }
const Quota& quota_of(const OverallocQuotaView& r) { return r.snap->quotas[oq(r).quota]; }
Value idle_gpus(const OverallocQuotaView& r) { return num(oq(r).idle); }

const Column<OverallocQuotaView> kQuotaList[] = {
    quota_name_column<OverallocQuotaView>([](const OverallocQuotaView& r) { return txt(quota_of(r).name); }),
    quota_tree_column<OverallocQuotaView>(
        {.drop = 21, .wide = true},
        [](const OverallocQuotaView& r) { return txt(r.snap->quotas[quota_of(r).tree_index].name); }),
    cluster_of_column<OverallocQuotaView>(
        kIdentifying, [](const OverallocQuotaView& r) { return txt(r.snap->clusters[oq(r).cluster].name); }),
    quota_assigned_column<OverallocQuotaView>(
        {.drop = 1}, [](const OverallocQuotaView& r) { return num(oq(r).assigned); }, "assigned_gpus"),
    quota_used_column<OverallocQuotaView>({.drop = 22, .wide = true},
                                          [](const OverallocQuotaView& r) { return num(oq(r).used); }),
    {.key = "free",
     .header = "FREE",
     .unit = Unit::gpus,
     .meaning = "Unscheduled GPUs of the quota: max(0, assigned - used).",
     .drop = 1,
     .metric = "free_gpus",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).free); }},
    {.key = "idle_gpus",
     .header = "IDLE-GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs of the quota's running idle jobs.",
     .drop = 1,
     .label = "GPUs of idle jobs",
     .metric = "idle_gpus",
     .get = idle_gpus},
    {.key = "idle", .in = In::json, .get = idle_gpus}, // idle_gpus in fleetcap.overalloc.report/v1
    {.key = "cut",
     .header = "CUT",
     .unit = Unit::gpus,
     .meaning = "The quota's share of its cluster's cut.",
     .drop = 1,
     .metric = "cut_gpus",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).cut, cut_tone(oq(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .unit = Unit::bp,
     .meaning = meaning::kCutShare,
     .drop = 4,
     .in = In::table,
     .get = [](const OverallocQuotaView& r) { return share(oq(r).cut, oq(r).assigned); }},
    {.key = "new_gpus",
     .header = "NEW",
     .unit = Unit::gpus,
     .meaning = "Its quota after the cut: assigned - cut.",
     .drop = 3,
     .get = [](const OverallocQuotaView& r) { return num(oq(r).new_gpus); }},
    FLEETCAP_CUT_SOURCES(OverallocQuotaView, quota_from, 9, 10, 11, true, Total::none, true),
    {.key = "phase",
     .header = "PHASE",
     .unit = Unit::count,
     .meaning = "Rollout phase 1-4 of the quota's cut.",
     .drop = 1,
     .metric = "phase",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).phase, phase_tone(oq(r).phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .unit = Unit::jobs,
     .meaning = "Running jobs of the quota the cut preempts.",
     .drop = 5,
     .metric = "preempted_jobs",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).preempted.size()); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .unit = Unit::gpus,
     .meaning = "GPUs of the quota's jobs the cut preempts.",
     .drop = 5,
     .metric = "preempted_gpus",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).gpus_preempted); }},
};

// ---- trees

const OverallocTree& ot(const OverallocTreeView& r) { return *r.t; }
const CutSources& tree_from(const OverallocTreeView& r) { return ot(r).from; }
Value tree_idle_gpus(const OverallocTreeView& r) { return num(ot(r).idle); }

const Column<OverallocTreeView> kTreeList[] = {
    {.key = "name",
     .header = "TREE",
     .unit = Unit::name,
     .meaning = "The quota tree (its root).",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocTreeView& r) { return txt(r.snap->quotas[ot(r).tree].name); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .unit = Unit::count,
     .meaning = "Clusters the tree has quota in.",
     .drop = 7,
     .get = [](const OverallocTreeView& r) { return num(ot(r).clusters); }},
    {.key = "quotas",
     .header = "QUOTAS",
     .unit = Unit::count,
     .meaning = "Leaf quotas of the tree.",
     .drop = 8,
     .get = [](const OverallocTreeView& r) { return num(ot(r).quotas); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .unit = Unit::count,
     .meaning = meaning::kQuotasAffected,
     .drop = 6,
     .get = [](const OverallocTreeView& r) { return num(ot(r).quotas_affected); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .unit = Unit::gpus,
     .meaning = "GPUs of its leaf quotas.",
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).assigned); }},
    {.key = "free",
     .header = "FREE",
     .unit = Unit::gpus,
     .meaning = "Unscheduled quota: max(0, assigned - used) over its leaves.",
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).free); }},
    {.key = "idle_gpus",
     .header = "IDLE-GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs of its running idle jobs.",
     .drop = 1,
     .get = tree_idle_gpus},
    {.key = "idle", .in = In::json, .get = tree_idle_gpus}, // idle_gpus in fleetcap.overalloc.report/v1
    {.key = "cut",
     .header = "CUT",
     .unit = Unit::gpus,
     .meaning = meaning::kCut,
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).cut, cut_tone(ot(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .unit = Unit::bp,
     .meaning = meaning::kCutShare,
     .drop = 3,
     .in = In::table,
     .get = [](const OverallocTreeView& r) { return share(ot(r).cut, ot(r).assigned); }},
    FLEETCAP_CUT_SOURCES(OverallocTreeView, tree_from, 9, 10, 11, true, Total::none, false),
    {.key = "phase",
     .header = "PHASE",
     .unit = Unit::count,
     .meaning = meaning::kPhase,
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).phase, phase_tone(ot(r).phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .unit = Unit::jobs,
     .meaning = meaning::kJobsPreempted,
     .drop = 5,
     .get = [](const OverallocTreeView& r) { return num(ot(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .unit = Unit::gpus,
     .meaning = meaning::kGpusPreempted,
     .drop = 4,
     .get = [](const OverallocTreeView& r) { return num(ot(r).gpus_preempted); }},
};

// ---- jobs the cut preempts

const Column<PreemptedJobView> kJobList[] = {
    job_name_column<PreemptedJobView>(),
    job_namespace_column<PreemptedJobView>({.drop = 4}),
    job_quota_column<PreemptedJobView>(kIdentifying),
    cluster_of_column<PreemptedJobView>(
        {.drop = 3}, [](const PreemptedJobView& r) { return txt(r.snap->clusters[r.q->cluster].name); }),
    job_priority_column<PreemptedJobView>({.drop = 2}),
    held_gpus_column<PreemptedJobView>({.drop = 1}),
    job_started_column<PreemptedJobView>({.drop = 2},
                                         [](const PreemptedJobView& r) { return time_or_none(r.job().started_at); }),
};

// ---- the summary, and a sweep's row per buffer

const OverallocSummary& os(const SummaryView& r) { return *r.s; }
const CutSources& summary_from(const SummaryView& r) { return os(r).from; }
template <int P> Value phase_cut(const SummaryView& r) { return num(os(r).cut_by_phase[P]); }

// cut_by_phase: {"2", "3", "4"} in JSON (cut_phase_2..4 in the table and CSV).
const Column<SummaryView> kPhaseCutList[] = {
    {.key = "2", .get = phase_cut<2>},
    {.key = "3", .get = phase_cut<3>},
    {.key = "4", .get = phase_cut<4>},
};
const Columns<SummaryView> kPhaseCutColumns{"overalloc report", "summary.cut_by_phase", kPhaseCutList,
                                            ListKind::section};

#define FLEETCAP_PHASE_CUT(P, LABEL)                                                                                   \
  {                                                                                                                    \
    .key = "cut_phase_" #P, .header = "PHASE" #P, .unit = Unit::gpus,                                                  \
    .meaning = "GPUs cut in each rollout phase (2, 3, 4).", .drop = 6, .in = In::csv, .label = LABEL,                  \
    .metric = "cut_by_phase_gpus", .family = {"phase", #P}, .get = phase_cut<P>                                        \
  }

// Figures only --compare-cuts' brief has.
template <Gpus OverallocBriefLine::*F> Value brief_total(const SummaryView& r) {
  return r.brief ? num(r.brief->total.*F) : absent();
}

const Column<SummaryView> kSummaryList[] = {
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .unit = Unit::bp,
     .meaning = "The quota buffer tried: a share of R kept out of quota.",
     .drop = 1,
     .label = "quota buffer",
     .get =
         [](const SummaryView& r) {
           return r.buffer_bp ? num(*r.buffer_bp, Tone::plain, format_bp(*r.buffer_bp)) : absent();
         }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .unit = Unit::count,
     .meaning = "Clusters in the report.",
     .drop = 10,
     .metric = "clusters",
     .get = [](const SummaryView& r) { return num(os(r).clusters); }},
    {.key = "clusters_over_target",
     .header = "OVER",
     .unit = Unit::count,
     .meaning = "Clusters whose assigned quota is above target.",
     .drop = 1,
     .label = "clusters over target",
     .metric = "clusters_over_target",
     .get = [](const SummaryView& r) { return num(os(r).clusters_over_target); }},
    {.key = "",
     .header = "OVER%",
     .unit = Unit::bp,
     .meaning = "Share of clusters over target at this buffer.",
     .drop = 7,
     .get =
         [](const SummaryView& r) {
           return share(static_cast<Gpus>(os(r).clusters_over_target), static_cast<Gpus>(os(r).clusters));
         }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .unit = Unit::gpus,
     .meaning = "GPUs of all leaf quotas of the report's clusters.",
     .drop = 9,
     .metric = "assigned_gpus",
     .get = [](const SummaryView& r) { return num(os(r).assigned); }},
    {.key = "cut",
     .header = "CUT",
     .unit = Unit::gpus,
     .meaning = "GPUs cut over all clusters.",
     .drop = 1,
     .label = "GPUs cut",
     .metric = "cut_gpus",
     .get = [](const SummaryView& r) { return num(os(r).cut, cut_tone(os(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .unit = Unit::bp,
     .meaning = meaning::kCutShare,
     .drop = 1,
     .in = In::table,
     .label = "% of assigned",
     .get = [](const SummaryView& r) { return share(os(r).cut, os(r).assigned); }},
    {.key = "cut_unbacked",
     .in = In::none,
     .label = "already unbacked",
     .part = true,
     .get = brief_total<&OverallocBriefLine::cut_unbacked>},
    FLEETCAP_CUT_SOURCES(SummaryView, summary_from, 1, 1, 1, false, Total::none, true),
    {.key = "cut_by_phase", .in = In::json, .section = object<kPhaseCutColumns, self<SummaryView>>},
    FLEETCAP_PHASE_CUT(2, "cut in phase 2 (unscheduled only)"),
    FLEETCAP_PHASE_CUT(3, "cut in phase 3 (up to idle jobs)"),
    FLEETCAP_PHASE_CUT(4, "cut in phase 4 (preempting)"),
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .unit = Unit::count,
     .meaning = meaning::kQuotasAffected,
     .drop = 5,
     .label = "quotas affected",
     .metric = "quotas_affected",
     .get = [](const SummaryView& r) { return num(os(r).quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .unit = Unit::jobs,
     .meaning = "Running jobs the cut preempts.",
     .drop = 1,
     .label = "jobs preempted",
     .metric = "preempted_jobs",
     .get = [](const SummaryView& r) { return num(os(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .unit = Unit::gpus,
     .meaning = "GPUs of the jobs the cut preempts.",
     .drop = 4,
     .label = "GPUs those jobs hold",
     .metric = "preempted_gpus",
     .get = [](const SummaryView& r) { return num(os(r).gpus_preempted); }},
    {.key = "gpus_preempted_beyond_cut",
     .in = In::none,
     .label = "of which stay in quota",
     .part = true,
     .get = brief_total<&OverallocBriefLine::gpus_preempted_beyond_cut>},
    {.key = "text",
     .in = In::json,
     .get = [](const SummaryView& r) { return r.text ? txt(summary_sentence(os(r))) : absent(); }},
};

} // namespace

const Columns<OverallocClusterView> kOverallocClusterColumns{"overalloc report", "clusters", kClusterList};
const Columns<OverallocQuotaView> kOverallocQuotaColumns{"overalloc report", "quotas", kQuotaList};
const Columns<OverallocTreeView> kOverallocTreeColumns{"overalloc report", "trees", kTreeList};
const Columns<PreemptedJobView> kPreemptedJobColumns{"overalloc report", "preempted_jobs", kJobList};
const Columns<SummaryView> kSummaryColumns{"overalloc sweep", "buffers", kSummaryList};

} // namespace fleetcap::cols
