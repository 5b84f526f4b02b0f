// `fleetcap maintenance list|node|impact|plan`: one column list per record (an event, a node's
// card and its sections, a cluster's impact and its steps, a move and its destination), each
// making its table, JSON, CSV and -o name; report --html draws impact from the same list.
#include "fleetcap/render/maintenance.hpp"

#include "fleetcap/model/hostlist.hpp"
#include "lists.hpp"
#include "shared_columns.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap {

using namespace cols;

std::string short_time(Time t) {
  std::string s = format_rfc3339(t); // 2026-11-21T06:00:00Z
  if (s.size() == 20 && s.compare(16, 4, ":00Z") == 0) s.replace(16, 4, "Z");
  return s;
}

std::string human_duration(Duration d) {
  if (d < 0) d = -d;
  if (d >= 86400)
    return d % 86400 / 3600 ? fmt::format("{}d{}h", d / 86400, d % 86400 / 3600) : fmt::format("{}d", d / 86400);
  if (d >= 3600) return d % 3600 / 60 ? fmt::format("{}h{}m", d / 3600, d % 3600 / 60) : fmt::format("{}h", d / 3600);
  if (d >= 60) return fmt::format("{}m", d / 60);
  return fmt::format("{}s", d);
}

std::string relative_time(Time t, Time at) {
  if (t == at) return "now";
  return t > at ? "in " + human_duration(t - at) : human_duration(at - t) + " ago";
}

namespace {

// "a,b,c" or "a,b,c +5": long lists stay readable in a table cell.
template <class Names> std::string short_list(const Names& names, std::size_t show = 3) {
  std::string out;
  std::size_t k = 0;
  for (const auto& n : names) {
    if (k == show) return out + fmt::format(" +{}", names.size() - show);
    if (k++) out += ',';
    out += n;
  }
  return out.empty() ? "-" : out;
}

std::vector<std::string_view> node_names(const Snapshot& snap, const std::vector<std::uint32_t>& nodes) {
  std::vector<std::string_view> out;
  out.reserve(nodes.size());
  for (auto n : nodes) out.push_back(snap.nodes[n].name);
  return out;
}

// The same names kept as views in a value (list_views): nothing is gathered or copied first.
Value node_name_list(const Snapshot& snap, const std::vector<std::uint32_t>& nodes) {
  return list_views(nodes, [&snap](std::uint32_t n) { return snap.nodes[n].name; });
}
Value job_name_list(const Snapshot& snap, const std::vector<std::uint32_t>& jobs) {
  return list_views(jobs, [&snap](std::uint32_t j) { return snap.jobs[j].name; });
}
Value event_id_list(const Snapshot& snap, const std::vector<std::uint32_t>& events) {
  return list_views(events, [&snap](std::uint32_t e) { return snap.maintenance[e].id; });
}

std::vector<std::string_view> job_names(const Snapshot& snap, const std::vector<std::uint32_t>& jobs) {
  std::vector<std::string_view> out;
  out.reserve(jobs.size());
  for (auto j : jobs) out.push_back(snap.jobs[j].name);
  return out;
}

// The window every maintenance document starts with.
const Column<MaintenanceHorizon> kHorizonList[] = {
    {.key = "window", .get = [](const MaintenanceHorizon& h) { return txt(format_duration(h.window)); }},
    {.key = "until", .get = [](const MaintenanceHorizon& h) { return txt(format_rfc3339(h.end())); }},
    {.key = "lead",
     .only_with = kLead,
     .get = [](const MaintenanceHorizon& h) { return txt(format_duration(h.lead)); }},
};
} // namespace

const Columns<MaintenanceHorizon> cols::kHorizonColumns{"maintenance", "horizon", kHorizonList, ListKind::section};

