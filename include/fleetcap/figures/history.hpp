// Health history (docs/overalloc.md): samples of each cluster's healthy GPUs over a window, reduced to
// the statistics overalloc uses. Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"

#include <vector>

namespace fleetcap {

// Samples with `at` in (from, to]: a 28-day window at 12:00 holds exactly 28 daily samples.
struct HistoryWindow {
  Time from = 0, to = 0;
  Duration length = 0;
  bool contains(Time t) const { return from < t && t <= to; }
};
HistoryWindow history_window(Time at, Duration length);

// The lower middle sample: index (n − 1) / 2 of the sorted samples. `sorted` must not be empty.
Gpus lower_median(const std::vector<Gpus>& sorted);
// Nearest rank: the sample at rank ceil(0.10 × n), 1-based. `sorted` must not be empty.
Gpus p10(const std::vector<Gpus>& sorted);

// Fewer samples than this make a thin history: the median is shaky, so the report warns.
inline constexpr std::size_t kThinHistorySamples = 7;

struct HistoryStats {
  std::size_t samples = 0; // 0: no history for the cluster; the other fields are 0
  Time first = 0, last = 0;
  Gpus median = 0, p10 = 0, min = 0, max = 0;
  bool thin() const { return samples > 0 && samples < kThinHistorySamples; }
};

// Per cluster of `snap` (by name), the samples in `window`. Samples naming clusters that
// `snap` does not have are ignored.
std::vector<HistoryStats> cluster_history(const Snapshot& snap, const std::vector<HealthSample>& samples,
                                          const HistoryWindow& window);

// One sample per cluster of `snap` at fleet.at: healthy = GPUs on schedulable nodes (docs/concepts.md),
// total = GPUs on all nodes. How a saved snapshot becomes a point of history (--history DIR).
std::vector<HealthSample> health_samples(const Snapshot& snap, const FleetAt& fleet);

} // namespace fleetcap
