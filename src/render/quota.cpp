// `fleetcap quota` and `quota show`: the quota tree's one column list makes the tree table,
// the JSON of every quota, the CSV and the Prometheus families; the card of `show` lists the
// same columns' figures.
#include "fleetcap/render/quota.hpp"

#include "fleetcap/render/prometheus.hpp"
#include "prometheus_out.hpp"
#include "shared_columns.hpp"

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

constexpr unsigned kNoNamespace = kFirstOwnCondition; // the tree without --namespace
constexpr unsigned kLimits = kFirstOwnCondition << 1; // some quota shown has a borrowing/lending limit or shared GPUs
constexpr unsigned kCard = kFirstOwnCondition << 2;   // JSON of quota show's own quota: it says whether it is a leaf
constexpr unsigned kCaps = kFirstOwnCondition << 3;   // the fleet has caps (docs/design.md)

// The cap that holds a leaf's AVAILABLE below what its quota and cluster give; none when none does.
Value capped_by(const Row& r) {
  if (!r.r->leaf) return absent();
  return r.r->figures.capped_by == kNone ? none() : txt(r.snap->caps[r.r->figures.capped_by].name);
}

// The optional limits (docs/quota.md): a key only on the quotas that have one.
Value optional_gpus(const std::optional<Gpus>& v) { return v ? num(*v) : absent(); }

// The quota figures of docs/figures.md, with their Prometheus family (leaves only: a group's
// figures are sums of its leaves', which PromQL's sum() makes).
#define FLEETCAP_QUOTA_FIGURE(KEY, HEADER, DROP, TOTAL, SUMMED, HELP)                                                  \
  {                                                                                                                    \
    .key = #KEY, .header = HEADER, .unit = Unit::gpus, .meaning = HELP, .drop = DROP, .total = TOTAL,                  \
    .metric = #KEY "_gpus", .get = figure<&QuotaFigures::KEY, SUMMED>                                                  \
  }

