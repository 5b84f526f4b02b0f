// The column lists of `fleetcap overalloc` (lists.hpp): clusters, quotas, trees, preempted
// jobs and the summary. Each makes its table, JSON, CSV and Prometheus families, and report
// --html draws the cuts and the sweep from the same lists.
#include "fleetcap/render/overalloc.hpp"

#include "lists.hpp"

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
   .drop = DROP_U,                                                                                                     \
   .wide = WIDE,                                                                                                       \
   .total = TOTAL,                                                                                                     \
   .label = "from unscheduled quota",                                                                                  \
   .part = true,                                                                                                       \
   .unit = Unit::gpus,                                                                                                 \
   .metric = METRICS ? "cut_from_unscheduled_gpus" : "",                                                               \
   .help = "Part of the cut that is unscheduled quota.",                                                               \
   .get = from<ROW, FROM, &CutSources::unscheduled>},                                                                  \
      {.key = "cut_from_idle",                                                                                         \
       .header = "FROM-IDLE",                                                                                          \
       .drop = DROP_I,                                                                                                 \
       .wide = WIDE,                                                                                                   \
       .total = TOTAL,                                                                                                 \
       .label = "from idle jobs",                                                                                      \
       .part = true,                                                                                                   \
       .unit = Unit::gpus,                                                                                             \
       .metric = METRICS ? "cut_from_idle_gpus" : "",                                                                  \
       .help = "Part of the cut taken from idle jobs.",                                                                \
       .get = from<ROW, FROM, &CutSources::idle>},                                                                     \
  {                                                                                                                    \
    .key = "cut_from_running", .header = "RUNNING", .drop = DROP_R, .wide = WIDE, .total = TOTAL,                      \
    .label = "from running jobs", .part = true, .unit = Unit::gpus, .metric = METRICS ? "cut_from_running_gpus" : "",  \
    .help = "Part of the cut taken from running jobs.", .get = from<ROW, FROM, &CutSources::running>                   \
  }

// ---- clusters

const OverallocCluster& oc(const OverallocClusterView& r) { return *r.row; }
const CutSources& cluster_from(const OverallocClusterView& r) { return oc(r).from; }
bool has_history(const OverallocClusterView& r) { return oc(r).history.samples > 0; }
template <Gpus HistoryStats::*F> Value history(const OverallocClusterView& r) {
  return has_history(r) ? num(oc(r).history.*F) : none();
}

