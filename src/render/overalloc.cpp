// `fleetcap overalloc report|sweep|plan`: the documents and tables made of the lists in
// overalloc_columns.cpp; percentages exist only here, at render time.
#include "fleetcap/render/overalloc.hpp"
#include "fleetcap/render/scheduler.hpp"

#include "fleetcap/render/prometheus.hpp"
#include "lists.hpp"
#include "prometheus_out.hpp"
#include "shared_columns.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

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

using namespace cols;

// ---- what every document says about the policy: buffer, cut, phase, history

// --buffer-for as an object. The last value given for a cluster wins (figures/overalloc.cpp);
// it is written where the cluster was first named.
void per_cluster_section(JsonWriter& w, std::string_view key, const BufferChoice& b, unsigned) {
  const auto& per = b.per_cluster;
  w.key(key).begin_object();
  for (auto it = per.begin(); it != per.end(); ++it) {
    const auto named = [&](const auto& p) { return p.first == it->first; };
    if (std::any_of(per.begin(), it, named)) continue;
    w.key(it->first).value(std::find_if(per.rbegin(), per.rend(), named)->second);
  }
  w.end_object();
}

Value bp_if(bool present, BasisPoints bp) { return present ? num(bp) : none(); }

const Column<BufferChoice> kBufferList[] = {
    {.key = "mode", .get = [](const BufferChoice& b) { return txt(b.automatic ? "auto" : "fixed"); }},
    {.key = "bp", .get = [](const BufferChoice& b) { return bp_if(!b.automatic, b.bp); }},
    {.key = "auto_min_bp", .get = [](const BufferChoice& b) { return bp_if(b.automatic, b.auto_min); }},
    {.key = "auto_max_bp", .get = [](const BufferChoice& b) { return bp_if(b.automatic, b.auto_max); }},
    {.key = "per_cluster", .section = per_cluster_section},
};
const Columns<BufferChoice> kBufferColumns{"overalloc report", "buffer", kBufferList, ListKind::section};

// Where R came from: the history read, its window, and how much of it there was.
struct HistoryView {
  const OverallocReport* r;
  const HistorySourceInfo* info;
  HistoryCoverage coverage;
};
bool from_snapshots(const HistoryView& h) { return h.info->kind == "snapshots"; }

const Column<HistoryView> kHistoryList[] = {
    {.key = "source", .get = [](const HistoryView& h) { return txt(h.info->kind); }},
    {.key = "dir", .get = [](const HistoryView& h) { return h.info->dir.empty() ? none() : txt(h.info->dir); }},
    {.key = "snapshots",
     .get = [](const HistoryView& h) { return from_snapshots(h) ? num(h.info->snapshots) : none(); }},
    {.key = "window", .get = [](const HistoryView& h) { return txt(format_duration(h.r->window.length)); }},
    {.key = "window_seconds", .get = [](const HistoryView& h) { return num(h.r->window.length); }},
    {.key = "from", .get = [](const HistoryView& h) { return txt(format_rfc3339(h.r->window.from)); }},
    {.key = "to", .get = [](const HistoryView& h) { return txt(format_rfc3339(h.r->window.to)); }},
    {.key = "samples", .get = [](const HistoryView& h) { return num(h.coverage.samples); }},
    {.key = "clusters_with_history", .get = [](const HistoryView& h) { return num(h.coverage.clusters_with); }},
};
const Columns<HistoryView> kHistoryColumns{"overalloc report", "history", kHistoryList, ListKind::section};

// The fields report and plan start with, after the envelope.
struct PolicyView {
  const OverallocReport* r;
  int phase;
  HistoryView history;
  PolicyView(const OverallocReport& report, int p, const HistorySourceInfo& info)
      : r(&report), phase(p), history{&report, &info, history_coverage(report)} {}
};
const BufferChoice* buffer_of(const PolicyView& p) { return &p.r->buffer; }

const Column<PolicyView> kPolicyList[] = {
    {.key = "cut_policy", .get = [](const PolicyView& p) { return txt(to_string(p.r->policy)); }},
    {.key = "buffer", .section = object<kBufferColumns, buffer_of>},
    {.key = "phase", .get = [](const PolicyView& p) { return p.phase ? num(p.phase) : none(); }},
    {.key = "history", .section = object<kHistoryColumns, &PolicyView::history>},
};
const Columns<PolicyView> kPolicyColumns{"overalloc report", "policy", kPolicyList, ListKind::section};

// ---- report