const Column<Row> kTreeList[] = {
    quota_name_column<Row>([](const Row& r) { return txt(r.quota().name, Tone::plain, indented(r)); }, Total::label),
    {.key = "parent", .get = [](const Row& r) { return r.quota().parent ? txt(*r.quota().parent) : none(); }},
    {.key = "tree", .get = [](const Row& r) { return txt(r.snap->quotas[r.quota().tree_index].name); }},
    {.key = "depth", .in = In::json, .get = [](const Row& r) { return num(r.r->depth); }},
    {.key = "cluster",
     .header = "CLUSTER",
     .unit = Unit::name,
     .meaning = "The leaf's cluster.",
     .align = Align::left,
     .drop = 2,
     .get = [](const Row& r) { return r.r->leaf ? txt(cluster_of(r.quota())) : absent(); }},
    {.key = "leaves", .in = In::json, .get = [](const Row& r) { return r.r->leaf ? absent() : num(r.r->leaves); }},
    FLEETCAP_QUOTA_FIGURE(assigned, "ASSIGNED", 1, Total::value, true, "GPUs assigned to the leaf quota."),
    FLEETCAP_QUOTA_FIGURE(used, "USED", 1, Total::value, true, "GPUs of running jobs targeting the quota."),
    FLEETCAP_QUOTA_FIGURE(free, "FREE", 1, Total::value, true, "max(0, assigned - used)."),
    FLEETCAP_QUOTA_FIGURE(borrowed, "BORROWED", 5, Total::value, true, "max(0, used - assigned)."),
    FLEETCAP_QUOTA_FIGURE(borrowable, "BORROWABLE", 4, Total::none, false,
                          "Unused GPUs of sibling quotas (same tree and cluster) the quota may borrow."),
    FLEETCAP_QUOTA_FIGURE(available, "AVAILABLE", 1, Total::none, false,
                          "GPUs a job targeting the quota could get now."),
    {.key = "capped_by",
     .header = "CAPPED-BY",
     .unit = Unit::text,
     .meaning = "The cap that holds AVAILABLE below what the quota and its cluster give; - none.",
     .align = Align::left,
     .drop = 7,
     .only_with = kCaps,
     .label = "the cap that holds AVAILABLE",
     .get = capped_by},
    FLEETCAP_QUOTA_FIGURE(unbacked, "UNBACKED", 3, Total::value, true,
                          "The cluster's unbacked GPUs split over its leaves in proportion to assigned."),
    {.key = "borrowing_limit",
     .header = "BORROW-LIMIT",
     .unit = Unit::gpus,
     .meaning = "The most the leaf may borrow beyond its assigned, where set.",
     .drop = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().borrowing_limit); }},
    {.key = "lending_limit",
     .header = "LEND-LIMIT",
     .unit = Unit::gpus,
     .meaning = "The most of its assigned the leaf lends to its tree, where set.",
     .drop = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().lending_limit); }},
    {.key = "shared_gpus",
     .header = "SHARED",
     .unit = Unit::gpus,
     .meaning = "GPUs the group itself holds for its leaves to borrow, where set.",
     .drop = 8,
     .wide = true,
     .only_with = kLimits,
     .get = [](const Row& r) { return optional_gpus(r.quota().shared_gpus); }},
    quota_access_column<Row>({.drop = 6, .needs = kNoNamespace},
                             [](const Row& r) { return access_value(r.quota(), r.r->leaf); }),
    figure_column<Row>(kFlexFreeFigure, {.drop = 2, .only_with = kNamespace}, ns_figure<&QuotaRow::flex_free>),
    figure_column<Row>(kStableFigure, {.drop = 7, .only_with = kNamespace}, ns_figure<&QuotaRow::flex_stable_free>),
    fair_share_column<Row>(2, ns_figure<&QuotaRow::fair_share>),
    {.key = "namespace_flex_used",
     .header = "NS-FLEX",
     .unit = Unit::gpus,
     .meaning = meaning::kNamespaceFlex,
     .drop = 9,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::ns_flex_used>},
    {.key = "flex_within_share",
     .header = "FLEX-IN-SHARE",
     .unit = Unit::gpus,
     .meaning = "What NS could start on flex and stay within its share: min(FLEX-FREE, FAIR-SHARE - NS-FLEX).",
     .drop = 2,
     .only_with = kNamespace,
     .get = ns_figure<&QuotaRow::flex_within_share>},
    {.key = "serve",
     .header = "SERVE",
     .unit = Unit::text,
     .meaning = "quota when AVAILABLE > 0, else flex when FLEX-IN-SHARE > 0, else none.",
     .align = Align::left,
     .identifying = true,
     .only_with = kNamespace,
     .get =
         [](const Row& r) {
           if (!r.r->leaf) return absent();
           return txt(serve_name(r.r->serve), r.r->serve == QuotaRow::Serve::flex ? Tone::warn : Tone::plain);
         }},
    {.key = "leaf", .only_with = kCard, .in = In::json, .get = [](const Row& r) { return flag(r.r->leaf); }},
};
const Columns<Row> kTreeColumns{"quota", "quotas", kTreeList};

std::vector<Row> tree_rows(const std::vector<QuotaRow>& rows, const Snapshot& snap, const RenderOptions& o,
                           int base = 0, bool leaves_only = false) {
  std::vector<Row> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    if (!leaves_only || r.leaf) out.push_back({&snap, &r, base});
  sort_rows(kTreeColumns, out, o.sort);
  return out;
}

// The conditions of a list of quota rows: --namespace or not, and whether any quota in it has
// the optional limits (only then do their columns show, so fleets without them look the same).
unsigned conditions(const std::vector<QuotaRow>& rows, const Snapshot& snap, bool with_ns) {
  unsigned have = (with_ns ? kNamespace : kNoNamespace) | (snap.caps.empty() ? 0 : kCaps);
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
  return table_of(kTreeColumns, tree_rows(rows, snap, o, base_depth), o, totals ? &total : nullptr,
                  conditions(rows, snap, with_ns));
}

// JSON asks for the optional limits always: a quota without one leaves the key out (absent).
unsigned json_conditions(bool with_ns, const Snapshot& snap) {
  return (with_ns ? kNamespace : kNoNamespace) | kLimits | (snap.caps.empty() ? 0 : kCaps);
}

// The rows of a tree as JSON: leaves under "quotas" (every figure, so summing a key never
// counts a GPU twice), groups apart, in tree order (--sort is for the table); and the TOTAL row.
struct TreeRows {
  QuotaRow total_row;
  Row total;
  std::vector<Row> leaves, groups;
  TreeRows(const Snapshot& snap, const std::vector<QuotaRow>& rows, const QuotaFigures& totals)
      : total_row{kNone, 0, false, 0, totals}, total{&snap, &total_row} {
    for (const auto& r : rows) (r.leaf ? leaves : groups).push_back({&snap, &r});
  }
  TreeRows(const TreeRows&) = delete; // total points into it
};