const Column<OverallocClusterView> kClusterList[] = {
    {.key = "name",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = cluster_name<OverallocClusterView>},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .drop = 21,
     .wide = true,
     .get = cluster_region<OverallocClusterView>},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .drop = 22,
     .wide = true,
     .get = cluster_sku<OverallocClusterView>},
    {.key = "healthy",
     .header = "HEALTHY",
     .drop = 1,
     .total = Total::value,
     .get = [](const OverallocClusterView& r) { return num(oc(r).healthy); }},
    {.key = "reference",
     .header = "REFERENCE",
     .drop = 1,
     .total = Total::value,
     .needs = kHistory,
     .unit = Unit::gpus,
     .metric = "reference_gpus",
     .help = "Reference capacity R: the median of healthy GPUs over the history window, else healthy now.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).reference); }},
    {.key = "reference_source",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return txt(has_history(r) ? "history" : "healthy"); }},
    {.key = "history_samples",
     .header = "SAMPLES",
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
     .drop = 23,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::p10>},
    {.key = "history_min",
     .header = "MIN",
     .drop = 24,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::min>},
    {.key = "history_max",
     .header = "MAX",
     .drop = 25,
     .wide = true,
     .needs = kHistory,
     .get = history<&HistoryStats::max>},
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .drop = 1,
     .unit = Unit::bp,
     .metric = "buffer_ratio",
     .help = "Buffer kept out of quota, as a share of R (0.15 = 15%).",
     .get =
         [](const OverallocClusterView& r) { return num(oc(r).buffer_bp, Tone::plain, format_bp(oc(r).buffer_bp)); }},
    {.key = "buffer_source",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocClusterView& r) { return txt(std::string(to_string(oc(r).buffer_source))); }},
    {.key = "buffer_gpus",
     .header = "BUF-GPUS",
     .drop = 8,
     .wide = true,
     .total = Total::value,
     .get = [](const OverallocClusterView& r) { return num(oc(r).buffer_gpus); }},
    {.key = "target",
     .header = "TARGET",
     .drop = 1,
     .total = Total::value,
     .unit = Unit::gpus,
     .metric = "target_gpus",
     .help = "floor((1 - buffer) x R): quota the cluster can back.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).target); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .drop = 1,
     .total = Total::value,
     .unit = Unit::gpus,
     .metric = "assigned_gpus",
     .help = "GPUs of the cluster's leaf quotas.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).assigned); }},
    {.key = "cut",
     .header = "CUT",
     .drop = 1,
     .total = Total::value,
     .unit = Unit::gpus,
     .metric = "cut_gpus",
     .help = "max(0, assigned - target): quota GPUs the buffer cuts.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).cut, cut_tone(oc(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .drop = 3,
     .total = Total::value,
     .in = In::table,
     .get = [](const OverallocClusterView& r) { return share(oc(r).cut, oc(r).assigned); }},
    FLEETCAP_CUT_SOURCES(OverallocClusterView, cluster_from, 9, 10, 11, true, Total::value, true),
    {.key = "phase",
     .header = "PHASE",
     .drop = 1,
     .metric = "phase",
     .help = "Rollout phase 1-4: the highest phase of its quotas' cuts.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).phase, phase_tone(oc(r).phase)); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .drop = 6,
     .total = Total::value,
     .get = [](const OverallocClusterView& r) { return num(oc(r).quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .drop = 5,
     .total = Total::value,
     .unit = Unit::count,
     .metric = "preempted_jobs",
     .help = "Running jobs the cut preempts.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .drop = 4,
     .total = Total::value,
     .unit = Unit::gpus,
     .metric = "preempted_gpus",
     .help = "GPUs of the jobs the cut preempts.",
     .get = [](const OverallocClusterView& r) { return num(oc(r).gpus_preempted); }},
};

// ---- quotas

const OverallocQuota& oq(const OverallocQuotaView& r) { return *r.q; }
const CutSources& quota_from(const OverallocQuotaView& r) { return oq(r).from; }
const Quota& quota_of(const OverallocQuotaView& r) { return r.snap->quotas[oq(r).quota]; }
Value idle_gpus(const OverallocQuotaView& r) { return num(oq(r).idle); }

const Column<OverallocQuotaView> kQuotaList[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocQuotaView& r) { return txt(quota_of(r).name); }},
    {.key = "tree",
     .header = "TREE",
     .align = Align::left,
     .drop = 21,
     .wide = true,
     .get = [](const OverallocQuotaView& r) { return txt(r.snap->quotas[quota_of(r).tree_index].name); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocQuotaView& r) { return txt(r.snap->clusters[oq(r).cluster].name); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .drop = 1,
     .unit = Unit::gpus,
     .metric = "assigned_gpus",
     .help = "GPUs assigned to the leaf quota.",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).assigned); }},
    {.key = "used",
     .header = "USED",
     .drop = 22,
     .wide = true,
     .get = [](const OverallocQuotaView& r) { return num(oq(r).used); }},
    {.key = "free",
     .header = "FREE",
     .drop = 1,
     .unit = Unit::gpus,
     .metric = "free_gpus",
     .help = "Unscheduled GPUs of the quota: max(0, assigned - used).",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).free); }},
    {.key = "idle_gpus",
     .header = "IDLE-GPUS",
     .drop = 1,
     .label = "GPUs of idle jobs",
     .unit = Unit::gpus,
     .metric = "idle_gpus",
     .help = "GPUs of the quota's running idle jobs.",
     .get = idle_gpus},
    {.key = "idle", .in = In::json, .get = idle_gpus}, // idle_gpus in fleetcap.overalloc.report/v1
    {.key = "cut",
     .header = "CUT",
     .drop = 1,
     .unit = Unit::gpus,
     .metric = "cut_gpus",
     .help = "The quota's share of its cluster's cut.",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).cut, cut_tone(oq(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .drop = 4,
     .in = In::table,
     .get = [](const OverallocQuotaView& r) { return share(oq(r).cut, oq(r).assigned); }},
    {.key = "new_gpus",
     .header = "NEW",
     .drop = 3,
     .get = [](const OverallocQuotaView& r) { return num(oq(r).new_gpus); }},
    FLEETCAP_CUT_SOURCES(OverallocQuotaView, quota_from, 9, 10, 11, true, Total::none, true),
    {.key = "phase",
     .header = "PHASE",
     .drop = 1,
     .metric = "phase",
     .help = "Rollout phase 1-4 of the quota's cut.",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).phase, phase_tone(oq(r).phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .drop = 5,
     .unit = Unit::count,
     .metric = "preempted_jobs",
     .help = "Running jobs of the quota the cut preempts.",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).preempted.size()); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .drop = 5,
     .unit = Unit::gpus,
     .metric = "preempted_gpus",
     .help = "GPUs of the quota's jobs the cut preempts.",
     .get = [](const OverallocQuotaView& r) { return num(oq(r).gpus_preempted); }},
};

