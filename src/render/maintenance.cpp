#include "fleetcap/render/maintenance.hpp"

#include "fleetcap/render/table.hpp"
#include "json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap {

using json_out::JsonWriter;

std::string short_time(Time t) {
  std::string s = format_rfc3339(t); // 2026-11-21T06:00:00Z
  if (s.size() == 20 && s.compare(16, 4, ":00Z") == 0) s.replace(16, 4, "Z");
  return s;
}

std::string human_duration(Duration d) {
  if (d < 0) d = -d;
  if (d >= 86400) return d % 86400 / 3600 ? fmt::format("{}d{}h", d / 86400, d % 86400 / 3600) : fmt::format("{}d", d / 86400);
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

std::string event_nodes_cell(const Snapshot& snap, const MaintenanceEvent& e) {
  if (e.nodes.empty()) return fmt::format("all ({})", event_nodes(snap, e).size());
  return short_list(e.nodes);
}

std::string joined(const std::vector<std::string_view>& names, char sep = ' ') {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

void put_horizon(JsonWriter& w, const MaintenanceHorizon& h, bool lead = true) {
  w.field("window", format_duration(h.window));
  w.field("until", format_rfc3339(h.end()));
  if (lead) w.field("lead", format_duration(h.lead));
}

std::string_view yes_no(bool b) { return b ? "yes" : "no"; }

// ---- list

TableCell due_cell(const EventRow& row, const MaintenanceEvent& e, Time at) {
  if (row.overdue) return {"OVERDUE", Tone::bad};
  if (!e.open()) return {"-", Tone::dim};
  if (row.action_by > at) return {"in " + human_duration(row.action_by - at)};
  return {"passed", Tone::dim};
}

std::string list_table(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  if (list.rows.empty())
    return fmt::format("No maintenance events from {} to {}.\n", short_time(list.horizon.at),
                       short_time(list.horizon.end()));
  Table t({{"ID", Align::left, 0},
           {"CLUSTER", Align::left, 0},
           {"NODES", Align::left, 3},
           {"GPUS", Align::right, 0},
           {"START", Align::left, 2},
           {"END", Align::left, 4},
           {"HARD", Align::left, 5},
           {"ACTION-BY", Align::left, 1},
           {"JOBS", Align::left, 0},
           {"STATE", Align::left, 6},
           {"DUE", Align::left, 0}});
  for (const auto& row : list.rows) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    t.add_row({e.id, e.cluster, event_nodes_cell(snap, e), fmt::format("{}", row.gpus), short_time(e.start),
               short_time(e.end), std::string(yes_no(e.hard_start)), short_time(row.action_by),
               short_list(job_names(snap, row.jobs)), std::string(to_string(e.state)),
               due_cell(row, e, list.horizon.at)});
  }
  return t.render(o.style);
}

std::string list_json(const EventList& list, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  w.reserve(list.rows.size() * 768); // an event is 600-700 bytes at a million GPUs
  json_out::begin_document(w, "maintenance.list", o);
  put_horizon(w, list.horizon);
  w.key("events").begin_array();
  std::size_t overdue = 0;
  for (const auto& row : list.rows) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    w.begin_object();
    w.field("id", e.id);
    w.field("cluster", e.cluster);
    w.array_field("nodes", e.nodes);
    w.field("whole_cluster", e.nodes.empty());
    w.field("gpus", row.gpus);
    w.field("start", format_rfc3339(e.start));
    w.field("end", format_rfc3339(e.end));
    w.field("hard_start", e.hard_start);
    w.field("action_by", format_rfc3339(row.action_by));
    w.array_field("jobs", job_names(snap, row.jobs));
    w.field("state", to_string(e.state));
    w.field("overdue", row.overdue);
    w.field("kind", e.kind);
    w.field("reason", e.reason);
    w.field("priority", fmt::format("p{}", e.priority));
    w.end_object();
    overdue += row.overdue;
  }
  w.end_array();
  w.key("summary").begin_object().field("events", list.rows.size()).field("overdue", overdue).end_object();
  return w.end_object().finish();
}

