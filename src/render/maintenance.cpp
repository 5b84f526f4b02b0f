#include "fleetcap/render/maintenance.hpp"

#include "columns.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap {

using json_out::JsonWriter;
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
  for (auto n : nodes) out.push_back(snap.nodes[n].name);
  return out;
}

std::vector<std::string_view> job_names(const Snapshot& snap, const std::vector<std::uint32_t>& jobs) {
  std::vector<std::string_view> out;
  for (auto j : jobs) out.push_back(snap.jobs[j].name);
  return out;
}

void put_horizon(JsonWriter& w, const MaintenanceHorizon& h, bool lead = true) {
  w.field("window", format_duration(h.window));
  w.field("until", format_rfc3339(h.end()));
  if (lead) w.field("lead", format_duration(h.lead));
}

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

// A list of names: every one in JSON and CSV; the first `show` and "+N" in the table.
template <class Names> Value names_value(const Names& names, std::size_t show = 3) {
  return list_of(names, short_list(names, show));
}

// An event's nodes; a whole-cluster event (no nodes listed) shows "all (N)" in the table.
Value event_nodes_value(const Snapshot& snap, const MaintenanceEvent& e) {
  if (e.nodes.empty()) return list({}, Tone::plain, fmt::format("all ({})", event_nodes(snap, e).size()));
  return names_value(e.nodes);
}

