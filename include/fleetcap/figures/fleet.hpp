// The fleet at one instant, and the per-cluster figures of docs/figures.md. Pure: no I/O.
#pragma once

#include "fleetcap/model/model.hpp"

#include <string_view>
#include <vector>

namespace fleetcap {

// docs/figures.md cluster figures; names match the JSON keys.
struct ClusterFigures {
  Gpus total = 0;
  Gpus healthy = 0;  // H: GPUs on schedulable nodes
  Gpus assigned = 0; // A: Σ gpus of leaf quotas in the cluster
  Gpus inquota_used = 0;
  Gpus inquota_free = 0;
  Gpus flex_used = 0;
  Gpus flex_free = 0;
  Gpus flex_stable_free = 0;
  Gpus flex_reclaimable_free = 0;
  Gpus unbacked = 0;
  Gpus headroom = 0; // max(0, H - A): healthy GPUs beyond quota
  Gpus largest_free_block = 0;

  // Derives every figure from total, H, A, Uq, Uf and the largest free block.
  static ClusterFigures from(Gpus total, Gpus healthy, Gpus assigned, Gpus inquota_used, Gpus flex_used,
                             Gpus largest_free_block);
  // Adds b into this; largest_free_block takes the max (a block cannot span clusters).
  void add(const ClusterFigures& b);
};

// Node and cluster state at time `at`.
struct FleetAt {
  Time at = 0;
  std::vector<std::uint8_t> schedulable; // per node: healthy, not cordoned, no active event
  std::vector<std::uint8_t> occupied;    // per node: listed by a running job
  std::vector<Gpus> island_free;         // per island: GPUs on schedulable nodes no running job lists
  std::vector<ClusterFigures> clusters;  // per cluster
};

FleetAt evaluate(const Snapshot& snap, Time at);

// Schedulable per node at `at` (docs/concepts.md), without the rest of evaluate().
std::vector<std::uint8_t> schedulable_nodes(const Snapshot& snap, Time at);

// Largest remainder split (docs/figures.md): floor of each exact share of `total` in proportion to
// `weights`, then one GPU each to the largest remainders, ties to the name that sorts first.
// All-zero weights give all-zero parts.
std::vector<Gpus> split_largest_remainder(Gpus total, const std::vector<Gpus>& weights,
                                          const std::vector<std::string_view>& names);

} // namespace fleetcap