std::string list_csv(const EventList& list, const Snapshot& snap) {
  std::string out = "id,cluster,nodes,whole_cluster,gpus,start,end,hard_start,action_by,jobs,state,overdue,kind,reason,"
                    "priority\n";
  for (const auto& row : list.rows) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},p{}\n", csv_field(e.id), csv_field(e.cluster),
                       csv_field(joined(std::vector<std::string_view>(e.nodes.begin(), e.nodes.end()))),
                       e.nodes.empty(), row.gpus, format_rfc3339(e.start), format_rfc3339(e.end), e.hard_start,
                       format_rfc3339(row.action_by), csv_field(joined(job_names(snap, row.jobs))),
                       to_string(e.state), row.overdue, csv_field(e.kind), csv_field(e.reason), e.priority);
  }
  return out;
}

// ---- node

std::string schedulable_text(const NodeCard& card, const Snapshot& snap) {
  if (card.schedulable) return "yes";
  const Node& n = snap.nodes[card.node];
  std::vector<std::string> why;
  if (!n.healthy) why.emplace_back(n.health.empty() ? "not healthy" : n.health);
  if (n.cordoned) why.emplace_back("cordoned");
  for (auto e : card.active_events) why.push_back("maintenance " + snap.maintenance[e].id);
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
void section(std::string& out, std::string_view label, const Table& t, const Style& style) {
  if (t.empty()) {
    out += fmt::format("{:<14}none\n", std::string(label) + ":");
    return;
  }
  out += fmt::format("{}:\n", label);
  Style inner = style;
  if (inner.width > 2) inner.width -= 2;
  const std::string body = t.render(inner);
  std::size_t at = 0;
  while (at < body.size()) {
    const auto nl = body.find('\n', at);
    out += "  " + body.substr(at, nl - at + 1);
    at = nl + 1;
  }
}

std::string quota_name(const Snapshot& snap, std::uint32_t q) { return q == kNone ? "flex" : snap.quotas[q].name; }

std::string node_table(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  const Node& n = snap.nodes[card.node];
  const Palette& p = Palette::of(o.style);
  std::string out;
  auto field = [&](std::string_view label, std::string_view value, Tone tone = Tone::plain) {
    const std::string_view colour = tone == Tone::bad ? p.bad : std::string_view{};
    out += fmt::format("{:<14}{}{}{}\n", std::string(label) + ":", colour, value, colour.empty() ? "" : p.reset);
  };
  field("Name", n.name);
  field("Cluster", cluster_text(snap, n));
  field("Island", n.island);
  field("GPUs", fmt::format("{}", n.gpus));
  field("Health", n.health, n.healthy ? Tone::plain : Tone::bad);
  field("Cordoned", std::string(yes_no(n.cordoned)));
  field("Schedulable", schedulable_text(card, snap), card.schedulable ? Tone::plain : Tone::bad);

  Table issues({{"PRIORITY", Align::left, 0}, {"TYPE", Align::left, 0}, {"DETECTED", Align::left, 1},
                {"DETAIL", Align::left, 2}});
  for (auto i : card.issues) {
    const NodeIssue& is = n.issues[i];
    issues.add_row({{fmt::format("p{}", is.priority), is.priority <= 1 ? Tone::bad : Tone::plain}, is.type,
                    is.detected_at ? short_time(*is.detected_at) : "-", is.detail.empty() ? "-" : is.detail});
  }
  section(out, "Issues", issues, o.style);

  Table events({{"ID", Align::left, 0},      {"WHEN", Align::left, 0},      {"STATE", Align::left, 3},
                {"START", Align::left, 0},   {"END", Align::left, 1},       {"HARD", Align::left, 4},
                {"ACTION-BY", Align::left, 2}, {"NODES", Align::left, 6},   {"KIND", Align::left, 5},
                {"REASON", Align::left, 7}});
  for (const auto& row : card.events) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    events.add_row({e.id, {std::string(to_string(row.when)), row.when == EventTiming::current ? Tone::warn : Tone::plain},
                    std::string(to_string(e.state)), short_time(e.start), short_time(e.end),
                    std::string(yes_no(e.hard_start)), short_time(row.action_by), event_nodes_cell(snap, e), e.kind,
                    e.reason.empty() ? "-" : e.reason});
  }
  section(out, "Maintenance", events, o.style);

  Table jobs({{"NAME", Align::left, 0},     {"NAMESPACE", Align::left, 3}, {"QUOTA", Align::left, 0},
              {"PRIORITY", Align::left, 2}, {"GPUS", Align::right, 0},     {"NODES", Align::left, 4},
              {"IDLE", Align::left, 5},     {"STARTED", Align::left, 6}});
  for (auto j : card.jobs) {
    const Job& job = snap.jobs[j];
    jobs.add_row({job.name, job.ns, job.quota, std::string(to_string(job.priority)), fmt::format("{}", job.gpus),
                  short_list(job.nodes), std::string(yes_no(job.idle)),
                  job.started_at ? short_time(*job.started_at) : "-"});
  }
  section(out, "Jobs", jobs, o.style);

  Table quotas({{"NAME", Align::left, 0}, {"TREE", Align::left, 1}, {"CLUSTER", Align::left, 2},
                {"ASSIGNED", Align::right, 0}, {"ACCESS", Align::left, 3}});
  for (auto q : card.quotas) {
    const Quota& quota = snap.quotas[q];
    quotas.add_row({quota.name, quota.tree_index == kNone ? "-" : snap.quotas[quota.tree_index].name,
                    quota.cluster.value_or("-"), fmt::format("{}", quota.gpus),
                    quota.access ? short_list(*quota.access) : "any"});
  }
  section(out, "Quotas", quotas, o.style);
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

  w.key("issues").begin_array();
  for (auto i : card.issues) {
    const NodeIssue& is = n.issues[i];
    w.begin_object();
    w.field("type", is.type);
    w.field("priority", fmt::format("p{}", is.priority));
    w.field("detected_at", json_out::rfc3339_or_null(is.detected_at));
    w.field("detail", is.detail);
    w.end_object();
  }
  w.end_array();

  w.key("events").begin_array();
  for (const auto& row : card.events) {
    const MaintenanceEvent& e = snap.maintenance[row.event];
    w.begin_object();
    w.field("id", e.id);
    w.field("when", to_string(row.when));
    w.field("state", to_string(e.state));
    w.field("start", format_rfc3339(e.start));
    w.field("end", format_rfc3339(e.end));
    w.field("hard_start", e.hard_start);
    w.field("action_by", format_rfc3339(row.action_by));
    w.field("whole_cluster", row.whole_cluster);
    w.field("kind", e.kind);
    w.field("reason", e.reason);
    w.field("priority", fmt::format("p{}", e.priority));
    w.end_object();
  }
  w.end_array();

  w.key("jobs").begin_array();
  for (auto j : card.jobs) {
    const Job& job = snap.jobs[j];
    w.begin_object();
    w.field("name", job.name);
    w.field("namespace", job.ns);
    w.field("quota", job.quota);
    w.field("priority", to_string(job.priority));
    w.field("gpus", job.gpus);
    w.array_field("nodes", job.nodes);
    w.field("idle", job.idle);
    w.field("started_at", json_out::rfc3339_or_null(job.started_at));
    w.end_object();
  }
  w.end_array();

  w.key("quotas").begin_array();
  for (auto q : card.quotas) {
    const Quota& quota = snap.quotas[q];
    w.begin_object();
    w.field("name", quota.name);
    w.key("tree");
    if (quota.tree_index == kNone)
      w.value(nullptr);
    else
      w.value(snap.quotas[quota.tree_index].name);
    w.field("cluster", quota.cluster);
    w.field("assigned", quota.gpus);
    w.key("access");
    if (quota.access)
      w.array(*quota.access);
    else
      w.value(nullptr);
    w.end_object();
  }
  w.end_array();
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

std::string impact_table(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  if (r.clusters.empty()) return "No clusters match.\n";
  Table t({{"CLUSTER", Align::left, 0},
           {"SKU", Align::left, 6},
           {"EVENTS", Align::right, 5},
           {"HEALTHY", Align::right, 7},
           {"MIN-HEALTHY", Align::right, 0},
           {"MIN-AT", Align::left, 1},
           {"ASSIGNED", Align::right, 4},
           {"WORST-UNBACKED", Align::right, 0},
           {"MIN-BLOCK", Align::right, 2},
           {"MIN-BLOCK-AT", Align::left, 3}});
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    const ImpactStep& now = c.steps.front();
    t.add_row({cl.name, cl.sku, fmt::format("{}", c.events), fmt::format("{}", now.healthy),
               {fmt::format("{}", c.min_healthy), c.min_healthy < now.healthy ? Tone::warn : Tone::plain},
               short_time(c.min_healthy_at), fmt::format("{}", c.assigned),
               {fmt::format("{}", c.worst_unbacked), c.worst_unbacked > 0 ? Tone::bad : Tone::plain},
               fmt::format("{}", c.min_largest_free_block), short_time(c.min_largest_free_block_at)});
  }
  return t.render(o.style) + "\n" + render_impact_timeline(r, snap, o.style.width);
}

