#include "fleetcap/render/flex.hpp"

#include "columns.hpp"
#include "fleetcap/render/maintenance.hpp"

#include <algorithm>
#include <limits>

namespace fleetcap {
namespace {

using namespace cols;
using json_out::JsonWriter;

struct Row {
  const Snapshot* snap;
  const FlexCluster* c;
  const Cluster& cluster() const { return snap->clusters[c->cluster]; }
};

template <Gpus ClusterFigures::*F> Value figure(const Row& r) { return num(r.c->figures.*F); }

// The per-cluster figures of `flex`, in JSON order; with --namespace, that namespace's flex.
const Column<Row> kClusterColumns[] = {
    {.key = "name",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const Row& r) { return txt(r.cluster().name); }},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .priority = 8,
     .get = [](const Row& r) { return txt(r.cluster().region); }},
    {.key = "provider",
     .header = "PROVIDER",
     .align = Align::left,
     .priority = 10,
     .wide = true,
     .get = [](const Row& r) { return txt(r.cluster().provider); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .priority = 7,
     .get = [](const Row& r) { return txt(r.cluster().sku); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 10,
     .wide = true,
     .get = [](const Row& r) { return txt(to_string(r.cluster().state)); }},
    {.key = "healthy",
     .header = "HEALTHY",
     .priority = 9,
     .wide = true,
     .total = Total::value,
     .get = figure<&ClusterFigures::healthy>},
    {.key = "assigned",
     .header = "ASSIGNED",
     .priority = 9,
     .wide = true,
     .total = Total::value,
     .get = figure<&ClusterFigures::assigned>},
    {.key = "inquota_used",
     .header = "INQ-USED",
     .priority = 9,
     .wide = true,
     .total = Total::value,
     .get = figure<&ClusterFigures::inquota_used>},
    {.key = "flex_pool",
     .header = "POOL",
     .priority = 9,
     .wide = true,
     .total = Total::value,
     .get = [](const Row& r) { return num(r.c->flex_pool); }},
    {.key = "flex_free",
     .header = "FLEX-FREE",
     .priority = 1,
     .total = Total::value,
     .get = figure<&ClusterFigures::flex_free>},
    {.key = "flex_stable_free",
     .header = "STABLE",
     .priority = 1,
     .total = Total::value,
     .get = figure<&ClusterFigures::flex_stable_free>},
    {.key = "flex_reclaimable_free",
     .header = "RECLAIMABLE",
     .priority = 5,
     .total = Total::value,
     .get = figure<&ClusterFigures::flex_reclaimable_free>},
    {.key = "flex_used",
     .header = "FLEX-USED",
     .priority = 6,
     .total = Total::value,
     .get = figure<&ClusterFigures::flex_used>},
    {.key = "largest_free_block",
     .header = "BLOCK",
     .priority = 4,
     .total = Total::value,
     .get = figure<&ClusterFigures::largest_free_block>},
    // CSV only: JSON lists the namespaces themselves.
    {.key = "flex_namespaces", .header = "", .get = [](const Row& r) { return num(r.c->namespaces.size()); }},
    {.key = "namespace",
     .header = "",
     .only_with = kNamespace,
     .get = [](const Row& r) { return txt(r.c->selected->ns); }},
    {.key = "namespace_flex_used",
     .header = "NS-FLEX",
     .priority = 1,
     .total = Total::value,
     .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->flex_used); }},
    {.key = "namespace_flex_pending",
     .header = "",
     .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->flex_pending); }},
    {.key = "fair_share",
     .header = "FAIR-SHARE",
     .priority = 1,
     .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->fair_share); }},
    {.key = "over_share",
     .header = "",
     .only_with = kNamespace,
     .get = [](const Row& r) { return flag(r.c->selected->over_share()); }},
    {.key = "",
     .header = "OVER-SHARE",
     .priority = 1,
     .only_with = kNamespace,
     .get =
         [](const Row& r) {
           const NamespaceFlex& n = *r.c->selected;
           return n.over_share() ? txt(fmt::format("+{}", n.flex_used - n.fair_share), Tone::bad) : txt("");
         }},
};
constexpr std::size_t kFirstFigure = 5, kFigures = 9; // healthy .. largest_free_block: JSON's totals

