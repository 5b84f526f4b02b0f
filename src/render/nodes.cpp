// `fleetcap nodes`: a node listing like `sinfo -R`, or with --by island the sums per island.
#include "fleetcap/render/nodes.hpp"

#include "fleetcap/render/maintenance.hpp"
#include "lists.hpp"
#include "shared_columns.hpp"

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

// Conditions (Column::only_with): the fleet has reservations, or partitions (docs/design.md).
constexpr unsigned kReserved = kFirstOwnCondition, kPartitions = kFirstOwnCondition * 2;

unsigned conditions(const Snapshot& snap) {
  return (snap.reservations.empty() ? 0 : kReserved) | (snap.partitions.empty() ? 0 : kPartitions);
}

// The reservation holding the node now (else the next in the window): for whom, until (or from) when.
Value reservation_value(const NodeView& r) {
  if (r.row->reservation == kNone) return none();
  const Reservation& x = r.snap->reservations[r.row->reservation];
  std::string who;
  for (const auto& ns : x.namespaces) who += (who.empty() ? "" : ",") + ns;
  for (const auto& u : x.users) who += (who.empty() ? "user " : ",user ") + u;
  const bool now = x.active_at(r.report->horizon.at);
  return txt(x.name, Tone::warn,
             fmt::format("{} for {} {} {}", x.name, who.empty() ? "-" : who, now ? "until" : "from",
                         short_time(now ? x.end : x.start)));
}

// "m3 from 2026-11-24T00:00Z (hard)", at a narrow width "m3 in 3d12h (hard)".
Value event_value(const MaintenanceEvent* e, bool active, Time at) {
  if (!e) return none();
  if (plain_values()) return txt(e->id);
  const std::string when = active ? "until " + short_time(e->end) : "from " + short_time(e->start);
  const std::string brief = active ? "ends " + relative_time(e->end, at) : relative_time(e->start, at);
  const std::string hard = e->hard_start ? " (hard)" : "";
  return with_brief(
      txt(std::string(e->id), active ? Tone::warn : Tone::plain, fmt::format("{} {}{}", e->id, when, hard)),
      fmt::format("{} {}{}", e->id, brief, hard));
}

// Why the node is listed, in words, as `sinfo -R` gives it: its worst issue's detail (else its
// type), else why it is not schedulable, else the coming event's reason (else its kind), else
// the reservation holding it.
Value reason_value(const NodeView& r) {
  const Node& n = r.node();
  if (const NodeIssue* i = r.issue()) return txt(i->detail.empty() ? i->type : i->detail, Tone::plain);
  if (!n.healthy) return txt(n.health, Tone::bad);
  if (n.cordoned) return txt("cordoned", Tone::warn);
  if (const MaintenanceEvent* e = r.event())
    return txt(!e->reason.empty() ? e->reason : !e->kind.empty() ? e->kind : e->id);
  if (r.row->reservation != kNone) return txt("reserved: " + r.snap->reservations[r.row->reservation].name);
  return none();
}

// The next event's times, for a row with event() (null: none).
template <class R> Value next_event_start(const R& r) {
  return r.event() ? txt(format_rfc3339(r.event()->start)) : none();
}
template <class R> Value next_event_end(const R& r) { return r.event() ? txt(format_rfc3339(r.event()->end)) : none(); }