std::string impact_json(const ImpactReport& r, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  json_out::begin_document(w, "maintenance.impact", o);
  put_horizon(w, r.horizon, false);
  w.key("clusters").begin_array();
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    w.begin_object();
    w.field("name", cl.name);
    w.field("region", cl.region);
    w.field("provider", cl.provider);
    w.field("sku", cl.sku);
    w.field("state", to_string(cl.state));
    w.field("total", c.total);
    w.field("assigned", c.assigned);
    w.field("events", c.events);
    w.field("healthy", c.steps.front().healthy);
    w.field("largest_free_block", c.steps.front().largest_free_block);
    w.field("min_healthy", c.min_healthy);
    w.field("min_healthy_at", format_rfc3339(c.min_healthy_at));
    w.field("max_healthy", c.max_healthy);
    w.field("worst_unbacked", c.worst_unbacked);
    w.field("min_largest_free_block", c.min_largest_free_block);
    w.field("min_largest_free_block_at", format_rfc3339(c.min_largest_free_block_at));
    w.key("steps").begin_array();
    for (const auto& s : c.steps) {
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

std::string impact_csv(const ImpactReport& r, const Snapshot& snap) {
  std::string out = "name,region,provider,sku,state,total,assigned,events,healthy,largest_free_block,min_healthy,"
                    "min_healthy_at,max_healthy,worst_unbacked,min_largest_free_block,min_largest_free_block_at\n";
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(cl.name), csv_field(cl.region),
                       csv_field(cl.provider), csv_field(cl.sku), to_string(cl.state), c.total, c.assigned, c.events,
                       c.steps.front().healthy, c.steps.front().largest_free_block, c.min_healthy,
                       format_rfc3339(c.min_healthy_at), c.max_healthy, c.worst_unbacked, c.min_largest_free_block,
                       format_rfc3339(c.min_largest_free_block_at));
  }
  return out;
}

