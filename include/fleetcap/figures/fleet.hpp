// The fleet at one instant, and the per-cluster figures of docs/figures.md. Pure: no I/O.
#pragma once

#include "fleetcap/model/model.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace fleetcap {

// Each running job's GPUs spread over its listed nodes (docs/maintenance.md): `gpus / n` each, the
// remainder one each to the first nodes listed. Calls f(node, gpus) per listed node.
template <class F> void for_each_share(const Job& job, F&& f) {
  const auto& nodes = job.node_indices;
  if (nodes.empty()) return;
  const Gpus n = static_cast<Gpus>(nodes.size()), each = job.gpus / n, extra = job.gpus % n;
  for (std::size_t k = 0; k < nodes.size(); ++k) f(nodes[k], each + (static_cast<Gpus>(k) < extra ? 1 : 0));
}

// What a cluster holds beside docs/figures.md's inputs (docs/design.md, "What schedulers enforce"); all
// zero for a fleet without the optional fields, and then every figure is docs/figures.md's.
struct ClusterExtra {
  Gpus stable_used = 0;   // Us: running flex jobs in-quota work can never preempt
  Gpus reserved_free = 0; // Rf: idle GPUs on schedulable nodes an active reservation holds
};

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
  // docs/design.md: Us and Rf (0 without stable use or reservations).
  Gpus flex_stable_used = 0;
  Gpus reserved_free = 0;

  // Derives every figure from total, H, A, Uq, Uf, the largest free block, and Us and Rf.
  static ClusterFigures from(Gpus total, Gpus healthy, Gpus assigned, Gpus inquota_used, Gpus flex_used,
                             Gpus largest_free_block, ClusterExtra extra = {});
  // Adds b into this; largest_free_block takes the max (a block cannot span clusters).
  void add(const ClusterFigures& b);
};

// Node and cluster state at time `at`.
struct FleetAt {
  Time at = 0;
  std::vector<std::uint8_t> schedulable; // per node: healthy, not cordoned, no active event
  std::vector<std::uint8_t> occupied;    // per node: listed by a running job
  // Per node: held now by an active reservation (docs/design.md); empty when the fleet has none.
  std::vector<std::uint8_t> reserved;
  // Per cluster: idle GPUs on reserved schedulable nodes, per reservation (docs/design.md);
  // empty when the fleet has none.
  std::vector<std::vector<std::pair<std::uint32_t, Gpus>>> reserved_idle;
  std::vector<Gpus> island_free;        // per island: GPUs on schedulable nodes no running job lists
  std::vector<ClusterFigures> clusters; // per cluster
};

// With `keep` (per node, a partition's: partition_nodes), every figure over the kept nodes only:
// their GPUs, and each running job's share on them (docs/maintenance.md's even spread); quota (A) stays the
// cluster's, which a scheduler does not split by partition (docs/design.md).
FleetAt evaluate(const Snapshot& snap, Time at, std::span<const std::uint8_t> keep = {});

// Per node: 1 when it is in the partition (Snapshot::partitions index).
std::vector<std::uint8_t> partition_nodes(const Snapshot& snap, std::uint32_t partition);

// Whether node n is held at t by a reservation that does not serve namespace `ns` (empty: any
// namespace, i.e. whether it is held at all).
bool reserved_against(const Snapshot& snap, std::uint32_t n, Time t, std::string_view ns = {});

// Schedulable per node at `at` (docs/concepts.md), without the rest of evaluate().
std::vector<std::uint8_t> schedulable_nodes(const Snapshot& snap, Time at);

// Largest remainder split (docs/figures.md): floor of each exact share of `total` in proportion to
// `weights`, then one GPU each to the largest remainders, ties to the name that sorts first.
// All-zero weights give all-zero parts.
std::vector<Gpus> split_largest_remainder(Gpus total, const std::vector<Gpus>& weights,
                                          const std::vector<std::string_view>& names);

} // namespace fleetcap
