// `fleetcap flex`: per cluster the free flex, whether it stays, and with --namespace that
// namespace's fair share; with --contiguous, the islands whose free block holds the job.
#include "fleetcap/render/flex.hpp"

#include "fleetcap/model/hostlist.hpp"
#include "fleetcap/render/maintenance.hpp"
#include "fleetcap/render/scheduler.hpp"
#include "shared_columns.hpp"

#include <algorithm>
#include <limits>

namespace fleetcap {
namespace {

using namespace cols;

using FlexView = ClusterView<FlexCluster>;

template <Gpus ClusterFigures::*F> Value figure(const FlexView& r) { return num(r.row->figures.*F); }

// Conditions (Column::only_with) beside kNamespace: the fleet has stable use, or reservations
// (docs/design.md); --by partition. Their columns show only then.
constexpr unsigned kStableUse = kFirstOwnCondition, kReserved = kFirstOwnCondition * 2,
                   kPartition = kFirstOwnCondition * 4;

unsigned conditions(const FlexReport& r, const Snapshot& snap) {
  unsigned have = (r.query.ns ? kNamespace : 0) | (r.by_partition ? kPartition : 0);
  if (!snap.reservations.empty()) have |= kReserved;
  if (std::any_of(snap.jobs.begin(), snap.jobs.end(), [](const Job& j) { return j.stable_use(); })) have |= kStableUse;
  return have;
}

// Who a reservation serves, in words: "evals" or "evals, user alice".
std::string served_by(const Reservation& res) {
  std::string out;
  for (const auto& ns : res.namespaces) out += (out.empty() ? "" : ", ") + ns;
  for (const auto& u : res.users) out += (out.empty() ? "user " : ", user ") + u;
  return out.empty() ? "no one fleetcap can name" : out;
}

// A cluster's reservations holding idle GPUs now: for whom, until when (docs/design.md).
void reservations_section(JsonWriter& w, std::string_view key, const FlexView& r, unsigned) {
  w.key(key).begin_array();
  for (const auto& [res, idle] : r.row->reserved) {
    const Reservation& x = r.snap->reservations[res];
    w.begin_object();
    w.field("name", x.name);
    w.array_field("namespaces", x.namespaces);
    w.array_field("users", x.users);
    w.field("start", format_rfc3339(x.start));
    w.field("end", format_rfc3339(x.end));
    w.field("free", idle);
    w.end_object();
  }
  w.end_array();
}
const NamespaceFlex& selected(const FlexView& r) { return *r.row->selected; }

Value over_share(const FlexView& r) {
  const NamespaceFlex& n = selected(r);
  Value v = flag(n.over_share(), n.over_share() ? Tone::bad : Tone::plain);
  v.shown = n.over_share() ? fmt::format("+{}", n.flex_used - n.fair_share) : ""; // nothing when within it
  return v;
}

// A namespace's flex in one cluster (the JSON's "namespaces" and "selected_namespace").
const Column<NamespaceFlex> kNamespaceList[] = {
    {.key = "namespace", .get = [](const NamespaceFlex& n) { return txt(n.ns); }},
    {.key = "flex_used", .get = [](const NamespaceFlex& n) { return num(n.flex_used); }},
    {.key = "flex_pending", .get = [](const NamespaceFlex& n) { return num(n.flex_pending); }},
    {.key = "fair_share", .get = [](const NamespaceFlex& n) { return num(n.fair_share); }},
    {.key = "over_share", .get = [](const NamespaceFlex& n) { return flag(n.over_share()); }},
};
const Columns<NamespaceFlex> kNamespaceColumns{"flex", "clusters.namespaces", kNamespaceList, ListKind::section};

const std::vector<NamespaceFlex>& namespaces_of(const FlexView& r) { return r.row->namespaces; }
const std::optional<NamespaceFlex>& selected_of(const FlexView& r) { return r.row->selected; }

// The per-cluster figures of `flex`, in JSON order; with --namespace, that namespace's flex
// (flat, in the table and CSV; nested in JSON).
const Column<FlexView> kClusterList[] = {
    {.key = "partition",
     .header = "PARTITION",
     .unit = Unit::name,
     .meaning = "The Slurm partition (flex --by partition).",
     .align = Align::left,
     .identifying = true,
     .only_with = kPartition,
     .get = [](const FlexView& r) { return r.row->partition.empty() ? absent() : txt(r.row->partition); }},
    cluster_column<FlexView>(),
    region_column<FlexView>(8),
    provider_column<FlexView>(10, true),
    sku_column<FlexView>(7),
    state_column<FlexView>(10, true),
    figure_column<FlexView>(kHealthyFigure, {.drop = 9, .wide = true, .total = Total::value},
                            figure<&ClusterFigures::healthy>),
    figure_column<FlexView>(kAssignedFigure, {.drop = 9, .wide = true, .total = Total::value},
                            figure<&ClusterFigures::assigned>),
    figure_column<FlexView>(kInquotaUsedFigure, {.drop = 9, .wide = true, .total = Total::value},
                            figure<&ClusterFigures::inquota_used>),
    {.key = "flex_pool",
     .header = "POOL",
     .unit = Unit::gpus,
     .meaning = "What flex namespaces share: max(0, H - in-quota used).",
     .drop = 9,
     .wide = true,
     .total = Total::value,
     .get = [](const FlexView& r) { return num(r.row->flex_pool); }},
    figure_column<FlexView>(kFlexFreeFigure, {.drop = 1, .total = Total::value}, figure<&ClusterFigures::flex_free>),
    figure_column<FlexView>(kStableFigure, {.drop = 1, .total = Total::value},
                            figure<&ClusterFigures::flex_stable_free>),
    figure_column<FlexView>(kReclaimableFigure, {.drop = 5, .total = Total::value},
                            figure<&ClusterFigures::flex_reclaimable_free>),
    figure_column<FlexView>(kFlexUsedFigure, {.drop = 6, .total = Total::value}, figure<&ClusterFigures::flex_used>),
    figure_column<FlexView>(kBlockFigure, {.drop = 4, .total = Total::value},
                            figure<&ClusterFigures::largest_free_block>),
    figure_column<FlexView>(kStableUsedFigure, {.drop = 6, .only_with = kStableUse, .total = Total::value},
                            figure<&ClusterFigures::flex_stable_used>),
    figure_column<FlexView>(kReservedFreeFigure, {.drop = 3, .only_with = kReserved, .total = Total::value},
                            figure<&ClusterFigures::reserved_free>),
    {.key = "reservations", .only_with = kReserved, .in = In::json, .section = reservations_section},
    {.key = "namespaces", .in = In::json, .section = array<kNamespaceColumns, namespaces_of>},
    {.key = "selected_namespace", .in = In::json, .section = object_if<kNamespaceColumns, selected_of>},
    {.key = "flex_namespaces", .in = In::csv, .get = [](const FlexView& r) { return num(r.row->namespaces.size()); }},
    {.key = "namespace",
     .only_with = kNamespace,
     .in = In::csv,
     .get = [](const FlexView& r) { return txt(selected(r).ns); }},
    {.key = "namespace_flex_used",
     .header = "NS-FLEX",
     .unit = Unit::gpus,
     .meaning = meaning::kNamespaceFlex,
     .drop = 1,
     .total = Total::value,
     .only_with = kNamespace,
     .in = In::csv,
     .get = [](const FlexView& r) { return num(selected(r).flex_used); }},
    {.key = "namespace_flex_pending",
     .only_with = kNamespace,
     .in = In::csv,
     .get = [](const FlexView& r) { return num(selected(r).flex_pending); }},
    {.key = "fair_share",
     .header = "FAIR-SHARE",
     .unit = Unit::gpus,
     .meaning = meaning::kFairShare,
     .drop = 1,
     .only_with = kNamespace,
     .in = In::csv,
     .get = [](const FlexView& r) { return num(selected(r).fair_share); }},
    {.key = "over_share",
     .header = "OVER-SHARE",
     .unit = Unit::gpus,
     .meaning = "NS-FLEX - FAIR-SHARE when positive: its flex jobs are preempted first.",
     .drop = 1,
     .only_with = kNamespace,
     .in = In::csv,
     .get = over_share},
};
const Columns<FlexView> kClusterColumns{"flex", "clusters", kClusterList};

struct IslandRow {
  const Snapshot* snap;
  const FlexIsland* i;
  const FlexCluster* c; // null for an island of a cluster that does not answer (the "no" answer)
  const FlexQuery* q;
  Gpus wanted;
  const Cluster& cluster() const { return snap->clusters[i->cluster]; }
  bool fits() const { return i->block >= wanted && c; }
};

constexpr Time kNeverFits = std::numeric_limits<Time>::max();

// The chosen nodes: every name in JSON and CSV, a hostlist in the table ("h100-[01-12]").
Value island_nodes(const IslandRow& r) {
  if (!r.fits()) return list({});
  std::vector<std::string_view> names;
  for (auto n : r.i->nodes) names.push_back(r.snap->nodes[n].name);
  std::string shown = compress_hostlist(names);
  return list_of(names, std::move(shown));
}

// With --contiguous: LASTING-BLOCK is the block that no maintenance takes within --for.
const Column<IslandRow> kIslandList[] = {
    cluster_of_column<IslandRow>(kIdentifying, cluster_name<IslandRow>),
    {.key = "island",
     .header = "ISLAND",
     .unit = Unit::name,
     .meaning = meaning::kIsland,
     .align = Align::left,
     .identifying = true,
     .get = [](const IslandRow& r) { return txt(r.snap->index.islands[r.i->island].name); }},
    region_column<IslandRow>(7),
    sku_column<IslandRow>(6),
    {.key = "lasting_block",
     .header = "LASTING-BLOCK",
     .unit = Unit::gpus,
     .meaning = "GPUs on whole free nodes of the island that stay free for --for.",
     .drop = 1,
     .get = [](const IslandRow& r) { return num(r.i->block); }},
    {.key = "lasting_nodes", .get = [](const IslandRow& r) { return num(r.i->block_nodes); }},
    {.key = "free_block",
     .header = "FREE-BLOCK",
     .unit = Unit::gpus,
     .meaning = "GPUs on whole free nodes of the island now, maintenance aside.",
     .drop = 2,
     .get = [](const IslandRow& r) { return num(r.i->free_block); }},
    {.key = "free_nodes",
     .header = "FREE-NODES",
     .unit = Unit::nodes,
     .meaning = "Whole free nodes in the island now.",
     .drop = 5,
     .get = [](const IslandRow& r) { return num(r.i->free_nodes); }},
    // The island's cluster's figures, beside it in the table.
    figure_column<IslandRow>(kFlexFreeFigure, {.drop = 4, .in = In::table},
                             [](const IslandRow& r) { return r.c ? num(r.c->figures.flex_free) : none(); }),
    figure_column<IslandRow>(kStableFigure, {.drop = 3, .in = In::table},
                             [](const IslandRow& r) { return r.c ? num(r.c->figures.flex_stable_free) : none(); }),
    {.key = "stays",
     .header = "STAYS",
     .unit = Unit::text,
     .meaning = "stable when the cluster's STABLE holds N, else reclaimable.",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const IslandRow& r) {
           Value v = flag(r.i->stays, r.i->stays ? Tone::plain : Tone::warn);
           v.shown = r.i->stays ? "stable" : "reclaimable";
           return v;
         }},
    fair_share_column<IslandRow>(2, [](const IslandRow& r) { return num(r.i->fair_share); }),
    {.key = "exceeds_share",
     .header = "EXCEEDS-SHARE",
     .unit = Unit::flag,
     .meaning = "Whether N exceeds the namespace's fair share in the cluster.",
     .align = Align::left,
     .drop = 1,
     .only_with = kNamespace,
     .get =
         [](const IslandRow& r) {
           Value v = flag(r.i->exceeds_share, r.i->exceeds_share ? Tone::warn : Tone::plain);
           if (r.i->exceeds_share) v.shown = "yes: first preempted";
           return v;
         }},
    {.key = "nodes",
     .header = "NODES",
     .unit = Unit::list,
     .meaning = "The nodes chosen for the job: whole free nodes, fewest first.",
     .align = Align::left,
     .drop = 3,
     .item = "node",
     .get = island_nodes},
    {.key = "gpus_per_node",
     .get = [](const IslandRow& r) { return r.fits() && r.i->per_node ? num(r.i->per_node) : none(); }},
    {.key = "command",
     .get =
         [](const IslandRow& r) {
           const auto c = r.fits() ? submit_command(*r.snap, *r.i, *r.q) : std::nullopt;
           return c ? txt(*c) : none();
         }},
    {.key = "fits", .get = [](const IslandRow& r) { return flag(r.fits()); }},
    {.key = "block_later", .get = [](const IslandRow& r) { return r.fits() ? none() : num(r.i->block_later); }},
    {.key = "fits_at",
     .get =
         [](const IslandRow& r) {
           return r.fits() || r.i->fits_at == kNeverFits ? none() : txt(format_rfc3339(r.i->fits_at));
         }},
};
const Columns<IslandRow> kIslandColumns{"flex", "islands", kIslandList};

// The query as the JSON repeats it.
const Column<FlexQuery> kQueryList[] = {
    {.key = "namespace", .get = [](const FlexQuery& q) { return q.ns ? txt(*q.ns) : none(); }},
    {.key = "gpus", .get = [](const FlexQuery& q) { return q.gpus > 0 ? num(q.gpus) : none(); }},
    {.key = "contiguous", .get = [](const FlexQuery& q) { return flag(q.contiguous); }},
    {.key = "stable", .get = [](const FlexQuery& q) { return flag(q.stable); }},
    {.key = "for", .get = [](const FlexQuery& q) { return q.contiguous ? txt(format_duration(q.stay)) : absent(); }},
};
const Columns<FlexQuery> kQueryColumns{"flex", "query", kQueryList, ListKind::section};

// Why nothing answers the query, in the table's place.
std::string no_answer_text(const FlexReport& r, const Snapshot& snap) {
  if (r.selected_clusters == 0) return "No clusters match.\n";
  const FlexQuery& q = r.query;
  const std::string kind = q.stable ? "stable free flex GPUs" : "free flex GPUs";
  const Gpus wanted = q.gpus > 0 ? q.gpus : 1;
  const auto& most = *r.most;
  const Gpus most_free = q.stable ? most.figures.flex_stable_free : most.figures.flex_free;
  if (!q.contiguous && q.gpus == 0) return fmt::format("No cluster has {} now.\n", kind);
  if (!q.contiguous)
    return fmt::format("No: no cluster has {} {} now; the most is {} in {}.\n", wanted, kind, most_free,
                       snap.clusters[most.cluster].name);
  const std::string stay = format_duration(q.stay);
  std::string out =
      fmt::format("No: no island has a free block of {} GPUs on whole free nodes that stays free for {}{}", wanted,
                  stay, q.stable ? " in a cluster whose stable flex covers it" : "");
  if (r.largest_block) {
    const FlexIsland& b = *r.largest_block;
    const Island& isl = snap.index.islands[b.island];
    out += fmt::format("; the largest such block is {} in {} ({})", b.block, isl.name, snap.clusters[b.cluster].name);
    // With --stable, a block that holds N in a cluster whose stable flex does not is not
    // stable, not too small.
    if (q.stable && b.block >= wanted && !b.stays) out += ", but it is not stable: in-quota jobs may reclaim it";
    if (b.free_block > b.block)
      out += fmt::format(" ({} free now, less what maintenance takes within {})", b.free_block, stay);
  }
  out += ".\n";
  if (!r.later.empty()) {
    out += "It would fit once coming maintenance ends:\n";
    std::size_t shown = 0;
    for (const auto& fi : r.later) {
      if (shown++ == 5) {
        out += fmt::format("  and {} more island{} (--json lists them)\n", r.later.size() - 5,
                           r.later.size() - 5 == 1 ? "" : "s");
        break;
      }
      out += fmt::format("  {} ({}): {} GPUs from {}\n", snap.index.islands[fi.island].name,
                         snap.clusters[fi.cluster].name, fi.block_later, short_time(fi.fits_at));
    }
  }
  if (r.selected_free >= wanted)
    out += fmt::format("In all, {} {} are free across the {} selected cluster{}, but not {} in one island.\n",
                       r.selected_free, q.stable ? "stable flex GPUs" : "flex GPUs", r.selected_clusters,
                       r.selected_clusters == 1 ? "" : "s", wanted);
  return out;
}

std::vector<FlexView> cluster_rows(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<FlexView> rows;
  for (const auto& c : r.clusters) rows.push_back({&snap, &c});
  sort_rows(kClusterColumns, rows, o.sort);
  return rows;
}

const FlexCluster* cluster_of(const FlexReport& r, std::uint32_t c) {
  for (const auto& x : r.clusters)
    if (x.cluster == c) return &x;
  return nullptr;
}

// The islands that fit; with `later`, then those that would once coming maintenance ends.
std::vector<IslandRow> island_rows(const FlexReport& r, const Snapshot& snap, const RenderOptions& o, bool later) {
  std::vector<IslandRow> rows;
  for (const auto& fi : r.islands) rows.push_back({&snap, &fi, cluster_of(r, fi.cluster), &r.query, r.query.gpus});
  sort_rows(kIslandColumns, rows, o.sort);
  if (later)
    for (const auto& fi : r.later) rows.push_back({&snap, &fi, nullptr, &r.query, r.query.gpus});
  return rows;
}

// The reservations holding idle GPUs in the selected clusters: for whom, until when.
std::string reservations_text(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  for (const auto& [c, res, idle] : r.reserved) {
    const Reservation& x = snap.reservations[res];
    // Names from the scheduler are escaped; the line's own newline is not.
    out += escape_control(fmt::format("  {}: {} idle GPUs reserved by {} for {} until {}", snap.clusters[c].name, idle,
                                      x.name, served_by(x), short_time(x.end))) +
           '\n';
  }
  if (out.empty()) return {};
  return wrap_prose("\nNot free for everyone (RESERVED): only a reservation's accounts and users may use its nodes.\n",
                    o.style.width) +
         out;
}

// Under a partition view: what its figures count (docs/slurm.md, "partitions").
std::string partition_note(const FlexReport& r, const RenderOptions& o) {
  if (!r.by_partition && r.partition.empty()) return {};
  return wrap_prose(
      fmt::format("\n{}Partitions are views of the nodes: a node in several partitions counts in each{}.\n",
                  r.partition.empty() ? "" : fmt::format("Over partition {}'s nodes. ", r.partition),
                  r.by_partition ? " (and so more than once in TOTAL)" : ""),
      o.style.width);
}

std::string islands_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = r.query.ns ? kNamespace : 0;
  const auto rows = island_rows(r, snap, o, false);
  std::string out =
      table_of(kIslandColumns, rows, o, nullptr, have) +
      wrap_prose(fmt::format("\nLASTING-BLOCK: GPUs on whole free nodes of the island that no "
                             "maintenance covers within {}{}; best first (stable, then the block "
                             "closest to {}). NODES: the nodes chosen for it.\n",
                             format_duration(r.query.stay),
                             snap.reservations.empty() ? "" : " and no reservation holds for others", r.query.gpus),
                 o.style.width) +
      partition_note(r, o) + reservations_text(r, snap, o);
  // The first row's submit line: printed with -o wide, offered otherwise.
  const auto command = rows.empty() ? std::nullopt : submit_command(snap, *rows.front().i, r.query);
  if (!command) return out;
  const std::string where =
      fmt::format("{} ({})", snap.index.islands[rows.front().i->island].name, rows.front().cluster().name);
  if (!o.wide)
    return out + wrap_prose(fmt::format("-o wide prints the line that submits to {}.\n", where), o.style.width);
  return out + fmt::format("\nTo run on {}:\n{}{}", where, *command, command->ends_with('\n') ? "" : "\n");
}

