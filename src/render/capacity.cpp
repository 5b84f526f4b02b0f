// `fleetcap capacity`: one column list for clusters and one per --by grouping, which make the
// table, JSON, CSV, -o name, the Prometheus families and report --html's capacity part.
#include "fleetcap/render/capacity.hpp"

#include "fleetcap/render/prometheus.hpp"
#include "lists.hpp"
#include "prometheus_out.hpp"

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
#define FLEETCAP_FIGURE_COLUMNS                                                                                        \
  {.key = "total",                                                                                                     \
   .header = "TOTAL",                                                                                                  \
   .drop = 6,                                                                                                          \
   .total = Total::value,                                                                                              \
   .label = "all GPUs",                                                                                                \
   .unit = Unit::gpus,                                                                                                 \
   .metric = "total_gpus",                                                                                             \
   .help = "GPUs of all nodes.",                                                                                       \
   .get = figure<&ClusterFigures::total>},                                                                             \
      {.key = "healthy",                                                                                               \
       .header = "HEALTHY",                                                                                            \
       .drop = 1,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "GPUs on schedulable nodes",                                                                           \
       .unit = Unit::gpus,                                                                                             \
       .metric = "healthy_gpus",                                                                                       \
       .help = "GPUs on schedulable nodes (H).",                                                                       \
       .get = figure<&ClusterFigures::healthy>},                                                                       \
      {.key = "assigned",                                                                                              \
       .header = "ASSIGNED",                                                                                           \
       .drop = 1,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "GPUs promised to quotas",                                                                             \
       .unit = Unit::gpus,                                                                                             \
       .metric = "assigned_gpus",                                                                                      \
       .help = "GPUs of the leaf quotas (A).",                                                                         \
       .get = figure<&ClusterFigures::assigned>},                                                                      \
      {.key = "inquota_used",                                                                                          \
       .header = "INQ-USED",                                                                                           \
       .drop = 8,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "in-quota used",                                                                                       \
       .unit = Unit::gpus,                                                                                             \
       .metric = "inquota_used_gpus",                                                                                  \
       .help = "GPUs of running in-quota jobs.",                                                                       \
       .get = figure<&ClusterFigures::inquota_used>},                                                                  \
      {.key = "inquota_free",                                                                                          \
       .header = "INQ-FREE",                                                                                           \
       .drop = 5,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "in-quota free",                                                                                       \
       .unit = Unit::gpus,                                                                                             \
       .metric = "inquota_free_gpus",                                                                                  \
       .help = "max(0, min(A, H) - in-quota used): quota GPUs free for in-quota jobs.",                                \
       .get = figure<&ClusterFigures::inquota_free>},                                                                  \
      {.key = "flex_used",                                                                                             \
       .header = "FLEX-USED",                                                                                          \
       .drop = 9,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "flex used",                                                                                           \
       .unit = Unit::gpus,                                                                                             \
       .metric = "flex_used_gpus",                                                                                     \
       .help = "GPUs of running flex jobs.",                                                                           \
       .get = figure<&ClusterFigures::flex_used>},                                                                     \
      {.key = "flex_free",                                                                                             \
       .header = "FLEX-FREE",                                                                                          \
       .drop = 1,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "free for flex",                                                                                       \
       .unit = Unit::gpus,                                                                                             \
       .metric = "flex_free_gpus",                                                                                     \
       .help = "Unused GPUs on schedulable nodes: max(0, H - in-quota used - flex used).",                             \
       .get = figure<&ClusterFigures::flex_free>},                                                                     \
      {.key = "flex_stable_free",                                                                                      \
       .header = "STABLE",                                                                                             \
       .drop = 10,                                                                                                     \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .label = "free flex that in-quota jobs can never reclaim",                                                      \
       .unit = Unit::gpus,                                                                                             \
       .metric = "flex_stable_free_gpus",                                                                              \
       .help = "Free GPUs that in-quota jobs can never reclaim.",                                                      \
       .get = figure<&ClusterFigures::flex_stable_free>},                                                              \
      {.key = "flex_reclaimable_free",                                                                                 \
       .header = "RECLAIMABLE",                                                                                        \
       .drop = 11,                                                                                                     \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .label = "free flex that in-quota jobs may reclaim",                                                            \
       .unit = Unit::gpus,                                                                                             \
       .metric = "flex_reclaimable_free_gpus",                                                                         \
       .help = "Free GPUs that in-quota jobs may reclaim (flex_free - flex_stable_free).",                             \
       .get = figure<&ClusterFigures::flex_reclaimable_free>},                                                         \
      {.key = "unbacked",                                                                                              \
       .header = "UNBACKED",                                                                                           \
       .drop = 2,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "unbacked quota",                                                                                      \
       .unit = Unit::gpus,                                                                                             \
       .metric = "unbacked_gpus",                                                                                      \
       .help = "Quota GPUs with no healthy GPU behind them: max(0, A - H).",                                           \
       .get = unbacked},                                                                                               \
      {.key = "headroom",                                                                                              \
       .header = "HEADROOM",                                                                                           \
       .drop = 12,                                                                                                     \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .label = "healthy beyond quota",                                                                                \
       .unit = Unit::gpus,                                                                                             \
       .metric = "headroom_gpus",                                                                                      \
       .help = "Healthy GPUs beyond quota: max(0, H - A).",                                                            \
       .get = figure<&ClusterFigures::headroom>},                                                                      \
      {.key = "buffer", .total = Total::value, .in = In::json, .get = figure<&ClusterFigures::headroom>},              \
      {.key = "largest_free_block",                                                                                    \
       .header = "BLOCK",                                                                                              \
       .drop = 7,                                                                                                      \
       .total = Total::value,                                                                                          \
       .label = "largest free block in one island",                                                                    \
       .unit = Unit::gpus,                                                                                             \
       .metric = "largest_free_block_gpus",                                                                            \
       .help = "Largest number of free GPUs on schedulable nodes within one island.",                                  \
       .get = figure<&ClusterFigures::largest_free_block>},                                                            \
      {.key = "flex_stable_used",                                                                                      \
       .header = "STABLE-USED",                                                                                        \
       .drop = 9,                                                                                                      \
       .total = Total::value,                                                                                          \
       .only_with = kStableUse,                                                                                        \
       .label = "flex used that the scheduler never preempts",                                                         \
       .unit = Unit::gpus,                                                                                             \
       .get = figure<&ClusterFigures::flex_stable_used>},                                                              \
  {                                                                                                                    \
    .key = "reserved_free", .header = "RESERVED", .drop = 8, .total = Total::value, .only_with = kReserved,            \
    .label = "idle GPUs a reservation holds for its accounts", .unit = Unit::gpus,                                     \
    .get = figure<&ClusterFigures::reserved_free>                                                                      \
  }