struct ReportDoc {
  PolicyView policy;
  std::vector<OverallocClusterView> clusters;
  std::vector<OverallocQuotaView> quotas;
  std::vector<OverallocTreeView> trees;
  std::vector<PreemptedJobView> jobs;
};
std::optional<SummaryView> summary_of(const ReportDoc& d) { return SummaryView{&d.policy.r->summary, {}, true}; }

const Column<ReportDoc> kReportDocList[] = {
    {.key = "policy", .in = In::json, .section = fields_inline<kPolicyColumns, &ReportDoc::policy>},
    {.key = "clusters", .section = array<kOverallocClusterColumns, &ReportDoc::clusters>},
    {.key = "quotas", .section = array<kOverallocQuotaColumns, &ReportDoc::quotas>},
    {.key = "trees", .section = array<kOverallocTreeColumns, &ReportDoc::trees>},
    {.key = "preempted_jobs", .section = array<kPreemptedJobColumns, &ReportDoc::jobs>},
    {.key = "summary", .section = object<kSummaryColumns, summary_of>},
};
const Columns<ReportDoc> kReportDoc{"overalloc report", "document", kReportDocList, ListKind::document,
                                    "fleetcap.overalloc.report/v2"};

// The rows a view of the report shows (--phase), sorted by --sort.
ReportDoc report_rows(const OverallocReport& r, const Snapshot& snap, const std::vector<OverallocTree>& trees,
                      const OverallocView& v, const RenderOptions& o) {
  ReportDoc d{PolicyView(r, v.phase, v.history), {}, {}, {}, {}};
  const PhaseView shown = phase_view(r, trees, snap, v.phase);
  for (const auto* c : shown.clusters) d.clusters.push_back({&snap, c});
  for (const auto* q : shown.quotas) {
    d.quotas.push_back({&snap, q});
    for (auto j : q->preempted) d.jobs.push_back({&snap, q, j});
  }
  for (const auto* t : shown.trees) d.trees.push_back({&snap, t});
  sort_rows(kOverallocClusterColumns, d.clusters, o.sort);
  sort_rows(kOverallocQuotaColumns, d.quotas, o.sort);
  sort_rows(kOverallocTreeColumns, d.trees, o.sort);
  sort_rows(kPreemptedJobColumns, d.jobs, o.sort);
  return d;
}

// CSV and -o name: the one table the view asks for (clusters by default).
std::string report_list(const ReportDoc& d, const OverallocView& v, const RenderOptions& o) {
  const bool csv = o.format == Format::csv;
  if (v.jobs) return csv ? csv_of(kPreemptedJobColumns, d.jobs, o) : names_of(kPreemptedJobColumns, d.jobs);
  switch (v.by) {
  case OverallocBy::quota:
    return csv ? csv_of(kOverallocQuotaColumns, d.quotas, o) : names_of(kOverallocQuotaColumns, d.quotas);
  case OverallocBy::tree:
    return csv ? csv_of(kOverallocTreeColumns, d.trees, o) : names_of(kOverallocTreeColumns, d.trees);
  case OverallocBy::cluster:
  case OverallocBy::all: break;
  }
  return csv ? csv_of(kOverallocClusterColumns, d.clusters, o) : names_of(kOverallocClusterColumns, d.clusters);
}

std::string day_of(Time t) { return format_rfc3339(t).substr(0, 10); }

// The first line above the tables: what R is.
std::string reference_line(const OverallocReport& r, const HistorySourceInfo& h) {
  const HistoryCoverage c = history_coverage(r);
  if (c.clusters_with == 0)
    return fmt::format("Reference: healthy GPUs now ({} has no samples in the {} up to {}).\n",
                       h.kind == "snapshots" ? "--history " + h.dir : std::string("health_history"),
                       format_duration(r.window.length), format_rfc3339(r.window.to));
  const std::string from =
      h.kind == "snapshots" ? fmt::format("{} snapshots in {}", h.snapshots, h.dir) : "health_history";
  return fmt::format("Reference: median healthy GPUs of {} {} per cluster from {}, {} to {} (window {} up to {}){}.\n",
                     c.fewest == c.most ? fmt::format("{}", c.fewest) : fmt::format("{}-{}", c.fewest, c.most),
                     c.most == 1 ? "sample" : "samples", from, day_of(c.first), day_of(c.last),
                     format_duration(r.window.length), format_rfc3339(r.window.to),
                     c.clusters_without
                         ? fmt::format("; {} {} without samples use healthy GPUs now", c.clusters_without,
                                       c.clusters_without == 1 ? "cluster" : "clusters")
                         : "");
}