// ---- quota show ----

struct JobRow {
  const Job* j;
  std::size_t order; // 1 = first to be preempted
  const Job& job() const { return *j; }
};

constexpr unsigned kGroup = kFirstOwnCondition; // quota show of a group: its jobs come from several quotas

const Column<JobRow> kJobList[] = {
    {.key = "order",
     .header = "ORDER",
     .unit = Unit::count,
     .meaning = "Its place in the order jobs are preempted if the quota shrank (lowest priority, then newest).",
     .drop = 3,
     .get = [](const JobRow& r) { return num(r.order); }},
    job_name_column<JobRow>(),
    job_namespace_column<JobRow>({.drop = 2}),
    job_quota_column<JobRow>({.drop = 1, .needs = kGroup}),
    job_priority_column<JobRow>({.drop = 1}),
    job_state_column<JobRow>(
        {.drop = 1},
        [](const JobRow& r) { return txt(to_string(r.job().state), r.job().running() ? Tone::plain : Tone::dim); }),
    job_gpus_column<JobRow>({.drop = 1}),
    job_idle_column<JobRow>({.drop = 5}),
    job_started_column<JobRow>(
        {.drop = 4},
        [](const JobRow& r) { return r.job().started_at ? txt(format_rfc3339(*r.job().started_at)) : none(""); }),
    job_nodes_column<JobRow>({.drop = 6, .wide = true}, [](const JobRow& r) { return list_of(r.job().nodes); }),
};
const Columns<JobRow> kJobColumns{"quota show", "jobs", kJobList};

std::vector<JobRow> job_rows(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  std::vector<JobRow> rows;
  for (std::size_t i = 0; i < d.jobs.size(); ++i) rows.push_back({&snap.jobs[d.jobs[i]], i + 1});
  sort_rows(kJobColumns, rows, o.sort);
  return rows;
}

// The other leaves of the tree in the cluster: what each lends and borrows (Lending), and the
// TREE row.
struct SiblingRow {
  std::string name;
  Lending l;
};
const Column<SiblingRow> kSiblingList[] = {
    quota_name_column<SiblingRow>([](const SiblingRow& r) { return txt(r.name); }, Total::row),
    quota_assigned_column<SiblingRow>({.drop = 1, .total = Total::value},
                                      [](const SiblingRow& r) { return num(r.l.assigned); }),
    quota_used_column<SiblingRow>({.drop = 1, .total = Total::value},
                                  [](const SiblingRow& r) { return num(r.l.used); }),
    {.key = "lends",
     .header = "LENDS",
     .unit = Unit::gpus,
     .meaning = "What it lends: its FREE; the TREE row: max(0, P - U).",
     .drop = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.l.lends); }},
    {.key = "borrows",
     .header = "BORROWS",
     .unit = Unit::gpus,
     .meaning = "What it borrows: its BORROWED, max(0, used - assigned).",
     .drop = 1,
     .total = Total::value,
     .get = [](const SiblingRow& r) { return num(r.l.borrows); }},
};
const Columns<SiblingRow> kSiblingColumns{"quota show", "siblings", kSiblingList};

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

// The card's first lines: where the quota sits, then its figures (the tree's columns with a
// Prometheus family), numbers aligned.
std::vector<std::pair<std::string, std::string>> card_fields(const QuotaDetail& d, const Snapshot& snap) {
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
  for (const auto& c : kTreeColumns)
    if (const Value v = c.metric.empty() ? absent() : c.get(Row{&snap, &d.row}); v.kind == Value::Kind::number)
      figures.emplace_back(c.key, v.number);
  std::size_t vw = 0;
  for (const auto& [k, v] : figures) vw = std::max(vw, digits(v).size());
  for (const auto& [k, v] : figures) fields.emplace_back(std::string(k), fmt::format("{:>{}}", v, vw));
  return fields;
}

