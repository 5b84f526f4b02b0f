// `fleetcap capacity`: docs/figures.md cluster figures for the selected clusters, with totals.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetcap {

enum class GroupBy { none, region, sku, provider, partition };

struct CapacityRow {
  std::string key;               // cluster name, or the group's region/sku/provider
  std::uint32_t cluster = kNone; // kNone for a group
  std::size_t clusters = 1;      // clusters in the row
  ClusterFigures figures;
};

struct CapacityReport {
  Time at = 0;
  GroupBy by = GroupBy::none;
  std::vector<CapacityRow> rows;
  ClusterFigures totals;
  std::size_t clusters = 0; // selected clusters, the TOTAL row's CLUSTERS
  std::string partition;    // --partition: every figure over that partition's nodes
};

CapacityReport capacity(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, GroupBy by);

// --by partition: one row per partition, its figures over its nodes in each selected cluster
// (evaluate's `keep`), summed; a node in several partitions counts in each.
CapacityReport capacity_by_partition(const Snapshot& snap, Time at, const Selection& sel);

// The selection narrowed to the clusters with a node in the partition.
Selection in_partition(const Snapshot& snap, Selection sel, std::uint32_t partition);

} // namespace fleetcap