// ---- trees

const OverallocTree& ot(const OverallocTreeView& r) { return *r.t; }
const CutSources& tree_from(const OverallocTreeView& r) { return ot(r).from; }
Value tree_idle_gpus(const OverallocTreeView& r) { return num(ot(r).idle); }

const Column<OverallocTreeView> kTreeList[] = {
    {.key = "name",
     .header = "TREE",
     .align = Align::left,
     .identifying = true,
     .get = [](const OverallocTreeView& r) { return txt(r.snap->quotas[ot(r).tree].name); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .drop = 7,
     .get = [](const OverallocTreeView& r) { return num(ot(r).clusters); }},
    {.key = "quotas",
     .header = "QUOTAS",
     .drop = 8,
     .get = [](const OverallocTreeView& r) { return num(ot(r).quotas); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .drop = 6,
     .get = [](const OverallocTreeView& r) { return num(ot(r).quotas_affected); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).assigned); }},
    {.key = "free", .header = "FREE", .drop = 1, .get = [](const OverallocTreeView& r) { return num(ot(r).free); }},
    {.key = "idle_gpus", .header = "IDLE-GPUS", .drop = 1, .get = tree_idle_gpus},
    {.key = "idle", .in = In::json, .get = tree_idle_gpus}, // idle_gpus in fleetcap.overalloc.report/v1
    {.key = "cut",
     .header = "CUT",
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).cut, cut_tone(ot(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
     .drop = 3,
     .in = In::table,
     .get = [](const OverallocTreeView& r) { return share(ot(r).cut, ot(r).assigned); }},
    FLEETCAP_CUT_SOURCES(OverallocTreeView, tree_from, 9, 10, 11, true, Total::none, false),
    {.key = "phase",
     .header = "PHASE",
     .drop = 1,
     .get = [](const OverallocTreeView& r) { return num(ot(r).phase, phase_tone(ot(r).phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .drop = 5,
     .get = [](const OverallocTreeView& r) { return num(ot(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .drop = 4,
     .get = [](const OverallocTreeView& r) { return num(ot(r).gpus_preempted); }},
};

// ---- jobs the cut preempts

const Job& job_of(const PreemptedJobView& r) { return r.snap->jobs[r.job]; }

const Column<PreemptedJobView> kJobList[] = {
    {.key = "name",
     .header = "JOB",
     .align = Align::left,
     .identifying = true,
     .get = [](const PreemptedJobView& r) { return txt(job_of(r).name); }},
    {.key = "namespace",
     .header = "NAMESPACE",
     .align = Align::left,
     .drop = 4,
     .get = [](const PreemptedJobView& r) { return txt(job_of(r).ns); }},
    {.key = "quota",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const PreemptedJobView& r) { return txt(job_of(r).quota); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .drop = 3,
     .get = [](const PreemptedJobView& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .drop = 2,
     .get = [](const PreemptedJobView& r) { return txt(std::string(to_string(job_of(r).priority))); }},
    {.key = "gpus", .header = "GPUS", .drop = 1, .get = [](const PreemptedJobView& r) { return num(job_of(r).gpus); }},
    {.key = "started_at",
     .header = "STARTED",
     .align = Align::left,
     .drop = 2,
     .get = [](const PreemptedJobView& r) { return time_or_none(job_of(r).started_at); }},
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
    .key = "cut_phase_" #P, .header = "PHASE" #P, .drop = 6, .in = In::csv, .label = LABEL, .unit = Unit::gpus,        \
    .metric = "cut_by_phase_gpus", .help = "GPUs cut in each rollout phase (2, 3, 4).", .family = {"phase", #P},       \
    .get = phase_cut<P>                                                                                                \
  }

// Figures only --compare-cuts' brief has.
template <Gpus OverallocBriefLine::*F> Value brief_total(const SummaryView& r) {
  return r.brief ? num(r.brief->total.*F) : absent();
}

const Column<SummaryView> kSummaryList[] = {
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .drop = 1,
     .label = "quota buffer",
     .get =
         [](const SummaryView& r) {
           return r.buffer_bp ? num(*r.buffer_bp, Tone::plain, format_bp(*r.buffer_bp)) : absent();
         }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .drop = 10,
     .metric = "clusters",
     .help = "Clusters in the report.",
     .get = [](const SummaryView& r) { return num(os(r).clusters); }},
    {.key = "clusters_over_target",
     .header = "OVER",
     .drop = 1,
     .label = "clusters over target",
     .metric = "clusters_over_target",
     .help = "Clusters whose assigned quota is above target.",
     .get = [](const SummaryView& r) { return num(os(r).clusters_over_target); }},
    {.key = "",
     .header = "OVER%",
     .drop = 7,
     .get =
         [](const SummaryView& r) {
           return share(static_cast<Gpus>(os(r).clusters_over_target), static_cast<Gpus>(os(r).clusters));
         }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .drop = 9,
     .unit = Unit::gpus,
     .metric = "assigned_gpus",
     .help = "GPUs of all leaf quotas of the report's clusters.",
     .get = [](const SummaryView& r) { return num(os(r).assigned); }},
    {.key = "cut",
     .header = "CUT",
     .drop = 1,
     .label = "GPUs cut",
     .unit = Unit::gpus,
     .metric = "cut_gpus",
     .help = "GPUs cut over all clusters.",
     .get = [](const SummaryView& r) { return num(os(r).cut, cut_tone(os(r).cut)); }},
    {.key = "cut_share",
     .header = "CUT%",
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
     .drop = 5,
     .label = "quotas affected",
     .metric = "quotas_affected",
     .help = "Leaf quotas with a cut.",
     .get = [](const SummaryView& r) { return num(os(r).quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .drop = 1,
     .label = "jobs preempted",
     .unit = Unit::count,
     .metric = "preempted_jobs",
     .help = "Running jobs the cut preempts.",
     .get = [](const SummaryView& r) { return num(os(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .drop = 4,
     .label = "GPUs those jobs hold",
     .unit = Unit::gpus,
     .metric = "preempted_gpus",
     .help = "GPUs of the jobs the cut preempts.",
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
