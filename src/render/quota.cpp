#include "fleetcap/render/quota.hpp"

#include "columns.hpp"

#include <fmt/format.h>

namespace fleetcap {
namespace {

using namespace cols;

std::string digits(Gpus v) { return fmt::format("{}", v); }

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

// The access list: an array in JSON, null for any namespace; "*" and "(none)" in the table and
// CSV. A group without a list of its own shows nothing in the table.
Value access_value(const Quota& q, bool leaf) {
  Value v = q.access ? list_of(*q.access) : none();
  v.words = !leaf && !q.access ? "" : access_text(q);
  return v;
}

std::string cluster_of(const Quota& q) { return q.cluster ? *q.cluster : ""; }

// A row of the quota tree; `base` is the depth shown without indent (a group's own leaves).
struct Row {
  const Snapshot* snap;
  const QuotaRow* r;
  int base = 0;
  const Quota& quota() const { return snap->quotas[r->quota]; }
};

// Indentation shows depth up to kMaxIndent levels; deeper rows say their depth instead, so a
// chain thousands deep stays as wide as a shallow one.
constexpr int kMaxIndent = 8;
std::string indented(const Row& row) {
  const int depth = std::max(0, row.r->depth - row.base);
  if (depth <= kMaxIndent) return std::string(2 * static_cast<std::size_t>(depth), ' ') + row.quota().name;
  return fmt::format("{}[{}] {}", std::string(2 * kMaxIndent, ' '), depth, row.quota().name);
}

// A leaf shows every figure; a group (and TOTAL) only the ones that sum.
template <Gpus QuotaFigures::*F, bool Summed> Value figure(const Row& row) {
  if (!row.r->leaf && !Summed) return absent();
  const Gpus v = row.r->figures.*F;
  return num(v, F == &QuotaFigures::unbacked && v > 0 && row.r->quota != kNone ? Tone::bad : Tone::plain);
}
// With --namespace: what a leaf offers the namespace (a group has none of these).
template <Gpus QuotaRow::*F> Value ns_figure(const Row& row) { return row.r->leaf ? num(row.r->*F) : absent(); }

constexpr unsigned kNoNamespace = 4; // the tree without --namespace
constexpr unsigned kTreeShape = 16;  // JSON: where a row sits in the tree (depth, a group's leaves)
constexpr unsigned kLimits = 32;     // some quota shown has a borrowing/lending limit or shared GPUs

// The optional limits (docs/quota.md): a key only on the quotas that have one.
Value optional_gpus(const std::optional<Gpus>& v) { return v ? num(*v) : absent(); }

const Column<Row> kTreeColumns[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const Row& r) { return txt(r.quota().name, Tone::plain, indented(r)); }},
    {.key = "parent",
     .header = "",
     .get = [](const Row& r) { return r.quota().parent ? txt(*r.quota().parent) : none(); }},
    {.key = "tree", .header = "", .get = [](const Row& r) { return txt(r.snap->quotas[r.quota().tree_index].name); }},
    {.key = "depth", .header = "", .only_with = kTreeShape, .get = [](const Row& r) { return num(r.r->depth); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .align = Align::left,
     .priority = 2,
     .get = [](const Row& r) { return r.r->leaf ? txt(cluster_of(r.quota())) : absent(); }},
    {.key = "leaves",
     .header = "",
     .only_with = kTreeShape,
     .get = [](const Row& r) { return r.r->leaf ? absent() : num(r.r->leaves); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .priority = 1,
     .total = Total::value,
     .get = figure<&QuotaFigures::assigned, true>},
    {.key = "used", .header = "USED", .priority = 1, .total = Total::value, .get = figure<&QuotaFigures::used, true>},
    {.key = "free", .header = "FREE", .priority = 1, .total = Total::value, .get = figure<&QuotaFigures::free, true>},
    {.key = "borrowed",
     .header = "BORROWED",
     .priority = 5,
     .total = Total::value,
     .get = figure<&QuotaFigures::borrowed, true>},
    {.key = "borrowable", .header = "BORROWABLE", .priority = 4, .get = figure<&QuotaFigures::borrowable, false>},
    {.key = "available", .header = "AVAILABLE", .priority = 1, .get = figure<&QuotaFigures::available, false>},
    {.key = "unbacked",
     .header = "UNBACKED",
     .priority = 3,
     .total = Total::value,
     .get = figure<&QuotaFigures::unbacked, true>},
    {.key = "borrowing_limit",
     .header = "BORROW-LIMIT",
     .priority = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().borrowing_limit); }},
    {.key = "lending_limit",
     .header = "LEND-LIMIT",
     .priority = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().lending_limit); }},
    {.key = "shared_gpus",
     .header = "SHARED",
     .priority = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().shared_gpus); }},
    {.key = "access",
     .header = "ACCESS",
     .align = Align::left,
     .priority = 6,
     .needs = kNoNamespace,
     .get = [](const Row& r) { return access_value(r.quota(), r.r->leaf); }},
    {.key = "flex_free",
     .header = "FLEX-FREE",
     .priority = 2,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::flex_free>},
    {.key = "flex_stable_free",
     .header = "STABLE",
     .priority = 7,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::flex_stable_free>},
    {.key = "fair_share",
     .header = "FAIR-SHARE",
     .priority = 2,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::fair_share>},
    {.key = "namespace_flex_used",
     .header = "NS-FLEX",
     .priority = 9,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::ns_flex_used>},
    {.key = "flex_within_share",
     .header = "FLEX-IN-SHARE",
     .priority = 2,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::flex_within_share>},
    {.key = "serve",
     .header = "SERVE",
     .align = Align::left,
     .identifying = true,
     .only_with = kNamespace,
     .get =
         [](const Row& r) {
           if (!r.r->leaf) return absent();
           return txt(serve_name(r.r->serve), r.r->serve == QuotaRow::Serve::flex ? Tone::warn : Tone::plain);
         }},
};
// The figures of SPEC §4, the columns from assigned to unbacked (the quota show card lists them).
const std::span<const Column<Row>> kFigureColumns = [] {
  const std::span<const Column<Row>> all(kTreeColumns);
  auto at = [&](std::string_view key) {
    return static_cast<std::size_t>(std::find_if(all.begin(), all.end(), [&](const auto& c) { return c.key == key; }) -
                                    all.begin());
  };
  return all.subspan(at("assigned"), at("unbacked") - at("assigned") + 1);
}();

