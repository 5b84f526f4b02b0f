// `fleetcap jobs`: one column list for jobs and one per --by grouping of the pending demand,
// which make the table, JSON, CSV and -o name (docs/jobs.md).
#include "fleetcap/render/jobs.hpp"

#include "fleetcap/model/hostlist.hpp"
#include "fleetcap/render/maintenance.hpp"
#include "shared_columns.hpp"

namespace fleetcap {
namespace {

using namespace cols;

// Columns shown only when some listed job has the field (a fleet API says none of them).
constexpr unsigned kUsers = kFirstOwnCondition, kJobNames = kFirstOwnCondition << 1, kReasons = kFirstOwnCondition << 2,
                   kSubmitted = kFirstOwnCondition << 3;

struct JobView {
  const Snapshot* snap;
  const JobRow* row;
  Time at;
  const Job& job() const { return snap->jobs[row->job]; }
};

// cols::prefetch: the job (three cache lines), then its name, node list and details.
void prefetch(const JobView& r, int stage) {
  const Job* j = &r.snap->jobs[r.row->job];
  if (stage == 0) {
    for (std::size_t line = 0; line < sizeof(Job); line += 64)
      __builtin_prefetch(reinterpret_cast<const char*>(j) + line);
    return;
  }
  __builtin_prefetch(j->name.data());
  __builtin_prefetch(j->nodes.data());
  if (j->detail) __builtin_prefetch(j->detail);
}

// A time: RFC 3339 in JSON and CSV, short in the table, "3d ago" when the table is narrow.
Value when(const std::optional<Time>& t, Time at) {
  if (!t) return none();
  if (plain_values()) return txt(format_rfc3339(*t));
  return with_brief(txt(format_rfc3339(*t), Tone::plain, short_time(*t)), relative_time(*t, at));
}

Value text_or_none(std::string_view s) { return s.empty() ? none() : txt(s); }

Value fits_value(const JobView& r) {
  if (r.job().running()) return none();
  const Fit f = r.row->fit;
  return txt(to_string(f), f == Fit::none ? Tone::warn : f == Fit::free ? Tone::good : Tone::plain);
}

// A job's nodes: every name in JSON and CSV, a hostlist in the table ("h100-[01-04]"). The
// names stay in the model.
Value nodes_value(const JobView& r) {
  const auto& nodes = r.job().nodes;
  if (plain_values()) return list_ref(nodes);
  return list_ref(nodes, compress_hostlist(std::vector<std::string_view>(nodes.begin(), nodes.end())));
}

const Column<JobView> kJobList[] = {
    job_name_column<JobView>(),
    {.key = "job_name",
     .header = "JOB-NAME",
     .unit = Unit::name,
     .meaning = "The name its owner gave it.",
     .align = Align::left,
     .drop = 8,
     .needs = kJobNames,
     .get = [](const JobView& r) { return text_or_none(r.job().job_name()); }},
    {.key = "user",
     .header = "USER",
     .unit = Unit::name,
     .meaning = "Who submitted it, where the source says.",
     .align = Align::left,
     .drop = 5,
     .needs = kUsers,
     .get = [](const JobView& r) { return text_or_none(r.job().user()); }},
    job_namespace_column<JobView>({.drop = 4}),
    job_quota_column<JobView>(
        {.drop = 3}, [](const JobView& r) { return txt(r.job().quota, r.job().flex ? Tone::dim : Tone::plain); }),
    {.key = "cluster",
     .header = "CLUSTER",
     .unit = Unit::name,
     .meaning = "Its cluster; - for a pending job bound to none yet.",
     .align = Align::left,
     .drop = 3,
     .get = [](const JobView& r) { return r.job().cluster ? txt(*r.job().cluster) : none(); }},
    job_priority_column<JobView>({.drop = 6}),
    job_gpus_column<JobView>({.drop = 1}),
    job_state_column<JobView>({.drop = 1}),
    {.key = "fits_now",
     .header = "FITS-NOW",
     .unit = Unit::text,
     .meaning = "Pending only: free, quota (by preempting flex), flex (only as flex) or waits.",
     .align = Align::left,
     .drop = 2,
     .get = fits_value},
    {.key = "pending_reason",
     .header = "PENDING-REASON",
     .unit = Unit::text,
     .meaning = "Why the scheduler holds it back, in its words.",
     .align = Align::left,
     .drop = 2,
     .needs = kReasons,
     .get = [](const JobView& r) { return r.job().running() ? none() : text_or_none(r.job().pending_reason()); }},
    job_nodes_column<JobView>({.drop = 7}, nodes_value),
    job_started_column<JobView>({.drop = 4}, [](const JobView& r) { return when(r.job().started_at, r.at); }),
    {.key = "submitted_at",
     .header = "SUBMITTED",
     .unit = Unit::time,
     .meaning = "When it was submitted.",
     .align = Align::left,
     .drop = 6,
     .needs = kSubmitted,
     .get = [](const JobView& r) { return when(r.job().submitted_at(), r.at); }},
    {.key = "idle", .get = job_idle<JobView>},
};
const Columns<JobView> kJobColumns{"jobs", "jobs", kJobList};

// ---- jobs --pending --by: the demand per group

struct GroupView {
  const PendingGroup* g;
};
template <Gpus PendingGroup::*F> Value group_figure(const GroupView& r) { return num(r.g->*F); }

Value group_key(const GroupView& r) { return txt(r.g->key); }

// What every grouping shows after its key.
constexpr Column<GroupView> kPendingSums[] = {
    {.key = "pending_jobs",
     .header = "PENDING-JOBS",
     .unit = Unit::jobs,
     .meaning = "Pending jobs in the group.",
     .drop = 3,
     .total = Total::value,
     .get = [](const GroupView& r) { return num(r.g->jobs); }},
    {.key = "pending_gpus",
     .header = "PENDING-GPUS",
     .unit = Unit::gpus,
     .meaning = "The GPUs they ask for.",
     .drop = 1,
     .total = Total::value,
     .get = group_figure<&PendingGroup::pending_gpus>},
    {.key = "fits_free",
     .header = "FITS-FREE",
     .unit = Unit::gpus,
     .meaning = "Of PENDING-GPUS, those of jobs whose FITS-NOW is free.",
     .drop = 1,
     .total = Total::value,
     .part = true,
     .get = group_figure<&PendingGroup::fits_free>},
    {.key = "fits_quota",
     .header = "FITS-QUOTA",
     .unit = Unit::gpus,
     .meaning = "Of PENDING-GPUS, those of jobs whose FITS-NOW is quota.",
     .drop = 2,
     .total = Total::value,
     .part = true,
     .get = group_figure<&PendingGroup::fits_quota>},
    {.key = "fits_flex",
     .header = "FITS-FLEX",
     .unit = Unit::gpus,
     .meaning = "Of PENDING-GPUS, those of jobs whose FITS-NOW is flex.",
     .drop = 2,
     .total = Total::value,
     .part = true,
     .get = group_figure<&PendingGroup::fits_flex>},
    {.key = "waits",
     .header = "WAITS",
     .unit = Unit::gpus,
     .meaning = "Of PENDING-GPUS, those of jobs whose FITS-NOW is waits.",
     .drop = 1,
     .total = Total::value,
     .part = true,
     .get = group_figure<&PendingGroup::waits>},
    {.key = "flex_free",
     .header = "FLEX-FREE",
     .unit = Unit::gpus,
     .meaning = "Unused GPUs now in the clusters of the group's jobs.",
     .drop = 4,
     .total = Total::value,
     .get = group_figure<&PendingGroup::flex_free>},
};

constexpr auto kByClusterList =
    group_list("CLUSTER", "cluster", "The pending jobs' cluster (- for none yet).", group_key, kPendingSums);
constexpr auto kBySkuList = group_list("SKU", "sku", "The SKU of their cluster.", group_key, kPendingSums);
constexpr auto kByQuotaList =
    joined(group_list("QUOTA", "quota", "The leaf quota they target, or flex.", group_key, kPendingSums).columns,
           {{.key = "available",
             .header = "AVAILABLE",
             .unit = Unit::gpus,
             .meaning = "The quota's AVAILABLE now (fleetcap quota); - for flex.",
             .drop = 4,
             .get = [](const GroupView& r) { return r.g->available ? num(*r.g->available) : none(); }}});
const Columns<GroupView> kByClusterColumns{"jobs", "pending by cluster", kByClusterList.columns};
const Columns<GroupView> kBySkuColumns{"jobs", "pending by sku", kBySkuList.columns};
const Columns<GroupView> kByQuotaColumns{"jobs", "pending by quota", kByQuotaList.columns};

const Columns<GroupView>& group_columns(PendingBy by) {
  switch (by) {
  case PendingBy::sku: return kBySkuColumns;
  case PendingBy::quota: return kByQuotaColumns;
  case PendingBy::cluster: break;
  }
  return kByClusterColumns;
}
std::string_view by_name(PendingBy by) {
  switch (by) {
  case PendingBy::sku: return "sku";
  case PendingBy::quota: return "quota";
  case PendingBy::cluster: break;
  }
  return "cluster";
}

// ---- the document

const Column<JobTotals> kTotalsList[] = {
    {.key = "jobs", .get = member_num<&JobTotals::jobs>},
    {.key = "running", .get = member_num<&JobTotals::running>},
    {.key = "pending", .get = member_num<&JobTotals::pending>},
    {.key = "gpus", .get = member_num<&JobTotals::gpus>},
    {.key = "running_gpus", .get = member_num<&JobTotals::running_gpus>},
    {.key = "flex_gpus", .get = member_num<&JobTotals::flex_gpus>},
    {.key = "pending_gpus", .get = member_num<&JobTotals::pending_gpus>},
    {.key = "startable_gpus", .get = member_num<&JobTotals::startable_gpus>},
};
const Columns<JobTotals> kTotalsColumns{"jobs", "totals", kTotalsList, ListKind::section};

struct Doc {
  const JobsView* v;
  std::vector<JobView> jobs;
  std::vector<GroupView> groups;
  GroupView total;
};

// The query as the document repeats it.
Value name_or_none(const std::string& s) { return s.empty() ? none() : txt(s); }
const Column<JobsView> kQueryList[] = {
    {.key = "namespace", .get = [](const JobsView& v) { return v.query->ns ? txt(*v.query->ns) : none(); }},
    {.key = "quota", .get = [](const JobsView& v) { return name_or_none(v.quota); }},
    {.key = "user", .get = [](const JobsView& v) { return v.query->user ? txt(*v.query->user) : none(); }},
    {.key = "node", .get = [](const JobsView& v) { return name_or_none(v.node); }},
    {.key = "flex", .get = [](const JobsView& v) { return flag(v.query->flex); }},
    {.key = "pending", .get = [](const JobsView& v) { return flag(v.query->pending); }},
    {.key = "running", .get = [](const JobsView& v) { return flag(v.query->running); }},
};
const Columns<JobsView> kQueryColumns{"jobs", "query", kQueryList, ListKind::section};

const JobsView* query_of(const Doc& d) { return d.v; }
void jobs_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (!d.v->demand) json_list(w, key, kJobColumns, d.jobs, have);
}
void groups_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (d.v->demand) json_list(w, key, group_columns(d.v->demand->by), d.groups, have);
}
void totals_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (d.v->demand) {
    w.key(key).begin_object();
    json_totals(w, group_columns(d.v->demand->by), d.total, have);
    w.end_object();
  } else {
    w.key(key);
    json_row(w, kTotalsColumns, d.v->report->totals, have);
  }
}

