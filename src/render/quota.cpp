#include "fleetcap/render/quota.hpp"

#include "fleetcap/render/table.hpp"
#include "json_out.hpp"

#include <fmt/format.h>

namespace fleetcap {
namespace {

// SPEC §4 quota figures as columns: one list for table headers, JSON keys and CSV.
struct QuotaColumn {
  std::string_view key, header;
  Gpus QuotaFigures::*field;
  bool summed; // group rows and totals show the sum of their leaves
  int drop;    // when the terminal is narrow, higher ranks are dropped first
};

constexpr QuotaColumn kQuotaColumns[] = {
    {"assigned", "ASSIGNED", &QuotaFigures::assigned, true, 0},
    {"used", "USED", &QuotaFigures::used, true, 0},
    {"free", "FREE", &QuotaFigures::free, true, 0},
    {"borrowed", "BORROWED", &QuotaFigures::borrowed, true, 3},
    {"borrowable", "BORROWABLE", &QuotaFigures::borrowable, false, 2},
    {"available", "AVAILABLE", &QuotaFigures::available, false, 0},
    {"unbacked", "UNBACKED", &QuotaFigures::unbacked, true, 1},
};

// With --namespace: the flex beside each quota the namespace may target.
struct NamespaceColumn {
  std::string_view key, header;
  Gpus QuotaRow::*field;
  int drop;
};

constexpr NamespaceColumn kNamespaceColumns[] = {
    {"flex_free", "FLEX-FREE", &QuotaRow::flex_free, 0},
    {"flex_stable_free", "STABLE", &QuotaRow::flex_stable_free, 6},
    {"fair_share", "FAIR-SHARE", &QuotaRow::fair_share, 0},
    {"namespace_flex_used", "NS-FLEX", &QuotaRow::ns_flex_used, 9},
    {"flex_within_share", "FLEX-IN-SHARE", &QuotaRow::flex_within_share, 0},
};

std::string num(Gpus v) { return fmt::format("{}", v); }

std::string_view serve_name(QuotaRow::Serve s) {
  switch (s) {
  case QuotaRow::Serve::quota: return "quota";
  case QuotaRow::Serve::flex: return "flex";
  case QuotaRow::Serve::none: break;
  }
  return "none";
}

// "*" = any namespace (no access list), "(none)" = an empty list.
std::string access_text(const Quota& q) {
  if (!q.access) return "*";
  if (q.access->empty()) return "(none)";
  std::string out;
  for (const auto& ns : *q.access) out += (out.empty() ? "" : ",") + ns;
  return out;
}

std::string cluster_of(const Quota& q) { return q.cluster ? *q.cluster : ""; }

// The quota tree, or with --namespace the flat list of leaves it may target.
std::string tree_table(const std::vector<QuotaRow>& rows, const QuotaFigures* totals, bool with_ns,
                       const Snapshot& snap, const Style& style, int base_depth = 0) {
  std::vector<TableColumn> cols{{"QUOTA", Align::left, 0}, {"CLUSTER", Align::left, 0}};
  for (const auto& c : kQuotaColumns) cols.push_back({std::string(c.header), Align::right, c.drop});
  if (with_ns) {
    for (const auto& c : kNamespaceColumns) cols.push_back({std::string(c.header), Align::right, c.drop});
    cols.push_back({"SERVE", Align::left, 0});
  } else {
    cols.push_back({"ACCESS", Align::left, 5});
  }
  Table t(cols);
  for (const auto& row : rows) {
    const Quota& q = snap.quotas[row.quota];
    std::vector<TableCell> cells{std::string(2 * static_cast<std::size_t>(row.depth - base_depth), ' ') + q.name,
                                 cluster_of(q)};
    for (const auto& c : kQuotaColumns) {
      if (!row.leaf && !c.summed) {
        cells.emplace_back("");
        continue;
      }
      const Gpus v = row.figures.*(c.field);
      cells.emplace_back(num(v), c.field == &QuotaFigures::unbacked && v > 0 ? Tone::bad : Tone::plain);
    }
    if (with_ns) {
      for (const auto& c : kNamespaceColumns) cells.emplace_back(num(row.*(c.field)));
      cells.emplace_back(std::string(serve_name(row.serve)),
                         row.serve == QuotaRow::Serve::flex ? Tone::warn : Tone::plain);
    } else {
      cells.emplace_back(!row.leaf && !q.access ? "" : access_text(q));
    }
    t.add_row(std::move(cells));
  }
  if (totals) {
    std::vector<TableCell> total{"TOTAL", ""};
    for (const auto& c : kQuotaColumns) total.emplace_back(c.summed ? num(totals->*(c.field)) : "");
    t.set_total(std::move(total));
  }
  return t.render(style);
}

using json_out::Json;

Json names_or_null(const Quota& q) {
  if (!q.access) return nullptr;
  Json list = Json::array();
  for (const auto& ns : *q.access) list.push_back(ns);
  return list;
}

// One quota as JSON: a leaf carries every figure; a group its sums (QuotaFigures::add).
Json quota_json(const QuotaRow& row, const Snapshot& snap, bool with_ns) {
  const Quota& q = snap.quotas[row.quota];
  Json j;
  j["name"] = q.name;
  j["parent"] = q.parent ? Json(*q.parent) : Json(nullptr);
  j["tree"] = snap.quotas[q.tree_index].name;
  j["depth"] = row.depth;
  if (row.leaf) {
    j["cluster"] = cluster_of(q);
  } else {
    j["leaves"] = row.leaves;
  }
  for (const auto& c : kQuotaColumns)
    if (row.leaf || c.summed) j[std::string(c.key)] = row.figures.*(c.field);
  j["access"] = names_or_null(q);
  if (with_ns && row.leaf) {
    for (const auto& c : kNamespaceColumns) j[std::string(c.key)] = row.*(c.field);
    j["serve"] = serve_name(row.serve);
  }
  return j;
}

Json sums_json(const QuotaFigures& f) {
  Json j;
  for (const auto& c : kQuotaColumns)
    if (c.summed) j[std::string(c.key)] = f.*(c.field);
  return j;
}

// Leaves under "quotas" (every figure, so summing a key never counts a GPU twice), groups apart.
void put_rows(Json& doc, const std::vector<QuotaRow>& rows, const Snapshot& snap, bool with_ns) {
  Json leaves = Json::array(), groups = Json::array();
  for (const auto& row : rows) (row.leaf ? leaves : groups).push_back(quota_json(row, snap, with_ns));
  doc["quotas"] = std::move(leaves);
  doc["groups"] = std::move(groups);
}

std::string csv_rows(const std::vector<QuotaRow>& rows, const Snapshot& snap, bool with_ns) {
  std::string out = "name,parent,tree,cluster";
  for (const auto& c : kQuotaColumns) out += fmt::format(",{}", c.key);
  out += ",access";
  if (with_ns) {
    for (const auto& c : kNamespaceColumns) out += fmt::format(",{}", c.key);
    out += ",serve";
  }
  out += '\n';
  for (const auto& row : rows) {
    if (!row.leaf) continue;
    const Quota& q = snap.quotas[row.quota];
    out += fmt::format("{},{},{},{}", csv_field(q.name), csv_field(q.parent ? *q.parent : ""),
                       csv_field(snap.quotas[q.tree_index].name), csv_field(cluster_of(q)));
    for (const auto& c : kQuotaColumns) out += fmt::format(",{}", row.figures.*(c.field));
    out += fmt::format(",{}", csv_field(access_text(q)));
    if (with_ns) {
      for (const auto& c : kNamespaceColumns) out += fmt::format(",{}", row.*(c.field));
      out += fmt::format(",{}", serve_name(row.serve));
    }
    out += '\n';
  }
  return out;
}

// ---- quota show ----

std::string started(const Job& j) { return j.started_at ? format_rfc3339(*j.started_at) : ""; }

std::string jobs_table(const QuotaDetail& d, const Snapshot& snap, const Style& style) {
  const bool group = !d.row.leaf;
  std::vector<TableColumn> cols{{"ORDER", Align::right, 0}, {"JOB", Align::left, 0}};
  if (group) cols.push_back({"QUOTA", Align::left, 0});
  for (TableColumn c : std::initializer_list<TableColumn>{{"NAMESPACE", Align::left, 0},
                                                          {"PRIORITY", Align::left, 0},
                                                          {"STATE", Align::left, 0},
                                                          {"GPUS", Align::right, 0},
                                                          {"IDLE", Align::left, 2},
                                                          {"STARTED", Align::left, 1}})
    cols.push_back(c);
  Table t(cols);
  std::size_t order = 0;
  for (auto j : d.jobs) {
    const Job& job = snap.jobs[j];
    std::vector<TableCell> cells{num(static_cast<Gpus>(++order)), job.name};
    if (group) cells.emplace_back(job.quota);
    cells.emplace_back(job.ns);
    cells.emplace_back(std::string(to_string(job.priority)));
    cells.emplace_back(std::string(to_string(job.state)), job.running() ? Tone::plain : Tone::dim);
    cells.emplace_back(num(job.gpus));
    cells.emplace_back(job.idle ? "idle" : "");
    cells.emplace_back(started(job));
    t.add_row(std::move(cells));
  }
  return t.render(style);
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Why part of the quota is unbacked: the cluster's schedulable GPUs against what it promises.
std::string backing_text(const QuotaDetail& d, const Snapshot& snap) {
  const Quota& q = snap.quotas[d.row.quota];
  const ClusterFigures& c = d.cluster;
  std::vector<std::string> down;
  if (d.down.unhealthy_nodes)
    down.push_back(fmt::format("{} unhealthy on {}", d.down.unhealthy, plural(d.down.unhealthy_nodes, "node", "nodes")));
  if (d.down.cordoned_nodes)
    down.push_back(fmt::format("{} cordoned on {}", d.down.cordoned, plural(d.down.cordoned_nodes, "node", "nodes")));
  if (d.down.maintenance_nodes)
    down.push_back(fmt::format("{} in maintenance on {}", d.down.maintenance,
                               plural(d.down.maintenance_nodes, "node", "nodes")));
  std::string why;
  for (std::size_t i = 0; i < down.size(); ++i) why += (i ? ", " : "") + down[i];
  why = why.empty() ? "" : fmt::format("\n  (not schedulable: {})", why);
  if (c.unbacked == 0)
    return fmt::format("Backing: {} promises {} GPUs of quota and {} of its {} GPUs are schedulable{}:\n"
                       "  all of its quota is backed.\n",
                       *q.cluster, c.assigned, c.healthy, c.total, why);
  return fmt::format("Unbacked: {} promises {} GPUs of quota, but only {} of its {} GPUs are schedulable{},\n"
                     "  so {} are unbacked, split over its {} by assigned: {} here ({} of {}).\n",
                     *q.cluster, c.assigned, c.healthy, c.total, why, c.unbacked,
                     plural(d.cluster_leaves, "leaf quota", "leaf quotas"), d.row.figures.unbacked,
                     d.row.figures.assigned, c.assigned);
}

std::string detail_table(const QuotaDetail& d, const Snapshot& snap, const Style& style) {
  const Quota& q = snap.quotas[d.row.quota];
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("tree", snap.quotas[q.tree_index].name);
  fields.emplace_back("parent", q.parent ? *q.parent : "-");
  if (d.row.leaf && q.cluster_index != kNone) {
    const Cluster& c = snap.clusters[q.cluster_index];
    fields.emplace_back("cluster", fmt::format("{} ({}, {}, {})", c.name, c.sku, c.region, to_string(c.state)));
  }
  if (!d.row.leaf) fields.emplace_back("leaves", num(static_cast<Gpus>(d.row.leaves)));
  fields.emplace_back("access", !d.row.leaf && !q.access ? "-" : access_text(q));
  std::size_t vw = 0;
  for (const auto& c : kQuotaColumns)
    if (d.row.leaf || c.summed) vw = std::max(vw, num(d.row.figures.*(c.field)).size());
  for (const auto& c : kQuotaColumns)
    if (d.row.leaf || c.summed) fields.emplace_back(std::string(c.key), fmt::format("{:>{}}", d.row.figures.*(c.field), vw));
  std::size_t kw = 0;
  for (const auto& [k, v] : fields) kw = std::max(kw, k.size());
  std::string out = fmt::format("{} {}\n", d.row.leaf ? "Quota" : "Quota group", q.name);
  for (const auto& [k, v] : fields) out += fmt::format("  {:<{}}  {}\n", k, kw, v);
  if (!d.row.leaf) out += "  (sums of its leaves; borrowable and available are per leaf)\n";

  if (!d.row.leaf && !d.subtree.empty()) {
    out += "\nLeaves:\n";
    out += tree_table(d.subtree, nullptr, false, snap, style, 1);
  }
  out += "\n";
  if (d.jobs.empty()) {
    out += "Jobs: none.\n";
  } else {
    out += "Jobs, in the order they would be preempted if the quota shrank (lowest priority, then newest):\n";
    out += jobs_table(d, snap, style);
  }
  if (!d.row.leaf || q.cluster_index == kNone) return out;

  const std::string where = fmt::format("{} on {}", snap.quotas[q.tree_index].name, *q.cluster);
  out += "\n";
  if (d.siblings.empty()) {
    out += fmt::format("Siblings: none; {} has no other leaf in tree {}, so nothing to borrow.\n", *q.cluster,
                       snap.quotas[q.tree_index].name);
  } else {
    out += fmt::format("Siblings in tree {} (each lends its free GPUs, borrows beyond its assigned):\n", where);
    Table t({{"QUOTA", Align::left, 0},
             {"ASSIGNED", Align::right, 0},
             {"USED", Align::right, 0},
             {"LENDS", Align::right, 0},
             {"BORROWS", Align::right, 0}});
    for (const auto& s : d.siblings)
      t.add_row({snap.quotas[s.quota].name, num(s.figures.assigned), num(s.figures.used), num(s.figures.free),
                 num(s.figures.borrowed)});
    // The tree row lends what its leaves leave unused in all, P − U, not the sum of their free.
    t.set_total({fmt::format("TREE {}", where), num(d.tree.assigned), num(d.tree.used), num(d.tree_unused),
                 num(d.tree.borrowed)});
    out += t.render(style);
  }
  out += "\n" + backing_text(d, snap);
  return out;
}

Json job_json(std::size_t order, const Job& job) {
  Json j;
  j["order"] = order;
  j["name"] = job.name;
  j["namespace"] = job.ns;
  j["quota"] = job.quota;
  j["priority"] = to_string(job.priority);
  j["state"] = to_string(job.state);
  j["gpus"] = job.gpus;
  j["idle"] = job.idle;
  j["started_at"] = job.started_at ? Json(format_rfc3339(*job.started_at)) : Json(nullptr);
  j["nodes"] = std::vector<std::string_view>(job.nodes.begin(), job.nodes.end());
  return j;
}

std::string detail_json(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  Json doc = json_out::envelope("quota.show", o);
  Json self = quota_json(d.row, snap, false);
  self["leaf"] = d.row.leaf;
  doc["quota"] = std::move(self);
  Json jobs = Json::array();
  for (std::size_t i = 0; i < d.jobs.size(); ++i) jobs.push_back(job_json(i + 1, snap.jobs[d.jobs[i]]));
  doc["jobs"] = std::move(jobs);
  const Quota& q = snap.quotas[d.row.quota];
  if (!d.row.leaf) {
    put_rows(doc, d.subtree, snap, false);
    return json_out::dump(doc);
  }
  Json siblings = Json::array();
  for (const auto& s : d.siblings) siblings.push_back(quota_json(s, snap, false));
  doc["siblings"] = std::move(siblings);
  Json tree;
  tree["tree"] = snap.quotas[q.tree_index].name;
  tree["cluster"] = cluster_of(q);
  tree.update(sums_json(d.tree));
  tree["unused"] = d.tree_unused;
  doc["tree_in_cluster"] = std::move(tree);
  if (q.cluster_index != kNone) {
    const Cluster& cl = snap.clusters[q.cluster_index];
    Json c;
    c["name"] = cl.name;
    c["total"] = d.cluster.total;
    c["healthy"] = d.cluster.healthy;
    c["assigned"] = d.cluster.assigned;
    c["unbacked"] = d.cluster.unbacked;
    c["leaf_quotas"] = d.cluster_leaves;
    Json down;
    down["unhealthy"] = d.down.unhealthy;
    down["unhealthy_nodes"] = d.down.unhealthy_nodes;
    down["cordoned"] = d.down.cordoned;
    down["cordoned_nodes"] = d.down.cordoned_nodes;
    down["maintenance"] = d.down.maintenance;
    down["maintenance_nodes"] = d.down.maintenance_nodes;
    c["not_schedulable"] = std::move(down);
    doc["cluster"] = std::move(c);
  }
  return json_out::dump(doc);
}

std::string detail_csv(const QuotaDetail& d, const Snapshot& snap) {
  // The quota's jobs in preemption order: the one list a spreadsheet wants from `show`.
  std::string out = "order,name,namespace,quota,priority,state,gpus,idle,started_at\n";
  for (std::size_t i = 0; i < d.jobs.size(); ++i) {
    const Job& j = snap.jobs[d.jobs[i]];
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", i + 1, csv_field(j.name), csv_field(j.ns), csv_field(j.quota),
                       to_string(j.priority), to_string(j.state), j.gpus, j.idle ? "true" : "false", started(j));
  }
  return out;
}

} // namespace

std::string render_quota(const QuotaReport& r, const Snapshot& snap, const RenderOptions& o) {
  const bool with_ns = r.ns.has_value();
  switch (o.format) {
  case Format::json: {
    Json doc = json_out::envelope("quota", o);
    doc["namespace"] = r.ns ? Json(*r.ns) : Json(nullptr);
    put_rows(doc, r.rows, snap, with_ns);
    doc["totals"] = sums_json(r.totals);
    return json_out::dump(doc);
  }
  case Format::csv: return csv_rows(r.rows, snap, with_ns);
  case Format::table: break;
  }
  if (r.rows.empty())
    return with_ns ? fmt::format("No quota in the selected clusters lets namespace {} target it.\n", *r.ns)
                   : "No quotas in the selected clusters.\n";
  return tree_table(r.rows, &r.totals, with_ns, snap, o.style);
}

std::string render_quota_detail(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return detail_json(d, snap, o);
  case Format::csv: return detail_csv(d, snap);
  case Format::table: break;
  }
  return detail_table(d, snap, o.style);
}

} // namespace fleetcap