// The lines above the tables: what R is, which buffer, which policy.
std::string preamble(const OverallocReport& r, const HistorySourceInfo& h, bool show_buffer) {
  std::string out = reference_line(r, h);
  if (!show_buffer) return out + fmt::format("Cut: {}.\n", to_string(r.policy));
  const BufferChoice& b = r.buffer;
  std::string buffer = b.automatic ? fmt::format("auto {}..{} from each cluster's dips (median - p10) / median",
                                                 format_bp(b.auto_min), format_bp(b.auto_max))
                                   : format_bp(b.bp);
  for (const auto& [name, bp] : b.per_cluster) buffer += fmt::format(", {} {}", name, format_bp(bp));
  return out + fmt::format("Buffer: {}. Cut: {}.\n", buffer, to_string(r.policy));
}

unsigned history_condition(const OverallocReport& r) { return history_coverage(r).clusters_with ? kHistory : 0; }

std::string clusters_table(const ReportDoc& d, const Snapshot& snap, int phase, const RenderOptions& o) {
  if (d.clusters.empty()) return fmt::format("No cluster is in phase {}.\n", phase);
  std::vector<const OverallocCluster*> shown;
  for (const auto& row : d.clusters) shown.push_back(row.row);
  const OverallocCluster totals = overalloc_cluster_totals(shown);
  const OverallocClusterView total{&snap, &totals};
  return table_of(kOverallocClusterColumns, d.clusters, o, &total, history_condition(*d.policy.r));
}

std::string summary_lines(const OverallocSummary& s) {
  return summary_sentence(s) + ".\n" +
         fmt::format("By rollout phase: 2 (unscheduled quota only) {}, 3 (up to idle jobs) {}, 4 "
                     "(preempting) {} GPUs; {} {} preempted with {} GPUs.\n",
                     s.cut_by_phase[2], s.cut_by_phase[3], s.cut_by_phase[4], s.jobs_preempted,
                     s.jobs_preempted == 1 ? "job" : "jobs", s.gpus_preempted);
}

std::string report_tables(const ReportDoc& d, const Snapshot& snap, const OverallocView& v, const RenderOptions& o) {
  const unsigned have = history_condition(*d.policy.r);
  std::string out;
  if (v.by == OverallocBy::all || v.by == OverallocBy::cluster) out += clusters_table(d, snap, v.phase, o);
  if (v.by == OverallocBy::all || v.by == OverallocBy::quota) {
    if (v.by == OverallocBy::all) out += '\n';
    out += d.quotas.empty() ? std::string("No quota would be cut.\n")
                            : table_of(kOverallocQuotaColumns, d.quotas, o, nullptr, have);
  }
  if (v.by == OverallocBy::tree)
    out += d.trees.empty() ? std::string("No tree would be cut.\n")
                           : table_of(kOverallocTreeColumns, d.trees, o, nullptr, have);
  if (v.jobs) {
    out += '\n';
    out += d.jobs.empty() ? std::string("No job would be preempted.\n")
                          : table_of(kPreemptedJobColumns, d.jobs, o, nullptr, have);
  }
  return out;
}

// ---- sweep

struct SweepDoc {
  const std::vector<OverallocReport>* reports;
  std::optional<HistoryView> history; // with a first report
  std::vector<SummaryView> buffers;
};
const OverallocReport* first_of(const SweepDoc& d) { return d.reports->empty() ? nullptr : &d.reports->front(); }
void buffer_for_section(JsonWriter& w, std::string_view key, const SweepDoc& d, unsigned have) {
  if (const auto* r = first_of(d)) per_cluster_section(w, key, r->buffer, have);
}

const Column<SweepDoc> kSweepDocList[] = {
    {.key = "cut_policy",
     .get = [](const SweepDoc& d) { return first_of(d) ? txt(to_string(first_of(d)->policy)) : absent(); }},
    {.key = "buffer_for", .section = buffer_for_section},
    {.key = "history", .section = object_if<kHistoryColumns, &SweepDoc::history>},
    {.key = "buffers", .section = array<kSummaryColumns, &SweepDoc::buffers>},
};
const Columns<SweepDoc> kSweepDoc{"overalloc sweep", "document", kSweepDocList, ListKind::document,
                                  "fleetcap.overalloc.sweep/v1"};

std::vector<SummaryView> sweep_rows(const std::vector<OverallocReport>& reports) {
  std::vector<SummaryView> rows;
  for (const auto& r : reports) rows.push_back({&r.summary, r.buffer.bp});
  return rows;
}