const Column<ListRow> kListColumns[] = {
    {.key = "id",
     .header = "ID",
     .align = Align::left,
     .identifying = true,
     .get = [](const ListRow& r) { return txt(r.event().id); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .priority = 1,
     .get = [](const ListRow& r) { return txt(r.event().cluster); }},
    {.key = "nodes",
     .header = "NODES",
     .align = Align::left,
     .priority = 6,
     .unit = "node",
     .get = [](const ListRow& r) { return event_nodes_value(*r.snap, r.event()); }},
    {.key = "whole_cluster", .header = "", .get = [](const ListRow& r) { return flag(r.event().nodes.empty()); }},
    {.key = "gpus", .header = "GPUS", .priority = 2, .get = [](const ListRow& r) { return num(r.row->gpus); }},
    {.key = "start",
     .header = "START",
     .align = Align::left,
     .priority = 4,
     .get = [](const ListRow& r) { return time_value(r.event().start); }},
    {.key = "end",
     .header = "END",
     .align = Align::left,
     .priority = 7,
     .get = [](const ListRow& r) { return time_value(r.event().end); }},
    {.key = "hard_start",
     .header = "HARD",
     .align = Align::left,
     .priority = 8,
     .get = [](const ListRow& r) { return flag(r.event().hard_start); }},
    {.key = "action_by",
     .header = "ACTION-BY",
     .align = Align::left,
     .identifying = true,
     .get = [](const ListRow& r) { return time_value(r.row->action_by); }},
    {.key = "jobs",
     .header = "JOBS",
     .align = Align::left,
     .priority = 3,
     .unit = "job",
     .get = [](const ListRow& r) { return names_value(job_names(*r.snap, r.row->jobs)); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 5,
     .get = [](const ListRow& r) { return txt(to_string(r.event().state)); }},
    {.key = "overdue", .header = "", .get = [](const ListRow& r) { return flag(r.row->overdue); }},
    {.key = "", .header = "DUE", .align = Align::left, .priority = 1, .get = due_value},
    {.key = "kind",
     .header = "KIND",
     .align = Align::left,
     .priority = 9,
     .wide = true,
     .get = [](const ListRow& r) { return txt(r.event().kind); }},
    {.key = "reason",
     .header = "REASON",
     .align = Align::left,
     .priority = 10,
     .wide = true,
     .get = [](const ListRow& r) { return txt(r.event().reason); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .priority = 9,
     .wide = true,
     .get = [](const ListRow& r) { return txt(fmt::format("p{}", r.event().priority)); }},
};

std::vector<ListRow> list_rows(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  std::vector<ListRow> rows;
  rows.reserve(list.rows.size());
  for (const auto& row : list.rows) rows.push_back({&snap, &row, list.horizon.at});
  sort_rows<ListRow>(kListColumns, rows, o.sort);
  return rows;
}

std::string list_table(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  if (list.rows.empty())
    return fmt::format("No maintenance events from {} to {}.\n", short_time(list.horizon.at),
                       short_time(list.horizon.end()));
  return table_of<ListRow>(kListColumns, list_rows(list, snap, o), o);
}

std::string list_json(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  w.reserve(list.rows.size() * 768); // an event is 600-700 bytes at a million GPUs
  json_out::begin_document(w, "maintenance.list", o);
  put_horizon(w, list.horizon);
  json_list<ListRow>(w, "events", kListColumns, list_rows(list, snap, o));
  std::size_t overdue = 0;
  for (const auto& row : list.rows) overdue += row.overdue;
  w.key("summary").begin_object().field("events", list.rows.size()).field("overdue", overdue).end_object();
  return w.end_object().finish();
}

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
template <class Row> void section(std::string& out, std::string_view label, std::span<const Column<Row>> cols,
                                  const std::vector<Row>& rows, const RenderOptions& o) {
  if (rows.empty()) {
    out += fmt::format("{:<14}none\n", std::string(label) + ":");
    return;
  }
  out += fmt::format("{}:\n", label);
  RenderOptions inner = o;
  if (inner.style.width > 2) inner.style.width -= 2;
  const std::string body = table_of<Row>(cols, rows, inner);
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
const Column<IssueRow> kIssueColumns[] = {
    {.key = "type",
     .header = "TYPE",
     .align = Align::left,
     .identifying = true,
     .get = [](const IssueRow& r) { return txt(r.issue->type); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const IssueRow& r) {
           return txt(fmt::format("p{}", r.issue->priority), r.issue->priority <= 1 ? Tone::bad : Tone::plain);
         }},
    {.key = "detected_at",
     .header = "DETECTED",
     .align = Align::left,
     .priority = 1,
     .get = [](const IssueRow& r) { return time_value(r.issue->detected_at); }},
    {.key = "detail",
     .header = "DETAIL",
     .align = Align::left,
     .priority = 2,
     .get =
         [](const IssueRow& r) { return r.issue->detail.empty() ? txt("", Tone::plain, "-") : txt(r.issue->detail); }},
};

struct CardEventRow {
  const Snapshot* snap;
  const NodeEventRow* row;
  const MaintenanceEvent& event() const { return snap->maintenance[row->event]; }
};
const Column<CardEventRow> kCardEventColumns[] = {
    {.key = "id",
     .header = "ID",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardEventRow& r) { return txt(r.event().id); }},
    {.key = "when",
     .header = "WHEN",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const CardEventRow& r) {
           return txt(to_string(r.row->when), r.row->when == EventTiming::current ? Tone::warn : Tone::plain);
         }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 4,
     .get = [](const CardEventRow& r) { return txt(to_string(r.event().state)); }},
    {.key = "start",
     .header = "START",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardEventRow& r) { return time_value(r.event().start); }},
    {.key = "end",
     .header = "END",
     .align = Align::left,
     .priority = 2,
     .get = [](const CardEventRow& r) { return time_value(r.event().end); }},
    {.key = "hard_start",
     .header = "HARD",
     .align = Align::left,
     .priority = 5,
     .get = [](const CardEventRow& r) { return flag(r.event().hard_start); }},
    {.key = "action_by",
     .header = "ACTION-BY",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardEventRow& r) { return time_value(r.row->action_by); }},
    {.key = "whole_cluster", .header = "", .get = [](const CardEventRow& r) { return flag(r.row->whole_cluster); }},
    {.key = "nodes",
     .header = "NODES",
     .align = Align::left,
     .priority = 7,
     .unit = "node",
     .table_only = true,
     .get = [](const CardEventRow& r) { return event_nodes_value(*r.snap, r.event()); }},
    {.key = "kind",
     .header = "KIND",
     .align = Align::left,
     .priority = 6,
     .get = [](const CardEventRow& r) { return txt(r.event().kind); }},
    {.key = "reason",
     .header = "REASON",
     .align = Align::left,
     .priority = 8,
     .get =
         [](const CardEventRow& r) {
           return r.event().reason.empty() ? txt("", Tone::plain, "-") : txt(r.event().reason);
         }},
    {.key = "priority",
     .header = "",
     .get = [](const CardEventRow& r) { return txt(fmt::format("p{}", r.event().priority)); }},
};