// Like `sinfo -R`: what is wrong with the node, what is planned on it, what runs there; the
// reason goes last.
const Column<NodeView> kNodeList[] = {
    node_name_column<NodeView>([](const NodeView& r) { return txt(r.node().name); }),
    cluster_of_column<NodeView>({.drop = 4},
                                [](const NodeView& r) { return txt(r.snap->clusters[r.node().cluster_index].name); }),
    island_of_column<NodeView>(
        {.drop = 6}, [](const NodeView& r) { return txt(r.snap->index.islands[r.node().island_index].name); }),
    node_gpus_column<NodeView>({.drop = 3}, [](const NodeView& r) { return num(r.node().gpus); }),
    node_in_use_column<NodeView>({.drop = 3}, [](const NodeView& r) { return num(r.row->gpus_used); }),
    {.key = "health",
     .header = "HEALTH",
     .unit = Unit::text,
     .meaning = "Health as the source says (healthy, or why not).",
     .align = Align::left,
     .drop = 2,
     .get = [](const NodeView& r) { return txt(r.node().health, r.node().healthy ? Tone::plain : Tone::bad); }},
    {.key = "cordoned",
     .header = "CORDONED",
     .unit = Unit::flag,
     .meaning = "Whether no new work may start on it.",
     .align = Align::left,
     .drop = 3,
     .get = [](const NodeView& r) { return flag(r.node().cordoned, r.node().cordoned ? Tone::warn : Tone::plain); }},
    {.key = "schedulable",
     .header = "SCHEDULABLE",
     .unit = Unit::flag,
     .meaning = "Healthy, not cordoned and in no active maintenance.",
     .align = Align::left,
     .drop = 2,
     .get = [](const NodeView& r) { return flag(r.row->schedulable, r.row->schedulable ? Tone::plain : Tone::bad); }},
    {.key = "concern", .get = [](const NodeView& r) { return txt(to_string(r.row->concern)); }},
    {.key = "issues", .get = [](const NodeView& r) { return num(r.node().issues.size()); }},
    {.key = "worst_issue",
     .header = "ISSUE",
     .unit = Unit::text,
     .meaning = "Its worst issue: priority (p0 worst) and type, +N more.",
     .align = Align::left,
     .drop = 3,
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
     .unit = Unit::text,
     .meaning = "What the source says of that issue.",
     .align = Align::left,
     .drop = 9,
     .wide = true,
     .get = [](const NodeView& r) { return r.issue() ? txt(r.issue()->detail) : none(); }},
    next_event_column<NodeView>(
        [](const NodeView& r) { return event_value(r.event(), r.row->event_active, r.report->horizon.at); }),
    {.key = "next_event_active",
     .get = [](const NodeView& r) { return r.event() ? flag(r.row->event_active) : none(); }},
    {.key = "next_event_start", .get = next_event_start<NodeView>},
    {.key = "next_event_end", .get = next_event_end<NodeView>},
    {.key = "next_event_hard_start",
     .get = [](const NodeView& r) { return r.event() ? flag(r.event()->hard_start) : none(); }},
    {.key = "reservation",
     .header = "RESERVATION",
     .unit = Unit::text,
     .meaning = "The reservation that holds it: name, for whom, until or from when.",
     .align = Align::left,
     .drop = 2,
     .only_with = kReserved,
     .get = reservation_value},
    {.key = "partitions",
     .header = "PARTITIONS",
     .unit = Unit::list,
     .meaning = "The Slurm partitions it is in.",
     .align = Align::left,
     .drop = 6,
     .only_with = kPartitions,
     .get =
         [](const NodeView& r) {
           return r.node().detail ? list_of(r.node().detail->partitions) : list(std::vector<std::string>{});
         }},
    {.key = "jobs",
     .header = "JOBS",
     .unit = Unit::list,
     .meaning = "Running jobs that list the node.",
     .align = Align::left,
     .drop = 5,
     .item = "job",
     .get =
         [](const NodeView& r) {
           std::vector<std::string_view> names;
           for (auto j : r.row->jobs) names.push_back(r.snap->jobs[j].name);
           return list_of(names);
         }},
    {.key = "reason",
     .header = "REASON",
     .unit = Unit::text,
     .meaning = "Why it is not schedulable or what comes: issue, health, cordon or maintenance.",
     .align = Align::left,
     .drop = 1,
     .get = reason_value},
};
const Columns<NodeView> kNodeColumns{"nodes", "nodes", kNodeList};

struct IslandView {
  const Snapshot* snap;
  const IslandNodes* s;
  bool total = false;
};