std::string sweep_table(const std::vector<OverallocReport>& reports, const HistorySourceInfo& history,
                        const RenderOptions& o) {
  std::string out = preamble(reports.front(), history, false);
  if (!reports.front().buffer.per_cluster.empty()) {
    std::string pinned;
    for (const auto& [name, bp] : reports.front().buffer.per_cluster)
      pinned += fmt::format("{}{} {}", pinned.empty() ? "" : ", ", name, format_bp(bp));
    out += fmt::format("Pinned by --buffer-for: {}.\n", pinned);
  }
  out = wrap_prose(out, o.style.width);
  out += '\n';
  out += table_of(kSummaryColumns, sweep_rows(reports), o);
  return out;
}

// ---- plan

struct PlanRow {
  const Snapshot* snap;
  const PlanQuota* p;
  const OverallocQuota& q() const { return *p->quota; }
};

const Column<PlanRow> kPlanList[] = {
    quota_name_column<PlanRow>([](const PlanRow& r) { return txt(r.snap->quotas[r.q().quota].name); }),
    {.key = "tree",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return txt(r.snap->quotas[r.snap->quotas[r.q().quota].tree_index].name); }},
    cluster_of_column<PlanRow>(kIdentifying,
                               [](const PlanRow& r) { return txt(r.snap->clusters[r.q().cluster].name); }),
    {.key = "old_gpus",
     .header = "OLD",
     .unit = Unit::gpus,
     .meaning = "Its gpus now (assigned).",
     .drop = 1,
     .total = Total::value,
     .get = [](const PlanRow& r) { return num(r.p->old_gpus); }},
    {.key = "gpus",
     .header = "GPUS",
     .unit = Unit::gpus,
     .meaning = "Its new gpus, for a quota system to apply: cut in phases up to --phase, else deferred.",
     .drop = 1,
     .total = Total::value,
     .get = [](const PlanRow& r) { return num(r.p->gpus, cut_tone(r.p->cut)); }},
    {.key = "cut",
     .header = "CUT",
     .unit = Unit::gpus,
     .meaning = "What this plan applies: OLD - GPUS.",
     .drop = 1,
     .total = Total::value,
     .get = [](const PlanRow& r) { return num(r.p->cut); }},
    {.key = "phase",
     .header = "PHASE",
     .unit = Unit::count,
     .meaning = meaning::kPhase,
     .drop = 1,
     .get = [](const PlanRow& r) { return num(r.q().phase, phase_tone(r.q().phase)); }},
    {.key = "final_gpus",
     .header = "FINAL",
     .unit = Unit::gpus,
     .meaning = "Its gpus after every phase.",
     .drop = 2,
     .get = [](const PlanRow& r) { return num(r.p->final_gpus); }},
    {.key = "deferred",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return flag(r.p->deferred); }},
};
const Columns<PlanRow> kPlanColumns{"overalloc plan", "quotas", kPlanList};

struct PlanDoc {
  PolicyView policy;
  std::vector<PlanRow> quotas;
  PlanRow total;
};

const Column<PlanDoc> kPlanDocList[] = {
    {.key = "policy", .in = In::json, .section = fields_inline<kPolicyColumns, &PlanDoc::policy>},
    {.key = "quotas", .section = array<kPlanColumns, &PlanDoc::quotas>},
    {.key = "totals", .section = totals<kPlanColumns, &PlanDoc::total>},
};
const Columns<PlanDoc> kPlanDoc{"overalloc plan", "document", kPlanDocList, ListKind::document,
                                "fleetcap.overalloc.plan/v1"};

} // namespace

namespace cols {
void link_overalloc_columns() {}
} // namespace cols

std::string render_overalloc_report(const OverallocReport& r, const Snapshot& snap, const OverallocView& v,
                                    const RenderOptions& o) {
  const std::vector<OverallocTree> trees = overalloc_trees(r, snap);
  const ReportDoc d = report_rows(r, snap, trees, v, o);
  if (o.format == Format::json) return json_document(kReportDoc, d, o);
  if (o.format == Format::csv || o.format == Format::name) return report_list(d, v, o);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(r, v.history, true);
  if (v.phase) out += fmt::format("Showing rollout phase {} only; the summary covers every phase.\n", v.phase);
  out = wrap_prose(out, o.style.width);
  out += '\n';
  out += report_tables(d, snap, v, o);
  out += '\n';
  out += wrap_prose(summary_lines(r.summary), o.style.width);
  return out;
}