std::vector<Row> tree_rows(const std::vector<QuotaRow>& rows, const Snapshot& snap, const RenderOptions& o,
                           int base = 0, bool leaves_only = false) {
  std::vector<Row> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    if (!leaves_only || r.leaf) out.push_back({&snap, &r, base});
  sort_rows<Row>(kTreeColumns, out, o.sort);
  return out;
}

// The conditions of a list of quota rows: --namespace or not, and whether any quota in it has
// the optional limits (only then do their columns show, so fleets without them look the same).
unsigned conditions(const std::vector<QuotaRow>& rows, const Snapshot& snap, bool with_ns) {
  unsigned have = with_ns ? kNamespace : kNoNamespace;
  for (const auto& r : rows) {
    const Quota& q = snap.quotas[r.quota];
    if (q.borrowing_limit || q.lending_limit || q.shared_gpus) return have | kLimits;
  }
  return have;
}

// The quota tree, or with --namespace the flat list of leaves it may target.
std::string tree_table(const std::vector<QuotaRow>& rows, const QuotaFigures* totals, bool with_ns,
                       const Snapshot& snap, const RenderOptions& o, int base_depth = 0) {
  QuotaRow total_row;
  total_row.leaf = false;
  if (totals) total_row.figures = *totals;
  const Row total{&snap, &total_row, 0};
  return table_of<Row>(kTreeColumns, tree_rows(rows, snap, o, base_depth), o, totals ? &total : nullptr,
                       conditions(rows, snap, with_ns));
}

using json_out::JsonWriter;

// One quota as JSON: the tree's columns, with where it sits in the tree.
void quota_json(JsonWriter& w, const QuotaRow& row, const Snapshot& snap, bool with_ns) {
  // The optional limits are asked for always: a quota without one leaves the key out (absent).
  json_row<Row>(w, kTreeColumns, Row{&snap, &row}, (with_ns ? kNamespace : kNoNamespace) | kTreeShape | kLimits);
}