namespace {

std::string_view yes_no(bool b) { return b ? "yes" : "no"; }

// ---- list

struct ListRow {
  const Snapshot* snap;
  const EventRow* row;
  Time at;
  const MaintenanceEvent& event() const { return snap->maintenance[row->event]; }
};

Value due_value(const ListRow& r) {
  const MaintenanceEvent& e = r.event();
  if (r.row->overdue) return txt("OVERDUE", Tone::bad);
  if (!e.open()) return txt("-", Tone::dim);
  if (r.row->action_by > r.at) return txt("in " + human_duration(r.row->action_by - r.at));
  return txt("passed", Tone::dim);
}

// A time: RFC 3339 in JSON and CSV, short in the table.
Value time_value(Time t, Tone tone = Tone::plain) { return txt(format_rfc3339(t), tone, short_time(t)); }
Value time_value(const std::optional<Time>& t) { return t ? time_value(*t) : none(); }
// A time that becomes relative to the fleet's time `at` when the table is narrow.
Value time_value(Time t, Time at) {
  Value v = time_value(t);
  v.brief = relative_time(t, at);
  return v;
}

// A list of names: every one in JSON and CSV; the first `show` and "+N" in the table.
template <class Names> Value names_value(const Names& names, std::size_t show = 3) {
  return list_of(names, short_list(names, show));
}

// Node names: as names_value, but a Slurm cluster's nodes in the table as the hostlist Slurm
// prints (h100-[01-04]), whole (docs/slurm.md).
template <class Names> Value nodes_value(const Snapshot& snap, const Names& names, std::size_t show = 3) {
  if (plain_values()) return list_views(names); // JSON lists every name: no hostlist, no lookup
  if (names.empty()) return names_value(names, show);
  const auto n = snap.find_node(names.front());
  if (n == kNone || snap.nodes[n].cluster_index == kNone ||
      snap.clusters[snap.nodes[n].cluster_index].slurm_cluster.empty())
    return names_value(names, show);
  const std::vector<std::string_view> views(names.begin(), names.end());
  return list_of(names, compress_hostlist(views));
}

// An event's nodes; a whole-cluster event (no nodes listed) shows "all (N)" in the table.
Value event_nodes_value(const Snapshot& snap, const MaintenanceEvent& e) {
  if (e.nodes.empty()) return list({}, Tone::plain, fmt::format("all ({})", event_nodes(snap, e).size()));
  return nodes_value(snap, e.nodes);
}

// An event's nodes (docs/maintenance.md), for any row with snap and event().
template <class R> Value event_nodes_of(const R& r) { return event_nodes_value(*r.snap, r.event()); }

// When the terminal is narrow the times turn relative first, then the columns go in this order:
// what an event is and when it happens (cluster, start, length, GPUs, state) stay longest;
// its node list, end, hard start and absolute action-by go first (DUE keeps the action-by,
// relative). -o wide and JSON keep every absolute time.
const Column<ListRow> kListList[] = {
    event_id_column<ListRow>(),
    cluster_of_column<ListRow>({.drop = 1}, [](const ListRow& r) { return txt(r.event().cluster); }),
    event_nodes_column<ListRow>({.drop = 7}, event_nodes_of<ListRow>),
    {.key = "whole_cluster", .get = [](const ListRow& r) { return flag(r.event().nodes.empty()); }},
    {.key = "gpus",
     .header = "GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs of its nodes.",
     .drop = 3,
     .get = [](const ListRow& r) { return num(r.row->gpus); }},
    event_start_column<ListRow>({.drop = 1}, [](const ListRow& r) { return time_value(r.event().start, r.at); }),
    {.key = "duration",
     .header = "LENGTH",
     .unit = Unit::duration,
     .meaning = "How long it lasts: end - start.",
     .drop = 2,
     .in = In::table,
     .get =
         [](const ListRow& r) {
           const Duration d = r.event().end - r.event().start;
           return num(d, Tone::plain, human_duration(d));
         }},
    event_end_column<ListRow>({.drop = 8}, [](const ListRow& r) { return time_value(r.event().end, r.at); }),
    event_hard_start_column<ListRow>({.drop = 9}),
    event_action_by_column<ListRow>({.drop = 9}, [](const ListRow& r) { return time_value(r.row->action_by, r.at); }),
    {.key = "jobs",
     .header = "JOBS",
     .unit = Unit::list,
     .meaning = "Running jobs on its nodes.",
     .align = Align::left,
     .drop = 6,
     .item = "job",
     .get = [](const ListRow& r) { return names_value(job_names(*r.snap, r.row->jobs)); }},
    event_state_column<ListRow>({.drop = 4}),
    {.key = "overdue", .get = [](const ListRow& r) { return flag(r.row->overdue); }},
    {.key = "",
     .header = "DUE",
     .unit = Unit::text,
     .meaning = "Time left to action-by (in 18h), passed, OVERDUE (jobs still on its nodes), or -.",
     .align = Align::left,
     .drop = 5,
     .get = due_value},
    event_kind_column<ListRow>({.drop = 10, .wide = true}),
    event_reason_column<ListRow>({.drop = 11, .wide = true}, [](const ListRow& r) { return txt(r.event().reason); }),
    {.key = "priority",
     .header = "PRIORITY",
     .unit = Unit::text,
     .meaning = "Its priority as the source gives it, p0 first.",
     .align = Align::left,
     .drop = 10,
     .wide = true,
     .get = [](const ListRow& r) { return txt(fmt::format("p{}", r.event().priority)); }},
};
const Columns<ListRow> kListColumns{"maintenance list", "events", kListList};

std::vector<ListRow> list_rows(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  std::vector<ListRow> rows;
  rows.reserve(list.rows.size());
  for (const auto& row : list.rows) rows.push_back({&snap, &row, list.horizon.at});
  sort_rows(kListColumns, rows, o.sort);
  return rows;
}

std::string list_table(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  if (list.rows.empty())
    return fmt::format("No maintenance events from {} to {}.\n", short_time(list.horizon.at),
                       short_time(list.horizon.end()));
  return table_of(kListColumns, list_rows(list, snap, o), o);
}

// fleetcap.maintenance.list: the horizon, the events, and how many are overdue.
struct ListDoc {
  const EventList* list;
  std::vector<ListRow> rows;
};
const MaintenanceHorizon* list_horizon_of(const ListDoc& d) { return &d.list->horizon; }

const Column<EventList> kListSummaryList[] = {
    {.key = "events", .get = [](const EventList& l) { return num(l.rows.size()); }},
    {.key = "overdue", .get = [](const EventList& l) { return num(l.overdue); }},
};
const Columns<EventList> kListSummaryColumns{"maintenance list", "summary", kListSummaryList, ListKind::section};

const Column<ListDoc> kListDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, list_horizon_of>},
    {.key = "events", .section = array<kListColumns, &ListDoc::rows>},
    {.key = "summary", .section = object<kListSummaryColumns, &ListDoc::list>},
};
const Columns<ListDoc> kListDoc{"maintenance list", "document", kListDocList, ListKind::document,
                                "fleetcap.maintenance.list/v1"};

// ---- node

std::string schedulable_text(const NodeCard& card, const Snapshot& snap) {
  if (card.schedulable) return "yes";
  const Node& n = snap.nodes[card.node];
  std::vector<std::string> why;
  if (!n.healthy) why.emplace_back(n.health.empty() ? "not healthy" : n.health);
  if (n.cordoned) why.emplace_back("cordoned");
  for (auto e : card.active_events) why.push_back(fmt::format("maintenance {}", snap.maintenance[e].id));
  std::string out = "no (";
  for (std::size_t i = 0; i < why.size(); ++i) out += (i ? ", " : "") + why[i];
  return out + ")";
}

std::string cluster_text(const Snapshot& snap, const Node& n) {
  if (n.cluster_index == kNone) return std::string(n.cluster);
  const Cluster& c = snap.clusters[n.cluster_index];
  return fmt::format("{} ({}, {}, {}, {})", c.name, c.sku, c.region, c.provider, to_string(c.state));
}

// A labelled section: "Label:  none" or "Label:" and the table indented two spaces.
template <class Row> void section(std::string& out, std::string_view label, const Columns<Row>& cols,
                                  const std::vector<Row>& rows, const RenderOptions& o) {
  if (rows.empty()) {
    out += fmt::format("{:<14}none\n", std::string(label) + ":");
    return;
  }
  out += fmt::format("{}:\n", label);
  RenderOptions inner = o;
  if (inner.style.width > 2) inner.style.width -= 2;
  const std::string body = table_of(cols, rows, inner);
  std::size_t at = 0;
  while (at < body.size()) {
    const auto nl = body.find('\n', at);
    out += "  " + body.substr(at, nl - at + 1);
    at = nl + 1;
  }
}

std::string quota_name(const Snapshot& snap, std::uint32_t q) { return q == kNone ? "flex" : snap.quotas[q].name; }

struct IssueRow {
  const NodeIssue* issue;
};
const Column<IssueRow> kIssueList[] = {
    {.key = "type",
     .header = "TYPE",
     .unit = Unit::text,
     .meaning = "What failed, as the source says.",
     .align = Align::left,
     .identifying = true,
     .get = [](const IssueRow& r) { return txt(r.issue->type); }},
    {.key = "priority",
     .header = "PRIORITY",
     .unit = Unit::text,
     .meaning = "p0 (worst) to p3.",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const IssueRow& r) {
           return txt(fmt::format("p{}", r.issue->priority), r.issue->priority <= 1 ? Tone::bad : Tone::plain);
         }},
    {.key = "detected_at",
     .header = "DETECTED",
     .unit = Unit::time,
     .meaning = "When it was detected.",
     .align = Align::left,
     .drop = 1,
     .get = [](const IssueRow& r) { return time_value(r.issue->detected_at); }},
    {.key = "detail",
     .header = "DETAIL",
     .unit = Unit::text,
     .meaning = "What the source says of it.",
     .align = Align::left,
     .drop = 2,
     .get =
         [](const IssueRow& r) { return r.issue->detail.empty() ? txt("", Tone::plain, "-") : txt(r.issue->detail); }},
};
const Columns<IssueRow> kIssueColumns{"maintenance node", "issues", kIssueList};