std::string render_overalloc_sweep(const std::vector<OverallocReport>& reports, const HistorySourceInfo& history,
                                   const RenderOptions& o) {
  if (o.format == Format::json) {
    SweepDoc d{&reports, {}, sweep_rows(reports)};
    if (!reports.empty()) d.history = HistoryView{&reports.front(), &history, history_coverage(reports.front())};
    return json_document(kSweepDoc, d, o);
  }
  // CSV flattens cut_by_phase into cut_phase_2..4; JSON nests it as the report's summary does.
  if (o.format == Format::csv) return csv_of(kSummaryColumns, sweep_rows(reports), o);
  if (o.format == Format::name) return names_of(kSummaryColumns, sweep_rows(reports));
  if (reports.empty() || reports.front().clusters.empty()) return "No clusters match.\n";
  return sweep_table(reports, history, o);
}

std::string render_overalloc_plan(const OverallocReport& r, const Snapshot& snap, int phase,
                                  const HistorySourceInfo& history, const RenderOptions& o) {
  const QuotaPlan plan = quota_plan(r, phase);
  PlanDoc d{PolicyView(r, phase, history), {}, {&snap, &plan.totals}};
  for (const auto& p : plan.quotas) d.quotas.push_back({&snap, &p});
  if (o.format == Format::json) return json_document(kPlanDoc, d, o);
  if (o.format == Format::csv) return csv_of(kPlanColumns, d.quotas, o);
  if (o.format == Format::name) return names_of(kPlanColumns, d.quotas);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(r, history, true);
  if (phase)
    out += fmt::format("Applying corrections up to phase {}; later ones keep their gpus (FINAL shows them).\n", phase);
  out = wrap_prose(out, o.style.width);
  out += '\n';
  out += table_of(kPlanColumns, d.quotas, o, nullptr, history_condition(r));
  return out;
}

std::string render_overalloc_plan_for(PlanLanguage language, const OverallocReport& r, const Snapshot& snap, int phase,
                                      const HistorySourceInfo& history, const RenderOptions& o) {
  const QuotaPlan plan = quota_plan(r, phase);
  std::string heading =
      fmt::format("# fleetcap overalloc plan{} -o {}: {}", phase ? fmt::format(" --phase {}", phase) : "",
                  language == PlanLanguage::sacctmgr ? "sacctmgr" : "kueue", preamble(r, history, true));
  // Every line a comment: the preamble's sentences, each after "# ".
  std::string commented;
  for (std::size_t at = 0; at < heading.size();) {
    const std::size_t eol = heading.find('\n', at);
    const std::string_view line(heading.data() + at, (eol == std::string::npos ? heading.size() : eol) - at);
    commented += (line.starts_with("#") ? "" : "# ") + std::string(line) + "\n";
    at = eol == std::string::npos ? heading.size() : eol + 1;
  }
  commented += fmt::format("# From {} at {}.\n", o.source, format_rfc3339(o.at));
  return language == PlanLanguage::sacctmgr ? sacctmgr_lines(plan, snap, commented)
                                            : kueue_patches(plan, snap, commented);
}

std::string render_overalloc_prometheus(const OverallocReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  at_metric(out, "overalloc report", o);
  Family(out, "fleetcap_overalloc_info", "The cut policy of this overalloc report (value always 1).")
      .sample({{"cut_policy", to_string(r.policy)}}, "1");
  std::vector<OverallocClusterView> clusters;
  std::vector<Labels> cluster_labels_;
  for (const auto& c : r.clusters) {
    clusters.push_back({&snap, &c});
    cluster_labels_.push_back(cluster_labels(snap.clusters[c.cluster]));
  }
  prometheus_families(out, "fleetcap_overalloc_cluster_", kOverallocClusterColumns, clusters, cluster_labels_);
  std::vector<OverallocQuotaView> quotas;
  std::vector<Labels> quota_labels;
  for (const auto& q : r.quotas) {
    const Quota& quota = snap.quotas[q.quota];
    quotas.push_back({&snap, &q});
    quota_labels.push_back(
        {{"quota", quota.name},
         {"tree", quota.tree_index == kNone ? std::string_view(quota.name) : snap.quotas[quota.tree_index].name},
         {"cluster", snap.clusters[q.cluster].name}});
  }
  prometheus_families(out, "fleetcap_overalloc_quota_", kOverallocQuotaColumns, quotas, quota_labels);
  prometheus_families(out, "fleetcap_overalloc_", kSummaryColumns, std::vector<SummaryView>{{&r.summary}},
                      std::vector<Labels>(1));
  return out;
}

} // namespace fleetcap
