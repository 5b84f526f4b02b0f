#include "fleetcap/render/flex.hpp"

#include "fleetcap/render/table.hpp"
#include "json_out.hpp"

#include <fmt/format.h>

namespace fleetcap {
namespace {

// The per-cluster figures of `flex`, in order: one list for table, JSON and CSV. Headers and
// fields of SPEC §4 figures come from kClusterFigureColumns; flex_pool is flex's own.
struct FlexColumn {
  std::string_view key;
  bool table; // in the terminal table without --wide
  int drop;   // when the terminal is narrow, higher ranks are dropped first
};

constexpr FlexColumn kFlexColumns[] = {
    {"healthy", false, 9},          {"assigned", false, 9},         {"inquota_used", false, 9},
    {"flex_pool", false, 9},        {"flex_free", true, 0},         {"flex_stable_free", true, 0},
    {"flex_reclaimable_free", true, 5}, {"flex_used", true, 6},     {"largest_free_block", true, 4},
};

Gpus value(const FlexCluster& c, std::string_view key) {
  if (key == "flex_pool") return c.flex_pool;
  return c.figures.*(find_figure_column(key)->field);
}

std::string header(std::string_view key) {
  if (key == "flex_pool") return "POOL";
  return std::string(find_figure_column(key)->header);
}

std::string num(Gpus v) { return fmt::format("{}", v); }

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

std::string clusters_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const bool with_ns = r.query.ns.has_value();
  std::vector<TableColumn> cols{{"CLUSTER", Align::left, 0}, {"SKU", Align::left, 11}, {"REGION", Align::left, 12}};
  std::vector<const FlexColumn*> shown;
  for (const auto& c : kFlexColumns) {
    if (!c.table && !o.wide) continue;
    shown.push_back(&c);
    cols.push_back({header(c.key), Align::right, c.drop});
  }
  if (with_ns) {
    cols.push_back({"NS-FLEX", Align::right, 0});
    cols.push_back({"FAIR-SHARE", Align::right, 0});
    cols.push_back({"OVER", Align::right, 0});
  }
  Table t(cols);
  std::vector<Gpus> sums(shown.size(), 0);
  Gpus ns_used = 0;
  std::vector<std::string> over;
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    std::vector<TableCell> cells{cl.name, cl.sku, cl.region};
    for (std::size_t i = 0; i < shown.size(); ++i) {
      const Gpus v = value(c, shown[i]->key);
      sums[i] = shown[i]->key == "largest_free_block" ? std::max(sums[i], v) : sums[i] + v;
      cells.emplace_back(num(v));
    }
    if (with_ns) {
      const NamespaceFlex& n = *c.selected;
      ns_used += n.flex_used;
      cells.emplace_back(num(n.flex_used));
      cells.emplace_back(num(n.fair_share));
      if (n.over_share()) {
        cells.emplace_back(fmt::format("+{}", n.flex_used - n.fair_share), Tone::bad);
        over.push_back(fmt::format("{} (+{})", cl.name, n.flex_used - n.fair_share));
      } else {
        cells.emplace_back("");
      }
    }
    t.add_row(std::move(cells));
  }
  std::vector<TableCell> total{"TOTAL", "", ""};
  for (auto s : sums) total.emplace_back(num(s));
  if (with_ns) total.emplace_back(num(ns_used));
  t.set_total(std::move(total));
  std::string out = t.render(o.style);
  if (!over.empty()) {
    std::string list;
    for (const auto& s : over) list += (list.empty() ? "" : ", ") + s;
    out += fmt::format("\n{} is over its fair share of flex in {}: its flex jobs there are the first to be "
                       "preempted.\n",
                       *r.query.ns, list);
  }
  return out;
}

std::string islands_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  Table t({{"CLUSTER", Align::left, 0},
           {"ISLAND", Align::left, 0},
           {"SKU", Align::left, 11},
           {"REGION", Align::left, 12},
           {"FREE-BLOCK", Align::right, 0},
           {"FREE-NODES", Align::right, 5},
           {"FLEX-FREE", Align::right, 4},
           {"STABLE", Align::right, 3}});
  for (const auto& fi : r.islands) {
    const Cluster& cl = snap.clusters[fi.cluster];
    const FlexCluster* c = nullptr;
    for (const auto& x : r.clusters)
      if (x.cluster == fi.cluster) c = &x;
    t.add_row({cl.name, snap.index.islands[fi.island].name, cl.sku, cl.region, num(fi.free_block),
               num(static_cast<Gpus>(fi.free_nodes)), num(c->figures.flex_free), num(c->figures.flex_stable_free)});
  }
  return t.render(o.style);
}