const Column<Doc> kDocumentList[] = {
    {.key = "query", .section = object<kQueryColumns, query_of>},
    {.key = "by", .get = [](const Doc& d) { return d.v->demand ? txt(by_name(d.v->demand->by)) : absent(); }},
    {.key = "jobs", .section = jobs_section},
    {.key = "groups", .section = groups_section},
    {.key = "totals", .section = totals_section},
};
const Columns<Doc> kDocument{"jobs", "document", kDocumentList, ListKind::document, "fleetcap.jobs/v1"};

std::vector<JobView> job_rows(const JobsView& v, const Snapshot& snap, const RenderOptions& o) {
  std::vector<JobView> rows;
  rows.reserve(v.report->rows.size());
  for (const auto& row : v.report->rows) rows.push_back({&snap, &row, o.at});
  sort_rows(kJobColumns, rows, o.sort);
  return rows;
}

std::vector<GroupView> group_rows(const PendingDemand& d, const RenderOptions& o) {
  std::vector<GroupView> rows;
  for (const auto& g : d.groups) rows.push_back({&g});
  sort_rows(group_columns(d.by), rows, o.sort);
  return rows;
}

// Which of the optional fields some listed job has.
unsigned said(const std::vector<JobView>& rows) {
  unsigned have = 0;
  for (const auto& r : rows) {
    const Job& j = r.job();
    have |= (j.user().empty() ? 0 : kUsers) | (j.job_name().empty() ? 0 : kJobNames) |
            (j.pending_reason().empty() || j.running() ? 0 : kReasons) | (j.submitted_at() ? kSubmitted : 0);
  }
  return have;
}