struct IslandRow {
  const Snapshot* snap;
  const FlexIsland* i;
  const FlexCluster* c; // null for an island of a cluster that does not answer (the "no" answer)
  Gpus wanted;
  const Cluster& cluster() const { return snap->clusters[i->cluster]; }
  bool fits() const { return i->block >= wanted && c; }
};

constexpr Time kNeverFits = std::numeric_limits<Time>::max();

// With --contiguous (SPEC §4): LASTING-BLOCK is the block that no maintenance takes within --for.
const Column<IslandRow> kIslandColumns[] = {
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .get = [](const IslandRow& r) { return txt(r.cluster().name); }},
    {.key = "island",
     .header = "ISLAND",
     .align = Align::left,
     .identifying = true,
     .get = [](const IslandRow& r) { return txt(r.snap->index.islands[r.i->island].name); }},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .priority = 7,
     .get = [](const IslandRow& r) { return txt(r.cluster().region); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .priority = 6,
     .get = [](const IslandRow& r) { return txt(r.cluster().sku); }},
    {.key = "lasting_block",
     .header = "LASTING-BLOCK",
     .priority = 1,
     .get = [](const IslandRow& r) { return num(r.i->block); }},
    {.key = "lasting_nodes", .header = "", .get = [](const IslandRow& r) { return num(r.i->block_nodes); }},
    {.key = "free_block",
     .header = "FREE-BLOCK",
     .priority = 2,
     .get = [](const IslandRow& r) { return num(r.i->free_block); }},
    {.key = "free_nodes",
     .header = "FREE-NODES",
     .priority = 5,
     .get = [](const IslandRow& r) { return num(r.i->free_nodes); }},
    // The island's cluster's figures, beside it in the table.
    {.key = "flex_free",
     .header = "FLEX-FREE",
     .priority = 4,
     .table_only = true,
     .get = [](const IslandRow& r) { return r.c ? num(r.c->figures.flex_free) : none(); }},
    {.key = "flex_stable_free",
     .header = "STABLE",
     .priority = 3,
     .table_only = true,
     .get = [](const IslandRow& r) { return r.c ? num(r.c->figures.flex_stable_free) : none(); }},
    {.key = "stable",
     .header = "STAYS",
     .align = Align::left,
     .identifying = true,
     .get =
         [](const IslandRow& r) {
           Value v = flag(r.i->stable, r.i->stable ? Tone::plain : Tone::warn);
           v.shown = r.i->stable ? "stable" : "reclaimable";
           return v;
         }},
    {.key = "fair_share",
     .header = "FAIR-SHARE",
     .priority = 2,
     .only_with = kNamespace,
     .get = [](const IslandRow& r) { return num(r.i->fair_share); }},
    {.key = "over_share",
     .header = "EXCEEDS-SHARE",
     .align = Align::left,
     .priority = 1,
     .only_with = kNamespace,
     .get =
         [](const IslandRow& r) {
           Value v = flag(r.i->over_share, r.i->over_share ? Tone::warn : Tone::plain);
           if (r.i->over_share) v.shown = "yes: first preempted";
           return v;
         }},
    {.key = "fits", .header = "", .get = [](const IslandRow& r) { return flag(r.fits()); }},
    {.key = "block_later",
     .header = "",
     .get = [](const IslandRow& r) { return r.fits() ? none() : num(r.i->block_later); }},
    {.key = "fits_at",
     .header = "",
     .get =
         [](const IslandRow& r) {
           return r.fits() || r.i->fits_at == kNeverFits ? none() : txt(format_rfc3339(r.i->fits_at));
         }},
};

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
    if (q.stable && b.block >= wanted && !b.stable) out += ", but it is not stable: in-quota jobs may reclaim it";
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

std::vector<Row> cluster_rows(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<Row> rows;
  for (const auto& c : r.clusters) rows.push_back({&snap, &c});
  sort_rows<Row>(kClusterColumns, rows, o.sort);
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
  for (const auto& fi : r.islands) rows.push_back({&snap, &fi, cluster_of(r, fi.cluster), r.query.gpus});
  sort_rows<IslandRow>(kIslandColumns, rows, o.sort);
  if (later)
    for (const auto& fi : r.later) rows.push_back({&snap, &fi, nullptr, r.query.gpus});
  return rows;
}