// The document. With --contiguous (docs/flex.md) the "no" answer still carries fits, the
// largest block and where, and the islands that would fit once coming maintenance ends.
struct Doc {
  const FlexReport* r;
  std::vector<FlexView> clusters;
  std::vector<IslandRow> islands, later;
  std::optional<IslandRow> largest;
  FlexView total;
};

const FlexQuery* query_of(const Doc& d) { return &d.r->query; }

void islands_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (!d.r->query.contiguous) return;
  json_list(w, key, kIslandColumns, key == "islands" ? d.islands : d.later, have);
}
void largest_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (!d.r->query.contiguous) return;
  w.key(key);
  if (d.largest)
    json_row(w, kIslandColumns, *d.largest, have);
  else
    w.value(nullptr);
}

const Column<Doc> kDocumentList[] = {
    {.key = "query", .section = object<kQueryColumns, query_of>},
    {.key = "partition", .get = [](const Doc& d) { return d.r->partition.empty() ? absent() : txt(d.r->partition); }},
    {.key = "clusters", .section = array<kClusterColumns, &Doc::clusters>},
    {.key = "fits", .get = [](const Doc& d) { return d.r->query.contiguous ? flag(d.r->fits()) : absent(); }},
    {.key = "islands", .section = islands_section},
    {.key = "largest_block", .section = largest_section},
    {.key = "fits_after_maintenance", .section = islands_section},
    {.key = "totals", .section = totals<kClusterColumns, &Doc::total>},
};
const Columns<Doc> kDocument{"flex", "document", kDocumentList, ListKind::document, "fleetcap.flex/v2"};

