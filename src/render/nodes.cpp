// `fleetcap nodes`: a node listing like `sinfo -R`, or with --by island the sums per island.
#include "fleetcap/render/nodes.hpp"

#include "fleetcap/render/maintenance.hpp"
#include "lists.hpp"

namespace fleetcap {
namespace {

using namespace cols;

struct NodeView {
  const Snapshot* snap;
  const NodesReport* report;
  const NodeRow* row;
  const Node& node() const { return snap->nodes[row->node]; }
  const NodeIssue* issue() const {
    return row->worst_issue < 0 ? nullptr : &node().issues[static_cast<std::size_t>(row->worst_issue)];
  }
  const MaintenanceEvent* event() const {
    return row->next_event == kNone ? nullptr : &snap->maintenance[row->next_event];
  }
};

// Like `sinfo -R`: what is wrong with the node, what is planned on it, what runs there.
const Column<NodeView> kNodeList[] = {
    {.key = "name",
     .header = "NODE",
     .align = Align::left,
     .identifying = true,
     .get = [](const NodeView& r) { return txt(r.node().name); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .drop = 3,
     .get = [](const NodeView& r) { return txt(r.snap->clusters[r.node().cluster_index].name); }},
    {.key = "island",
     .header = "ISLAND",
     .align = Align::left,
     .drop = 4,
     .get = [](const NodeView& r) { return txt(r.snap->index.islands[r.node().island_index].name); }},
    {.key = "gpus", .header = "GPUS", .drop = 2, .get = [](const NodeView& r) { return num(r.node().gpus); }},
    {.key = "gpus_used", .header = "IN-USE", .drop = 2, .get = [](const NodeView& r) { return num(r.row->gpus_used); }},
    {.key = "health",
     .header = "HEALTH",
     .align = Align::left,
     .drop = 1,
     .get = [](const NodeView& r) { return txt(r.node().health, r.node().healthy ? Tone::plain : Tone::bad); }},
    {.key = "cordoned",
     .header = "CORDONED",
     .align = Align::left,
     .drop = 2,
     .get = [](const NodeView& r) { return flag(r.node().cordoned, r.node().cordoned ? Tone::warn : Tone::plain); }},
    {.key = "schedulable",
     .header = "SCHEDULABLE",
     .align = Align::left,
     .drop = 1,
     .get = [](const NodeView& r) { return flag(r.row->schedulable, r.row->schedulable ? Tone::plain : Tone::bad); }},
    {.key = "issues", .get = [](const NodeView& r) { return num(r.node().issues.size()); }},
    {.key = "worst_issue",
     .header = "ISSUE",
     .align = Align::left,
     .drop = 1,
     .get =
         [](const NodeView& r) {
           const NodeIssue* i = r.issue();
           if (!i) return none();
           const std::string more = r.node().issues.size() > 1 ? fmt::format(" +{}", r.node().issues.size() - 1) : "";
           return txt(i->type, i->priority <= 1 ? Tone::bad : Tone::warn,
                      fmt::format("p{} {}{}", i->priority, i->type, more));
         }},
    {.key = "worst_issue_priority",
     .get = [](const NodeView& r) { return r.issue() ? txt(fmt::format("p{}", r.issue()->priority)) : none(); }},
    {.key = "worst_issue_detected_at",
     .get = [](const NodeView& r) { return r.issue() ? time_or_none(r.issue()->detected_at) : none(); }},
    {.key = "worst_issue_detail",
     .header = "ISSUE-DETAIL",
     .align = Align::left,
     .drop = 9,
     .wide = true,
     .get = [](const NodeView& r) { return r.issue() ? txt(r.issue()->detail) : none(); }},
    {.key = "next_event",
     .header = "NEXT-EVENT",
     .align = Align::left,
     .drop = 1,
     .get =
         [](const NodeView& r) {
           const MaintenanceEvent* e = r.event();
           if (!e) return none();
           const std::string when =
               r.row->event_active ? "until " + short_time(e->end) : "from " + short_time(e->start);
           return txt(std::string(e->id), r.row->event_active ? Tone::warn : Tone::plain,
                      fmt::format("{} {}{}", e->id, when, e->hard_start ? " (hard)" : ""));
         }},
    {.key = "next_event_active",
     .get = [](const NodeView& r) { return r.event() ? flag(r.row->event_active) : none(); }},
    {.key = "next_event_start",
     .get = [](const NodeView& r) { return r.event() ? txt(format_rfc3339(r.event()->start)) : none(); }},
    {.key = "next_event_end",
     .get = [](const NodeView& r) { return r.event() ? txt(format_rfc3339(r.event()->end)) : none(); }},
    {.key = "next_event_hard_start",
     .get = [](const NodeView& r) { return r.event() ? flag(r.event()->hard_start) : none(); }},
    {.key = "jobs",
     .header = "JOBS",
     .align = Align::left,
     .drop = 5,
     .item = "job",
     .get =
         [](const NodeView& r) {
           std::vector<std::string_view> names;
           for (auto j : r.row->jobs) names.push_back(r.snap->jobs[j].name);
           return list_of(names);
         }},
};
const Columns<NodeView> kNodeColumns{"nodes", "nodes", kNodeList};

struct IslandView {
  const Snapshot* snap;
  const IslandNodes* s;
  bool total = false;
};

const Column<IslandView> kIslandList[] = {
    {.key = "island",
     .header = "ISLAND",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const IslandView& r) { return r.total ? txt("TOTAL") : txt(r.snap->index.islands[r.s->island].name); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .drop = 3,
     .get =
         [](const IslandView& r) {
           return r.total ? none() : txt(r.snap->clusters[r.snap->index.islands[r.s->island].cluster_index].name);
         }},
    {.key = "nodes",
     .header = "NODES",
     .drop = 1,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->nodes); }},
    {.key = "gpus",
     .header = "GPUS",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->gpus); }},
    {.key = "gpus_used",
     .header = "IN-USE",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->gpus_used); }},
    {.key = "schedulable_gpus",
     .header = "SCHEDULABLE-GPUS",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->schedulable_gpus); }},
    {.key = "unschedulable_nodes",
     .header = "UNSCHEDULABLE",
     .drop = 1,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->unschedulable, r.s->unschedulable ? Tone::bad : Tone::plain); }},
    {.key = "unhealthy_nodes",
     .header = "UNHEALTHY",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->unhealthy); }},
    {.key = "cordoned_nodes",
     .header = "CORDONED-NODES",
     .drop = 4,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->cordoned); }},
    {.key = "nodes_with_issues",
     .header = "WITH-ISSUES",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->with_issues); }},
    {.key = "nodes_with_events",
     .header = "WITH-EVENTS",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->with_events); }},
    {.key = "running_jobs",
     .header = "RUNNING-JOBS",
     .drop = 5,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->running_jobs); }},
};
const Columns<IslandView> kIslandColumns{"nodes", "islands", kIslandList};