struct CardJobRow {
  const Job* job;
};
const Column<CardJobRow> kCardJobColumns[] = {
    {.key = "name",
     .header = "JOB",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardJobRow& r) { return txt(r.job->name); }},
    {.key = "namespace",
     .header = "NAMESPACE",
     .align = Align::left,
     .priority = 3,
     .get = [](const CardJobRow& r) { return txt(r.job->ns); }},
    {.key = "quota",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardJobRow& r) { return txt(r.job->quota); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .priority = 2,
     .get = [](const CardJobRow& r) { return txt(to_string(r.job->priority)); }},
    {.key = "gpus", .header = "GPUS", .priority = 1, .get = [](const CardJobRow& r) { return num(r.job->gpus); }},
    {.key = "nodes",
     .header = "NODES",
     .align = Align::left,
     .priority = 4,
     .unit = "node",
     .get = [](const CardJobRow& r) { return names_value(r.job->nodes); }},
    {.key = "idle",
     .header = "IDLE",
     .align = Align::left,
     .priority = 5,
     .get = [](const CardJobRow& r) { return flag(r.job->idle); }},
    {.key = "started_at",
     .header = "STARTED",
     .align = Align::left,
     .priority = 6,
     .get = [](const CardJobRow& r) { return time_value(r.job->started_at); }},
};

struct CardQuotaRow {
  const Snapshot* snap;
  const Quota* quota;
};
const Column<CardQuotaRow> kCardQuotaColumns[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .get = [](const CardQuotaRow& r) { return txt(r.quota->name); }},
    {.key = "tree",
     .header = "TREE",
     .align = Align::left,
     .priority = 1,
     .get =
         [](const CardQuotaRow& r) {
           return r.quota->tree_index == kNone ? none() : txt(r.snap->quotas[r.quota->tree_index].name);
         }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .priority = 2,
     .get = [](const CardQuotaRow& r) { return r.quota->cluster ? txt(*r.quota->cluster) : none(); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .priority = 1,
     .get = [](const CardQuotaRow& r) { return num(r.quota->gpus); }},
    {.key = "access",
     .header = "ACCESS",
     .align = Align::left,
     .priority = 3,
     .unit = "namespace",
     .get = [](const CardQuotaRow& r) { return r.quota->access ? names_value(*r.quota->access) : none("any"); }},
};

struct CardRows {
  std::vector<IssueRow> issues;
  std::vector<CardEventRow> events;
  std::vector<CardJobRow> jobs;
  std::vector<CardQuotaRow> quotas;
};
CardRows card_rows(const NodeCard& card, const Snapshot& snap) {
  CardRows r;
  const Node& n = snap.nodes[card.node];
  for (auto i : card.issues) r.issues.push_back({&n.issues[i]});
  for (const auto& row : card.events) r.events.push_back({&snap, &row});
  for (auto j : card.jobs) r.jobs.push_back({&snap.jobs[j]});
  for (auto q : card.quotas) r.quotas.push_back({&snap, &snap.quotas[q]});
  return r;
}

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
  const CardRows rows = card_rows(card, snap);
  section<IssueRow>(out, "Issues", kIssueColumns, rows.issues, o);
  section<CardEventRow>(out, "Maintenance", kCardEventColumns, rows.events, o);
  section<CardJobRow>(out, "Jobs", kCardJobColumns, rows.jobs, o);
  section<CardQuotaRow>(out, "Quotas", kCardQuotaColumns, rows.quotas, o);
  return out;
}

std::string node_json(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  const Node& n = snap.nodes[card.node];
  JsonWriter w;
  json_out::begin_document(w, "maintenance.node", o);
  w.key("node").begin_object();
  w.field("name", n.name);
  w.field("cluster", n.cluster);
  if (n.cluster_index != kNone) {
    const Cluster& c = snap.clusters[n.cluster_index];
    w.field("region", c.region);
    w.field("provider", c.provider);
    w.field("sku", c.sku);
    w.field("cluster_state", to_string(c.state));
  }
  w.field("island", n.island);
  w.field("gpus", n.gpus);
  w.field("health", n.health);
  w.field("healthy", n.healthy);
  w.field("cordoned", n.cordoned);
  w.field("schedulable", card.schedulable);
  w.key("active_events").begin_array();
  for (auto e : card.active_events) w.value(snap.maintenance[e].id);
  w.end_array();
  w.end_object();
  const CardRows rows = card_rows(card, snap);
  json_list<IssueRow>(w, "issues", kIssueColumns, rows.issues);
  json_list<CardEventRow>(w, "events", kCardEventColumns, rows.events);
  json_list<CardJobRow>(w, "jobs", kCardJobColumns, rows.jobs);
  json_list<CardQuotaRow>(w, "quotas", kCardQuotaColumns, rows.quotas);
  return w.end_object().finish();
}

