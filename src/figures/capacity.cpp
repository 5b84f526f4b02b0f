#include "fleetcap/figures/capacity.hpp"

#include <algorithm>
#include <map>

namespace fleetcap {

CapacityReport capacity(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, GroupBy by) {
  CapacityReport r;
  r.at = fleet.at;
  r.by = by;
  std::map<std::string, CapacityRow> groups;
  for (auto c : select_clusters(snap, sel)) {
    const Cluster& cl = snap.clusters[c];
    const ClusterFigures& f = fleet.clusters[c];
    r.totals.add(f);
    ++r.clusters;
    if (by == GroupBy::none) {
      r.rows.push_back(CapacityRow{cl.name, c, 1, f});
      continue;
    }
    const std::string& key = by == GroupBy::region ? cl.region : by == GroupBy::sku ? cl.sku : cl.provider;
    auto [it, fresh] = groups.try_emplace(key, CapacityRow{key, kNone, 0, {}});
    it->second.figures.add(f);
    ++it->second.clusters;
  }
  for (auto& [key, row] : groups) r.rows.push_back(std::move(row));
  return r;
}

Selection in_partition(const Snapshot& snap, Selection sel, std::uint32_t partition) {
  std::vector<std::string> mine;
  for (auto n : snap.index.partition_nodes[partition]) {
    const auto c = snap.nodes[n].cluster_index;
    if (c != kNone && std::find(mine.begin(), mine.end(), snap.clusters[c].name) == mine.end())
      if (sel.clusters.empty() ||
          std::find(sel.clusters.begin(), sel.clusters.end(), snap.clusters[c].name) != sel.clusters.end())
        mine.push_back(snap.clusters[c].name);
  }
  // No cluster has a node there: a name no cluster has, so nothing is selected.
  sel.clusters = mine.empty() ? std::vector<std::string>{""} : mine;
  return sel;
}

CapacityReport capacity_by_partition(const Snapshot& snap, Time at, const Selection& sel) {
  CapacityReport r;
  r.at = at;
  r.by = GroupBy::partition;
  r.clusters = select_clusters(snap, sel).size();
  for (std::uint32_t p = 0; p < snap.partitions.size(); ++p) {
    const Selection mine = in_partition(snap, sel, p);
    const auto clusters = select_clusters(snap, mine);
    if (clusters.empty()) continue;
    const auto keep = partition_nodes(snap, p);
    const FleetAt fleet = evaluate(snap, at, keep);
    CapacityRow row{snap.partitions[p], kNone, 0, {}};
    for (auto c : clusters) {
      row.figures.add(fleet.clusters[c]);
      ++row.clusters;
    }
    r.totals.add(row.figures);
    r.rows.push_back(std::move(row));
  }
  return r;
}

} // namespace fleetcap
