#include "fleetcap/render/flex.hpp"

#include "fleetcap/render/maintenance.hpp"
#include "fleetcap/render/table.hpp"
#include "json_out.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

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
  const std::string stay = format_duration(q.stay);
  std::string out = fmt::format("No: no island has a free block of {} GPUs on whole free nodes that stays free for {}{}",
                                wanted, stay, q.stable ? " in a cluster whose stable flex covers it" : "");
  if (r.largest_block) {
    const FlexIsland& b = *r.largest_block;
    const Island& isl = snap.index.islands[b.island];
    out += fmt::format("; the largest such block is {} in {} ({})", b.block, isl.name, snap.clusters[b.cluster].name);
    if (q.stable && b.block >= wanted && !b.stable) {
      // The --stable bug: a block larger than N, excluded only because its cluster's stable
      // flex is smaller; say so instead of quoting it as if it were too small.
      out += fmt::format(", but it is not stable: in-quota jobs may reclaim it");
    }
    if (b.free_block > b.block) out += fmt::format(" ({} free now, less what maintenance takes within {})", b.free_block, stay);
  }
  out += ".\n";
  if (!r.later.empty()) {
    out += "It would fit once coming maintenance ends:\n";
    std::size_t shown = 0;
    for (const auto& fi : r.later) {
      if (shown++ == 5) {
        out += fmt::format("  and {} more island{} (-o json lists them)\n", r.later.size() - 5,
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

const FlexCluster& cluster_of(const FlexReport& r, std::uint32_t c) {
  return *std::find_if(r.clusters.begin(), r.clusters.end(), [&](const FlexCluster& x) { return x.cluster == c; });
}

std::string islands_table(const FlexReport& r, const Snapshot& snap, const RenderOptions& o) {
  const bool ns = r.query.ns.has_value();
  std::vector<TableColumn> cols{{"CLUSTER", Align::left, 0},   {"ISLAND", Align::left, 0},
                                {"SKU", Align::left, 11},      {"REGION", Align::left, 12},
                                {"BLOCK", Align::right, 0},    {"FREE-BLOCK", Align::right, 6},
                                {"FREE-NODES", Align::right, 5}, {"FLEX-FREE", Align::right, 4},
                                {"STABLE", Align::right, 3},   {"STAYS", Align::left, 0}};
  if (ns) {
    cols.push_back({"FAIR-SHARE", Align::right, 2});
    cols.push_back({"OVER-SHARE", Align::left, 0});
  }
  Table t(std::move(cols));
  for (const auto& fi : r.islands) {
    const Cluster& cl = snap.clusters[fi.cluster];
    const FlexCluster& c = cluster_of(r, fi.cluster);
    std::vector<TableCell> row{cl.name, snap.index.islands[fi.island].name, cl.sku, cl.region, num(fi.block),
                               num(fi.free_block), num(static_cast<Gpus>(fi.free_nodes)), num(c.figures.flex_free),
                               num(c.figures.flex_stable_free),
                               fi.stable ? TableCell("stable") : TableCell("reclaimable", Tone::warn)};
    if (ns) {
      row.push_back(num(fi.fair_share));
      row.push_back(fi.over_share ? TableCell("yes: first preempted", Tone::warn) : TableCell("no"));
    }
    t.add_row(std::move(row));
  }
  std::string out = t.render(o.style);
  out += fmt::format("\nBLOCK: GPUs on whole free nodes of the island that no maintenance covers within {}; best "
                     "first (stable, then the block closest to {}).\n",
                     format_duration(r.query.stay), r.query.gpus);
  return out;
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
    auto island_json = [&](const FlexIsland& fi) {
      const Cluster& cl = snap.clusters[fi.cluster];
      Json item;
      item["cluster"] = cl.name;
      item["island"] = snap.index.islands[fi.island].name;
      item["region"] = cl.region;
      item["sku"] = cl.sku;
      item["block"] = fi.block;
      item["block_nodes"] = fi.block_nodes;
      item["free_block"] = fi.free_block;
      item["free_nodes"] = fi.free_nodes;
      item["stable"] = fi.stable;
      if (r.query.ns) {
        item["fair_share"] = fi.fair_share;
        item["over_share"] = fi.over_share;
      }
      if (fi.block < r.query.gpus) {
        item["block_later"] = fi.block_later;
        item["fits_at"] = fi.fits_at == std::numeric_limits<Time>::max() ? Json(nullptr) : Json(format_rfc3339(fi.fits_at));
      }
      return item;
    };
    doc["query"]["for"] = format_duration(r.query.stay);
    doc["fits"] = r.fits();
    Json islands = Json::array();
    for (const auto& fi : r.islands) islands.push_back(island_json(fi));
    doc["islands"] = std::move(islands);
    doc["largest_block"] = r.largest_block ? island_json(*r.largest_block) : Json(nullptr);
    Json later = Json::array();
    for (const auto& fi : r.later) later.push_back(island_json(fi));
    doc["fits_after_maintenance"] = std::move(later);
  }
  doc["totals"] = std::move(totals);
  return json_out::dump(doc);
}

std::string csv(const FlexReport& r, const Snapshot& snap) {
  std::string out;
  if (r.query.contiguous) {
    // The islands that fit (fits=true), then those that would once maintenance ends (fits_at).
    out = "cluster,island,region,sku,block,free_block,free_nodes,stable,fair_share,over_share,fits,block_later,fits_at\n";
    auto row = [&](const FlexIsland& fi, bool fits) {
      const Cluster& cl = snap.clusters[fi.cluster];
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(cl.name),
                         csv_field(snap.index.islands[fi.island].name), csv_field(cl.region), csv_field(cl.sku),
                         fi.block, fi.free_block, fi.free_nodes, fi.stable,
                         r.query.ns ? fmt::format("{}", fi.fair_share) : std::string(),
                         r.query.ns ? (fi.over_share ? "true" : "false") : "", fits, fits ? "" : num(fi.block_later),
                         fits || fi.fits_at == std::numeric_limits<Time>::max() ? std::string() : format_rfc3339(fi.fits_at));
    };
    for (const auto& fi : r.islands) row(fi, true);
    for (const auto& fi : r.later) row(fi, false);
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
