#include "fleetcap/figures/select.hpp"

#include <algorithm>

namespace fleetcap {

namespace {
bool any_or(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}
} // namespace

bool Selection::matches(const Cluster& c) const {
  const bool state_ok = all_states || std::find(states.begin(), states.end(), c.state) != states.end();
  // --cluster names a cluster, or a Slurm cluster: every GPU type of it (docs/slurm.md).
  const bool cluster_ok = any_or(clusters, c.name) || (!c.slurm_cluster.empty() && any_or(clusters, c.slurm_cluster));
  return state_ok && cluster_ok && any_or(regions, c.region) && any_or(skus, c.sku);
}

std::vector<std::uint32_t> select_clusters(const Snapshot& snap, const Selection& sel) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < snap.clusters.size(); ++i)
    if (sel.matches(snap.clusters[i])) out.push_back(static_cast<std::uint32_t>(i));
  return out;
}

} // namespace fleetcap