struct CardEventRow {
  const Snapshot* snap;
  const NodeEventRow* row;
  const MaintenanceEvent& event() const { return snap->maintenance[row->event]; }
};
const Column<CardEventRow> kCardEventList[] = {
    event_id_column<CardEventRow>(),
    {.key = "when",
     .header = "WHEN",
     .unit = Unit::text,
     .meaning = "past, current or coming, against the fleet's now.",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const CardEventRow& r) {
           return txt(to_string(r.row->when), r.row->when == EventTiming::current ? Tone::warn : Tone::plain);
         }},
    event_state_column<CardEventRow>({.drop = 4}),
    event_start_column<CardEventRow>(kIdentifying, [](const CardEventRow& r) { return time_value(r.event().start); }),
    event_end_column<CardEventRow>({.drop = 2}, [](const CardEventRow& r) { return time_value(r.event().end); }),
    event_hard_start_column<CardEventRow>({.drop = 5}),
    event_action_by_column<CardEventRow>(kIdentifying,
                                         [](const CardEventRow& r) { return time_value(r.row->action_by); }),
    {.key = "whole_cluster", .get = [](const CardEventRow& r) { return flag(r.row->whole_cluster); }},
    event_nodes_column<CardEventRow>({.drop = 7, .in = In::table}, event_nodes_of<CardEventRow>),
    event_kind_column<CardEventRow>({.drop = 6}),
    event_reason_column<CardEventRow>({.drop = 8},
                                      [](const CardEventRow& r) {
                                        return r.event().reason.empty() ? txt("", Tone::plain, "-")
                                                                        : txt(r.event().reason);
                                      }),
    {.key = "priority", .get = [](const CardEventRow& r) { return txt(fmt::format("p{}", r.event().priority)); }},
};
const Columns<CardEventRow> kCardEventColumns{"maintenance node", "events", kCardEventList};

struct CardJobRow {
  const Job* j;
  const Snapshot* snap;
  const Job& job() const { return *j; }
};
const Column<CardJobRow> kCardJobList[] = {
    job_name_column<CardJobRow>(),
    job_namespace_column<CardJobRow>({.drop = 3}),
    job_quota_column<CardJobRow>(kIdentifying),
    job_priority_column<CardJobRow>({.drop = 2}),
    held_gpus_column<CardJobRow>({.drop = 1}),
    job_nodes_column<CardJobRow>({.drop = 4}, [](const CardJobRow& r) { return nodes_value(*r.snap, r.job().nodes); }),
    job_idle_column<CardJobRow>({.drop = 5}),
    job_started_column<CardJobRow>({.drop = 6}, [](const CardJobRow& r) { return time_value(r.job().started_at); }),
};
const Columns<CardJobRow> kCardJobColumns{"maintenance node", "jobs", kCardJobList};

struct CardQuotaRow {
  const Snapshot* snap;
  const Quota* quota;
};
const Column<CardQuotaRow> kCardQuotaList[] = {
    quota_name_column<CardQuotaRow>([](const CardQuotaRow& r) { return txt(r.quota->name); }),
    quota_tree_column<CardQuotaRow>({.drop = 1},
                                    [](const CardQuotaRow& r) {
                                      return r.quota->tree_index == kNone
                                                 ? none()
                                                 : txt(r.snap->quotas[r.quota->tree_index].name);
                                    }),
    cluster_of_column<CardQuotaRow>(
        {.drop = 2}, [](const CardQuotaRow& r) { return r.quota->cluster ? txt(*r.quota->cluster) : none(); }),
    quota_assigned_column<CardQuotaRow>({.drop = 1}, [](const CardQuotaRow& r) { return num(r.quota->gpus); }),
    quota_access_column<CardQuotaRow>(
        {.drop = 3},
        [](const CardQuotaRow& r) { return r.quota->access ? names_value(*r.quota->access) : none("any"); },
        "namespace"),
};
const Columns<CardQuotaRow> kCardQuotaColumns{"maintenance node", "quotas", kCardQuotaList};

// The card's node itself.
struct NodeView {
  const Snapshot* snap;
  const NodeCard* card;
  const Node& node() const { return snap->nodes[card->node]; }
  const Cluster* cluster() const {
    return node().cluster_index == kNone ? nullptr : &snap->clusters[node().cluster_index];
  }
};
// Of the node's cluster when the snapshot has it; absent otherwise.
template <class F> Value of_cluster(const NodeView& r, F f) { return r.cluster() ? f(*r.cluster()) : absent(); }

const Column<NodeView> kNodeList[] = {
    {.key = "name", .get = [](const NodeView& r) { return txt(r.node().name); }},
    {.key = "cluster", .get = [](const NodeView& r) { return txt(r.node().cluster); }},
    {.key = "region",
     .get = [](const NodeView& r) { return of_cluster(r, [](const Cluster& c) { return txt(c.region); }); }},
    {.key = "provider",
     .get = [](const NodeView& r) { return of_cluster(r, [](const Cluster& c) { return txt(c.provider); }); }},
    {.key = "sku", .get = [](const NodeView& r) { return of_cluster(r, [](const Cluster& c) { return txt(c.sku); }); }},
    {.key = "cluster_state",
     .get = [](const NodeView& r) { return of_cluster(r, [](const Cluster& c) { return txt(to_string(c.state)); }); }},
    {.key = "island", .get = [](const NodeView& r) { return txt(r.node().island); }},
    {.key = "gpus", .get = [](const NodeView& r) { return num(r.node().gpus); }},
    {.key = "health", .get = [](const NodeView& r) { return txt(r.node().health); }},
    {.key = "health_ok", .get = [](const NodeView& r) { return flag(r.node().healthy); }},
    {.key = "cordoned", .get = [](const NodeView& r) { return flag(r.node().cordoned); }},
    {.key = "schedulable", .get = [](const NodeView& r) { return flag(r.card->schedulable); }},
    {.key = "active_events", .get = [](const NodeView& r) { return event_id_list(*r.snap, r.card->active_events); }},
};
const Columns<NodeView> kNodeColumns{"maintenance node", "node", kNodeList, ListKind::section};

// The card: the node, then a list per section.
struct CardDoc {
  NodeView node;
  std::vector<IssueRow> issues;
  std::vector<CardEventRow> events;
  std::vector<CardJobRow> jobs;
  std::vector<CardQuotaRow> quotas;
};
CardDoc card_doc(const NodeCard& card, const Snapshot& snap) {
  CardDoc r{{&snap, &card}, {}, {}, {}, {}};
  const Node& n = snap.nodes[card.node];
  for (auto i : card.issues) r.issues.push_back({&n.issues[i]});
  for (const auto& row : card.events) r.events.push_back({&snap, &row});
  for (auto j : card.jobs) r.jobs.push_back({&snap.jobs[j], &snap});
  for (auto q : card.quotas) r.quotas.push_back({&snap, &snap.quotas[q]});
  return r;
}

const Column<CardDoc> kCardDocList[] = {
    {.key = "node", .section = object<kNodeColumns, &CardDoc::node>},
    {.key = "issues", .section = array<kIssueColumns, &CardDoc::issues>},
    {.key = "events", .section = array<kCardEventColumns, &CardDoc::events>},
    {.key = "jobs", .section = array<kCardJobColumns, &CardDoc::jobs>},
    {.key = "quotas", .section = array<kCardQuotaColumns, &CardDoc::quotas>},
};
const Columns<CardDoc> kCardDoc{"maintenance node", "document", kCardDocList, ListKind::document,
                                "fleetcap.maintenance.node/v2"};

