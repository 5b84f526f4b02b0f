// `fleetcap capacity`: one column list for clusters and one per --by grouping, which make the
// table, JSON, CSV, -o name, the Prometheus families and report --html's capacity part.
#include "fleetcap/render/capacity.hpp"

#include "fleetcap/render/prometheus.hpp"
#include "lists.hpp"
#include "prometheus_out.hpp"
#include "shared_columns.hpp"

namespace fleetcap {
namespace cols {
namespace {

template <Gpus ClusterFigures::*F> Value figure(const CapacityView& r) { return num(r.row->figures.*F); }

// Conditions (Column::only_with): the fleet has stable use, or reservations (docs/design.md);
// their columns show only then, so a fleet without them reads as before.
constexpr unsigned kStableUse = kFirstOwnCondition, kReserved = kFirstOwnCondition * 2;
Value unbacked(const CapacityView& r) {
  const Gpus v = r.row->figures.unbacked;
  return num(v, v > 0 && r.row->key != "TOTAL" ? Tone::bad : Tone::plain);
}

// The cluster figures (docs/figures.md), in their order, as every capacity list ends; `buffer`
// is headroom's name in fleetcap.capacity/v1, kept readable in v2 (docs/output.md).
constexpr Column<CapacityView> kFigureColumns[] = {
    figure_column<CapacityView>(kTotalFigure, {.drop = 6, .total = Total::value}, figure<&ClusterFigures::total>,
                                "all GPUs", "total_gpus"),
    figure_column<CapacityView>(kHealthyFigure, {.drop = 1, .total = Total::value}, figure<&ClusterFigures::healthy>,
                                "GPUs on schedulable nodes", "healthy_gpus"),
    figure_column<CapacityView>(kAssignedFigure, {.drop = 1, .total = Total::value}, figure<&ClusterFigures::assigned>,
                                "GPUs promised to quotas", "assigned_gpus"),
    figure_column<CapacityView>(kInquotaUsedFigure, {.drop = 8, .total = Total::value},
                                figure<&ClusterFigures::inquota_used>, "in-quota used", "inquota_used_gpus"),
    figure_column<CapacityView>(kInquotaFreeFigure, {.drop = 5, .total = Total::value},
                                figure<&ClusterFigures::inquota_free>, "in-quota free", "inquota_free_gpus"),
    figure_column<CapacityView>(kFlexUsedFigure, {.drop = 9, .total = Total::value}, figure<&ClusterFigures::flex_used>,
                                "flex used", "flex_used_gpus"),
    figure_column<CapacityView>(kFlexFreeFigure, {.drop = 1, .total = Total::value}, figure<&ClusterFigures::flex_free>,
                                "free for flex", "flex_free_gpus"),
    figure_column<CapacityView>(kStableFigure, {.drop = 10, .wide = true, .total = Total::value},
                                figure<&ClusterFigures::flex_stable_free>,
                                "free flex that in-quota jobs can never reclaim", "flex_stable_free_gpus"),
    figure_column<CapacityView>(kReclaimableFigure, {.drop = 11, .wide = true, .total = Total::value},
                                figure<&ClusterFigures::flex_reclaimable_free>,
                                "free flex that in-quota jobs may reclaim", "flex_reclaimable_free_gpus"),
    figure_column<CapacityView>(kUnbackedFigure, {.drop = 2, .total = Total::value}, unbacked, "unbacked quota",
                                "unbacked_gpus"),
    figure_column<CapacityView>(kHeadroomFigure, {.drop = 12, .wide = true, .total = Total::value},
                                figure<&ClusterFigures::headroom>, "healthy beyond quota", "headroom_gpus"),
    {.key = "buffer", .total = Total::value, .in = In::json, .get = figure<&ClusterFigures::headroom>},
    figure_column<CapacityView>(kBlockFigure, {.drop = 7, .total = Total::value},
                                figure<&ClusterFigures::largest_free_block>, "largest free block in one island",
                                "largest_free_block_gpus"),
    figure_column<CapacityView>(kStableUsedFigure, {.drop = 9, .only_with = kStableUse, .total = Total::value},
                                figure<&ClusterFigures::flex_stable_used>,
                                "flex used that the scheduler never preempts"),
    figure_column<CapacityView>(kReservedFreeFigure, {.drop = 8, .only_with = kReserved, .total = Total::value},
                                figure<&ClusterFigures::reserved_free>,
                                "idle GPUs a reservation holds for its accounts"),
};

constexpr Column<CapacityView> kClusterOwn[] = {
    cluster_column<CapacityView>(), region_column<CapacityView>(4),       provider_column<CapacityView>(13, true),
    sku_column<CapacityView>(3),    state_column<CapacityView>(14, true),
};
constexpr auto kClusterList = joined(kClusterOwn, kFigureColumns);

} // namespace

// The clusters' list registers first: the legend of --help explains it first.
const Columns<CapacityView> kCapacityColumns{"capacity", "clusters", kClusterList.columns};

namespace {

Value group_key(const CapacityView& r) { return txt(r.row->key); }
Value group_clusters(const CapacityView& r) { return num(r.row->clusters); }

// --by region|sku|provider|partition: the group's key (JSON "key") under the grouping's name,
// its clusters, then the figures.
constexpr Column<CapacityView> kGroupClusters[] = {{.key = "clusters",
                                                    .header = "CLUSTERS",
                                                    .unit = Unit::count,
                                                    .meaning = "Clusters in the group.",
                                                    .drop = 3,
                                                    .total = Total::row,
                                                    .get = group_clusters}};
constexpr auto kGroupFigures = joined(kGroupClusters, kFigureColumns);

constexpr auto kRegionList =
    group_list("REGION", "region", "The region the group's clusters are in.", group_key, kGroupFigures.columns);
constexpr auto kSkuList =
    group_list("SKU", "sku", "The GPU model of the group's clusters.", group_key, kGroupFigures.columns);
constexpr auto kProviderList =
    group_list("PROVIDER", "provider", "The provider of the group's clusters.", group_key, kGroupFigures.columns);
constexpr auto kPartitionList =
    group_list("PARTITION", "partition", "The partition: its nodes (a node in several counts in each).", group_key,
               kGroupFigures.columns);
const Columns<CapacityView> kRegionColumns{"capacity", "groups by region", kRegionList.columns};
const Columns<CapacityView> kSkuColumns{"capacity", "groups by sku", kSkuList.columns};
const Columns<CapacityView> kProviderColumns{"capacity", "groups by provider", kProviderList.columns};
const Columns<CapacityView> kPartitionColumns{"capacity", "groups by partition", kPartitionList.columns};

const Columns<CapacityView>& columns_for(GroupBy by) {
  switch (by) {
  case GroupBy::region: return kRegionColumns;
  case GroupBy::sku: return kSkuColumns;
  case GroupBy::provider: return kProviderColumns;
  case GroupBy::partition: return kPartitionColumns;
  case GroupBy::none: break;
  }
  return kCapacityColumns;
}

// Which optional columns the fleet has data for (docs/design.md).
unsigned conditions(const Snapshot& snap) {
  unsigned have = snap.reservations.empty() ? 0 : kReserved;
  if (std::any_of(snap.jobs.begin(), snap.jobs.end(), [](const Job& j) { return j.stable_use(); })) have |= kStableUse;
  return have;
}

// Under a partition view: what its figures count (docs/slurm.md, "partitions").
std::string partition_note(const CapacityReport& r, const RenderOptions& o) {
  if (r.by != GroupBy::partition && r.partition.empty()) return {};
  return wrap_prose(fmt::format("\n{}Partitions are views of the nodes: a node in several partitions counts in each{}; "
                                "ASSIGNED is each cluster's quota, which Slurm does not split by partition.\n",
                                r.partition.empty() ? "" : fmt::format("Over partition {}'s nodes. ", r.partition),
                                r.by == GroupBy::partition ? " (and so more than once in TOTAL)" : ""),
                    o.style.width);
}

// The document: the rows as "clusters", or with --by as "groups", and the figures' totals.
struct Doc {
  GroupBy by;
  const std::vector<CapacityView>* rows;
  const CapacityView* total;
  std::string partition; // --partition
};

void clusters_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (d.by == GroupBy::none) json_list(w, key, kCapacityColumns, *d.rows, have);
}
void groups_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  if (d.by != GroupBy::none) json_list(w, key, columns_for(d.by), *d.rows, have);
}
// Totals are the figures alone (no name, no cluster count), whatever the grouping.
void totals_section(JsonWriter& w, std::string_view key, const Doc& d, unsigned have) {
  w.key(key).begin_object();
  json_totals(w, kCapacityColumns, *d.total, have);
  w.end_object();
}

const Column<Doc> kDocumentList[] = {
    {.key = "by", .get = [](const Doc& d) { return d.by == GroupBy::none ? absent() : txt(group_name(d.by)); }},
    {.key = "partition", .get = [](const Doc& d) { return d.partition.empty() ? absent() : txt(d.partition); }},
    {.key = "clusters", .section = clusters_section},
    {.key = "groups", .section = groups_section},
    {.key = "totals", .section = totals_section},
};
const Columns<Doc> kDocument{"capacity", "document", kDocumentList, ListKind::document, "fleetcap.capacity/v2"};

std::vector<CapacityView> capacity_rows(const CapacityReport& r, const Snapshot& snap) {
  std::vector<CapacityView> rows;
  rows.reserve(r.rows.size());
  for (const auto& row : r.rows) rows.push_back({&snap, &row});
  return rows;
}

} // namespace

