// `fleetcap overalloc` renderers. Each row kind has one column list that serves the table
// (header), JSON (key) and CSV (key); percentages exist only here, at render time.
#include "fleetcap/render/overalloc.hpp"

#include "columns.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>

namespace fleetcap {

std::string format_bp(BasisPoints bp) {
  const BasisPoints whole = bp / 100, frac = bp % 100;
  if (frac == 0) return fmt::format("{}%", whole);
  if (frac % 10 == 0) return fmt::format("{}.{}%", whole, frac / 10);
  return fmt::format("{}.{:02}%", whole, frac);
}

std::string format_share(Gpus part, Gpus whole) {
  if (whole <= 0) return "-";
  const Gpus tenths = (part * 2000 + whole) / (2 * whole); // per mille, rounded half up
  if (tenths % 10 == 0) return fmt::format("{}%", tenths / 10);
  return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

std::string summary_sentence(const OverallocSummary& s) {
  return fmt::format("{} of {} clusters are over their target ({}); {} of {} assigned GPUs would be cut ({}): "
                     "{} from unscheduled quota, {} from idle jobs, {} from running jobs ({} {} preempted)",
                     s.clusters_over_target, s.clusters,
                     format_share(static_cast<Gpus>(s.clusters_over_target), static_cast<Gpus>(s.clusters)), s.cut,
                     s.assigned, format_share(s.cut, s.assigned), s.from.unscheduled, s.from.idle, s.from.running,
                     s.jobs_preempted, s.jobs_preempted == 1 ? "job" : "jobs");
}

namespace {

using json_out::JsonWriter;

using namespace cols;

// A percentage cell: sorts by the ratio, shows format_share().
Value share(Gpus part, Gpus whole) {
  return num(whole > 0 ? part * 1000000 / whole : -1, Tone::plain, format_share(part, whole));
}

Tone phase_tone(int phase) { return phase == 4 ? Tone::bad : phase == 3 ? Tone::warn : Tone::plain; }
Tone cut_tone(Gpus cut) { return cut > 0 ? Tone::warn : Tone::plain; }

// ---- rows -------------------------------------------------------------------------------

struct ClusterRow {
  const Snapshot* snap;
  const OverallocCluster* c;
};
struct QuotaRow {
  const Snapshot* snap;
  const OverallocQuota* q;
};
struct TreeRow {
  const Snapshot* snap;
  const OverallocTree* t;
};
struct JobRow {
  const Snapshot* snap;
  const OverallocQuota* q;
  std::uint32_t job;
};
struct SweepRow {
  const OverallocReport* r;
};
struct PlanRow {
  const Snapshot* snap;
  const OverallocQuota* q;
  int up_to; // 0 = every phase
  bool applied() const { return up_to == 0 || q->phase <= up_to; }
  // The quota's gpus after the plan: cut when its phase is applied, as it is otherwise.
  Gpus gpus() const { return applied() ? q->assigned - q->cut : q->assigned; }
};

const Column<ClusterRow> kClusterColumns[] = {
    {.key = "name",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].name); }},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .priority = 21,
     .wide = true,
     .get = [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].region); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .priority = 22,
     .wide = true,
     .get = [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].sku); }},
    {.key = "healthy",
     .header = "HEALTHY",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->healthy); }},
    {.key = "reference",
     .header = "REFERENCE",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .needs = kHistory,
     .get = [](const ClusterRow& r) { return num(r.c->reference); }},
    {.key = "reference_source",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const ClusterRow& r) { return txt(r.c->history.samples > 0 ? "history" : "healthy"); }},
    {.key = "history_samples",
     .header = "SAMPLES",
     .align = Align::right,
     .priority = 7,
     .needs = kHistory,
     .get =
         [](const ClusterRow& r) { return num(r.c->history.samples, r.c->history.thin() ? Tone::warn : Tone::plain); }},
    {.key = "history_first",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const ClusterRow& r) { return time_or_none(r.c->history.samples > 0, r.c->history.first); }},
    {.key = "history_last",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const ClusterRow& r) { return time_or_none(r.c->history.samples > 0, r.c->history.last); }},
    {.key = "history_median",
     .header = "",
     .align = Align::right,
     .priority = 1,
     .get = [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.median) : none(); }},
    {.key = "history_p10",
     .header = "P10",
     .align = Align::right,
     .priority = 23,
     .wide = true,
     .needs = kHistory,
     .get = [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.p10) : none(); }},
    {.key = "history_min",
     .header = "MIN",
     .align = Align::right,
     .priority = 24,
     .wide = true,
     .needs = kHistory,
     .get = [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.min) : none(); }},
    {.key = "history_max",
     .header = "MAX",
     .align = Align::right,
     .priority = 25,
     .wide = true,
     .needs = kHistory,
     .get = [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.max) : none(); }},
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .align = Align::right,
     .priority = 1,
     .get = [](const ClusterRow& r) { return num(r.c->buffer_bp, Tone::plain, format_bp(r.c->buffer_bp)); }},
    {.key = "buffer_source",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const ClusterRow& r) { return txt(std::string(to_string(r.c->buffer_source))); }},
    {.key = "buffer_gpus",
     .header = "BUF-GPUS",
     .align = Align::right,
     .priority = 8,
     .wide = true,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->buffer_gpus); }},
    {.key = "target",
     .header = "TARGET",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->target); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->assigned); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->cut, cut_tone(r.c->cut)); }},
    {.key = "",
     .header = "CUT%",
     .align = Align::right,
     .priority = 3,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return share(r.c->cut, r.c->assigned); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .align = Align::right,
     .priority = 9,
     .wide = true,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .align = Align::right,
     .priority = 10,
     .wide = true,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .align = Align::right,
     .priority = 11,
     .wide = true,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->from.running); }},
    {.key = "phase",
     .header = "PHASE",
     .align = Align::right,
     .priority = 1,
     .get = [](const ClusterRow& r) { return num(r.c->phase, phase_tone(r.c->phase)); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .align = Align::right,
     .priority = 6,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .align = Align::right,
     .priority = 5,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .align = Align::right,
     .priority = 4,
     .total = Total::value,
     .get = [](const ClusterRow& r) { return num(r.c->gpus_preempted); }},
};