std::string node_table(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  const Node& n = snap.nodes[card.node];
  const Palette& p = Palette::of(o.style);
  std::string out;
  auto field = [&](std::string_view label, std::string_view value, Tone tone = Tone::plain) {
    const std::string_view colour = tone == Tone::bad ? p.bad : std::string_view{};
    out += fmt::format("{:<14}{}{}{}\n", std::string(label) + ":", colour, escape_control(value),
                       colour.empty() ? "" : p.reset);
  };
  field("Name", n.name);
  field("Cluster", cluster_text(snap, n));
  field("Island", n.island);
  field("GPUs", fmt::format("{}", n.gpus));
  field("Health", n.health, n.healthy ? Tone::plain : Tone::bad);
  field("Cordoned", std::string(yes_no(n.cordoned)));
  field("Schedulable", schedulable_text(card, snap), card.schedulable ? Tone::plain : Tone::bad);
  const CardDoc rows = card_doc(card, snap);
  section(out, "Issues", kIssueColumns, rows.issues, o);
  section(out, "Maintenance", kCardEventColumns, rows.events, o);
  section(out, "Jobs", kCardJobColumns, rows.jobs, o);
  section(out, "Quotas", kCardQuotaColumns, rows.quotas, o);
  return out;
}

// One line per fact (section, item, field, value), a card having no single row shape: each of
// a section's CSV columns for each of its rows, named by the first column (issues, which have
// no name, by their number).
template <class Row> void card_csv(std::string& out, std::string_view section, const Columns<Row>& cols,
                                   const std::vector<Row>& rows, bool numbered = false) {
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::string item = numbered ? fmt::format("{}", k) : std::string(cols.front().get(rows[k]).text);
    for (const auto& c : cols) {
      if (!in_csv(c, 0) || (!numbered && &c == &cols.front())) continue;
      const Value v = c.get(rows[k]);
      if (v.kind == Value::Kind::absent) continue;
      out += fmt::format("{},{},{},", section, csv_field(item), c.key);
      csv_value(out, v);
      out += '\n';
    }
  }
}

std::string node_csv(const NodeCard& card, const Snapshot& snap) {
  const CardDoc d = card_doc(card, snap);
  std::string out = "section,item,field,value\n";
  card_csv(out, "node", kNodeColumns, std::vector<NodeView>{d.node});
  card_csv(out, "issue", kIssueColumns, d.issues, true);
  card_csv(out, "event", kCardEventColumns, d.events);
  card_csv(out, "job", kCardJobColumns, d.jobs);
  card_csv(out, "quota", kCardQuotaColumns, d.quotas);
  return out;
}

// ---- impact

const Column<ImpactStep> kStepList[] = {
    {.key = "at", .get = [](const ImpactStep& s) { return txt(format_rfc3339(s.at)); }},
    {.key = "healthy", .get = [](const ImpactStep& s) { return num(s.healthy); }},
    {.key = "unbacked", .get = [](const ImpactStep& s) { return num(s.unbacked); }},
    {.key = "largest_free_block", .get = [](const ImpactStep& s) { return num(s.largest_free_block); }},
};
const Columns<ImpactStep> kStepColumns{"maintenance impact", "clusters.steps", kStepList, ListKind::section};
const std::vector<ImpactStep>& steps_of(const ImpactView& r) { return r.row->steps; }

const Column<ImpactView> kImpactList[] = {
    cluster_column<ImpactView>(), // no TOTAL row in impact (docs/maintenance.md): its Total::label shows nowhere
    region_column<ImpactView>(8, true),
    provider_column<ImpactView>(9, true),
    sku_column<ImpactView>(6),
    state_column<ImpactView>(10, true),
    figure_column<ImpactView>(kTotalFigure, {.drop = 9, .wide = true},
                              [](const ImpactView& r) { return num(r.row->total); }),
    figure_column<ImpactView>(kAssignedFigure, {.drop = 4}, [](const ImpactView& r) { return num(r.row->assigned); }),
    {.key = "events",
     .header = "EVENTS",
     .unit = Unit::count,
     .meaning = "Maintenance events on the cluster in the window.",
     .drop = 5,
     .get = [](const ImpactView& r) { return num(r.row->events); }},
    {.key = "healthy",
     .header = "HEALTHY",
     .unit = Unit::gpus,
     .meaning = "GPUs on schedulable nodes now (H).",
     .drop = 7,
     .get = [](const ImpactView& r) { return num(r.row->steps.front().healthy); }},
    figure_column<ImpactView>(kBlockFigure, {.drop = 9, .wide = true},
                              [](const ImpactView& r) { return num(r.row->steps.front().largest_free_block); }),
    {.key = "min_healthy",
     .header = "MIN-HEALTHY",
     .unit = Unit::gpus,
     .meaning = "Fewest schedulable GPUs in the window.",
     .drop = 1,
     .get =
         [](const ImpactView& r) {
           return num(r.row->min_healthy, r.row->min_healthy < r.row->steps.front().healthy ? Tone::warn : Tone::plain);
         }},
    {.key = "min_healthy_at",
     .header = "MIN-AT",
     .unit = Unit::time,
     .meaning = "When MIN-HEALTHY starts.",
     .align = Align::left,
     .drop = 2,
     .get = [](const ImpactView& r) { return time_value(r.row->min_healthy_at); }},
    {.key = "max_healthy",
     .header = "MAX-HEALTHY",
     .unit = Unit::gpus,
     .meaning = "Most schedulable GPUs in the window.",
     .drop = 9,
     .wide = true,
     .get = [](const ImpactView& r) { return num(r.row->max_healthy); }},
    {.key = "worst_unbacked",
     .header = "WORST-UNBACKED",
     .unit = Unit::gpus,
     .meaning = "Unbacked quota at the low point: max(0, A - MIN-HEALTHY).",
     .drop = 1,
     .get =
         [](const ImpactView& r) {
           return num(r.row->worst_unbacked, r.row->worst_unbacked > 0 ? Tone::bad : Tone::plain);
         }},
    {.key = "min_largest_free_block",
     .header = "MIN-BLOCK",
     .unit = Unit::gpus,
     .meaning = "Smallest BLOCK in the window.",
     .drop = 2,
     .get = [](const ImpactView& r) { return num(r.row->min_largest_free_block); }},
    {.key = "min_largest_free_block_at",
     .header = "MIN-BLOCK-AT",
     .unit = Unit::time,
     .meaning = "When MIN-BLOCK starts.",
     .align = Align::left,
     .drop = 3,
     .get = [](const ImpactView& r) { return time_value(r.row->min_largest_free_block_at); }},
    {.key = "steps", .in = In::json, .section = array<kStepColumns, steps_of>},
};
} // namespace

const Columns<ImpactView> cols::kImpactColumns{"maintenance impact", "clusters", kImpactList};