// One row per fact (section, item, field, value): a card has no single row shape.
std::string node_csv(const NodeCard& card, const Snapshot& snap) {
  const Node& n = snap.nodes[card.node];
  std::string out = "section,item,field,value\n";
  auto put = [&](std::string_view section, std::string_view item, std::string_view field, std::string_view value) {
    out += fmt::format("{},{},{},{}\n", section, csv_field(item), field, csv_field(value));
  };
  put("node", n.name, "cluster", n.cluster);
  put("node", n.name, "island", n.island);
  put("node", n.name, "gpus", fmt::format("{}", n.gpus));
  put("node", n.name, "health", n.health);
  put("node", n.name, "cordoned", n.cordoned ? "true" : "false");
  put("node", n.name, "schedulable", card.schedulable ? "true" : "false");
  for (std::size_t k = 0; k < card.issues.size(); ++k) {
    const NodeIssue& is = n.issues[card.issues[k]];
    const std::string item = fmt::format("{}", k);
    put("issue", item, "type", is.type);
    put("issue", item, "priority", fmt::format("p{}", is.priority));
    put("issue", item, "detected_at", is.detected_at ? format_rfc3339(*is.detected_at) : "");
    put("issue", item, "detail", is.detail);
  }
  for (const auto& row : card.events) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    put("event", e.id, "when", to_string(row.when));
    put("event", e.id, "state", to_string(e.state));
    put("event", e.id, "start", format_rfc3339(e.start));
    put("event", e.id, "end", format_rfc3339(e.end));
    put("event", e.id, "hard_start", e.hard_start ? "true" : "false");
    put("event", e.id, "action_by", format_rfc3339(row.action_by));
    put("event", e.id, "whole_cluster", row.whole_cluster ? "true" : "false");
  }
  for (auto j : card.jobs) {
    const Job& job = snap.jobs[j];
    put("job", job.name, "namespace", job.ns);
    put("job", job.name, "quota", job.quota);
    put("job", job.name, "priority", to_string(job.priority));
    put("job", job.name, "gpus", fmt::format("{}", job.gpus));
  }
  for (auto q : card.quotas) put("quota", snap.quotas[q].name, "assigned", fmt::format("{}", snap.quotas[q].gpus));
  return out;
}

// ---- impact

struct ImpactRow {
  const Snapshot* snap;
  const ClusterImpact* c;
  const Cluster& cluster() const { return snap->clusters[c->cluster]; }
};