// The sums over a group of listed nodes, as --by island and --by partition show them.
constexpr Column<IslandView> kNodeSums[] = {
    {.key = "nodes",
     .header = "NODES",
     .unit = Unit::nodes,
     .meaning = "Its nodes.",
     .drop = 1,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->nodes); }},
    {.key = "gpus",
     .header = "GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs of its nodes.",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->gpus); }},
    {.key = "gpus_used",
     .header = "IN-USE",
     .unit = Unit::gpus,
     .meaning = "GPUs its nodes' running jobs use.",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->gpus_used); }},
    {.key = "schedulable_gpus",
     .header = "SCHEDULABLE-GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs on its schedulable nodes.",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->schedulable_gpus); }},
    {.key = "unschedulable_nodes",
     .header = "UNSCHEDULABLE",
     .unit = Unit::nodes,
     .meaning = "Nodes not schedulable now.",
     .drop = 1,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->unschedulable, r.s->unschedulable ? Tone::bad : Tone::plain); }},
    {.key = "unhealthy_nodes",
     .header = "UNHEALTHY",
     .unit = Unit::nodes,
     .meaning = "Nodes not healthy.",
     .drop = 2,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->unhealthy); }},
    {.key = "cordoned_nodes",
     .header = "CORDONED-NODES",
     .unit = Unit::nodes,
     .meaning = "Nodes cordoned.",
     .drop = 4,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->cordoned); }},
    {.key = "nodes_with_issues",
     .header = "WITH-ISSUES",
     .unit = Unit::nodes,
     .meaning = "Nodes with at least one issue.",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->with_issues); }},
    {.key = "nodes_with_events",
     .header = "WITH-EVENTS",
     .unit = Unit::nodes,
     .meaning = "Nodes with maintenance in the window.",
     .drop = 3,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->with_events); }},
    {.key = "running_jobs",
     .header = "RUNNING-JOBS",
     .unit = Unit::jobs,
     .meaning = "Running jobs on its nodes.",
     .drop = 5,
     .total = Total::value,
     .get = [](const IslandView& r) { return num(r.s->running_jobs); }},
};

constexpr Column<IslandView> kIslandOwn[] = {
    {.key = "island",
     .header = "ISLAND",
     .unit = Unit::name,
     .meaning = "The island.",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const IslandView& r) { return r.total ? txt("TOTAL") : txt(r.snap->index.islands[r.s->island].name); }},
    cluster_of_column<IslandView>(
        {.drop = 3},
        [](const IslandView& r) {
          return r.total ? none() : txt(r.snap->clusters[r.snap->index.islands[r.s->island].cluster_index].name);
        }),
};
constexpr auto kIslandList = joined(kIslandOwn, kNodeSums);
const Columns<IslandView> kIslandColumns{"nodes", "islands", kIslandList.columns};

// --by partition: the same sums under the partition's name (`island` holds its index).
constexpr Column<IslandView> kPartitionOwn[] = {
    {.key = "partition",
     .header = "PARTITION",
     .unit = Unit::name,
     .meaning = "The Slurm partition.",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const IslandView& r) { return r.total ? txt("TOTAL") : txt(r.snap->partitions[r.s->island]); }},
};
constexpr auto kPartitionList = joined(kPartitionOwn, kNodeSums);
const Columns<IslandView> kPartitionColumns{"nodes", "partitions", kPartitionList.columns};

// `nodes --free`: like `sinfo -N -o "%N %G %T"` with the free GPUs, and whose use the rest is.
struct FreeView {
  const Snapshot* snap;
  const FreeNodes* report;
  const FreeNodeRow* row;
  bool total = false;
  const Node& node() const { return snap->nodes[row->node]; }
  const MaintenanceEvent* event() const {
    return total || row->next_event == kNone ? nullptr : &snap->maintenance[row->next_event];
  }
};

template <Gpus FreeNodeRow::*F> Value free_figure(const FreeView& r) { return num(r.row->*F); }