namespace {

std::vector<ImpactView> impact_rows(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<ImpactView> rows;
  for (const auto& c : r.clusters) rows.push_back({&snap, &c});
  sort_rows(kImpactColumns, rows, o.sort);
  return rows;
}

std::string impact_table(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  if (r.clusters.empty()) return "No clusters match.\n";
  return table_of(kImpactColumns, impact_rows(r, snap, o), o) + "\n" + render_impact_timeline(r, snap, o.style.width);
}

// fleetcap.maintenance.impact: the horizon (no lead: impact does not act) and the clusters.
struct ImpactDoc {
  const ImpactReport* r;
  std::vector<ImpactView> clusters;
};
const MaintenanceHorizon* impact_horizon_of(const ImpactDoc& d) { return &d.r->horizon; }

const Column<ImpactDoc> kImpactDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, impact_horizon_of>},
    {.key = "clusters", .section = array<kImpactColumns, &ImpactDoc::clusters>},
};
const Columns<ImpactDoc> kImpactDoc{"maintenance impact", "document", kImpactDocList, ListKind::document,
                                    "fleetcap.maintenance.impact/v1"};

// ---- plan

std::string why_text(const PlanJob& pj, const Snapshot& snap) {
  std::vector<std::string_view> why;
  if (pj.unhealthy) why.push_back("unhealthy");
  for (auto e : pj.events) why.push_back(snap.maintenance[e].id);
  return short_list(why, 2);
}

// Where a job could look, in words: its cluster, and its region and provider or the fleet.
std::string plan_where(const MovePlan& plan, const Cluster& c) {
  return plan.same_region ? fmt::format("in {} or other {} clusters of {} {}", c.name, c.sku, c.provider, c.region)
                          : fmt::format("in {} or any {} cluster", c.name, c.sku);
}

// Why a job was not placed, in terms an operator can act on: the largest block left and where,
// and what would make room in its own cluster.
std::string unplaced_reason(const PlanJob& pj, const MovePlan& plan, const Snapshot& snap) {
  const Job& job = snap.jobs[pj.job];
  const Cluster& c = snap.clusters[job.cluster_index];
  const bool single = job.node_indices.size() == 1;
  const std::string when = short_time(pj.move_at);
  if (pj.outcome == MoveOutcome::preempted && pj.preempted_by != kNone)
    return fmt::format("preempted at {} to make room for {}", when, snap.jobs[plan.jobs[pj.preempted_by].job].name);
  std::string out =
      single ? fmt::format("no {} node with {} free GPUs {} at {}", c.sku, job.gpus, plan_where(plan, c), when)
             : fmt::format("no island with {} free {} GPUs {} at {}", job.gpus, c.sku, plan_where(plan, c), when);
  if (!job.flex) out += " (flex jobs in " + c.name + " preempted too)";
  if (pj.best_island == kNone) {
    out += fmt::format("; no {} GPU is free there", c.sku);
  } else {
    const Island& isl = snap.index.islands[pj.best_island];
    if (single)
      out += fmt::format("; the most free on one node is {} on {} ({}, {})", pj.best_block,
                         snap.nodes[pj.best_node].name, isl.name, snap.clusters[isl.cluster_index].name);
    else
      out += fmt::format("; the largest free block is {} in {} ({})", pj.best_block, isl.name,
                         snap.clusters[isl.cluster_index].name);
  }
  if (pj.hint_island != kNone) {
    const std::string& island = snap.index.islands[pj.hint_island].name;
    if (pj.hint_event != kNone) {
      const MaintenanceEvent& e = snap.maintenance[pj.hint_event];
      out +=
          fmt::format("; it would fit in {} ({} GPUs) if event {} ({} to {}) ended by {} or started after {}", island,
                      pj.hint_gpus, e.id, short_time(e.start), short_time(e.end), when, short_time(plan.horizon.end()));
    } else if (pj.hint_job != kNone) {
      const Job& other = snap.jobs[pj.hint_job];
      out += fmt::format("; it would fit in {} ({} GPUs) if flex job {} ({}, {}) moved", island, pj.hint_gpus,
                         other.name, other.ns, to_string(other.priority));
    }
  }
  if (job.flex && pj.outcome == MoveOutcome::preempted) out.insert(0, "a flex job takes free GPUs only: ");
  return out;
}

// A row of the plan: a job to move (pj), or a flex job preempted to make room for `by`, shown
// right under it (pj is its own PlanJob when it was itself to move, else null). In JSON a row
// is a move or an unplaced job (`part`), each with fields of its own.
enum class PlanPart { row, move, unplaced };
struct PlanRow {
  const Snapshot* snap;
  const MovePlan* plan;
  const PlanJob* pj;
  std::uint32_t job_index;
  const PlanJob* by = nullptr;
  PlanPart part = PlanPart::row;
  const Job& job() const { return snap->jobs[job_index]; }
  bool victim() const { return by != nullptr; }
  bool placed() const { return !victim() && pj->placed; }
  const PlanJob& acting() const { return victim() ? *by : *pj; } // whose move-by the row goes by
  bool in(PlanPart p) const { return part == p; }
};

// A placed move's destination, in JSON (the table and CSV spell it as to_* columns).
void node_gpus_section(JsonWriter& w, std::string_view key, const PlanRow& r, unsigned) {
  w.key(key).begin_array();
  for (auto g : r.pj->node_gpus) w.value(g);
  w.end_array();
}
const Column<PlanRow> kDestinationList[] = {
    {.key = "cluster", .get = [](const PlanRow& r) { return txt(r.snap->clusters[r.pj->cluster].name); }},
    {.key = "island", .get = [](const PlanRow& r) { return txt(r.snap->index.islands[r.pj->island].name); }},
    {.key = "nodes", .get = [](const PlanRow& r) { return node_name_list(*r.snap, r.pj->nodes); }},
    {.key = "node_gpus", .section = node_gpus_section},
    {.key = "gpus", .get = [](const PlanRow& r) { return num(r.pj->gpus_moved()); }},
    {.key = "scope", .get = [](const PlanRow& r) { return txt(to_string(r.pj->scope)); }},
    {.key = "quota", .get = [](const PlanRow& r) { return txt(quota_name(*r.snap, r.pj->quota_after)); }},
};
const Columns<PlanRow> kDestinationColumns{"maintenance plan", "moves.destination", kDestinationList,
                                           ListKind::section};

// An unplaced job's hint: what would make room in its own cluster.
const Column<PlanRow> kFitsIfList[] = {
    {.key = "island", .get = [](const PlanRow& r) { return txt(r.snap->index.islands[r.pj->hint_island].name); }},
    {.key = "gpus", .get = [](const PlanRow& r) { return num(r.pj->hint_gpus); }},
    {.key = "event",
     .get =
         [](const PlanRow& r) {
           return r.pj->hint_event == kNone ? none() : txt(r.snap->maintenance[r.pj->hint_event].id);
         }},
    {.key = "flex_job",
     .get = [](const PlanRow& r) { return r.pj->hint_job == kNone ? none() : txt(r.snap->jobs[r.pj->hint_job].name); }},
};
const Columns<PlanRow> kFitsIfColumns{"maintenance plan", "unplaced.fits_if", kFitsIfList, ListKind::section};

