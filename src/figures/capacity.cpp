#include "fleetcap/figures/capacity.hpp"

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

} // namespace fleetcap