// The line under the table, after a blank line.
std::string summary_line(const JobTotals& t) {
  std::string out = fmt::format("\n{} job{}", t.jobs, t.jobs == 1 ? "" : "s");
  if (t.running)
    out += fmt::format(": {} running on {} GPUs ({} of them flex)", t.running, t.running_gpus, t.flex_gpus);
  if (t.pending)
    out += fmt::format("{} {} pending for {} GPUs, of which {} would start now", t.running ? ";" : ":", t.pending,
                       t.pending_gpus, t.startable_gpus);
  return out + ".\n";
}

std::string jobs_table(const JobsView& v, const Snapshot& snap, const RenderOptions& o) {
  if (v.demand) {
    if (v.demand->groups.empty()) return "No pending jobs match.\n";
    const GroupView total{&v.demand->totals};
    return table_of(group_columns(v.demand->by), group_rows(*v.demand, o), o, &total) +
           wrap_prose("\nFITS-*: whether each job would start now, taken in queue order (priority, then submit "
                      "time): on unused GPUs, within its quota by preempting flex, or only as a flex job.\n",
                      o.style.width);
  }
  if (v.report->rows.empty()) return "No jobs match.\n";
  const auto rows = job_rows(v, snap, o);
  return table_of(kJobColumns, rows, o, nullptr, said(rows)) +
         wrap_prose(summary_line(v.report->totals), o.style.width);
}

} // namespace

namespace cols {
void link_jobs_columns() {}
} // namespace cols

std::string render_jobs(const JobsView& v, const Snapshot& snap, const RenderOptions& o, std::ostream* sink) {
  switch (o.format) {
  case Format::json: {
    Doc d{&v, {}, {}, {v.demand ? &v.demand->totals : nullptr}};
    if (v.demand)
      d.groups = group_rows(*v.demand, o);
    else
      d.jobs = job_rows(v, snap, o);
    return json_document(kDocument, d, o, 0, sink, sink ? 0 : d.jobs.size() * 360 + 4096);
  }
  case Format::csv:
    if (v.demand) return csv_of(group_columns(v.demand->by), group_rows(*v.demand, o), o);
    return csv_of(kJobColumns, job_rows(v, snap, o), o);
  case Format::name:
    return v.demand ? names_of(group_columns(v.demand->by), group_rows(*v.demand, o))
                    : names_of(kJobColumns, job_rows(v, snap, o));
  case Format::table: break;
  }
  return jobs_table(v, snap, o);
}

} // namespace fleetcap