using json_out::Json;

Json namespace_json(const NamespaceFlex& n) {
  Json j;
  j["namespace"] = n.ns;
  j["flex_used"] = n.flex_used;
  j["flex_pending"] = n.flex_pending;
  j["fair_share"] = n.fair_share;
  j["over_share"] = n.over_share();
  return j;
}

std::string json(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  Json doc = json_out::envelope("flex", o);
  Json query;
  query["namespace"] = r.query.ns ? Json(*r.query.ns) : Json(nullptr);
  query["gpus"] = r.query.gpus > 0 ? Json(r.query.gpus) : Json(nullptr);
  query["contiguous"] = r.query.contiguous;
  query["stable"] = r.query.stable;
  doc["query"] = std::move(query);
  Json clusters = Json::array();
  Json totals = Json::object();
  for (const auto& c : kFlexColumns) totals[std::string(c.key)] = 0;
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    Json item;
    item["name"] = cl.name;
    item["region"] = cl.region;
    item["provider"] = cl.provider;
    item["sku"] = cl.sku;
    item["state"] = to_string(cl.state);
    for (const auto& col : kFlexColumns) {
      const Gpus v = value(c, col.key);
      item[std::string(col.key)] = v;
      auto& t = totals[std::string(col.key)];
      t = col.key == "largest_free_block" ? std::max(t.get<Gpus>(), v) : t.get<Gpus>() + v;
    }
    Json names = Json::array();
    for (const auto& n : c.namespaces) names.push_back(namespace_json(n));
    item["namespaces"] = std::move(names);
    if (c.selected) item["selected_namespace"] = namespace_json(*c.selected);
    clusters.push_back(std::move(item));
  }
  doc["clusters"] = std::move(clusters);
  if (r.query.contiguous) {
    Json islands = Json::array();
    for (const auto& fi : r.islands) {
      const Cluster& cl = snap.clusters[fi.cluster];
      Json item;
      item["cluster"] = cl.name;
      item["island"] = snap.index.islands[fi.island].name;
      item["region"] = cl.region;
      item["sku"] = cl.sku;
      item["free_block"] = fi.free_block;
      item["free_nodes"] = fi.free_nodes;
      islands.push_back(std::move(item));
    }
    doc["islands"] = std::move(islands);
  }
  doc["totals"] = std::move(totals);
  return json_out::dump(doc);
}

std::string csv(const FlexReport& r, const Snapshot& snap) {
  std::string out;
  if (r.query.contiguous) {
    out = "cluster,island,region,sku,free_block,free_nodes\n";
    for (const auto& fi : r.islands) {
      const Cluster& cl = snap.clusters[fi.cluster];
      out += fmt::format("{},{},{},{},{},{}\n", csv_field(cl.name), csv_field(snap.index.islands[fi.island].name),
                         csv_field(cl.region), csv_field(cl.sku), fi.free_block, fi.free_nodes);
    }
    return out;
  }
  out = "name,region,provider,sku,state";
  for (const auto& c : kFlexColumns) out += fmt::format(",{}", c.key);
  out += ",flex_namespaces";
  if (r.query.ns) out += ",namespace,namespace_flex_used,namespace_flex_pending,fair_share,over_share";
  out += '\n';
  for (const auto& c : r.clusters) {
    const Cluster& cl = snap.clusters[c.cluster];
    out += fmt::format("{},{},{},{},{}", csv_field(cl.name), csv_field(cl.region), csv_field(cl.provider),
                       csv_field(cl.sku), to_string(cl.state));
    for (const auto& col : kFlexColumns) out += fmt::format(",{}", value(c, col.key));
    out += fmt::format(",{}", c.namespaces.size());
    if (c.selected)
      out += fmt::format(",{},{},{},{},{}", csv_field(c.selected->ns), c.selected->flex_used, c.selected->flex_pending,
                         c.selected->fair_share, c.selected->over_share() ? "true" : "false");
    out += '\n';
  }
  return out;
}

} // namespace

std::string render_flex(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return json(r, snap, o);
  case Format::csv: return csv(r, snap);
  case Format::name:
  case Format::table: break;
  }
  if (r.clusters.empty() || (r.query.contiguous && r.islands.empty())) return no_answer_text(r, snap);
  return r.query.contiguous ? islands_table(r, snap, o) : clusters_table(r, snap, o);
}

} // namespace fleetcap