const Column<FreeView> kFreeList[] = {
    node_name_column<FreeView>([](const FreeView& r) { return r.total ? txt("TOTAL") : txt(r.node().name); },
                               Total::label),
    cluster_of_column<FreeView>(
        {.drop = 3},
        [](const FreeView& r) { return r.total ? none() : txt(r.snap->clusters[r.node().cluster_index].name); }),
    island_of_column<FreeView>(
        {.drop = 5},
        [](const FreeView& r) { return r.total ? none() : txt(r.snap->index.islands[r.node().island_index].name); }),
    {.key = "sku",
     .header = "SKU",
     .unit = Unit::name,
     .meaning = meaning::kSku,
     .align = Align::left,
     .drop = 4,
     .get = [](const FreeView& r) { return r.total ? none() : txt(r.snap->clusters[r.node().cluster_index].sku); }},
    node_gpus_column<FreeView>({.drop = 2, .total = Total::value}, free_figure<&FreeNodeRow::gpus>),
    node_in_use_column<FreeView>({.drop = 2, .total = Total::value}, free_figure<&FreeNodeRow::gpus_used>),
    {.key = "gpus_free",
     .header = "FREE-GPUS",
     .unit = Unit::gpus,
     .meaning = "GPUs no running job uses.",
     .drop = 1,
     .total = Total::value,
     .get = free_figure<&FreeNodeRow::gpus_free>},
    {.key = "inquota_used",
     .header = "INQ-USED",
     .unit = Unit::gpus,
     .meaning = "Of IN-USE, GPUs of in-quota jobs.",
     .drop = 3,
     .total = Total::value,
     .part = true,
     .get = free_figure<&FreeNodeRow::inquota_used>},
    {.key = "flex_used",
     .header = "FLEX-USED",
     .unit = Unit::gpus,
     .meaning = "Of IN-USE, GPUs of flex jobs (preempted first).",
     .drop = 3,
     .total = Total::value,
     .part = true,
     .get = free_figure<&FreeNodeRow::flex_used>},
    next_event_column<FreeView>([](const FreeView& r) {
      return r.total ? none() : event_value(r.event(), r.row->event_active, r.report->horizon.at);
    }),
    {.key = "next_event_start", .get = next_event_start<FreeView>},
    {.key = "next_event_end", .get = next_event_end<FreeView>},
};
const Columns<FreeView> kFreeColumns{"nodes", "free", kFreeList};

std::vector<FreeView> free_rows(const FreeNodes& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<FreeView> rows;
  rows.reserve(r.rows.size());
  for (const auto& row : r.rows) rows.push_back({&snap, &r, &row});
  sort_rows(kFreeColumns, rows, o.sort);
  return rows;
}

struct FreeDoc {
  const FreeNodes* r;
  std::vector<FreeView> rows;
  FreeView total;
};
const MaintenanceHorizon* free_horizon_of(const FreeDoc& d) { return &d.r->horizon; }
const std::vector<FreeView>& free_rows_of(const FreeDoc& d) { return d.rows; }
const FreeView* free_total_of(const FreeDoc& d) { return &d.total; }

const Column<FreeDoc> kFreeDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, free_horizon_of>},
    {.key = "nodes", .section = array<kFreeColumns, free_rows_of>},
    {.key = "totals", .section = totals<kFreeColumns, free_total_of>},
};
const Columns<FreeDoc> kFreeDoc{"nodes", "free document", kFreeDocList, ListKind::document, "fleetcap.nodes.free/v1"};

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

std::vector<IslandView> partition_rows(const NodesReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<IslandView> rows;
  for (const auto& s : r.partitions) rows.push_back({&snap, &s});
  sort_rows(kPartitionColumns, rows, o.sort);
  return rows;
}

const Columns<IslandView>& sums_columns(NodesBy by) {
  return by == NodesBy::partition ? kPartitionColumns : kIslandColumns;
}
std::vector<IslandView> sums_rows(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, NodesBy by) {
  return by == NodesBy::partition ? partition_rows(r, snap, o) : island_rows(r, snap, o);
}

// fleetcap.nodes: the horizon, the nodes (or with --by island the islands), and the totals.
struct NodesDoc {
  const NodesReport* r;
  NodesBy by;
  std::vector<NodeView> nodes;
  std::vector<IslandView> islands; // or partitions
  IslandView total;
};
const MaintenanceHorizon* horizon_of(const NodesDoc& d) { return &d.r->horizon; }
void rows_section(JsonWriter& w, std::string_view key, const NodesDoc& d, unsigned have) {
  if (key == "islands" && d.by == NodesBy::island) json_list(w, key, kIslandColumns, d.islands, have);
  if (key == "partitions" && d.by == NodesBy::partition) json_list(w, key, kPartitionColumns, d.islands, have);
  if (key == "nodes" && d.by == NodesBy::node) json_list(w, key, kNodeColumns, d.nodes, have);
}

const Column<NodesDoc> kNodesDocList[] = {
    {.key = "horizon", .in = In::json, .section = fields_inline<kHorizonColumns, horizon_of>},
    {.key = "all", .get = [](const NodesDoc& d) { return flag(d.r->all); }},
    {.key = "islands", .section = rows_section},
    {.key = "partitions", .section = rows_section},
    {.key = "nodes", .section = rows_section},
    {.key = "totals", .section = totals<kIslandColumns, &NodesDoc::total>},
};
const Columns<NodesDoc> kNodesDoc{"nodes", "document", kNodesDocList, ListKind::document, "fleetcap.nodes/v1"};

