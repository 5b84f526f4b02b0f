#include "fleetcap/render/flex.hpp"

#include "columns.hpp"

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
    {.key = "name", .header = "CLUSTER", .align = Align::left, .identifying = true, .total = Total::label,
     .get = [](const Row& r) { return txt(r.cluster().name); }},
    {.key = "region", .header = "REGION", .align = Align::left, .priority = 8,
     .get = [](const Row& r) { return txt(r.cluster().region); }},
    {.key = "provider", .header = "PROVIDER", .align = Align::left, .priority = 10, .wide = true,
     .get = [](const Row& r) { return txt(r.cluster().provider); }},
    {.key = "sku", .header = "SKU", .align = Align::left, .priority = 7, .get = [](const Row& r) { return txt(r.cluster().sku); }},
    {.key = "state", .header = "STATE", .align = Align::left, .priority = 10, .wide = true,
     .get = [](const Row& r) { return txt(to_string(r.cluster().state)); }},
    {.key = "healthy", .header = "HEALTHY", .priority = 9, .wide = true, .total = Total::value,
     .get = figure<&ClusterFigures::healthy>},
    {.key = "assigned", .header = "ASSIGNED", .priority = 9, .wide = true, .total = Total::value,
     .get = figure<&ClusterFigures::assigned>},
    {.key = "inquota_used", .header = "INQ-USED", .priority = 9, .wide = true, .total = Total::value,
     .get = figure<&ClusterFigures::inquota_used>},
    {.key = "flex_pool", .header = "POOL", .priority = 9, .wide = true, .total = Total::value,
     .get = [](const Row& r) { return num(r.c->flex_pool); }},
    {.key = "flex_free", .header = "FLEX-FREE", .priority = 1, .total = Total::value, .get = figure<&ClusterFigures::flex_free>},
    {.key = "flex_stable_free", .header = "STABLE", .priority = 1, .total = Total::value,
     .get = figure<&ClusterFigures::flex_stable_free>},
    {.key = "flex_reclaimable_free", .header = "RECLAIMABLE", .priority = 5, .total = Total::value,
     .get = figure<&ClusterFigures::flex_reclaimable_free>},
    {.key = "flex_used", .header = "FLEX-USED", .priority = 6, .total = Total::value, .get = figure<&ClusterFigures::flex_used>},
    {.key = "largest_free_block", .header = "BLOCK", .priority = 4, .total = Total::value,
     .get = figure<&ClusterFigures::largest_free_block>},
    // CSV only: JSON lists the namespaces themselves.
    {.key = "flex_namespaces", .header = "", .get = [](const Row& r) { return num(r.c->namespaces.size()); }},
    {.key = "namespace", .header = "", .only_with = kNamespace, .get = [](const Row& r) { return txt(r.c->selected->ns); }},
    {.key = "namespace_flex_used", .header = "NS-FLEX", .priority = 1, .total = Total::value, .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->flex_used); }},
    {.key = "namespace_flex_pending", .header = "", .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->flex_pending); }},
    {.key = "fair_share", .header = "FAIR-SHARE", .priority = 1, .only_with = kNamespace,
     .get = [](const Row& r) { return num(r.c->selected->fair_share); }},
    {.key = "over_share", .header = "", .only_with = kNamespace,
     .get = [](const Row& r) { return flag(r.c->selected->over_share()); }},
    {.key = "", .header = "OVER-SHARE", .priority = 1, .only_with = kNamespace, .get = [](const Row& r) {
       const NamespaceFlex& n = *r.c->selected;
       return n.over_share() ? txt(fmt::format("+{}", n.flex_used - n.fair_share), Tone::bad) : txt("");
     }},
};
constexpr std::size_t kFirstFigure = 5, kFigures = 9; // healthy .. largest_free_block: JSON's totals

struct IslandRow {
  const Snapshot* snap;
  const FlexIsland* i;
  const FlexCluster* c;
  const Cluster& cluster() const { return snap->clusters[i->cluster]; }
};

const Column<IslandRow> kIslandColumns[] = {
    {.key = "cluster", .header = "CLUSTER", .align = Align::left, .identifying = true,
     .get = [](const IslandRow& r) { return txt(r.cluster().name); }},
    {.key = "island", .header = "ISLAND", .align = Align::left, .identifying = true,
     .get = [](const IslandRow& r) { return txt(r.snap->index.islands[r.i->island].name); }},
    {.key = "region", .header = "REGION", .align = Align::left, .priority = 7,
     .get = [](const IslandRow& r) { return txt(r.cluster().region); }},
    {.key = "sku", .header = "SKU", .align = Align::left, .priority = 6, .get = [](const IslandRow& r) { return txt(r.cluster().sku); }},
    {.key = "free_block", .header = "FREE-BLOCK", .priority = 1, .get = [](const IslandRow& r) { return num(r.i->free_block); }},
    {.key = "free_nodes", .header = "FREE-NODES", .priority = 5, .get = [](const IslandRow& r) { return num(r.i->free_nodes); }},
    // The island's cluster's figures, beside it in the table.
    {.key = "flex_free", .header = "FLEX-FREE", .priority = 4, .table_only = true,
     .get = [](const IslandRow& r) { return num(r.c->figures.flex_free); }},
    {.key = "flex_stable_free", .header = "STABLE", .priority = 3, .table_only = true,
     .get = [](const IslandRow& r) { return num(r.c->figures.flex_stable_free); }},
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
  std::string out = fmt::format("No: no island has a free block of {} GPUs on whole free nodes", wanted);
  if (r.best) {
    const Island& isl = snap.index.islands[r.best->island];
    out += fmt::format("; the largest is {} in {} ({})", r.best->free_block, isl.name, snap.clusters[isl.cluster_index].name);
  }
  out += ".\n";
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

std::vector<IslandRow> island_rows(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::vector<IslandRow> rows;
  for (const auto& fi : r.islands) {
    const FlexCluster* c = nullptr;
    for (const auto& x : r.clusters)
      if (x.cluster == fi.cluster) c = &x;
    rows.push_back({&snap, &fi, c});
  }
  sort_rows<IslandRow>(kIslandColumns, rows, o.sort);
  return rows;
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
  w.end_object();
  const std::span<const Column<Row>> fields = std::span<const Column<Row>>(kClusterColumns).first(kFirstFigure + kFigures);
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
  if (r.query.contiguous) json_list<IslandRow>(w, "islands", kIslandColumns, island_rows(r, snap, o));
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
    return r.query.contiguous ? csv_of<IslandRow>(kIslandColumns, island_rows(r, snap, o), o)
                              : csv_of<Row>(kClusterColumns, cluster_rows(r, snap, o), o, have);
  case Format::name:
    return r.query.contiguous ? names_of<IslandRow>(kIslandColumns, island_rows(r, snap, o))
                              : names_of<Row>(kClusterColumns, cluster_rows(r, snap, o));
  case Format::table: break;
  }
  if (r.clusters.empty() || (r.query.contiguous && r.islands.empty())) return wrap_prose(no_answer_text(r, snap), o.style.width);
  return r.query.contiguous ? table_of<IslandRow>(kIslandColumns, island_rows(r, snap, o), o)
                            : clusters_table(r, snap, o);
}

} // namespace fleetcap