std::string card_head(const QuotaDetail& d, const Snapshot& snap) {
  const auto fields = card_fields(d, snap);
  std::size_t kw = 0;
  for (const auto& [k, v] : fields) kw = std::max(kw, k.size());
  std::string out = fmt::format("{} {}\n", d.row.leaf ? "Quota" : "Quota group", snap.quotas[d.row.quota].name);
  for (const auto& [k, v] : fields) out += fmt::format("  {:<{}}  {}\n", k, kw, v);
  if (!d.row.leaf) out += "  (sums of its leaves; borrowable and available are per leaf)\n";
  return out;
}

std::string siblings_table(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  const Quota& q = snap.quotas[d.row.quota];
  const std::string& tree = snap.quotas[q.tree_index].name;
  if (d.siblings.empty())
    return fmt::format("Siblings: none; {} has no other leaf in tree {}, so nothing to borrow.\n", *q.cluster, tree);
  std::vector<SiblingRow> rows;
  for (const auto& s : d.siblings) rows.push_back({snap.quotas[s.quota].name, lending(s)});
  sort_rows(kSiblingColumns, rows, o.sort);
  const std::string where = fmt::format("{} on {}", tree, *q.cluster);
  const SiblingRow total{fmt::format("TREE {}", where), tree_lending(d)};
  return fmt::format("Siblings in tree {} (each lends its free GPUs, borrows beyond its assigned):\n", where) +
         table_of(kSiblingColumns, rows, o, &total);
}

std::string detail_table(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  const Quota& q = snap.quotas[d.row.quota];
  std::string out = card_head(d, snap);
  if (!d.row.leaf && !d.subtree.empty()) {
    out += "\nLeaves:\n";
    out += tree_table(d.subtree, nullptr, false, snap, o, 1);
  }
  out += "\n";
  if (d.jobs.empty()) {
    out += "Jobs: none.\n";
  } else {
    out += "Jobs, in the order they would be preempted if the quota shrank (lowest priority, then newest):\n";
    out += table_of(kJobColumns, job_rows(d, snap, o), o, nullptr, d.row.leaf ? 0 : kGroup);
  }
  if (!d.row.leaf || q.cluster_index == kNone) return out;
  out += "\n";
  out += siblings_table(d, snap, o);
  out += '\n';
  out += backing_text(d, snap);
  return out;
}

// ---- JSON documents ----

// fleetcap.quota: the leaves and groups of the tree in the selected clusters, and their totals.
struct QuotaDoc {
  const std::optional<std::string>* ns;
  TreeRows tree;
  const QuotaReport* r = nullptr;
  const Snapshot* snap = nullptr;
};

// The caps of the shown leaves (docs/design.md): what the scheduler enforces beside quota.
void caps_section(JsonWriter& w, std::string_view key, const QuotaDoc& d, unsigned) {
  if (d.snap->caps.empty()) return;
  w.key(key).begin_array();
  for (auto c : d.r->caps) {
    const Cap& cap = d.snap->caps[c];
    w.begin_object();
    w.field("name", cap.name);
    w.key("cluster");
    if (cap.cluster.empty())
      w.value(nullptr);
    else
      w.value(cap.cluster);
    w.field("gpus", cap.gpus);
    w.field("used", d.r->cap_use[c].used);
    w.field("free", d.r->cap_use[c].free);
    w.end_object();
  }
  w.end_array();
}

std::string caps_text(const QuotaReport& r, const Snapshot& snap) {
  if (r.caps.empty()) return {};
  std::string out = "\nCaps the scheduler enforces (AVAILABLE never exceeds a cap's free; CAPPED-BY names the one "
                    "that holds it):\n";
  for (auto c : r.caps) {
    const Cap& cap = snap.caps[c];
    out += fmt::format("  {}{}: {} GPUs, {} used, {} free\n", escape_control(cap.name),
                       cap.cluster.empty() ? "" : " in " + escape_control(cap.cluster), cap.gpus, r.cap_use[c].used,
                       r.cap_use[c].free);
  }
  return out;
}
const std::vector<Row>& leaves_of(const QuotaDoc& d) { return d.tree.leaves; }
const std::vector<Row>& groups_of(const QuotaDoc& d) { return d.tree.groups; }
const Row* total_of(const QuotaDoc& d) { return &d.tree.total; }