const Column<ImpactRow> kImpactColumns[] = {
    {.key = "name",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .get = [](const ImpactRow& r) { return txt(r.cluster().name); }},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .priority = 8,
     .wide = true,
     .get = [](const ImpactRow& r) { return txt(r.cluster().region); }},
    {.key = "provider",
     .header = "PROVIDER",
     .align = Align::left,
     .priority = 9,
     .wide = true,
     .get = [](const ImpactRow& r) { return txt(r.cluster().provider); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .priority = 6,
     .get = [](const ImpactRow& r) { return txt(r.cluster().sku); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 10,
     .wide = true,
     .get = [](const ImpactRow& r) { return txt(to_string(r.cluster().state)); }},
    {.key = "total",
     .header = "TOTAL",
     .priority = 9,
     .wide = true,
     .get = [](const ImpactRow& r) { return num(r.c->total); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .priority = 4,
     .get = [](const ImpactRow& r) { return num(r.c->assigned); }},
    {.key = "events", .header = "EVENTS", .priority = 5, .get = [](const ImpactRow& r) { return num(r.c->events); }},
    {.key = "healthy",
     .header = "HEALTHY",
     .priority = 7,
     .get = [](const ImpactRow& r) { return num(r.c->steps.front().healthy); }},
    {.key = "largest_free_block",
     .header = "BLOCK",
     .priority = 9,
     .wide = true,
     .get = [](const ImpactRow& r) { return num(r.c->steps.front().largest_free_block); }},
    {.key = "min_healthy",
     .header = "MIN-HEALTHY",
     .priority = 1,
     .get =
         [](const ImpactRow& r) {
           return num(r.c->min_healthy, r.c->min_healthy < r.c->steps.front().healthy ? Tone::warn : Tone::plain);
         }},
    {.key = "min_healthy_at",
     .header = "MIN-AT",
     .align = Align::left,
     .priority = 2,
     .get = [](const ImpactRow& r) { return time_value(r.c->min_healthy_at); }},
    {.key = "max_healthy",
     .header = "MAX-HEALTHY",
     .priority = 9,
     .wide = true,
     .get = [](const ImpactRow& r) { return num(r.c->max_healthy); }},
    {.key = "worst_unbacked",
     .header = "WORST-UNBACKED",
     .priority = 1,
     .get =
         [](const ImpactRow& r) {
           return num(r.c->worst_unbacked, r.c->worst_unbacked > 0 ? Tone::bad : Tone::plain);
         }},
    {.key = "min_largest_free_block",
     .header = "MIN-BLOCK",
     .priority = 2,
     .get = [](const ImpactRow& r) { return num(r.c->min_largest_free_block); }},
    {.key = "min_largest_free_block_at",
     .header = "MIN-BLOCK-AT",
     .align = Align::left,
     .priority = 3,
     .get = [](const ImpactRow& r) { return time_value(r.c->min_largest_free_block_at); }},
};

std::vector<ImpactRow> impact_rows(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<ImpactRow> rows;
  for (const auto& c : r.clusters) rows.push_back({&snap, &c});
  sort_rows<ImpactRow>(kImpactColumns, rows, o.sort);
  return rows;
}

std::string impact_table(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  if (r.clusters.empty()) return "No clusters match.\n";
  return table_of<ImpactRow>(kImpactColumns, impact_rows(r, snap, o), o) + "\n" +
         render_impact_timeline(r, snap, o.style.width);
}

std::string impact_json(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  json_out::begin_document(w, "maintenance.impact", o);
  put_horizon(w, r.horizon, false);
  w.key("clusters").begin_array();
  for (const auto& row : impact_rows(r, snap, o)) {
    w.begin_object();
    json_fields<ImpactRow>(w, kImpactColumns, row);
    w.key("steps").begin_array();
    for (const auto& s : row.c->steps) {
      w.begin_object();
      w.field("at", format_rfc3339(s.at));
      w.field("healthy", s.healthy);
      w.field("unbacked", s.unbacked);
      w.field("largest_free_block", s.largest_free_block);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  return w.end_object().finish();
}

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
// right under it (pj is its own PlanJob when it was itself to move, else null).
struct PlanRow {
  const Snapshot* snap;
  const MovePlan* plan;
  const PlanJob* pj;
  std::uint32_t job_index;
  const PlanJob* by = nullptr;
  const Job& job() const { return snap->jobs[job_index]; }
  bool victim() const { return by != nullptr; }
  bool placed() const { return !victim() && pj->placed; }
  const PlanJob& acting() const { return victim() ? *by : *pj; } // whose move-by the row goes by
};

// The keys before "to_cluster" are the JSON's per-job fields; the destination follows as an
// object in JSON and as to_* columns in CSV.
const Column<PlanRow> kPlanColumns[] = {
    {.key = "name",
     .header = "JOB",
     .align = Align::left,
     .identifying = true,
     .get = [](const PlanRow& r) { return txt(r.job().name); }},
    {.key = "namespace",
     .header = "NAMESPACE",
     .align = Align::left,
     .priority = 8,
     .get = [](const PlanRow& r) { return txt(r.job().ns); }},
    {.key = "quota",
     .header = "QUOTA",
     .align = Align::left,
     .priority = 9,
     .wide = true,
     .get = [](const PlanRow& r) { return txt(r.job().quota); }},
    {.key = "cluster",
     .header = "FROM",
     .align = Align::left,
     .priority = 1,
     .get = [](const PlanRow& r) { return txt(r.snap->clusters[r.job().cluster_index].name); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .priority = 4,
     .get = [](const PlanRow& r) { return txt(to_string(r.job().priority)); }},
    {.key = "gpus", .header = "GPUS", .priority = 1, .get = [](const PlanRow& r) { return num(r.job().gpus); }},
    {.key = "nodes",
     .header = "NODES",
     .align = Align::left,
     .priority = 6,
     .unit = "node",
     .get = [](const PlanRow& r) { return names_value(r.job().nodes, 2); }},
    {.key = "unhealthy", .header = "", .get = [](const PlanRow& r) { return flag(r.pj && r.pj->unhealthy); }},
    {.key = "events",
     .header = "",
     .get =
         [](const PlanRow& r) {
           std::vector<std::string_view> ids;
           if (r.pj)
             for (auto e : r.pj->events) ids.push_back(r.snap->maintenance[e].id);
           return list_of(ids);
         }},
    {.key = "",
     .header = "WHY",
     .align = Align::left,
     .priority = 3,
     .get =
         [](const PlanRow& r) {
           return r.victim() ? txt("for " + std::string(r.snap->jobs[r.by->job].name)) : txt(why_text(*r.pj, *r.snap));
         }},
    {.key = "move_by",
     .header = "MOVE-BY",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const PlanRow& r) {
           const Time at = r.plan->horizon.at, t = r.acting().move_by;
           if (t < at)
             return txt(format_rfc3339(t), Tone::bad, short_time(t) + "!"); // overdue: the closing line says so
           return txt(format_rfc3339(t), Tone::plain, t == at ? "now" : short_time(t));
         }},
    {.key = "move_at", .header = "", .get = [](const PlanRow& r) { return txt(format_rfc3339(r.acting().move_at)); }},
    {.key = "overdue",
     .header = "",
     .get = [](const PlanRow& r) { return flag(r.acting().move_by < r.plan->horizon.at); }},
    {.key = "outcome",
     .header = "ACTION",
     .align = Align::left,
     .priority = 2,
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
     .align = Align::left,
     .identifying = true,
     .get =
         [](const PlanRow& r) {
           // Not placed: what became of it, here too, since ACTION may go on a narrow terminal.
           if (r.placed()) return txt(r.snap->clusters[r.pj->cluster].name);
           return none(r.victim() || r.pj->outcome == MoveOutcome::preempted ? "PREEMPTED" : "UNPLACED");
         }},
    {.key = "to_island",
     .header = "TO-ISLAND",
     .align = Align::left,
     .priority = 7,
     .wide = true,
     .get = [](const PlanRow& r) { return r.placed() ? txt(r.snap->index.islands[r.pj->island].name) : none(); }},
    {.key = "to_nodes",
     .header = "TO-NODES",
     .align = Align::left,
     .identifying = true,
     .unit = "node",
     .get = [](const PlanRow& r) { return r.placed() ? names_value(node_names(*r.snap, r.pj->nodes), 2) : none(); }},
    {.key = "scope",
     .header = "SCOPE",
     .align = Align::left,
     .priority = 7,
     .wide = true,
     .get = [](const PlanRow& r) { return r.placed() ? txt(to_string(r.pj->scope)) : none(); }},
    {.key = "quota_after",
     .header = "QUOTA-AFTER",
     .align = Align::left,
     .priority = 5,
     .get = [](const PlanRow& r) { return r.placed() ? txt(quota_name(*r.snap, r.pj->quota_after)) : none(); }},
    {.key = "preempted_by",
     .header = "",
     .get =
         [](const PlanRow& r) {
           if (r.victim()) return txt(r.snap->jobs[r.by->job].name);
           return r.pj->preempted_by != kNone ? txt(r.snap->jobs[r.plan->jobs[r.pj->preempted_by].job].name) : none();
         }},
    {.key = "reason",
     .header = "",
     .get =
         [](const PlanRow& r) {
           return r.victim() || r.pj->placed ? none() : txt(unplaced_reason(*r.pj, *r.plan, *r.snap));
         }},
};
constexpr std::size_t kPlanJsonColumns = 14; // name .. outcome

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
  sort_rows<PlanRow>(kPlanColumns, rows, o.sort);
  return rows;
}

// The summary per move-by day, and its TOTAL.
struct PlanDayRow {
  std::string day;
  const PlanCounts* c;
};
const Column<PlanDayRow> kPlanDayColumns[] = {
    {.key = "day",
     .header = "MOVE-BY-DAY",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const PlanDayRow& r) { return txt(r.day); }},
    {.key = "jobs",
     .header = "TO-MOVE",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->jobs); }},
    {.key = "gpus",
     .header = "TO-MOVE-GPUS",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus); }},
    {.key = "placed",
     .header = "PLACED",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->placed); }},
    {.key = "gpus_placed",
     .header = "PLACED-GPUS",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_placed); }},
    {.key = "preempted",
     .header = "FLEX-PREEMPTED",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->preempted, r.c->preempted ? Tone::warn : Tone::plain); }},
    {.key = "gpus_preempted",
     .header = "FLEX-PREEMPTED-GPUS",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_preempted); }},
    {.key = "unplaced",
     .header = "UNPLACED",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->unplaced, r.c->unplaced ? Tone::bad : Tone::plain); }},
    {.key = "gpus_unplaced",
     .header = "UNPLACED-GPUS",
     .total = Total::value,
     .get = [](const PlanDayRow& r) { return num(r.c->gpus_unplaced); }},
    {.key = "out_of_cluster", .header = "", .get = [](const PlanDayRow& r) { return num(r.c->out_of_cluster); }},
};