const Column<CapacityView> kClusterList[] = {
    {.key = "name",
     .header = "CLUSTER",
     .align = Align::left,
     .identifying = true,
     .total = Total::label,
     .get = [](const CapacityView& r) { return txt(r.cluster().name); }},
    {.key = "region",
     .header = "REGION",
     .align = Align::left,
     .drop = 4,
     .get = [](const CapacityView& r) { return txt(r.cluster().region); }},
    {.key = "provider",
     .header = "PROVIDER",
     .align = Align::left,
     .drop = 13,
     .wide = true,
     .get = [](const CapacityView& r) { return txt(r.cluster().provider); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .drop = 3,
     .get = [](const CapacityView& r) { return txt(r.cluster().sku); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .drop = 14,
     .wide = true,
     .get = [](const CapacityView& r) { return txt(to_string(r.cluster().state)); }},
    FLEETCAP_FIGURE_COLUMNS,
};

Value group_key(const CapacityView& r) { return txt(r.row->key); }
Value group_clusters(const CapacityView& r) { return num(r.row->clusters); }

// --by region|sku|provider: the group's key (JSON "key") under the grouping's name.
#define FLEETCAP_GROUP_COLUMNS(HEADER, CSV)                                                                            \
  {                                                                                                                    \
    {.key = "key",                                                                                                     \
     .header = HEADER,                                                                                                 \
     .align = Align::left,                                                                                             \
     .identifying = true,                                                                                              \
     .total = Total::label,                                                                                            \
     .csv = CSV,                                                                                                       \
     .get = group_key},                                                                                                \
        {.key = "clusters", .header = "CLUSTERS", .drop = 3, .total = Total::row, .get = group_clusters},              \
        FLEETCAP_FIGURE_COLUMNS,                                                                                       \
  }

const Column<CapacityView> kRegionList[] = FLEETCAP_GROUP_COLUMNS("REGION", "region");
const Column<CapacityView> kSkuList[] = FLEETCAP_GROUP_COLUMNS("SKU", "sku");
const Column<CapacityView> kProviderList[] = FLEETCAP_GROUP_COLUMNS("PROVIDER", "provider");
const Columns<CapacityView> kRegionColumns{"capacity", "groups by region", kRegionList};
const Columns<CapacityView> kSkuColumns{"capacity", "groups by sku", kSkuList};
const Columns<CapacityView> kProviderColumns{"capacity", "groups by provider", kProviderList};
const Column<CapacityView> kPartitionList[] = FLEETCAP_GROUP_COLUMNS("PARTITION", "partition");
const Columns<CapacityView> kPartitionColumns{"capacity", "groups by partition", kPartitionList};

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

const Columns<CapacityView> kCapacityColumns{"capacity", "clusters", kClusterList};

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