// ---- plan

std::string why_text(const PlanJob& pj, const Snapshot& snap) {
  std::vector<std::string_view> why;
  if (pj.unhealthy) why.push_back("unhealthy");
  for (auto e : pj.events) why.push_back(snap.maintenance[e].id);
  return short_list(why, 2);
}

std::string_view outcome_name(MoveOutcome o) {
  switch (o) {
  case MoveOutcome::placed: return "placed";
  case MoveOutcome::unplaced: return "unplaced";
  case MoveOutcome::preempted: break;
  }
  return "preempted";
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
  std::string out;
  if (pj.outcome == MoveOutcome::preempted && pj.preempted_by != kNone)
    return fmt::format("preempted at {} to make room for {}", when, snap.jobs[plan.jobs[pj.preempted_by].job].name);
  out = single ? fmt::format("no {} node with {} free GPUs {} at {}", c.sku, job.gpus, plan_where(plan, c), when)
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
      out += fmt::format("; it would fit in {} ({} GPUs) if event {} ({} to {}) ended by {} or started after {}",
                         island, pj.hint_gpus, e.id, short_time(e.start), short_time(e.end), when,
                         short_time(plan.horizon.end()));
    } else if (pj.hint_job != kNone) {
      const Job& other = snap.jobs[pj.hint_job];
      out += fmt::format("; it would fit in {} ({} GPUs) if flex job {} ({}, {}) moved", island, pj.hint_gpus,
                         other.name, other.ns, to_string(other.priority));
    }
  }
  if (job.flex && pj.outcome == MoveOutcome::preempted) out.insert(0, "a flex job takes free GPUs only: ");
  return out;
}

TableCell move_by_cell(const PlanJob& pj, Time at) {
  if (pj.move_by < at) return {short_time(pj.move_by) + " OVERDUE", Tone::bad};
  if (pj.move_by == at) return TableCell("now");
  return TableCell(short_time(pj.move_by));
}

