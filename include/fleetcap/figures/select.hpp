// Which clusters a command reports on: --cluster/--region/--sku filters and --state.
#pragma once

#include "fleetcap/model/model.hpp"

#include <string>
#include <vector>

namespace fleetcap {

struct Selection {
  // empty = any. A --cluster word may also name a source's clusters (model/merge.hpp).
  std::vector<std::string> clusters, regions, skus;
  std::vector<ClusterState> states{ClusterState::production};
  bool all_states = false;
};

// Indices of the selected clusters, in snapshot order.
std::vector<std::uint32_t> select_clusters(const Snapshot& snap, const Selection& sel);
// For each cluster of the snapshot, whether it is selected.
std::vector<char> selected_mask(const Snapshot& snap, const Selection& sel);

} // namespace fleetcap