const Column<QuotaRow> kQuotaColumns[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const QuotaRow& r) { return txt(r.snap->quotas[r.q->quota].name); }},
    {.key = "tree",
     .header = "TREE",
     .align = Align::left,
     .priority = 21,
     .wide = true,
     .get = [](const QuotaRow& r) { return txt(r.snap->quotas[r.snap->quotas[r.q->quota].tree_index].name); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .get = [](const QuotaRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .align = Align::right,
     .priority = 1,
     .get = [](const QuotaRow& r) { return num(r.q->assigned); }},
    {.key = "used",
     .header = "USED",
     .align = Align::right,
     .priority = 22,
     .wide = true,
     .get = [](const QuotaRow& r) { return num(r.q->used); }},
    {.key = "free",
     .header = "FREE",
     .align = Align::right,
     .priority = 1,
     .get = [](const QuotaRow& r) { return num(r.q->free); }},
    {.key = "idle",
     .header = "IDLE",
     .align = Align::right,
     .priority = 1,
     .get = [](const QuotaRow& r) { return num(r.q->idle); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .get = [](const QuotaRow& r) { return num(r.q->cut, cut_tone(r.q->cut)); }},
    {.key = "",
     .header = "CUT%",
     .align = Align::right,
     .priority = 4,
     .get = [](const QuotaRow& r) { return share(r.q->cut, r.q->assigned); }},
    {.key = "new_gpus",
     .header = "NEW",
     .align = Align::right,
     .priority = 3,
     .get = [](const QuotaRow& r) { return num(r.q->assigned - r.q->cut); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .align = Align::right,
     .priority = 9,
     .wide = true,
     .get = [](const QuotaRow& r) { return num(r.q->from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .align = Align::right,
     .priority = 10,
     .wide = true,
     .get = [](const QuotaRow& r) { return num(r.q->from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .align = Align::right,
     .priority = 11,
     .wide = true,
     .get = [](const QuotaRow& r) { return num(r.q->from.running); }},
    {.key = "phase",
     .header = "PHASE",
     .align = Align::right,
     .priority = 1,
     .get = [](const QuotaRow& r) { return num(r.q->phase, phase_tone(r.q->phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .align = Align::right,
     .priority = 5,
     .get = [](const QuotaRow& r) { return num(r.q->preempted.size()); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .align = Align::right,
     .priority = 5,
     .get = [](const QuotaRow& r) { return num(r.q->gpus_preempted); }},
};

const Column<TreeRow> kTreeColumns[] = {
    {.key = "name",
     .header = "TREE",
     .align = Align::left,
     .identifying = true,
     .get = [](const TreeRow& r) { return txt(r.snap->quotas[r.t->tree].name); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .align = Align::right,
     .priority = 7,
     .get = [](const TreeRow& r) { return num(r.t->clusters); }},
    {.key = "quotas",
     .header = "QUOTAS",
     .align = Align::right,
     .priority = 8,
     .get = [](const TreeRow& r) { return num(r.t->quotas); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .align = Align::right,
     .priority = 6,
     .get = [](const TreeRow& r) { return num(r.t->quotas_affected); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .align = Align::right,
     .priority = 1,
     .get = [](const TreeRow& r) { return num(r.t->assigned); }},
    {.key = "free",
     .header = "FREE",
     .align = Align::right,
     .priority = 1,
     .get = [](const TreeRow& r) { return num(r.t->free); }},
    {.key = "idle",
     .header = "IDLE",
     .align = Align::right,
     .priority = 1,
     .get = [](const TreeRow& r) { return num(r.t->idle); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .get = [](const TreeRow& r) { return num(r.t->cut, cut_tone(r.t->cut)); }},
    {.key = "",
     .header = "CUT%",
     .align = Align::right,
     .priority = 3,
     .get = [](const TreeRow& r) { return share(r.t->cut, r.t->assigned); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .align = Align::right,
     .priority = 9,
     .wide = true,
     .get = [](const TreeRow& r) { return num(r.t->from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .align = Align::right,
     .priority = 10,
     .wide = true,
     .get = [](const TreeRow& r) { return num(r.t->from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .align = Align::right,
     .priority = 11,
     .wide = true,
     .get = [](const TreeRow& r) { return num(r.t->from.running); }},
    {.key = "phase",
     .header = "PHASE",
     .align = Align::right,
     .priority = 1,
     .get = [](const TreeRow& r) { return num(r.t->phase, phase_tone(r.t->phase)); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .align = Align::right,
     .priority = 5,
     .get = [](const TreeRow& r) { return num(r.t->jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .align = Align::right,
     .priority = 4,
     .get = [](const TreeRow& r) { return num(r.t->gpus_preempted); }},
};

const Column<JobRow> kJobColumns[] = {
    {.key = "name",
     .header = "JOB",
     .align = Align::left,
     .identifying = true,
     .get = [](const JobRow& r) { return txt(r.snap->jobs[r.job].name); }},
    {.key = "namespace",
     .header = "NAMESPACE",
     .align = Align::left,
     .priority = 4,
     .get = [](const JobRow& r) { return txt(r.snap->jobs[r.job].ns); }},
    {.key = "quota",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const JobRow& r) { return txt(r.snap->jobs[r.job].quota); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .priority = 3,
     .get = [](const JobRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .priority = 2,
     .get = [](const JobRow& r) { return txt(std::string(to_string(r.snap->jobs[r.job].priority))); }},
    {.key = "gpus",
     .header = "GPUS",
     .align = Align::right,
     .priority = 1,
     .get = [](const JobRow& r) { return num(r.snap->jobs[r.job].gpus); }},
    {.key = "started_at",
     .header = "STARTED",
     .align = Align::left,
     .priority = 2,
     .get =
         [](const JobRow& r) {
           const Job& j = r.snap->jobs[r.job];
           return time_or_none(j.started_at.has_value(), j.started_at.value_or(0));
         }},
};

const Column<SweepRow> kSweepColumns[] = {
    {.key = "buffer_bp",
     .header = "BUFFER%",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->buffer.bp, Tone::plain, format_bp(r.r->buffer.bp)); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .align = Align::right,
     .priority = 10,
     .get = [](const SweepRow& r) { return num(r.r->summary.clusters); }},
    {.key = "clusters_over_target",
     .header = "OVER",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.clusters_over_target); }},
    {.key = "",
     .header = "OVER%",
     .align = Align::right,
     .priority = 7,
     .get =
         [](const SweepRow& r) {
           return share(static_cast<Gpus>(r.r->summary.clusters_over_target), static_cast<Gpus>(r.r->summary.clusters));
         }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .align = Align::right,
     .priority = 9,
     .get = [](const SweepRow& r) { return num(r.r->summary.assigned); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.cut, cut_tone(r.r->summary.cut)); }},
    {.key = "",
     .header = "CUT%",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return share(r.r->summary.cut, r.r->summary.assigned); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.from.running); }},
    {.key = "cut_phase_2",
     .header = "PHASE2",
     .align = Align::right,
     .priority = 6,
     .get = [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[2]); }},
    {.key = "cut_phase_3",
     .header = "PHASE3",
     .align = Align::right,
     .priority = 6,
     .get = [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[3]); }},
    {.key = "cut_phase_4",
     .header = "PHASE4",
     .align = Align::right,
     .priority = 6,
     .get = [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[4]); }},
    {.key = "quotas_affected",
     .header = "AFFECTED",
     .align = Align::right,
     .priority = 5,
     .get = [](const SweepRow& r) { return num(r.r->summary.quotas_affected); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .align = Align::right,
     .priority = 1,
     .get = [](const SweepRow& r) { return num(r.r->summary.jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .align = Align::right,
     .priority = 4,
     .get = [](const SweepRow& r) { return num(r.r->summary.gpus_preempted); }},
};

const Column<PlanRow> kPlanColumns[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return txt(r.snap->quotas[r.q->quota].name); }},
    {.key = "tree",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return txt(r.snap->quotas[r.snap->quotas[r.q->quota].tree_index].name); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {.key = "old_gpus",
     .header = "OLD",
     .align = Align::right,
     .priority = 1,
     .get = [](const PlanRow& r) { return num(r.q->assigned); }},
    {.key = "gpus",
     .header = "GPUS",
     .align = Align::right,
     .priority = 1,
     .get = [](const PlanRow& r) { return num(r.gpus(), r.applied() ? cut_tone(r.q->cut) : Tone::plain); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .get = [](const PlanRow& r) { return num(r.applied() ? r.q->cut : 0); }},
    {.key = "phase",
     .header = "PHASE",
     .align = Align::right,
     .priority = 1,
     .get = [](const PlanRow& r) { return num(r.q->phase, phase_tone(r.q->phase)); }},
    {.key = "final_gpus",
     .header = "FINAL",
     .align = Align::right,
     .priority = 2,
     .get = [](const PlanRow& r) { return num(r.q->assigned - r.q->cut); }},
    {.key = "deferred",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return flag(!r.applied()); }},
};

// ---- shared pieces ----------------------------------------------------------------------

// The summary's fields, into the object being written.
void summary_fields(JsonWriter& w, const OverallocSummary& s) {
  w.field("clusters", s.clusters);
  w.field("clusters_over_target", s.clusters_over_target);
  w.field("assigned", s.assigned);
  w.field("cut", s.cut);
  w.field("cut_from_unscheduled", s.from.unscheduled);
  w.field("cut_from_idle", s.from.idle);
  w.field("cut_from_running", s.from.running);
  w.key("cut_by_phase").begin_object();
  w.field("2", s.cut_by_phase[2]).field("3", s.cut_by_phase[3]).field("4", s.cut_by_phase[4]);
  w.end_object();
  w.field("quotas_affected", s.quotas_affected);
  w.field("jobs_preempted", s.jobs_preempted);
  w.field("gpus_preempted", s.gpus_preempted);
}

// --buffer-for as an object. The last value given for a cluster wins (figures/overalloc.cpp);
// it is written where the cluster was first named.
void per_cluster_json(JsonWriter& w, const std::vector<std::pair<std::string, BasisPoints>>& per) {
  w.begin_object();
  for (auto it = per.begin(); it != per.end(); ++it) {
    const auto named = [&](const auto& p) { return p.first == it->first; };
    if (std::any_of(per.begin(), it, named)) continue;
    w.field(it->first, std::find_if(per.rbegin(), per.rend(), named)->second);
  }
  w.end_object();
}

void buffer_json(JsonWriter& w, const BufferChoice& b) {
  const auto when = [](bool present, BasisPoints bp) { return present ? std::optional(bp) : std::nullopt; };
  w.begin_object();
  w.field("mode", b.automatic ? "auto" : "fixed");
  w.field("bp", when(!b.automatic, b.bp));
  w.field("auto_min_bp", when(b.automatic, b.auto_min));
  w.field("auto_max_bp", when(b.automatic, b.auto_max));
  w.key("per_cluster");
  per_cluster_json(w, b.per_cluster);
  w.end_object();
}

void history_json(JsonWriter& w, const OverallocReport& r, const HistorySourceInfo& h) {
  std::size_t samples = 0, with = 0;
  for (const auto& c : r.clusters) {
    samples += c.history.samples;
    with += c.history.samples > 0;
  }
  w.begin_object();
  w.field("source", h.kind);
  w.field("dir", h.dir.empty() ? std::nullopt : std::optional(h.dir));
  w.field("snapshots", h.kind == "snapshots" ? std::optional(h.snapshots) : std::nullopt);
  w.field("window", format_duration(r.window.length));
  w.field("window_seconds", r.window.length);
  w.field("from", format_rfc3339(r.window.from));
  w.field("to", format_rfc3339(r.window.to));
  w.field("samples", samples);
  w.field("clusters_with_history", with);
  w.end_object();
}

// The fields report and plan start with, after the envelope.
void policy_fields(JsonWriter& w, const OverallocReport& r, int phase, const HistorySourceInfo& h) {
  w.field("cut_policy", to_string(r.policy));
  w.key("buffer");
  buffer_json(w, r.buffer);
  w.field("phase", phase ? std::optional(phase) : std::nullopt);
  w.key("history");
  history_json(w, r, h);
}

bool any_history(const OverallocReport& r) {
  return std::any_of(r.clusters.begin(), r.clusters.end(), [](const auto& c) { return c.history.samples > 0; });
}

std::string day_of(Time t) { return format_rfc3339(t).substr(0, 10); }

// The two lines above the tables: what R is, which buffer, which policy.
std::string preamble(const OverallocReport& r, const HistorySourceInfo& h, bool show_buffer) {
  const std::string from =
      h.kind == "snapshots" ? fmt::format("{} snapshots in {}", h.snapshots, h.dir) : "health_history";
  std::string out;
  if (!any_history(r)) {
    out += fmt::format("Reference: healthy GPUs now ({} has no samples in the {} up to {}).\n",
                       h.kind == "snapshots" ? "--history " + h.dir : std::string("health_history"),
                       format_duration(r.window.length), format_rfc3339(r.window.to));
  } else {
    std::size_t lo = SIZE_MAX, hi = 0;
    Time first = 0, last = 0;
    bool seen = false;
    std::vector<std::string> without;
    for (const auto& c : r.clusters) {
      if (c.history.samples == 0) continue;
      lo = std::min(lo, c.history.samples);
      hi = std::max(hi, c.history.samples);
      first = seen ? std::min(first, c.history.first) : c.history.first;
      last = seen ? std::max(last, c.history.last) : c.history.last;
      seen = true;
    }
    std::size_t missing = 0;
    for (const auto& c : r.clusters) missing += c.history.samples == 0;
    out +=
        fmt::format("Reference: median healthy GPUs of {} {} per cluster from {}, {} to {} (window {} up to {}){}.\n",
                    lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi), hi == 1 ? "sample" : "samples",
                    from, day_of(first), day_of(last), format_duration(r.window.length), format_rfc3339(r.window.to),
                    missing ? fmt::format("; {} {} without samples use healthy GPUs now", missing,
                                          missing == 1 ? "cluster" : "clusters")
                            : "");
  }
  if (show_buffer) {
    const BufferChoice& b = r.buffer;
    std::string buffer = b.automatic ? fmt::format("auto {}..{} from each cluster's dips (median - p10) / median",
                                                   format_bp(b.auto_min), format_bp(b.auto_max))
                                     : format_bp(b.bp);
    for (const auto& [name, bp] : b.per_cluster) buffer += fmt::format(", {} {}", name, format_bp(bp));
    out += fmt::format("Buffer: {}. Cut: {}.\n", buffer, to_string(r.policy));
  } else {
    out += fmt::format("Cut: {}.\n", to_string(r.policy));
  }
  return out;
}

bool in_phase(int phase, int wanted) { return wanted == 0 || phase == wanted; }

// A cluster belongs to phase N when one of its quotas' cuts does (phase 1: no cut at all).
bool cluster_in_phase(const OverallocReport& r, const OverallocCluster& c, int wanted) {
  if (wanted == 0) return true;
  if (wanted == 1) return c.cut == 0;
  for (std::size_t i = c.first_quota; i < c.first_quota + c.quota_count; ++i)
    if (r.quotas[i].cut > 0 && r.quotas[i].phase == wanted) return true;
  return false;
}

} // namespace

namespace cols {
std::vector<ColumnList> overalloc_column_lists() {
  return {describe<ClusterRow>("overalloc report", "clusters", kClusterColumns),
          describe<QuotaRow>("overalloc report", "quotas", kQuotaColumns),
          describe<TreeRow>("overalloc report", "trees", kTreeColumns),
          describe<JobRow>("overalloc report", "preempted_jobs", kJobColumns),
          describe<SweepRow>("overalloc sweep", "buffers", kSweepColumns),
          describe<PlanRow>("overalloc plan", "quotas", kPlanColumns)};
}
} // namespace cols

std::string render_overalloc_report(const OverallocReport& r, const Snapshot& snap, const OverallocView& v,
                                    const RenderOptions& o) {
  std::vector<ClusterRow> clusters;
  for (const auto& c : r.clusters)
    if (cluster_in_phase(r, c, v.phase)) clusters.push_back({&snap, &c});
  std::vector<QuotaRow> quotas;
  std::vector<JobRow> jobs;
  for (const auto& q : r.quotas) {
    if (q.cut == 0 || !in_phase(q.phase, v.phase)) continue;
    quotas.push_back({&snap, &q});
    for (auto j : q.preempted) jobs.push_back({&snap, &q, j});
  }
  // Like a cluster, a tree is in phase N when one of its quotas' cuts is (phase 1: no cut).
  std::vector<std::uint8_t> tree_in_phase(snap.quotas.size(), 0);
  for (const auto& q : r.quotas)
    if (q.cut > 0 && q.phase == v.phase) tree_in_phase[snap.quotas[q.quota].tree_index] = 1;
  const std::vector<OverallocTree> tree_list = overalloc_trees(r, snap);
  std::vector<TreeRow> trees;
  for (const auto& t : tree_list)
    if (v.phase == 0 || tree_in_phase[t.tree] || (v.phase == 1 && t.cut == 0)) trees.push_back({&snap, &t});

  sort_rows<ClusterRow>(kClusterColumns, clusters, o.sort);
  sort_rows<QuotaRow>(kQuotaColumns, quotas, o.sort);
  sort_rows<TreeRow>(kTreeColumns, trees, o.sort);
  sort_rows<JobRow>(kJobColumns, jobs, o.sort);

  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.report", o);
    policy_fields(w, r, v.phase, v.history);
    json_list<ClusterRow>(w, "clusters", kClusterColumns, clusters);
    json_list<QuotaRow>(w, "quotas", kQuotaColumns, quotas);
    json_list<TreeRow>(w, "trees", kTreeColumns, trees);
    json_list<JobRow>(w, "preempted_jobs", kJobColumns, jobs);
    w.key("summary").begin_object();
    summary_fields(w, r.summary);
    w.field("text", summary_sentence(r.summary));
    w.end_object();
    return w.end_object().finish();
  }
  // CSV and -o name: the one table the view asks for (clusters by default).
  if (o.format == Format::csv || o.format == Format::name) {
    const bool csv = o.format == Format::csv;
    if (v.jobs) return csv ? csv_of<JobRow>(kJobColumns, jobs, o) : names_of<JobRow>(kJobColumns, jobs);
    switch (v.by) {
    case OverallocBy::quota:
      return csv ? csv_of<QuotaRow>(kQuotaColumns, quotas, o) : names_of<QuotaRow>(kQuotaColumns, quotas);
    case OverallocBy::tree:
      return csv ? csv_of<TreeRow>(kTreeColumns, trees, o) : names_of<TreeRow>(kTreeColumns, trees);
    case OverallocBy::cluster:
    case OverallocBy::all: break;
    }
    return csv ? csv_of<ClusterRow>(kClusterColumns, clusters, o) : names_of<ClusterRow>(kClusterColumns, clusters);
  }

  if (r.clusters.empty()) return "No clusters match.\n";
  const unsigned have = any_history(r) ? kHistory : 0;
  std::string out = preamble(r, v.history, true);
  if (v.phase) out += fmt::format("Showing rollout phase {} only; the summary covers every phase.\n", v.phase);
  out = wrap_prose(out, o.style.width);
  out += '\n';
  if (v.by == OverallocBy::all || v.by == OverallocBy::cluster) {
    if (clusters.empty()) {
      out += fmt::format("No cluster is in phase {}.\n", v.phase);
    } else {
      std::vector<const OverallocCluster*> shown;
      for (const auto& row : clusters) shown.push_back(row.c);
      const OverallocCluster totals = overalloc_cluster_totals(shown);
      const ClusterRow total{&snap, &totals};
      out += table_of<ClusterRow>(kClusterColumns, clusters, o, &total, have);
    }
  }
  if (v.by == OverallocBy::all || v.by == OverallocBy::quota) {
    if (v.by == OverallocBy::all) out += '\n';
    out += quotas.empty() ? std::string("No quota would be cut.\n")
                          : table_of<QuotaRow>(kQuotaColumns, quotas, o, nullptr, have);
  }
  if (v.by == OverallocBy::tree)
    out += trees.empty() ? std::string("No tree would be cut.\n")
                         : table_of<TreeRow>(kTreeColumns, trees, o, nullptr, have);
  if (v.jobs) {
    out += '\n';
    out += jobs.empty() ? std::string("No job would be preempted.\n")
                        : table_of<JobRow>(kJobColumns, jobs, o, nullptr, have);
  }
  const OverallocSummary& s = r.summary;
  out += '\n';
  out += wrap_prose(summary_sentence(s) + ".\n" +
                        fmt::format("By rollout phase: 2 (unscheduled quota only) {}, 3 (up to idle jobs) {}, 4 "
                                    "(preempting) {} GPUs; {} {} preempted with {} GPUs.\n",
                                    s.cut_by_phase[2], s.cut_by_phase[3], s.cut_by_phase[4], s.jobs_preempted,
                                    s.jobs_preempted == 1 ? "job" : "jobs", s.gpus_preempted),
                    o.style.width);
  return out;
}

std::string render_overalloc_sweep(const std::vector<OverallocReport>& reports, const HistorySourceInfo& history,
                                   const RenderOptions& o) {
  std::vector<SweepRow> rows;
  for (const auto& r : reports) rows.push_back({&r});
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.sweep", o);
    if (!reports.empty()) {
      w.field("cut_policy", to_string(reports.front().policy));
      w.key("buffer_for");
      per_cluster_json(w, reports.front().buffer.per_cluster);
      w.key("history");
      history_json(w, reports.front(), history);
    }
    w.key("buffers").begin_array();
    for (const auto& r : reports) {
      w.begin_object();
      w.field("buffer_bp", r.buffer.bp);
      summary_fields(w, r.summary);
      w.end_object();
    }
    w.end_array();
    return w.end_object().finish();
  }
  // CSV flattens cut_by_phase into cut_phase_2..4; JSON nests it as the report's summary does.
  if (o.format == Format::csv) return csv_of<SweepRow>(kSweepColumns, rows, o);
  if (o.format == Format::name) return names_of<SweepRow>(kSweepColumns, rows);
  if (reports.empty() || reports.front().clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(reports.front(), history, false);
  if (!reports.front().buffer.per_cluster.empty()) {
    std::string pinned;
    for (const auto& [name, bp] : reports.front().buffer.per_cluster)
      pinned += fmt::format("{}{} {}", pinned.empty() ? "" : ", ", name, format_bp(bp));
    out += fmt::format("Pinned by --buffer-for: {}.\n", pinned);
  }
  out = wrap_prose(out, o.style.width);
  out += '\n';
  out += table_of<SweepRow>(kSweepColumns, rows, o);
  return out;
}

std::string render_overalloc_plan(const OverallocReport& r, const Snapshot& snap, int phase,
                                  const HistorySourceInfo& history, const RenderOptions& o) {
  std::vector<PlanRow> rows;
  for (const auto& q : r.quotas) rows.push_back({&snap, &q, phase});
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.plan", o);
    policy_fields(w, r, phase, history);
    json_list<PlanRow>(w, "quotas", kPlanColumns, rows);
    Gpus old_total = 0, new_total = 0;
    for (const auto& row : rows) {
      old_total += row.q->assigned;
      new_total += row.gpus();
    }
    w.key("totals").begin_object();
    w.field("old_gpus", old_total).field("gpus", new_total).field("cut", old_total - new_total);
    w.end_object();
    return w.end_object().finish();
  }
  if (o.format == Format::csv) return csv_of<PlanRow>(kPlanColumns, rows, o);
  if (o.format == Format::name) return names_of<PlanRow>(kPlanColumns, rows);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(r, history, true);
  if (phase)
    out += fmt::format("Applying corrections up to phase {}; later ones keep their gpus (FINAL shows them).\n", phase);
  out = wrap_prose(out, o.style.width);
  out += '\n';
  out += table_of<PlanRow>(kPlanColumns, rows, o, nullptr, any_history(r) ? kHistory : 0);
  return out;
}

} // namespace fleetcap
