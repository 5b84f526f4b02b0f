// `fleetcap capacity`: docs/figures.md cluster figures for the selected clusters, with totals.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetcap {

enum class GroupBy { none, region, sku, provider };

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
};

CapacityReport capacity(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, GroupBy by);

} // namespace fleetcap
