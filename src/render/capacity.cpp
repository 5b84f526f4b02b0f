// `fleetcap capacity`: one column list for clusters and one per --by grouping.
#include "fleetcap/render/capacity.hpp"

#include "columns.hpp"

namespace fleetcap {
namespace {

using namespace cols;
using json_out::JsonWriter;

struct Row {
  const Snapshot* snap;
  const CapacityRow* row;
  const Cluster& cluster() const { return snap->clusters[row->cluster]; }
};

constexpr std::size_t kFigureColumns = 12; // every list ends with them

template <Gpus ClusterFigures::*F> Value figure(const Row& r) { return num(r.row->figures.*F); }
Value unbacked(const Row& r) {
  const Gpus v = r.row->figures.unbacked;
  return num(v, v > 0 && r.row->key != "TOTAL" ? Tone::bad : Tone::plain);
}

// The SPEC §4 figures, in SPEC order, as every capacity list ends.
#define FLEETCAP_FIGURE_COLUMNS                                                                                        \
  {.key = "total", .header = "TOTAL", .priority = 6, .total = Total::value, .get = figure<&ClusterFigures::total>},    \
      {.key = "healthy",                                                                                               \
       .header = "HEALTHY",                                                                                            \
       .priority = 1,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::healthy>},                                                                       \
      {.key = "assigned",                                                                                              \
       .header = "ASSIGNED",                                                                                           \
       .priority = 1,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::assigned>},                                                                      \
      {.key = "inquota_used",                                                                                          \
       .header = "INQ-USED",                                                                                           \
       .priority = 8,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::inquota_used>},                                                                  \
      {.key = "inquota_free",                                                                                          \
       .header = "INQ-FREE",                                                                                           \
       .priority = 5,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::inquota_free>},                                                                  \
      {.key = "flex_used",                                                                                             \
       .header = "FLEX-USED",                                                                                          \
       .priority = 9,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::flex_used>},                                                                     \
      {.key = "flex_free",                                                                                             \
       .header = "FLEX-FREE",                                                                                          \
       .priority = 1,                                                                                                  \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::flex_free>},                                                                     \
      {.key = "flex_stable_free",                                                                                      \
       .header = "STABLE",                                                                                             \
       .priority = 10,                                                                                                 \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::flex_stable_free>},                                                              \
      {.key = "flex_reclaimable_free",                                                                                 \
       .header = "RECLAIMABLE",                                                                                        \
       .priority = 11,                                                                                                 \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::flex_reclaimable_free>},                                                         \
      {.key = "unbacked", .header = "UNBACKED", .priority = 2, .total = Total::value, .get = unbacked},                \
      {.key = "buffer",                                                                                                \
       .header = "BUFFER",                                                                                             \
       .priority = 12,                                                                                                 \
       .wide = true,                                                                                                   \
       .total = Total::value,                                                                                          \
       .get = figure<&ClusterFigures::buffer>},                                                                        \
  {                                                                                                                    \
    .key = "largest_free_block", .header = "BLOCK", .priority = 7, .total = Total::value,                              \
    .get = figure<&ClusterFigures::largest_free_block>                                                                 \
  }

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
     .priority = 4,
     .get = [](const Row& r) { return txt(r.cluster().region); }},
    {.key = "provider",
     .header = "PROVIDER",
     .align = Align::left,
     .priority = 13,
     .wide = true,
     .get = [](const Row& r) { return txt(r.cluster().provider); }},
    {.key = "sku",
     .header = "SKU",
     .align = Align::left,
     .priority = 3,
     .get = [](const Row& r) { return txt(r.cluster().sku); }},
    {.key = "state",
     .header = "STATE",
     .align = Align::left,
     .priority = 14,
     .wide = true,
     .get = [](const Row& r) { return txt(to_string(r.cluster().state)); }},
    FLEETCAP_FIGURE_COLUMNS,
};

Value group_key(const Row& r) { return txt(r.row->key); }
Value group_clusters(const Row& r) { return num(r.row->clusters); }

// --by region|sku|provider: the group's key (JSON "key", SPEC §7) under the grouping's name.
#define FLEETCAP_GROUP_COLUMNS(HEADER, CSV)                                                                            \
  {                                                                                                                    \
    {.key = "key",                                                                                                     \
     .header = HEADER,                                                                                                 \
     .align = Align::left,                                                                                             \
     .identifying = true,                                                                                              \
     .total = Total::label,                                                                                            \
     .csv = CSV,                                                                                                       \
     .get = group_key},                                                                                                \
        {.key = "clusters", .header = "CLUSTERS", .priority = 3, .total = Total::value, .get = group_clusters},        \
        FLEETCAP_FIGURE_COLUMNS,                                                                                       \
  }

const Column<Row> kRegionColumns[] = FLEETCAP_GROUP_COLUMNS("REGION", "region");
const Column<Row> kSkuColumns[] = FLEETCAP_GROUP_COLUMNS("SKU", "sku");
const Column<Row> kProviderColumns[] = FLEETCAP_GROUP_COLUMNS("PROVIDER", "provider");

std::span<const Column<Row>> columns_for(GroupBy by) {
  switch (by) {
  case GroupBy::region: return kRegionColumns;
  case GroupBy::sku: return kSkuColumns;
  case GroupBy::provider: return kProviderColumns;
  case GroupBy::none: break;
  }
  return kClusterColumns;
}

} // namespace

std::string_view group_name(GroupBy by) {
  switch (by) {
  case GroupBy::region: return "region";
  case GroupBy::sku: return "sku";
  case GroupBy::provider: return "provider";
  case GroupBy::none: break;
  }
  return "cluster";
}

namespace cols {
std::vector<ColumnList> capacity_column_lists() {
  return {describe<Row>("capacity", "clusters", kClusterColumns),
          describe<Row>("capacity", "groups by region", kRegionColumns),
          describe<Row>("capacity", "groups by sku", kSkuColumns),
          describe<Row>("capacity", "groups by provider", kProviderColumns)};
}
} // namespace cols

std::string render_capacity(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o) {
  const auto cols = columns_for(r.by);
  std::vector<Row> rows;
  rows.reserve(r.rows.size());
  for (const auto& row : r.rows) rows.push_back({&snap, &row});
  sort_rows(cols, rows, o.sort);
  // The TOTAL row: the figures' totals, as a row of its own.
  const CapacityRow total_row{"TOTAL", kNone, r.clusters, r.totals};
  const Row total{&snap, &total_row};
  switch (o.format) {
  case Format::json: {
    JsonWriter w;
    json_out::begin_document(w, "capacity", o);
    if (r.by == GroupBy::none) {
      json_list(w, "clusters", cols, rows);
    } else {
      w.field("by", group_name(r.by));
      json_list(w, "groups", cols, rows);
    }
    // Totals are the figures alone (no name, no cluster count).
    w.key("totals").begin_object();
    for (const auto& c : cols.last(kFigureColumns)) {
      w.key(c.key);
      json_value(w, c.get(total));
    }
    w.end_object();
    return w.end_object().finish();
  }
  case Format::csv: return csv_of(cols, rows, o);
  case Format::name: return names_of(cols, rows);
  case Format::table: break;
  }
  if (rows.empty()) return "No clusters match.\n";
  return table_of(cols, rows, o, &total);
}

} // namespace fleetcap