std::string flex_json(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  Doc d{&r, cluster_rows(r, snap, o), {}, {}, {}, {&snap, &r.totals}};
  if (r.query.contiguous) {
    d.islands = island_rows(r, snap, o, false);
    for (const auto& fi : r.later) d.later.push_back({&snap, &fi, nullptr, &r.query, r.query.gpus});
    if (r.largest_block)
      d.largest = IslandRow{&snap, &*r.largest_block, cluster_of(r, r.largest_block->cluster), &r.query, r.query.gpus};
  }
  return json_document(kDocument, d, o, conditions(r, snap));
}

std::string clusters_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = conditions(r, snap);
  const FlexView total{&snap, &r.totals};
  std::string out = table_of(kClusterColumns, cluster_rows(r, snap, o), o, &total, have);
  out += partition_note(r, o) + reservations_text(r, snap, o);
  std::string over;
  for (const auto& c : r.clusters)
    if (c.selected && c.selected->over_share())
      over += fmt::format("{}{} (+{})", over.empty() ? "" : ", ", snap.clusters[c.cluster].name,
                          c.selected->flex_used - c.selected->fair_share);
  if (!over.empty())
    out += wrap_prose(fmt::format("\n{} is over its fair share of flex in {}: its flex jobs there are the first to be "
                                  "preempted.\n",
                                  escape_control(*r.query.ns), escape_control(over)),
                      o.style.width);
  return out;
}

} // namespace

namespace cols {
void link_flex_columns() {}
} // namespace cols

std::string render_flex(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = r.query.ns ? kNamespace : 0;
  switch (o.format) {
  case Format::json: return flex_json(r, snap, o);
  case Format::csv:
    return r.query.contiguous ? csv_of(kIslandColumns, island_rows(r, snap, o, true), o, have)
                              : csv_of(kClusterColumns, cluster_rows(r, snap, o), o, conditions(r, snap));
  case Format::name:
    return r.query.contiguous ? names_of(kIslandColumns, island_rows(r, snap, o, false))
                              : names_of(kClusterColumns, cluster_rows(r, snap, o));
  case Format::table: break;
  }
  if (r.clusters.empty() || (r.query.contiguous && r.islands.empty()))
    return wrap_prose(no_answer_text(r, snap), o.style.width) + reservations_text(r, snap, o);
  return r.query.contiguous ? islands_table(r, snap, o) : clusters_table(r, snap, o);
}

} // namespace fleetcap