std::vector<NodeView> node_rows(const NodesReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<NodeView> rows;
  rows.reserve(r.rows.size());
  for (const auto& row : r.rows) rows.push_back({&snap, &r, &row});
  sort_rows(kNodeColumns, rows, o.sort);
  return rows;
}

std::vector<IslandView> island_rows(const NodesReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<IslandView> rows;
  for (const auto& s : r.islands) rows.push_back({&snap, &s});
  sort_rows(kIslandColumns, rows, o.sort);
  return rows;
}

// fleetcap.nodes: the horizon, the nodes (or with --by island the islands), and the totals.
struct NodesDoc {
  const NodesReport* r;
  bool by_island;
  std::vector<NodeView> nodes;
  std::vector<IslandView> islands;
  IslandView total;
};
const MaintenanceHorizon* horizon_of(const NodesDoc& d) { return &d.r->horizon; }
void rows_section(JsonWriter& w, std::string_view key, const NodesDoc& d, unsigned have) {
  if (key == "islands" && d.by_island) json_list(w, key, kIslandColumns, d.islands, have);
  if (key == "nodes" && !d.by_island) json_list(w, key, kNodeColumns, d.nodes, have);
}

const Column<NodesDoc> kNodesDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, horizon_of>},
    {.key = "all", .get = [](const NodesDoc& d) { return flag(d.r->all); }},
    {.key = "islands", .section = rows_section},
    {.key = "nodes", .section = rows_section},
    {.key = "totals", .section = totals<kIslandColumns, &NodesDoc::total>},
};
const Columns<NodesDoc> kNodesDoc{"nodes", "document", kNodesDocList, ListKind::document, "fleetcap.nodes/v1"};

std::string nodes_json(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, bool by_island) {
  NodesDoc d{&r, by_island, {}, {}, {&snap, &r.totals, true}};
  if (by_island)
    d.islands = island_rows(r, snap, o);
  else
    d.nodes = node_rows(r, snap, o);
  return json_document(kNodesDoc, d, o);
}

std::string table(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, bool by_island) {
  if (r.rows.empty())
    return wrap_prose(
        fmt::format("No node {}: every node of the selected clusters is schedulable, with no open issue and "
                    "no maintenance before {}.\n",
                    r.all ? "matches" : "to report", short_time(r.horizon.end())),
        o.style.width);
  if (by_island) {
    const IslandView total{&snap, &r.totals, true};
    return table_of(kIslandColumns, island_rows(r, snap, o), o, &total);
  }
  std::string out = table_of(kNodeColumns, node_rows(r, snap, o), o);
  const IslandNodes& t = r.totals;
  out +=
      wrap_prose(fmt::format("\n{} node{} ({} GPUs{}): {} not schedulable now, {} unhealthy, {} cordoned, {} with an "
                             "open issue, {} with maintenance before {}.\n",
                             t.nodes, t.nodes == 1 ? "" : "s", t.gpus, r.all ? "" : " listed", t.unschedulable,
                             t.unhealthy, t.cordoned, t.with_issues, t.with_events, short_time(r.horizon.end())),
                 o.style.width);
  return out;
}

} // namespace

namespace cols {
void link_nodes_columns() {}
} // namespace cols

std::string render_nodes(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, bool by_island) {
  switch (o.format) {
  case Format::json: return nodes_json(r, snap, o, by_island);
  case Format::csv:
    return by_island ? csv_of(kIslandColumns, island_rows(r, snap, o), o)
                     : csv_of(kNodeColumns, node_rows(r, snap, o), o);
  case Format::name:
    return by_island ? names_of(kIslandColumns, island_rows(r, snap, o))
                     : names_of(kNodeColumns, node_rows(r, snap, o));
  case Format::table: break;
  }
  return table(r, snap, o, by_island);
}

} // namespace fleetcap