const Column<QuotaDoc> kQuotaDocList[] = {
    {.key = "namespace", .get = [](const QuotaDoc& d) { return *d.ns ? txt(**d.ns) : none(); }},
    {.key = "quotas", .section = array<kTreeColumns, leaves_of>},
    {.key = "groups", .section = array<kTreeColumns, groups_of>},
    {.key = "totals", .section = totals<kTreeColumns, total_of>},
    {.key = "caps", .section = caps_section},
};
const Columns<QuotaDoc> kQuotaDoc{"quota", "document", kQuotaDocList, ListKind::document, "fleetcap.quota/v1"};

// fleetcap.quota.show: the quota, its jobs, and for a group its subtree, for a leaf its
// siblings, its tree's sums in its cluster and that cluster's backing.
struct DetailDoc {
  const QuotaDetail* d;
  const Snapshot* snap;
  Row row;
  std::vector<JobRow> jobs;
  std::vector<Row> siblings;
  TreeRows subtree; // a group's
  QuotaRow tree_row;
  Row tree;
  bool leaf() const { return d->row.leaf; }
  bool backed() const { return leaf() && snap->quotas[d->row.quota].cluster_index != kNone; }
  DetailDoc(const QuotaDetail& detail, const Snapshot& s, std::vector<JobRow> job_rows)
      : d(&detail), snap(&s), row{&s, &detail.row}, jobs(std::move(job_rows)),
        subtree(s, detail.subtree, {}), tree_row{kNone, 0, false, 0, detail.tree}, tree{&s, &tree_row} {
    for (const auto& r : detail.siblings) siblings.push_back({&s, &r});
  }
};

const Column<NotSchedulable> kDownList[] = {
    {.key = "unhealthy", .get = [](const NotSchedulable& n) { return num(n.unhealthy); }},
    {.key = "unhealthy_nodes", .get = [](const NotSchedulable& n) { return num(n.unhealthy_nodes); }},
    {.key = "cordoned", .get = [](const NotSchedulable& n) { return num(n.cordoned); }},
    {.key = "cordoned_nodes", .get = [](const NotSchedulable& n) { return num(n.cordoned_nodes); }},
    {.key = "maintenance", .get = [](const NotSchedulable& n) { return num(n.maintenance); }},
    {.key = "maintenance_nodes", .get = [](const NotSchedulable& n) { return num(n.maintenance_nodes); }},
};
const Columns<NotSchedulable> kDownColumns{"quota show", "cluster.not_schedulable", kDownList, ListKind::section};
const NotSchedulable* down_of(const DetailDoc& d) { return &d.d->down; }

// The leaf's cluster: why part of its quota is unbacked.
const Column<DetailDoc> kBackingList[] = {
    {.key = "name",
     .get =
         [](const DetailDoc& d) { return txt(d.snap->clusters[d.snap->quotas[d.d->row.quota].cluster_index].name); }},
    {.key = "total", .get = [](const DetailDoc& d) { return num(d.d->cluster.total); }},
    {.key = "healthy", .get = [](const DetailDoc& d) { return num(d.d->cluster.healthy); }},
    {.key = "assigned", .get = [](const DetailDoc& d) { return num(d.d->cluster.assigned); }},
    {.key = "unbacked", .get = [](const DetailDoc& d) { return num(d.d->cluster.unbacked); }},
    {.key = "leaf_quotas", .get = [](const DetailDoc& d) { return num(d.d->cluster_leaves); }},
    {.key = "not_schedulable", .section = object<kDownColumns, down_of>},
};
const Columns<DetailDoc> kBackingColumns{"quota show", "cluster", kBackingList, ListKind::section};

// The leaf's tree in its cluster: the sums of its leaves there, and what they leave unused.
const Column<DetailDoc> kTreeInClusterList[] = {
    {.key = "tree",
     .get = [](const DetailDoc& d) { return txt(d.snap->quotas[d.snap->quotas[d.d->row.quota].tree_index].name); }},
    {.key = "cluster", .get = [](const DetailDoc& d) { return txt(cluster_of(d.snap->quotas[d.d->row.quota])); }},
    {.key = "totals", .in = In::json, .section = totals_inline<kTreeColumns, &DetailDoc::tree>},
    {.key = "unused", .get = [](const DetailDoc& d) { return num(d.d->tree_unused); }},
};
const Columns<DetailDoc> kTreeInClusterColumns{"quota show", "tree_in_cluster", kTreeInClusterList, ListKind::section};

