#include "fleetcap/figures/select.hpp"

#include "fleetcap/model/merge.hpp"

#include <algorithm>

namespace fleetcap {

namespace {
bool any_or(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}
} // namespace

std::vector<char> selected_mask(const Snapshot& snap, const Selection& sel) {
  std::vector<char> mask(snap.clusters.size(), sel.clusters.empty());
  for (const auto& word : sel.clusters)
    for (auto i : clusters_named(snap, word)) mask[i] = 1;
  for (std::size_t i = 0; i < snap.clusters.size(); ++i) {
    const Cluster& c = snap.clusters[i];
    const bool state_ok =
        sel.all_states || std::find(sel.states.begin(), sel.states.end(), c.state) != sel.states.end();
    mask[i] = mask[i] && state_ok && any_or(sel.regions, c.region) && any_or(sel.skus, c.sku);
  }
  return mask;
}

std::vector<std::uint32_t> select_clusters(const Snapshot& snap, const Selection& sel) {
  const std::vector<char> mask = selected_mask(snap, sel);
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) out.push_back(static_cast<std::uint32_t>(i));
  return out;
}

} // namespace fleetcap