std::string plan_table(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o) {
  const MaintenanceHorizon& h = plan.horizon;
  if (plan.jobs.empty())
    return fmt::format("No jobs must move: no running job lists an unhealthy node or a node of an event to act on "
                       "before {} (window {}, lead {}).\n",
                       short_time(h.end()), format_duration(h.window), format_duration(h.lead));
  Table t({{"MOVE-BY", Align::left, 0},
           {"JOB", Align::left, 0},
           {"NAMESPACE", Align::left, 7},
           {"PRIORITY", Align::left, 4},
           {"GPUS", Align::right, 0},
           {"FROM", Align::left, 0},
           {"NODES", Align::left, 5},
           {"WHY", Align::left, 3},
           {"ACTION", Align::left, 0},
           {"TO", Align::left, 0},
           {"TO-NODES", Align::left, 6},
           {"QUOTA-AFTER", Align::left, 8}});
  auto victim_row = [&](std::uint32_t v, const PlanJob& by) {
    const Job& job = snap.jobs[v];
    t.add_row({move_by_cell(by, h.at), job.name, job.ns, std::string(to_string(job.priority)),
               fmt::format("{}", job.gpus), snap.clusters[job.cluster_index].name, short_list(job.nodes),
               fmt::format("for {}", snap.jobs[by.job].name), TableCell("PREEMPTED", Tone::warn), "-", "-", "-"});
  };
  for (const auto& pj : plan.jobs) {
    if (pj.preempted_by != kNone) continue; // shown under the move that preempted it
    const Job& job = snap.jobs[pj.job];
    TableCell action = pj.outcome == MoveOutcome::placed     ? TableCell("move")
                       : pj.outcome == MoveOutcome::unplaced ? TableCell("UNPLACED", Tone::bad)
                                                             : TableCell("PREEMPTED", Tone::warn);
    t.add_row({move_by_cell(pj, h.at), job.name, job.ns, std::string(to_string(job.priority)),
               fmt::format("{}", job.gpus), snap.clusters[job.cluster_index].name, short_list(job.nodes),
               why_text(pj, snap), action, pj.placed ? TableCell(snap.clusters[pj.cluster].name) : TableCell("-"),
               pj.placed ? short_list(node_names(snap, pj.nodes)) : "-",
               pj.placed ? quota_name(snap, pj.quota_after) : "-"});
    for (auto v : pj.preempts) victim_row(v, pj);
  }
  const PlanSummary& s = plan.summary;
  std::string out = t.render(o.style);

  Table days({{"MOVE-BY-DAY", Align::left, 0},
              {"TO-MOVE", Align::right, 0},
              {"GPUS", Align::right, 0},
              {"PLACED", Align::right, 0},
              {"GPUS", Align::right, 0},
              {"PREEMPTED", Align::right, 0},
              {"GPUS", Align::right, 0},
              {"UNPLACED", Align::right, 0},
              {"GPUS", Align::right, 0}});
  auto counts = [](std::string label, const PlanCounts& c) {
    return std::vector<TableCell>{std::move(label),
                                  fmt::format("{}", c.jobs),
                                  fmt::format("{}", c.gpus),
                                  fmt::format("{}", c.placed),
                                  fmt::format("{}", c.gpus_placed),
                                  fmt::format("{}", c.preempted),
                                  fmt::format("{}", c.gpus_preempted),
                                  TableCell(fmt::format("{}", c.unplaced), c.unplaced ? Tone::bad : Tone::plain),
                                  fmt::format("{}", c.gpus_unplaced)};
  };
  for (const auto& d : s.days) days.add_row(counts(format_rfc3339(d.day).substr(0, 10), d.counts));
  days.set_total(counts("TOTAL", s));
  out += '\n';
  out += days.render(o.style);

  std::size_t overdue = 0;
  for (const auto& pj : plan.jobs) overdue += pj.move_by < h.at ? 1 : 0;
  out += fmt::format("\n{} job{} ({} GPUs) must move: {} placed ({} to another cluster), {} flex job{} preempted, {} "
                     "cannot be placed{}.\n",
                     s.jobs, s.jobs == 1 ? "" : "s", s.gpus, s.placed, s.out_of_cluster, s.preempted,
                     s.preempted == 1 ? "" : "s", s.unplaced,
                     overdue ? fmt::format("; {} OVERDUE (move-by already passed)", overdue) : std::string());
  for (const auto& pj : plan.jobs)
    if (!pj.placed && pj.preempted_by == kNone)
      out += fmt::format("  {}: {}\n", snap.jobs[pj.job].name, unplaced_reason(pj, plan, snap));
  return out;
}