void link_capacity_columns() {}

} // namespace cols

std::string_view group_name(GroupBy by) {
  switch (by) {
  case GroupBy::region: return "region";
  case GroupBy::sku: return "sku";
  case GroupBy::provider: return "provider";
  case GroupBy::partition: return "partition";
  case GroupBy::none: break;
  }
  return "cluster";
}

std::string render_capacity(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o) {
  using namespace cols;
  const Columns<CapacityView>& cols = columns_for(r.by);
  std::vector<CapacityView> rows = capacity_rows(r, snap);
  sort_rows(cols, rows, o.sort);
  // The TOTAL row: the figures' totals, as a row of its own.
  const CapacityRow total_row{"TOTAL", kNone, r.clusters, r.totals};
  const CapacityView total{&snap, &total_row};
  const unsigned have = conditions(snap);
  switch (o.format) {
  case Format::json: return json_document(kDocument, Doc{r.by, &rows, &total, r.partition}, o, have);
  case Format::csv: return csv_of(cols, rows, o, have);
  case Format::name: return names_of(cols, rows);
  case Format::table: break;
  }
  if (rows.empty()) return "No clusters match.\n";
  return table_of(cols, rows, o, &total, have) + partition_note(r, o);
}

std::string render_capacity_prometheus(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o) {
  using namespace cols;
  std::string out;
  at_metric(out, "capacity", o);
  std::vector<Labels> labels;
  for (const auto& row : r.rows)
    labels.push_back(row.cluster == kNone ? Labels{{group_name(r.by), row.key}}
                                          : cluster_labels(snap.clusters[row.cluster]));
  prometheus_families(out, "fleetcap_capacity_", kCapacityColumns, capacity_rows(r, snap), labels);
  return out;
}

} // namespace fleetcap