std::string islands_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = r.query.ns ? kNamespace : 0;
  return table_of<IslandRow>(kIslandColumns, island_rows(r, snap, o, false), o, nullptr, have) +
         wrap_prose(fmt::format("\nLASTING-BLOCK: GPUs on whole free nodes of the island that no maintenance covers "
                                "within {}; best first (stable, then the block closest to {}).\n",
                                format_duration(r.query.stay), r.query.gpus),
                    o.style.width);
}

void namespace_json(JsonWriter& w, const NamespaceFlex& n) {
  w.begin_object();
  w.field("namespace", n.ns);
  w.field("flex_used", n.flex_used);
  w.field("flex_pending", n.flex_pending);
  w.field("fair_share", n.fair_share);
  w.field("over_share", n.over_share());
  w.end_object();
}

std::string json(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  json_out::begin_document(w, "flex", o);
  w.key("query").begin_object();
  w.field("namespace", r.query.ns);
  w.field("gpus", r.query.gpus > 0 ? std::optional(r.query.gpus) : std::nullopt);
  w.field("contiguous", r.query.contiguous);
  w.field("stable", r.query.stable);
  if (r.query.contiguous) w.field("for", format_duration(r.query.stay));
  w.end_object();
  const std::span<const Column<Row>> fields =
      std::span<const Column<Row>>(kClusterColumns).first(kFirstFigure + kFigures);
  w.key("clusters").begin_array();
  for (const auto& row : cluster_rows(r, snap, o)) {
    w.begin_object();
    json_fields<Row>(w, fields, row);
    w.key("namespaces").begin_array();
    for (const auto& n : row.c->namespaces) namespace_json(w, n);
    w.end_array();
    if (row.c->selected) {
      w.key("selected_namespace");
      namespace_json(w, *row.c->selected);
    }
    w.end_object();
  }
  w.end_array();
  if (r.query.contiguous) {
    // SPEC §4: the "no" answer still carries fits, the largest block and where, and the
    // islands that would fit once coming maintenance ends, with the time.
    const unsigned have = r.query.ns ? kNamespace : 0;
    w.field("fits", r.fits());
    json_list<IslandRow>(w, "islands", kIslandColumns, island_rows(r, snap, o, false), have);
    w.key("largest_block");
    if (r.largest_block)
      json_row<IslandRow>(w, kIslandColumns,
                          {&snap, &*r.largest_block, cluster_of(r, r.largest_block->cluster), r.query.gpus}, have);
    else
      w.value(nullptr);
    std::vector<IslandRow> later;
    for (const auto& fi : r.later) later.push_back({&snap, &fi, nullptr, r.query.gpus});
    json_list<IslandRow>(w, "fits_after_maintenance", kIslandColumns, later, have);
  }
  w.key("totals").begin_object();
  json_fields<Row>(w, fields.subspan(kFirstFigure), Row{&snap, &r.totals});
  w.end_object();
  return w.end_object().finish();
}

std::string clusters_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = r.query.ns ? kNamespace : 0;
  const Row total{&snap, &r.totals};
  std::string out = table_of<Row>(kClusterColumns, cluster_rows(r, snap, o), o, &total, have);
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
std::vector<ColumnList> flex_column_lists() {
  return {describe<Row>("flex", "clusters", kClusterColumns), describe<IslandRow>("flex", "islands", kIslandColumns)};
}
} // namespace cols

std::string render_flex(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const unsigned have = r.query.ns ? kNamespace : 0;
  switch (o.format) {
  case Format::json: return json(r, snap, o);
  case Format::csv:
    return r.query.contiguous ? csv_of<IslandRow>(kIslandColumns, island_rows(r, snap, o, true), o, have)
                              : csv_of<Row>(kClusterColumns, cluster_rows(r, snap, o), o, have);
  case Format::name:
    return r.query.contiguous ? names_of<IslandRow>(kIslandColumns, island_rows(r, snap, o, false))
                              : names_of<Row>(kClusterColumns, cluster_rows(r, snap, o));
  case Format::table: break;
  }
  if (r.clusters.empty() || (r.query.contiguous && r.islands.empty()))
    return wrap_prose(no_answer_text(r, snap), o.style.width);
  return r.query.contiguous ? islands_table(r, snap, o) : clusters_table(r, snap, o);
}

} // namespace fleetcap