void put_counts(JsonWriter& w, const PlanCounts& c) {
  w.field("jobs", c.jobs).field("gpus", c.gpus);
  w.field("placed", c.placed).field("gpus_placed", c.gpus_placed);
  w.field("preempted", c.preempted).field("gpus_preempted", c.gpus_preempted);
  w.field("unplaced", c.unplaced).field("gpus_unplaced", c.gpus_unplaced);
  w.field("out_of_cluster", c.out_of_cluster);
}

void plan_job_json(JsonWriter& w, const PlanJob& pj, const MovePlan& plan, const Snapshot& snap) {
  const Job& job = snap.jobs[pj.job];
  w.begin_object();
  w.field("name", job.name);
  w.field("namespace", job.ns);
  w.field("quota", job.quota);
  w.field("cluster", snap.clusters[job.cluster_index].name);
  w.field("priority", to_string(job.priority));
  w.field("gpus", job.gpus);
  w.array_field("nodes", job.nodes);
  w.field("unhealthy", pj.unhealthy);
  w.key("events").begin_array();
  for (auto e : pj.events) w.value(snap.maintenance[e].id);
  w.end_array();
  w.field("move_by", format_rfc3339(pj.move_by));
  w.field("move_at", format_rfc3339(pj.move_at));
  w.field("overdue", pj.move_by < plan.horizon.at);
  w.field("outcome", outcome_name(pj.outcome));
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
    w.key("preempted_by");
    if (pj.preempted_by == kNone)
      w.value(nullptr);
    else
      w.value(snap.jobs[plan.jobs[pj.preempted_by].job].name);
    w.field("reason", unplaced_reason(pj, plan, snap));
    w.field("largest_free_block", pj.best_block);
    w.key("largest_free_block_island");
    if (pj.best_island == kNone)
      w.value(nullptr);
    else
      w.value(snap.index.islands[pj.best_island].name);
    w.key("largest_free_block_node");
    if (pj.best_node == kNone)
      w.value(nullptr);
    else
      w.value(snap.nodes[pj.best_node].name);
    w.key("fits_if");
    if (pj.hint_island == kNone) {
      w.value(nullptr);
    } else {
      w.begin_object();
      w.field("island", snap.index.islands[pj.hint_island].name);
      w.field("gpus", pj.hint_gpus);
      w.key("event");
      if (pj.hint_event == kNone)
        w.value(nullptr);
      else
        w.value(snap.maintenance[pj.hint_event].id);
      w.key("flex_job");
      if (pj.hint_job == kNone)
        w.value(nullptr);
      else
        w.value(snap.jobs[pj.hint_job].name);
      w.end_object();
    }
  }
  w.end_object();
}