std::vector<PlanDayRow> plan_day_rows(const PlanSummary& s) {
  std::vector<PlanDayRow> rows;
  for (const auto& d : s.days) rows.push_back({format_rfc3339(d.day).substr(0, 10), &d.counts});
  return rows;
}

std::string plan_table(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o) {
  const MaintenanceHorizon& h = plan.horizon;
  if (plan.jobs.empty())
    return wrap_prose(fmt::format("No jobs must move: no running job lists an unhealthy node or a node of an event to "
                                  "act on before {} (window {}, lead {}).\n",
                                  short_time(h.end()), format_duration(h.window), format_duration(h.lead)),
                      o.style.width);
  std::string out = table_of<PlanRow>(kPlanColumns, plan_rows(plan, snap, o), o);
  const PlanSummary& s = plan.summary;
  RenderOptions days_o = o;
  days_o.columns.clear(); // --columns and --sort name the plan's own columns
  const PlanDayRow total{"TOTAL", &s};
  out += '\n';
  out += table_of<PlanDayRow>(kPlanDayColumns, plan_day_rows(s), days_o, &total);
  std::size_t overdue = 0;
  for (const auto& pj : plan.jobs) overdue += pj.move_by < h.at ? 1 : 0;
  std::string prose = fmt::format(
      "\n{} job{} ({} GPUs) must move: {} placed ({} to another cluster), {} flex job{} "
      "preempted, {} cannot be placed{}.\n",
      s.jobs, s.jobs == 1 ? "" : "s", s.gpus, s.placed, s.out_of_cluster, s.preempted, s.preempted == 1 ? "" : "s",
      s.unplaced, overdue ? fmt::format("; {} OVERDUE (move-by already passed, marked !)", overdue) : std::string());
  for (const auto& pj : plan.jobs)
    if (!pj.placed && pj.preempted_by == kNone)
      prose += fmt::format("  - {}: {}\n", escape_control(snap.jobs[pj.job].name), unplaced_reason(pj, plan, snap));
  return out + wrap_prose(prose, o.style.width);
}