// The figures that sum, for a total (QuotaFigures::add).
void sum_fields(JsonWriter& w, const QuotaFigures& f, const Snapshot& snap) {
  QuotaRow total;
  total.leaf = false;
  total.figures = f;
  json_totals<Row>(w, kTreeColumns, Row{&snap, &total});
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

// ---- quota show ----

struct JobRow {
  const Job* job;
  std::size_t order; // 1 = first to be preempted
};

constexpr unsigned kGroup = 8; // quota show of a group: its jobs come from several quotas

const Column<JobRow> kJobColumns[] = {
    {.key = "order", .header = "ORDER", .priority = 3, .get = [](const JobRow& r) { return num(r.order); }},
    {.key = "name",
     .header = "JOB",
     .align = Align::left,
     .identifying = true,
     .get = [](const JobRow& r) { return txt(r.job->name); }},
    {.key = "namespace",
     .header = "NAMESPACE",
     .align = Align::left,
     .priority = 2,
     .get = [](const JobRow& r) { return txt(r.job->ns); }},
    {.key = "quota",
     .header = "QUOTA",
     .align = Align::left,
     .priority = 1,
     .needs = kGroup,
     .get = [](const JobRow& r) { return txt(r.job->quota); }},
    {.key = "priority",
     .header = "PRIORITY",
     .align = Align::left,
     .priority = 1,
     .get = [](const JobRow& r) { return txt(to_string(r.job->priority)); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 1,
     .get = [](const JobRow& r) { return txt(to_string(r.job->state), r.job->running() ? Tone::plain : Tone::dim); }},
    {.key = "gpus", .header = "GPUS", .priority = 1, .get = [](const JobRow& r) { return num(r.job->gpus); }},
    {.key = "idle",
     .header = "IDLE",
     .align = Align::left,
     .priority = 5,
     .get = [](const JobRow& r) { return flag(r.job->idle); }},
    {.key = "started_at",
     .header = "STARTED",
     .align = Align::left,
     .priority = 4,
     .get = [](const JobRow& r) { return r.job->started_at ? txt(format_rfc3339(*r.job->started_at)) : none(""); }},
    {.key = "nodes",
     .header = "NODES",
     .align = Align::left,
     .priority = 6,
     .wide = true,
     .unit = "node",
     .get = [](const JobRow& r) { return list_of(r.job->nodes); }},
};

std::vector<JobRow> job_rows(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  std::vector<JobRow> rows;
  for (std::size_t i = 0; i < d.jobs.size(); ++i) rows.push_back({&snap.jobs[d.jobs[i]], i + 1});
  sort_rows<JobRow>(kJobColumns, rows, o.sort);
  return rows;
}

// The other leaves of the tree in the cluster: what each lends and borrows.
struct SiblingRow {
  const Snapshot* snap;
  const QuotaRow* r;
  std::string label; // the TREE row's name
};
const Column<SiblingRow> kSiblingColumns[] = {
    {.key = "name",
     .header = "QUOTA",
     .align = Align::left,
     .identifying = true,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return txt(r.label.empty() ? r.snap->quotas[r.r->quota].name : r.label); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .priority = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.r->figures.assigned); }},
    {.key = "used",
     .header = "USED",
     .priority = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.r->figures.used); }},
    {.key = "free",
     .header = "LENDS",
     .priority = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.r->figures.free); }},
    {.key = "borrowed",
     .header = "BORROWS",
     .priority = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.r->figures.borrowed); }},
};

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Why part of the quota is unbacked: the cluster's schedulable GPUs against what it promises.
std::string backing_text(const QuotaDetail& d, const Snapshot& snap) {
  const Quota& q = snap.quotas[d.row.quota];
  const ClusterFigures& c = d.cluster;
  std::vector<std::string> down;
  if (d.down.unhealthy_nodes)
    down.push_back(
        fmt::format("{} unhealthy on {}", d.down.unhealthy, plural(d.down.unhealthy_nodes, "node", "nodes")));
  if (d.down.cordoned_nodes)
    down.push_back(fmt::format("{} cordoned on {}", d.down.cordoned, plural(d.down.cordoned_nodes, "node", "nodes")));
  if (d.down.maintenance_nodes)
    down.push_back(
        fmt::format("{} in maintenance on {}", d.down.maintenance, plural(d.down.maintenance_nodes, "node", "nodes")));
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

std::string detail_table(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  const Quota& q = snap.quotas[d.row.quota];
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("tree", snap.quotas[q.tree_index].name);
  fields.emplace_back("parent", q.parent ? *q.parent : "-");
  if (d.row.leaf && q.cluster_index != kNone) {
    const Cluster& c = snap.clusters[q.cluster_index];
    fields.emplace_back("cluster", fmt::format("{} ({}, {}, {})", c.name, c.sku, c.region, to_string(c.state)));
  }
  if (!d.row.leaf) fields.emplace_back("leaves", digits(static_cast<Gpus>(d.row.leaves)));
  fields.emplace_back("access", !d.row.leaf && !q.access ? "-" : access_text(q));
  if (q.borrowing_limit) fields.emplace_back("borrowing_limit", digits(*q.borrowing_limit));
  if (q.lending_limit) fields.emplace_back("lending_limit", digits(*q.lending_limit));
  if (q.shared_gpus) fields.emplace_back("shared_gpus", digits(*q.shared_gpus));
  std::vector<std::pair<std::string_view, Gpus>> figures;
  for (const auto& c : kFigureColumns)
    if (const Value v = c.get(Row{&snap, &d.row}); v.kind == Value::Kind::number) figures.emplace_back(c.key, v.number);
  std::size_t vw = 0;
  for (const auto& [k, v] : figures) vw = std::max(vw, digits(v).size());
  for (const auto& [k, v] : figures) fields.emplace_back(std::string(k), fmt::format("{:>{}}", v, vw));
  std::size_t kw = 0;
  for (const auto& [k, v] : fields) kw = std::max(kw, k.size());
  std::string out = fmt::format("{} {}\n", d.row.leaf ? "Quota" : "Quota group", q.name);
  for (const auto& [k, v] : fields) out += fmt::format("  {:<{}}  {}\n", k, kw, v);
  if (!d.row.leaf) out += "  (sums of its leaves; borrowable and available are per leaf)\n";

  if (!d.row.leaf && !d.subtree.empty()) {
    out += "\nLeaves:\n";
    out += tree_table(d.subtree, nullptr, false, snap, o, 1);
  }
  out += "\n";
  if (d.jobs.empty()) {
    out += "Jobs: none.\n";
  } else {
    out += "Jobs, in the order they would be preempted if the quota shrank (lowest priority, then newest):\n";
    out += table_of<JobRow>(kJobColumns, job_rows(d, snap, o), o, nullptr, d.row.leaf ? 0 : kGroup);
  }
  if (!d.row.leaf || q.cluster_index == kNone) return out;

  const std::string where = fmt::format("{} on {}", snap.quotas[q.tree_index].name, *q.cluster);
  out += "\n";
  if (d.siblings.empty()) {
    out += fmt::format("Siblings: none; {} has no other leaf in tree {}, so nothing to borrow.\n", *q.cluster,
                       snap.quotas[q.tree_index].name);
  } else {
    out += fmt::format("Siblings in tree {} (each lends its free GPUs, borrows beyond its assigned):\n", where);
    std::vector<SiblingRow> rows;
    for (const auto& s : d.siblings) rows.push_back({&snap, &s, {}});
    sort_rows<SiblingRow>(kSiblingColumns, rows, o.sort);
    // The tree row lends what its leaves leave unused in all, P − U, not the sum of their free.
    QuotaRow tree_row;
    tree_row.figures = d.tree;
    tree_row.figures.free = d.tree_unused;
    const SiblingRow total{&snap, &tree_row, fmt::format("TREE {}", where)};
    out += table_of<SiblingRow>(kSiblingColumns, rows, o, &total);
  }
  out += '\n';
  out += backing_text(d, snap);
  return out;
}

std::string detail_json(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  JsonWriter w;
  json_out::begin_document(w, "quota.show", o);
  w.key("quota").begin_object();
  json_fields<Row>(w, kTreeColumns, Row{&snap, &d.row}, kNoNamespace | kTreeShape | kLimits);
  w.field("leaf", d.row.leaf);
  w.end_object();
  json_list<JobRow>(w, "jobs", kJobColumns, job_rows(d, snap, o));
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
  sum_fields(w, d.tree, snap);
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

} // namespace

namespace cols {
std::vector<ColumnList> quota_column_lists() {
  return {describe<Row>("quota", "quotas", kTreeColumns), describe<JobRow>("quota show", "jobs", kJobColumns),
          describe<SiblingRow>("quota show", "siblings", kSiblingColumns)};
}
} // namespace cols

std::string render_quota(const QuotaReport& r, const Snapshot& snap, const RenderOptions& o) {
  const bool with_ns = r.ns.has_value();
  switch (o.format) {
  case Format::json: {
    JsonWriter w;
    json_out::begin_document(w, "quota", o);
    w.field("namespace", r.ns);
    put_rows(w, r.rows, snap, with_ns);
    w.key("totals").begin_object();
    sum_fields(w, r.totals, snap);
    w.end_object();
    return w.end_object().finish();
  }
  case Format::csv:
    return csv_of<Row>(kTreeColumns, tree_rows(r.rows, snap, o, 0, true), o, conditions(r.rows, snap, with_ns));
  case Format::name: return names_of<Row>(kTreeColumns, tree_rows(r.rows, snap, o));
  case Format::table: break;
  }
  if (r.rows.empty())
    return with_ns ? fmt::format("No quota in the selected clusters lets namespace {} target it.\n", *r.ns)
                   : "No quotas in the selected clusters.\n";
  return tree_table(r.rows, &r.totals, with_ns, snap, o);
}

std::string render_quota_detail(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json: return detail_json(d, snap, o);
  // CSV: the quota's jobs in preemption order, the one list a spreadsheet wants from `show`.
  case Format::csv: return csv_of<JobRow>(kJobColumns, job_rows(d, snap, o), o);
  case Format::name: return escape_control(snap.quotas[d.row.quota].name) + "\n";
  case Format::table: break;
  }
  return detail_table(d, snap, o);
}

} // namespace fleetcap
