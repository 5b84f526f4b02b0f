#include "fleetcap/render/quota.hpp"

#include "fleetcap/render/table.hpp"
#include "json_writer.hpp"

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

using json_out::JsonWriter;

// One quota's fields: a leaf carries every figure; a group its sums (QuotaFigures::add).
void quota_fields(JsonWriter& w, const QuotaRow& row, const Snapshot& snap, bool with_ns) {
  const Quota& q = snap.quotas[row.quota];
  w.field("name", q.name);
  w.field("parent", q.parent);
  w.field("tree", snap.quotas[q.tree_index].name);
  w.field("depth", row.depth);
  if (row.leaf) {
    w.field("cluster", cluster_of(q));
  } else {
    w.field("leaves", row.leaves);
  }
  for (const auto& c : kQuotaColumns)
    if (row.leaf || c.summed) w.field(c.key, row.figures.*(c.field));
  w.key("access");
  if (q.access)
    w.array(*q.access);
  else
    w.value(nullptr);
  if (with_ns && row.leaf) {
    for (const auto& c : kNamespaceColumns) w.field(c.key, row.*(c.field));
    w.field("serve", serve_name(row.serve));
  }
}

void quota_json(JsonWriter& w, const QuotaRow& row, const Snapshot& snap, bool with_ns) {
  w.begin_object();
  quota_fields(w, row, snap, with_ns);
  w.end_object();
}

void sum_fields(JsonWriter& w, const QuotaFigures& f) {
  for (const auto& c : kQuotaColumns)
    if (c.summed) w.field(c.key, f.*(c.field));
}

// Leaves under "quotas" (every figure, so summing a key never counts a GPU twice), groups apart.
void put_rows(JsonWriter& w, const std::vector<QuotaRow>& rows, const Snapshot& snap, bool with_ns) {
  for (const bool leaf : {true, false}) {
    w.key(leaf ? "quotas" : "groups").begin_array();
    for (const auto& row : rows)
      if (row.leaf == leaf) quota_json(w, row, snap, with_ns);
    w.end_array();
  }
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
  out += '\n';
  out += backing_text(d, snap);
  return out;
}

void job_json(JsonWriter& w, std::size_t order, const Job& job) {
  w.begin_object();
  w.field("order", order);
  w.field("name", job.name);
  w.field("namespace", job.ns);
  w.field("quota", job.quota);
  w.field("priority", to_string(job.priority));
  w.field("state", to_string(job.state));
  w.field("gpus", job.gpus);
  w.field("idle", job.idle);
  w.field("started_at", json_out::rfc3339_or_null(job.started_at));
  w.array_field("nodes", job.nodes);
  w.end_object();
}

std::string detail_json(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  json_out::begin_document(w, "quota.show", o);
  w.key("quota").begin_object();
  quota_fields(w, d.row, snap, false);
  w.field("leaf", d.row.leaf);
  w.end_object();
  w.key("jobs").begin_array();
  for (std::size_t i = 0; i < d.jobs.size(); ++i) job_json(w, i + 1, snap.jobs[d.jobs[i]]);
  w.end_array();
  const Quota& q = snap.quotas[d.row.quota];
  if (!d.row.leaf) {
    put_rows(w, d.subtree, snap, false);
    return w.end_object().finish();
  }
  w.key("siblings").begin_array();
  for (const auto& s : d.siblings) quota_json(w, s, snap, false);
  w.end_array();
  w.key("tree_in_cluster").begin_object();
  w.field("tree", snap.quotas[q.tree_index].name);
  w.field("cluster", cluster_of(q));
  sum_fields(w, d.tree);
  w.field("unused", d.tree_unused);
  w.end_object();
  if (q.cluster_index != kNone) {
    const Cluster& cl = snap.clusters[q.cluster_index];
    w.key("cluster").begin_object();
    w.field("name", cl.name);
    w.field("total", d.cluster.total);
    w.field("healthy", d.cluster.healthy);
    w.field("assigned", d.cluster.assigned);
    w.field("unbacked", d.cluster.unbacked);
    w.field("leaf_quotas", d.cluster_leaves);
    w.key("not_schedulable").begin_object();
    w.field("unhealthy", d.down.unhealthy);
    w.field("unhealthy_nodes", d.down.unhealthy_nodes);
    w.field("cordoned", d.down.cordoned);
    w.field("cordoned_nodes", d.down.cordoned_nodes);
    w.field("maintenance", d.down.maintenance);
    w.field("maintenance_nodes", d.down.maintenance_nodes);
    w.end_object();
    w.end_object();
  }
  return w.end_object().finish();
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
    JsonWriter w;
    json_out::begin_document(w, "quota", o);
    w.field("namespace", r.ns);
    put_rows(w, r.rows, snap, with_ns);
    w.key("totals").begin_object();
    sum_fields(w, r.totals);
    w.end_object();
    return w.end_object().finish();
  }
  case Format::csv: return csv_rows(r.rows, snap, with_ns);
  case Format::name:
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
  case Format::name:
  case Format::table: break;
  }
  return detail_table(d, snap, o.style);
}

} // namespace fleetcap