void plan_json(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out) {
  JsonWriter w(out);
  json_out::begin_document(w, "maintenance.plan", o);
  put_horizon(w, plan.horizon);
  w.field("same_region", plan.same_region);
  w.key("moves").begin_array();
  for (const auto& pj : plan.jobs)
    if (pj.placed) plan_job_json(w, pj, plan, snap);
  w.end_array();
  w.key("unplaced").begin_array();
  for (const auto& pj : plan.jobs)
    if (pj.outcome == MoveOutcome::unplaced) plan_job_json(w, pj, plan, snap);
  w.end_array();
  // Every flex job preempted: to make room for a move (`by`), or a flex job that had to move
  // and found no free GPUs (`by` null; its row in `jobs_preempted` says why).
  w.key("preempted").begin_array();
  for (const auto& p : plan.preempted) {
    const Job& job = snap.jobs[p.job];
    const PlanJob& by = plan.jobs[p.by];
    w.begin_object();
    w.field("name", job.name).field("namespace", job.ns).field("cluster", snap.clusters[job.cluster_index].name);
    w.field("priority", to_string(job.priority)).field("gpus", job.gpus);
    w.array_field("nodes", job.nodes);
    w.field("by", snap.jobs[by.job].name);
    w.field("at", format_rfc3339(by.move_at));
    w.field("must_move", p.must_move);
    w.end_object();
  }
  for (const auto& pj : plan.jobs) {
    if (pj.outcome != MoveOutcome::preempted || pj.preempted_by != kNone) continue;
    const Job& job = snap.jobs[pj.job];
    w.begin_object();
    w.field("name", job.name).field("namespace", job.ns).field("cluster", snap.clusters[job.cluster_index].name);
    w.field("priority", to_string(job.priority)).field("gpus", job.gpus);
    w.array_field("nodes", job.nodes);
    w.key("by").value(nullptr);
    w.field("at", format_rfc3339(pj.move_at));
    w.field("move_by", format_rfc3339(pj.move_by));
    w.field("must_move", true);
    w.field("reason", unplaced_reason(pj, plan, snap));
    w.end_object();
  }
  w.end_array();
  const PlanSummary& s = plan.summary;
  w.key("summary").begin_object();
  put_counts(w, s);
  w.key("days").begin_array();
  for (const auto& d : s.days) {
    w.begin_object();
    w.field("day", format_rfc3339(d.day).substr(0, 10));
    put_counts(w, d.counts);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_object().finish();
}

// One row per job the plan acts on, in the order the table shows them.
std::string plan_csv(const MovePlan& plan, const Snapshot& snap) {
  std::string out = "name,namespace,quota,cluster,priority,gpus,nodes,unhealthy,events,move_by,overdue,outcome,"
                    "to_cluster,to_island,to_nodes,scope,quota_after,preempted_by,reason\n";
  auto common = [&](const Job& job, const PlanJob* pj, Time move_by, std::string_view outcome) {
    std::vector<std::string_view> events;
    if (pj)
      for (auto e : pj->events) events.push_back(snap.maintenance[e].id);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},", csv_field(job.name), csv_field(job.ns),
                       csv_field(job.quota), csv_field(snap.clusters[job.cluster_index].name),
                       to_string(job.priority), job.gpus,
                       csv_field(joined(std::vector<std::string_view>(job.nodes.begin(), job.nodes.end()))),
                       pj ? pj->unhealthy : false, csv_field(joined(events)), format_rfc3339(move_by),
                       move_by < plan.horizon.at, outcome);
  };
  for (const auto& pj : plan.jobs) {
    if (pj.preempted_by != kNone) continue;
    const Job& job = snap.jobs[pj.job];
    common(job, &pj, pj.move_by, outcome_name(pj.outcome));
    if (pj.placed)
      out += fmt::format("{},{},{},{},{},,\n", csv_field(snap.clusters[pj.cluster].name),
                         csv_field(snap.index.islands[pj.island].name), csv_field(joined(node_names(snap, pj.nodes))),
                         to_string(pj.scope), csv_field(quota_name(snap, pj.quota_after)));
    else
      out += fmt::format(",,,,,,{}\n", csv_field(unplaced_reason(pj, plan, snap)));
    for (auto v : pj.preempts) {
      common(snap.jobs[v], nullptr, pj.move_by, "preempted");
      out += fmt::format(",,,,,{},\n", csv_field(job.name));
    }
  }
  return out;
}

} // namespace

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
  case Format::csv: return list_csv(list, snap);
  case Format::table: break;
  }
  return list_table(list, snap, o);
}

std::string render_node_card(const NodeCard& card, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return node_json(card, snap, o);
  case Format::csv: return node_csv(card, snap);
  case Format::table: break;
  }
  return node_table(card, snap, o);
}

std::string render_impact(const ImpactReport& report, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return impact_json(report, snap, o);
  case Format::csv: return impact_csv(report, snap);
  case Format::table: break;
  }
  return impact_table(report, snap, o);
}

void render_move_plan(const MovePlan& plan, const Snapshot& snap, const RenderOptions& o, std::ostream& out) {
  switch (o.format) {
  case Format::json: plan_json(plan, snap, o, out); return;
  case Format::csv: out << plan_csv(plan, snap); return;
  case Format::table: break;
  }
  out << plan_table(plan, snap, o);
}

} // namespace fleetcap
