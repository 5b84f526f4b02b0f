// docs/overalloc.md health history: the window, the lower median and the nearest-rank p10.
#include "fleetcap/figures/history.hpp"

#include <algorithm>

namespace fleetcap {

HistoryWindow history_window(Time at, Duration length) { return HistoryWindow{at - length, at, length}; }

Gpus lower_median(const std::vector<Gpus>& sorted) { return sorted[(sorted.size() - 1) / 2]; }

Gpus p10(const std::vector<Gpus>& sorted) {
  const std::size_t rank = (sorted.size() + 9) / 10; // ceil(n / 10), at least 1 for n ≥ 1
  return sorted[rank - 1];
}

std::vector<HistoryStats> cluster_history(const Snapshot& snap, const std::vector<HealthSample>& samples,
                                          const HistoryWindow& window) {
  const std::size_t nc = snap.clusters.size();
  std::vector<std::vector<Gpus>> healthy(nc);
  std::vector<HistoryStats> out(nc);
  for (const auto& s : samples) {
    if (!window.contains(s.at)) continue;
    const std::uint32_t c = snap.find_cluster(s.cluster);
    if (c == kNone) continue;
    HistoryStats& h = out[c];
    h.first = healthy[c].empty() ? s.at : std::min(h.first, s.at);
    h.last = healthy[c].empty() ? s.at : std::max(h.last, s.at);
    healthy[c].push_back(s.healthy_gpus);
  }
  for (std::size_t c = 0; c < nc; ++c) {
    auto& v = healthy[c];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    HistoryStats& h = out[c];
    h.samples = v.size();
    h.median = lower_median(v);
    h.p10 = p10(v);
    h.min = v.front();
    h.max = v.back();
  }
  return out;
}

std::vector<HealthSample> health_samples(const Snapshot& snap, const FleetAt& fleet) {
  std::vector<HealthSample> out;
  out.reserve(snap.clusters.size());
  for (std::size_t c = 0; c < snap.clusters.size(); ++c) {
    HealthSample s;
    s.cluster = snap.clusters[c].name;
    s.at = fleet.at;
    s.healthy_gpus = fleet.clusters[c].healthy;
    s.total_gpus = fleet.clusters[c].total;
    s.cluster_index = static_cast<std::uint32_t>(c);
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace fleetcap