const PlanRow* if_move(const PlanRow& r) { return r.in(PlanPart::move) ? &r : nullptr; }
void fits_if_section(JsonWriter& w, std::string_view key, const PlanRow& r, unsigned have) {
  if (!r.in(PlanPart::unplaced)) return;
  w.key(key);
  if (r.pj->hint_island == kNone)
    w.value(nullptr);
  else
    json_row(w, kFitsIfColumns, r, have);
}
// Of an unplaced job in JSON only: absent elsewhere.
template <class F> Value if_unplaced(const PlanRow& r, F f) { return r.in(PlanPart::unplaced) ? f() : absent(); }

const Column<PlanRow> kPlanList[] = {
    job_name_column<PlanRow>(),
    job_namespace_column<PlanRow>({.drop = 8}),
    job_quota_column<PlanRow>({.drop = 9, .wide = true}),
    {.key = "cluster",
     .header = "FROM",
     .unit = Unit::name,
     .meaning = "The cluster it runs in now.",
     .align = Align::left,
     .drop = 1,
     .get = [](const PlanRow& r) { return txt(r.snap->clusters[r.job().cluster_index].name); }},
    job_priority_column<PlanRow>({.drop = 4}),
    held_gpus_column<PlanRow>({.drop = 1}),
    job_nodes_column<PlanRow>({.drop = 6}, [](const PlanRow& r) { return nodes_value(*r.snap, r.job().nodes, 2); }),
    {.key = "unhealthy", .get = [](const PlanRow& r) { return flag(r.pj && r.pj->unhealthy); }},
    {.key = "events",
     .get =
         [](const PlanRow& r) {
           return r.pj ? event_id_list(*r.snap, r.pj->events) : list_views(std::span<const std::string_view>());
         }},
    {.key = "",
     .header = "WHY",
     .unit = Unit::text,
     .meaning = "Why it must move: the event, an unhealthy node, or the move that preempts it.",
     .align = Align::left,
     .drop = 3,
     .get =
         [](const PlanRow& r) {
           return r.victim() ? txt("for " + std::string(r.snap->jobs[r.by->job].name)) : txt(why_text(*r.pj, *r.snap));
         }},
    {.key = "move_by",
     .header = "MOVE-BY",
     .unit = Unit::time,
     .meaning = "When it must be off its nodes: the earliest action-by, now for an unhealthy node; ! overdue.",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const PlanRow& r) {
           const Time t = r.acting().move_by;
           if (plain_values()) return txt(format_rfc3339(t)); // JSON: no table form
           if (r.acting().overdue)
             return txt(format_rfc3339(t), Tone::bad, short_time(t) + "!"); // the closing line says so
           return txt(format_rfc3339(t), Tone::plain, t == r.plan->horizon.at ? "now" : short_time(t));
         }},
    {.key = "move_at", .get = [](const PlanRow& r) { return txt(format_rfc3339(r.acting().move_at)); }},
    {.key = "overdue", .get = [](const PlanRow& r) { return flag(r.acting().overdue); }},
    {.key = "outcome",
     .header = "ACTION",
     .unit = Unit::text,
     .meaning = "move (placed), UNPLACED, or PREEMPTED (a flex job stopped).",
     .align = Align::left,
     .drop = 2,
     .get =
         [](const PlanRow& r) {
           if (r.victim()) return txt("preempted", Tone::warn, "PREEMPTED");
           switch (r.pj->outcome) {
           case MoveOutcome::placed: return txt("placed", Tone::plain, "move");
           case MoveOutcome::unplaced: return txt("unplaced", Tone::bad, "UNPLACED");
           case MoveOutcome::preempted: break;
           }
           return txt("preempted", Tone::warn, "PREEMPTED");
         }},
    {.key = "to_cluster",
     .header = "TO",
     .unit = Unit::name,
     .meaning = "The cluster it moves to, or UNPLACED or PREEMPTED.",
     .align = Align::left,
     .identifying = true,
     .in = In::csv,
     .get =
         [](const PlanRow& r) {
           // Not placed: what became of it, here too, since ACTION may go on a narrow terminal.
           if (r.placed()) return txt(r.snap->clusters[r.pj->cluster].name);
           return none(r.victim() || r.pj->outcome == MoveOutcome::preempted ? "PREEMPTED" : "UNPLACED");
         }},
    {.key = "to_island",
     .header = "TO-ISLAND",
     .unit = Unit::name,
     .meaning = "The island it moves to.",
     .align = Align::left,
     .drop = 7,
     .wide = true,
     .in = In::csv,
     .get = [](const PlanRow& r) { return r.placed() ? txt(r.snap->index.islands[r.pj->island].name) : none(); }},
    {.key = "to_nodes",
     .header = "TO-NODES",
     .unit = Unit::list,
     .meaning = "The nodes it moves to.",
     .align = Align::left,
     .identifying = true,
     .item = "node",
     .in = In::csv,
     .get =
         [](const PlanRow& r) {
           return r.placed() ? nodes_value(*r.snap, node_names(*r.snap, r.pj->nodes), 2) : none();
         }},
    {.key = "scope",
     .header = "SCOPE",
     .unit = Unit::text,
     .meaning = "cluster (its own), region (same SKU, region, provider) or fleet (same SKU).",
     .align = Align::left,
     .drop = 7,
     .wide = true,
     .in = In::csv,
     .get = [](const PlanRow& r) { return r.placed() ? txt(to_string(r.pj->scope)) : none(); }},
    {.key = "quota_after",
     .header = "QUOTA-AFTER",
     .unit = Unit::name,
     .meaning = "The quota it runs in after the move, or flex.",
     .align = Align::left,
     .drop = 5,
     .in = In::csv,
     .get = [](const PlanRow& r) { return r.placed() ? txt(quota_name(*r.snap, r.pj->quota_after)) : none(); }},
    {.key = "preempted_by",
     .get =
         [](const PlanRow& r) {
           if (r.in(PlanPart::move)) return absent();
           if (r.victim()) return txt(r.snap->jobs[r.by->job].name);
           return r.pj->preempted_by != kNone ? txt(r.snap->jobs[r.plan->jobs[r.pj->preempted_by].job].name) : none();
         }},
    {.key = "reason",
     .get =
         [](const PlanRow& r) {
           if (r.in(PlanPart::move)) return absent();
           return r.victim() || r.pj->placed ? none() : txt(unplaced_reason(*r.pj, *r.plan, *r.snap));
         }},
    {.key = "largest_free_block",
     .in = In::json,
     .get = [](const PlanRow& r) { return if_unplaced(r, [&] { return num(r.pj->best_block); }); }},
    {.key = "largest_free_block_island",
     .in = In::json,
     .get =
         [](const PlanRow& r) {
           return if_unplaced(r, [&] {
             return r.pj->best_island == kNone ? none() : txt(r.snap->index.islands[r.pj->best_island].name);
           });
         }},
    {.key = "largest_free_block_node",
     .in = In::json,
     .get =
         [](const PlanRow& r) {
           return if_unplaced(
               r, [&] { return r.pj->best_node == kNone ? none() : txt(r.snap->nodes[r.pj->best_node].name); });
         }},
    {.key = "fits_if", .in = In::json, .section = fits_if_section},
    {.key = "destination", .in = In::json, .section = object_if<kDestinationColumns, if_move>},
    {.key = "preempts",
     .in = In::json,
     .get =
         [](const PlanRow& r) {
           if (!r.in(PlanPart::move)) return absent();
           return job_name_list(*r.snap, r.pj->preempts);
         }},
};
const Columns<PlanRow> kPlanColumns{"maintenance plan", "moves", kPlanList};