void quota_section(JsonWriter& w, std::string_view key, const DetailDoc& d, unsigned have) {
  w.key(key);
  json_row(w, kTreeColumns, d.row, have | kCard);
}
void subtree_section(JsonWriter& w, std::string_view key, const DetailDoc& d, unsigned have) {
  if (!d.leaf()) json_list(w, key, kTreeColumns, key == "quotas" ? d.subtree.leaves : d.subtree.groups, have);
}
void siblings_section(JsonWriter& w, std::string_view key, const DetailDoc& d, unsigned have) {
  if (d.leaf()) json_list(w, key, kTreeColumns, d.siblings, have);
}
const DetailDoc* if_leaf(const DetailDoc& d) { return d.leaf() ? &d : nullptr; }
const DetailDoc* if_backed(const DetailDoc& d) { return d.backed() ? &d : nullptr; }

const Column<DetailDoc> kDetailDocList[] = {
    {.key = "quota", .section = quota_section},
    {.key = "jobs", .section = array<kJobColumns, &DetailDoc::jobs>},
    {.key = "quotas", .section = subtree_section},
    {.key = "groups", .section = subtree_section},
    {.key = "siblings", .section = siblings_section},
    {.key = "tree_in_cluster", .section = object_if<kTreeInClusterColumns, if_leaf>},
    {.key = "cluster", .section = object_if<kBackingColumns, if_backed>},
};
const Columns<DetailDoc> kDetailDoc{"quota show", "document", kDetailDocList, ListKind::document,
                                    "fleetcap.quota.show/v1"};

} // namespace

namespace cols {
void link_quota_columns() {}
} // namespace cols

std::string render_quota(const QuotaReport& r, const Snapshot& snap, const RenderOptions& o) {
  const bool with_ns = r.ns.has_value();
  switch (o.format) {
  case Format::json:
    return json_document(kQuotaDoc, QuotaDoc{&r.ns, {snap, r.rows, r.totals}, &r, &snap}, o,
                         json_conditions(with_ns, snap));
  case Format::csv:
    return csv_of(kTreeColumns, tree_rows(r.rows, snap, o, 0, true), o, conditions(r.rows, snap, with_ns));
  case Format::name: return names_of(kTreeColumns, tree_rows(r.rows, snap, o));
  case Format::table: break;
  }
  if (r.rows.empty())
    return with_ns ? fmt::format("No quota in the selected clusters lets namespace {} target it.\n", *r.ns)
                   : "No quotas in the selected clusters.\n";
  return tree_table(r.rows, &r.totals, with_ns, snap, o) + caps_text(r, snap);
}

std::string render_quota_detail(const QuotaDetail& d, const Snapshot& snap, const RenderOptions& o) {
  switch (o.format) {
  case Format::json:
    return json_document(kDetailDoc, DetailDoc(d, snap, job_rows(d, snap, o)), o, json_conditions(false, snap));
  // CSV: the quota's jobs in preemption order, the one list a spreadsheet wants from `show`.
  case Format::csv: return csv_of(kJobColumns, job_rows(d, snap, o), o);
  case Format::name: return escape_control(snap.quotas[d.row.quota].name) + "\n";
  case Format::table: break;
  }
  return detail_table(d, snap, o);
}

std::string render_quota_prometheus(const QuotaReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  at_metric(out, "quota", o);
  std::vector<Row> leaves; // groups are sums of their leaves: sum() them in PromQL instead
  std::vector<Labels> labels;
  for (const auto& row : r.rows) {
    if (!row.leaf) continue;
    const Quota& q = snap.quotas[row.quota];
    const Cluster* c = q.cluster_index == kNone ? nullptr : &snap.clusters[q.cluster_index];
    leaves.push_back({&snap, &row});
    labels.push_back({{"quota", q.name},
                      {"tree", q.tree_index == kNone ? std::string_view(q.name) : snap.quotas[q.tree_index].name},
                      {"cluster", c ? std::string_view(c->name) : ""},
                      {"region", c ? std::string_view(c->region) : ""},
                      {"sku", c ? std::string_view(c->sku) : ""},
                      {"provider", c ? std::string_view(c->provider) : ""}});
  }
  prometheus_families(out, "fleetcap_quota_", kTreeColumns, leaves, labels);
  return out;
}

} // namespace fleetcap
