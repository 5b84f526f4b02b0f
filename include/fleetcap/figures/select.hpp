// Which clusters a command reports on: --cluster/--region/--sku filters and --state.
#pragma once

#include "fleetcap/model/model.hpp"

#include <string>
#include <vector>

namespace fleetcap {

struct Selection {
  std::vector<std::string> clusters, regions, skus; // empty = any
  std::vector<ClusterState> states{ClusterState::production};
  bool all_states = false;

  bool matches(const Cluster& c) const;
};

// Indices of the selected clusters, in snapshot order.
std::vector<std::uint32_t> select_clusters(const Snapshot& snap, const Selection& sel);

} // namespace fleetcap