// In move order, each preempted flex job right under the move that preempted it.
std::vector<PlanRow> plan_rows(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o) {
  std::vector<PlanRow> rows;
  rows.reserve(plan.jobs.size() + plan.preempted.size());
  std::vector<const PlanJob*> mover_of;
  if (!plan.preempted.empty()) {
    mover_of.assign(snap.jobs.size(), nullptr);
    for (const auto& pj : plan.jobs) mover_of[pj.job] = &pj;
  }
  for (const auto& pj : plan.jobs) {
    if (pj.preempted_by != kNone) continue; // shown under the move that preempted it
    rows.push_back({&snap, &plan, &pj, pj.job});
    for (auto v : pj.preempts) rows.push_back({&snap, &plan, mover_of[v], v, &pj});
  }
  sort_rows(kPlanColumns, rows, o.sort);
  return rows;
}

// The summary per move-by day, and its TOTAL.
struct PlanDayRow {
  std::string day; // empty for the totals
  const PlanCounts* c;
};
const Column<PlanDayRow> kPlanDayList[] = {
    {.key = "day",
     .header = "MOVE-BY-DAY",
     .unit = Unit::text,
     .meaning = "The UTC day of MOVE-BY.",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const PlanDayRow& r) { return r.day.empty() ? absent() : txt(r.day); }},
    {.key = "jobs",
     .header = "TO-MOVE",
     .unit = Unit::jobs,
     .meaning = "Jobs to move that day.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->jobs); }},
    {.key = "gpus",
     .header = "TO-MOVE-GPUS",
     .unit = Unit::gpus,
     .meaning = "Their GPUs.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus); }},
    {.key = "placed",
     .header = "PLACED",
     .unit = Unit::jobs,
     .meaning = "Jobs placed.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->placed); }},
    {.key = "gpus_placed",
     .header = "PLACED-GPUS",
     .unit = Unit::gpus,
     .meaning = "Their GPUs.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_placed); }},
    {.key = "preempted",
     .header = "FLEX-PREEMPTED",
     .unit = Unit::jobs,
     .meaning = "Flex jobs stopped to make room.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->preempted, r.c->preempted ? Tone::warn : Tone::plain); }},
    {.key = "gpus_preempted",
     .header = "FLEX-PREEMPTED-GPUS",
     .unit = Unit::gpus,
     .meaning = "Their GPUs.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_preempted); }},
    {.key = "unplaced",
     .header = "UNPLACED",
     .unit = Unit::jobs,
     .meaning = "Jobs with nowhere to go.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->unplaced, r.c->unplaced ? Tone::bad : Tone::plain); }},
    {.key = "gpus_unplaced",
     .header = "UNPLACED-GPUS",
     .unit = Unit::gpus,
     .meaning = "Their GPUs.",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_unplaced); }},
    {.key = "out_of_cluster",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->out_of_cluster); }},
};
const Columns<PlanDayRow> kPlanDayColumns{"maintenance plan", "days", kPlanDayList};

std::vector<PlanDayRow> plan_day_rows(const PlanSummary& s) {
  std::vector<PlanDayRow> rows;
  for (const auto& d : s.days) rows.push_back({format_rfc3339(d.day).substr(0, 10), &d.counts});
  return rows;
}

std::string plan_prose(const MovePlan& plan, const Snapshot& snap) {
  const PlanSummary& s = plan.summary;
  std::string prose = fmt::format(
      "\n{} job{} ({} GPUs) must move: {} placed ({} to another cluster), {} flex job{} "
      "preempted, {} cannot be placed{}.\n",
      s.jobs, s.jobs == 1 ? "" : "s", s.gpus, s.placed, s.out_of_cluster, s.preempted, s.preempted == 1 ? "" : "s",
      s.unplaced,
      plan.overdue ? fmt::format("; {} OVERDUE (move-by already passed, marked !)", plan.overdue) : std::string());
  for (const auto& pj : plan.jobs)
    if (!pj.placed && pj.preempted_by == kNone)
      prose += fmt::format("  - {}: {}\n", escape_control(snap.jobs[pj.job].name), unplaced_reason(pj, plan, snap));
  return prose;
}

std::string plan_table(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o) {
  const MaintenanceHorizon& h = plan.horizon;
  if (plan.jobs.empty())
    return wrap_prose(fmt::format("No jobs must move: no running job lists an unhealthy node or a node of an event to "
                                  "act on before {} (window {}, lead {}).\n",
                                  short_time(h.end()), format_duration(h.window), format_duration(h.lead)),
                      o.style.width);
  std::string out = table_of(kPlanColumns, plan_rows(plan, snap, o), o);
  RenderOptions days_o = o;
  days_o.columns.clear(); // --columns and --sort name the plan's own columns
  const PlanDayRow total{"TOTAL", &plan.summary};
  out += '\n';
  out += table_of(kPlanDayColumns, plan_day_rows(plan.summary), days_o, &total);
  return out + wrap_prose(plan_prose(plan, snap), o.style.width);
}

// Every flex job preempted: to make room for a move (`by`), or a flex job that had to move and
// found no free GPUs (`by` null, with its move-by and the reason).
struct PreemptedRow {
  const Snapshot* snap;
  const MovePlan* plan;
  std::uint32_t job;
  const PlanJob* by;   // the move that preempted it; null: it found no free GPUs itself
  const PlanJob* self; // its own move, when it found no free GPUs
  bool must_move;
  const Job& j() const { return snap->jobs[job]; }
};
const Column<PreemptedRow> kPreemptedList[] = {
    {.key = "name", .get = [](const PreemptedRow& r) { return txt(r.j().name); }},
    {.key = "namespace", .get = [](const PreemptedRow& r) { return txt(r.j().ns); }},
    {.key = "cluster", .get = [](const PreemptedRow& r) { return txt(r.snap->clusters[r.j().cluster_index].name); }},
    {.key = "priority", .get = [](const PreemptedRow& r) { return txt(to_string(r.j().priority)); }},
    {.key = "gpus", .get = [](const PreemptedRow& r) { return num(r.j().gpus); }},
    {.key = "nodes", .get = [](const PreemptedRow& r) { return list_ref(r.j().nodes); }},
    {.key = "by", .get = [](const PreemptedRow& r) { return r.by ? txt(r.snap->jobs[r.by->job].name) : none(); }},
    {.key = "at", .get = [](const PreemptedRow& r) { return txt(format_rfc3339((r.by ? r.by : r.self)->move_at)); }},
    {.key = "must_move", .get = [](const PreemptedRow& r) { return flag(r.must_move); }},
    {.key = "move_by",
     .get = [](const PreemptedRow& r) { return r.by ? absent() : txt(format_rfc3339(r.self->move_by)); }},
    {.key = "reason",
     .get = [](const PreemptedRow& r) { return r.by ? absent() : txt(unplaced_reason(*r.self, *r.plan, *r.snap)); }},
};
const Columns<PreemptedRow> kPreemptedColumns{"maintenance plan", "preempted", kPreemptedList, ListKind::section};

// fleetcap.maintenance.plan: the horizon, the moves, the jobs not placed, every flex job
// preempted, and the summary with its days.
struct PlanDoc {
  const MovePlan* plan;
  std::vector<PlanRow> moves, unplaced;
  std::vector<PreemptedRow> preempted;
  PlanDayRow total;
  std::vector<PlanDayRow> days;
};
PlanDoc plan_doc(const MovePlan& plan, const Snapshot& snap) {
  PlanDoc d{&plan, {}, {}, {}, {"", &plan.summary}, plan_day_rows(plan.summary)};
  for (const auto& pj : plan.jobs) {
    if (pj.outcome == MoveOutcome::placed) d.moves.push_back({&snap, &plan, &pj, pj.job, nullptr, PlanPart::move});
    if (pj.outcome == MoveOutcome::unplaced)
      d.unplaced.push_back({&snap, &plan, &pj, pj.job, nullptr, PlanPart::unplaced});
  }
  for (const auto& p : plan.preempted)
    d.preempted.push_back({&snap, &plan, p.job, &plan.jobs[p.by], nullptr, p.must_move});
  for (const auto& pj : plan.jobs)
    if (pj.outcome == MoveOutcome::preempted && pj.preempted_by == kNone)
      d.preempted.push_back({&snap, &plan, pj.job, nullptr, &pj, true});
  return d;
}
const MaintenanceHorizon* plan_horizon_of(const PlanDoc& d) { return &d.plan->horizon; }

const Column<PlanDoc> kPlanSummaryList[] = {
    {.key = "counts", .in = In::json, .section = fields_inline<kPlanDayColumns, &PlanDoc::total>},
    {.key = "days", .section = array<kPlanDayColumns, &PlanDoc::days>},
};
const Columns<PlanDoc> kPlanSummaryColumns{"maintenance plan", "summary", kPlanSummaryList, ListKind::section};

const Column<PlanDoc> kPlanDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, plan_horizon_of>},
    {.key = "same_region", .get = [](const PlanDoc& d) { return flag(d.plan->same_region); }},
    {.key = "moves", .section = array<kPlanColumns, &PlanDoc::moves>},
    {.key = "unplaced", .section = array<kPlanColumns, &PlanDoc::unplaced>},
    {.key = "preempted", .section = array<kPreemptedColumns, &PlanDoc::preempted>},
    {.key = "summary", .section = object<kPlanSummaryColumns, self<PlanDoc>>},
};
const Columns<PlanDoc> kPlanDoc{"maintenance plan", "document", kPlanDocList, ListKind::document,
                                "fleetcap.maintenance.plan/v1"};

} // namespace