std::string nodes_json(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, NodesBy by) {
  NodesDoc d{&r, by, {}, {}, {&snap, &r.totals, true}};
  if (by == NodesBy::node)
    d.nodes = node_rows(r, snap, o);
  else
    d.islands = sums_rows(r, snap, o, by);
  return json_document(kNodesDoc, d, o, conditions(snap));
}

std::string table(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, NodesBy by) {
  if (r.rows.empty())
    return wrap_prose(
        fmt::format("No node {}: every node of the selected clusters is schedulable, with no open issue and "
                    "no maintenance before {}.\n",
                    r.all ? "matches" : "to report", short_time(r.horizon.end())),
        o.style.width);
  if (by != NodesBy::node) {
    const IslandView total{&snap, &r.totals, true};
    std::string out = table_of(sums_columns(by), sums_rows(r, snap, o, by), o, &total);
    if (by == NodesBy::partition)
      out +=
          wrap_prose("\nPartitions are views of the nodes: a node in several partitions counts in each; TOTAL counts "
                     "each node once.\n",
                     o.style.width);
    return out;
  }
  std::string out = table_of(kNodeColumns, node_rows(r, snap, o), o, nullptr, conditions(snap));
  const IslandNodes& t = r.totals;
  // The nodes listed only for a reservation (docs/maintenance.md: concern `reserved`), when any.
  out += wrap_prose(fmt::format("\n{} node{} ({} GPUs{}): {} not schedulable now, {} unhealthy, {} cordoned, {} with "
                                "an open issue, {} with maintenance before {}{}.\n",
                                t.nodes, t.nodes == 1 ? "" : "s", t.gpus, r.all ? "" : " listed", t.unschedulable,
                                t.unhealthy, t.cordoned, t.with_issues, t.with_events, short_time(r.horizon.end()),
                                t.reserved ? fmt::format(", {} held only by a reservation", t.reserved) : ""),
                    o.style.width);
  return out;
}

} // namespace

namespace cols {
void link_nodes_columns() {}
} // namespace cols

std::string render_free_nodes(const FreeNodes& r, const Snapshot& snap, const RenderOptions& o, std::ostream* sink) {
  const FreeView total{&snap, &r, &r.totals, true};
  switch (o.format) {
  case Format::json: {
    // Tens of thousands of nodes: written as it is made (docs/design.md, "Writing JSON").
    FreeDoc d{&r, free_rows(r, snap, o), total};
    return json_document(kFreeDoc, d, o, 0, sink, sink ? 0 : d.rows.size() * 300);
  }
  case Format::csv: return csv_of(kFreeColumns, free_rows(r, snap, o), o);
  case Format::name: return names_of(kFreeColumns, free_rows(r, snap, o));
  case Format::table: break;
  }
  if (r.rows.empty())
    return wrap_prose("No node of the selected clusters has a free GPU: every schedulable GPU is in use.\n",
                      o.style.width);
  std::string out = table_of(kFreeColumns, free_rows(r, snap, o), o, &total);
  out += wrap_prose(fmt::format("\n{} node{} with {} free GPU{}, most free first.\n", r.nodes, r.nodes == 1 ? "" : "s",
                                r.totals.gpus_free, r.totals.gpus_free == 1 ? "" : "s"),
                    o.style.width);
  return out;
}

std::string render_nodes(const NodesReport& r, const Snapshot& snap, const RenderOptions& o, NodesBy by) {
  switch (o.format) {
  case Format::json: return nodes_json(r, snap, o, by);
  case Format::csv:
    return by != NodesBy::node ? csv_of(sums_columns(by), sums_rows(r, snap, o, by), o)
                               : csv_of(kNodeColumns, node_rows(r, snap, o), o, conditions(snap));
  case Format::name:
    return by != NodesBy::node ? names_of(sums_columns(by), sums_rows(r, snap, o, by))
                               : names_of(kNodeColumns, node_rows(r, snap, o));
  case Format::table: break;
  }
  return table(r, snap, o, by);
}

} // namespace fleetcap