void plan_json(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out) {
  JsonWriter w(out);
  json_out::begin_document(w, "maintenance.plan", o);
  put_horizon(w, plan.horizon);
  w.field("same_region", plan.same_region);
  const std::span<const Column<PlanRow>> fields =
      std::span<const Column<PlanRow>>(kPlanColumns).first(kPlanJsonColumns);
  auto optional_name = [&](std::string_view key, bool present, std::string_view name) {
    w.key(key);
    if (present)
      w.value(name);
    else
      w.value(nullptr);
  };
  for (const MoveOutcome outcome : {MoveOutcome::placed, MoveOutcome::unplaced}) {
    w.key(outcome == MoveOutcome::placed ? "moves" : "unplaced").begin_array();
    for (const auto& pj : plan.jobs) {
      if (pj.outcome != outcome) continue;
      const PlanRow row{&snap, &plan, &pj, pj.job};
      w.begin_object();
      json_fields<PlanRow>(w, fields, row);
      if (pj.placed) {
        w.key("destination").begin_object();
        w.field("cluster", snap.clusters[pj.cluster].name);
        w.field("island", snap.index.islands[pj.island].name);
        w.array_field("nodes", node_names(snap, pj.nodes));
        w.key("node_gpus").begin_array();
        for (auto g : pj.node_gpus) w.value(g);
        w.end_array();
        w.field("gpus", pj.gpus_moved());
        w.field("scope", to_string(pj.scope));
        w.field("quota", quota_name(snap, pj.quota_after));
        w.end_object();
        w.key("preempts").begin_array();
        for (auto v : pj.preempts) w.value(snap.jobs[v].name);
        w.end_array();
      } else {
        w.key("preempted_by").value(nullptr);
        w.field("reason", unplaced_reason(pj, plan, snap));
        w.field("largest_free_block", pj.best_block);
        optional_name("largest_free_block_island", pj.best_island != kNone,
                      pj.best_island != kNone ? std::string_view(snap.index.islands[pj.best_island].name) : "");
        optional_name("largest_free_block_node", pj.best_node != kNone,
                      pj.best_node != kNone ? snap.nodes[pj.best_node].name : "");
        w.key("fits_if");
        if (pj.hint_island == kNone) {
          w.value(nullptr);
        } else {
          w.begin_object();
          w.field("island", snap.index.islands[pj.hint_island].name);
          w.field("gpus", pj.hint_gpus);
          optional_name("event", pj.hint_event != kNone,
                        pj.hint_event != kNone ? std::string_view(snap.maintenance[pj.hint_event].id) : "");
          optional_name("flex_job", pj.hint_job != kNone, pj.hint_job != kNone ? snap.jobs[pj.hint_job].name : "");
          w.end_object();
        }
      }
      w.end_object();
    }
    w.end_array();
  }
  // Every flex job preempted: to make room for a move (`by`), or a flex job that had to move and
  // found no free GPUs (`by` null, with its move-by and the reason).
  w.key("preempted").begin_array();
  auto preempted_fields = [&](const Job& job) {
    w.field("name", job.name).field("namespace", job.ns).field("cluster", snap.clusters[job.cluster_index].name);
    w.field("priority", to_string(job.priority)).field("gpus", job.gpus);
    w.array_field("nodes", job.nodes);
  };
  for (const auto& p : plan.preempted) {
    const PlanJob& by = plan.jobs[p.by];
    w.begin_object();
    preempted_fields(snap.jobs[p.job]);
    w.field("by", snap.jobs[by.job].name);
    w.field("at", format_rfc3339(by.move_at));
    w.field("must_move", p.must_move);
    w.end_object();
  }
  for (const auto& pj : plan.jobs) {
    if (pj.outcome != MoveOutcome::preempted || pj.preempted_by != kNone) continue;
    w.begin_object();
    preempted_fields(snap.jobs[pj.job]);
    w.key("by").value(nullptr);
    w.field("at", format_rfc3339(pj.move_at));
    w.field("must_move", true);
    w.field("move_by", format_rfc3339(pj.move_by));
    w.field("reason", unplaced_reason(pj, plan, snap));
    w.end_object();
  }
  w.end_array();
  const PlanSummary& s = plan.summary;
  w.key("summary").begin_object();
  const PlanDayRow total{"", &s};
  json_fields<PlanDayRow>(w, std::span<const Column<PlanDayRow>>(kPlanDayColumns).subspan(1), total);
  json_list<PlanDayRow>(w, "days", kPlanDayColumns, plan_day_rows(s));
  w.end_object();
  w.end_object().finish();
}

} // namespace