namespace cols {
void link_maintenance_columns() {}
} // namespace cols

// ---- timeline

std::string render_impact_timeline(const ImpactReport& r, const Snapshot& snap, int width) {
  static constexpr std::string_view kLevels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇"};
  static constexpr std::string_view kPeak = "█";
  static constexpr std::size_t kMaxSlots = 240;
  const MaintenanceHorizon& h = r.horizon;
  if (r.clusters.empty() || h.window <= 0) return {};
  std::size_t name_width = 0;
  for (const auto& c : r.clusters) name_width = std::max(name_width, display_width(snap.clusters[c.cluster].name));
  const std::size_t indent = name_width + 2;
  Duration slot = 6 * 3600;
  auto slots = [&] { return static_cast<std::size_t>((h.window + slot - 1) / slot); };
  // Off a terminal there is no width to fit; still keep a long --window to a readable line.
  const std::size_t room = width > 0 ? static_cast<std::size_t>(width) : indent + kMaxSlots;
  while (indent + slots() > room && slot < h.window) slot *= 2;

  std::string out = fmt::format("Schedulable GPUs from {} to {}, one character per {}\n"
                                "(█ = the cluster's peak in the window, lower = fewer; day of month, UTC):\n",
                                short_time(h.at), short_time(h.end()), human_duration(slot));
  // Day-of-month labels (UTC) over the slots that hold a midnight.
  std::string axis(indent, ' ');
  std::size_t free_from = 0;
  for (std::size_t k = 0; k < slots(); ++k) {
    const Time s = h.at + static_cast<Time>(k) * slot;
    const Time e = std::min(h.end(), s + slot);
    const Time midnight = (s + 86399) / 86400 * 86400; // first midnight at or after s
    if (s < 0 || midnight >= e || k < free_from) continue;
    const std::string day = format_rfc3339(midnight).substr(8, 2);
    axis.resize(indent + k, ' ');
    axis += day;
    free_from = k + day.size() + 1;
  }
  out += axis + "\n";
  for (const auto& c : r.clusters) {
    const std::string& name = snap.clusters[c.cluster].name;
    std::string line = name + std::string(indent - display_width(name), ' ');
    for (Gpus v : slot_minimum(c.steps, h.at, h.end(), slot)) {
      if (v >= c.max_healthy && c.max_healthy > 0)
        line += kPeak;
      else
        line += kLevels[c.max_healthy > 0 ? static_cast<std::size_t>(v * 7 / c.max_healthy) : 0];
    }
    out += line + "\n";
  }
  return out;
}

std::string render_event_list(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json:
    // An event is 600-700 bytes at a million GPUs.
    return json_document(kListDoc, ListDoc{&list, list_rows(list, snap, o)}, o, kLead, nullptr, list.rows.size() * 768);
  case Format::csv: return csv_of(kListColumns, list_rows(list, snap, o), o);
  case Format::name: return names_of(kListColumns, list_rows(list, snap, o));
  case Format::table: break;
  }
  return list_table(list, snap, o);
}

std::string render_node_card(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return json_document(kCardDoc, card_doc(card, snap), o);
  case Format::csv: return node_csv(card, snap);
  case Format::name: return escape_control(snap.nodes[card.node].name) + "\n";
  case Format::table: break;
  }
  return node_table(card, snap, o);
}

std::string render_impact(const ImpactReport& report, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return json_document(kImpactDoc, ImpactDoc{&report, impact_rows(report, snap, o)}, o);
  case Format::csv: return csv_of(kImpactColumns, impact_rows(report, snap, o), o);
  case Format::name: return names_of(kImpactColumns, impact_rows(report, snap, o));
  case Format::table: break;
  }
  return impact_table(report, snap, o);
}

void render_move_plan(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out) {
  switch (o.format) {
  case Format::json: json_document(kPlanDoc, plan_doc(plan, snap), o, kLead, &out); return;
  case Format::csv: out << csv_of(kPlanColumns, plan_rows(plan, snap, o), o); return;
  case Format::name: out << names_of(kPlanColumns, plan_rows(plan, snap, o)); return;
  case Format::table: break;
  }
  out << plan_table(plan, snap, o);
}

} // namespace fleetcap