namespace cols {
std::vector<ColumnList> maintenance_column_lists() {
  return {describe<ListRow>("maintenance list", "events", kListColumns),
          describe<IssueRow>("maintenance node", "issues", kIssueColumns),
          describe<CardEventRow>("maintenance node", "events", kCardEventColumns),
          describe<CardJobRow>("maintenance node", "jobs", kCardJobColumns),
          describe<CardQuotaRow>("maintenance node", "quotas", kCardQuotaColumns),
          describe<ImpactRow>("maintenance impact", "clusters", kImpactColumns),
          describe<PlanRow>("maintenance plan", "moves", kPlanColumns),
          describe<PlanDayRow>("maintenance plan", "days", kPlanDayColumns)};
}
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
  case Format::json: return list_json(list, snap, o);
  case Format::csv: return csv_of<ListRow>(kListColumns, list_rows(list, snap, o), o);
  case Format::name: return names_of<ListRow>(kListColumns, list_rows(list, snap, o));
  case Format::table: break;
  }
  return list_table(list, snap, o);
}

std::string render_node_card(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return node_json(card, snap, o);
  case Format::csv: return node_csv(card, snap);
  case Format::name: return escape_control(snap.nodes[card.node].name) + "\n";
  case Format::table: break;
  }
  return node_table(card, snap, o);
}

std::string render_impact(const ImpactReport& report, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return impact_json(report, snap, o);
  case Format::csv: return csv_of<ImpactRow>(kImpactColumns, impact_rows(report, snap, o), o);
  case Format::name: return names_of<ImpactRow>(kImpactColumns, impact_rows(report, snap, o));
  case Format::table: break;
  }
  return impact_table(report, snap, o);
}

void render_move_plan(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out) {
  switch (o.format) {
  case Format::json: plan_json(plan, snap, o, out); return;
  case Format::csv: out << csv_of<PlanRow>(kPlanColumns, plan_rows(plan, snap, o), o); return;
  case Format::name: out << names_of<PlanRow>(kPlanColumns, plan_rows(plan, snap, o)); return;
  case Format::table: break;
  }
  out << plan_table(plan, snap, o);
}

} // namespace fleetcap
