// docs/concepts.md (schedulable) and docs/figures.md (cluster figures, largest remainder).
#include "fleetcap/figures/fleet.hpp"

#include <algorithm>
#include <numeric>

namespace fleetcap {

ClusterFigures ClusterFigures::from(Gpus total, Gpus healthy, Gpus assigned, Gpus inquota_used, Gpus flex_used,
                                    Gpus largest_free_block, ClusterExtra extra) {
  ClusterFigures f;
  f.total = total;
  f.healthy = healthy;
  f.assigned = assigned;
  f.inquota_used = inquota_used;
  f.flex_used = flex_used;
  // docs/design.md: what in-quota work could ever get is H less stable use and GPUs only a
  // reservation's accounts may use; with neither (Us = Rf = 0) these are docs/figures.md's formulas.
  const Gpus usable = healthy - extra.stable_used - extra.reserved_free;
  f.inquota_free = std::max<Gpus>(0, std::min(assigned, usable) - inquota_used);
  f.flex_free = std::max<Gpus>(0, healthy - inquota_used - flex_used - extra.reserved_free);
  f.flex_stable_free =
      std::min(f.flex_free, std::max<Gpus>(0, std::max<Gpus>(0, usable - assigned) - (flex_used - extra.stable_used)));
  f.flex_reclaimable_free = f.flex_free - f.flex_stable_free;
  f.unbacked = std::max<Gpus>(0, assigned - healthy);
  f.headroom = std::max<Gpus>(0, healthy - assigned);
  f.largest_free_block = largest_free_block;
  f.flex_stable_used = extra.stable_used;
  f.reserved_free = extra.reserved_free;
  return f;
}

void ClusterFigures::add(const ClusterFigures& b) {
  total += b.total;
  healthy += b.healthy;
  assigned += b.assigned;
  inquota_used += b.inquota_used;
  inquota_free += b.inquota_free;
  flex_used += b.flex_used;
  flex_free += b.flex_free;
  flex_stable_free += b.flex_stable_free;
  flex_reclaimable_free += b.flex_reclaimable_free;
  unbacked += b.unbacked;
  headroom += b.headroom;
  largest_free_block = std::max(largest_free_block, b.largest_free_block);
  flex_stable_used += b.flex_stable_used;
  reserved_free += b.reserved_free;
}

bool reserved_against(const Snapshot& snap, std::uint32_t n, Time t, std::string_view ns) {
  if (snap.index.node_reservations.size() == 0) return false;
  for (auto r : snap.index.node_reservations[n]) {
    const Reservation& res = snap.reservations[r];
    if (res.active_at(t) && (ns.empty() || !res.serves(ns))) return true;
  }
  return false;
}

std::vector<std::uint8_t> schedulable_nodes(const Snapshot& snap, Time at) {
  std::vector<std::uint8_t> ok(snap.nodes.size());
  for (std::size_t i = 0; i < snap.nodes.size(); ++i) ok[i] = snap.nodes[i].healthy && !snap.nodes[i].cordoned;
  for (const auto& e : snap.maintenance) {
    if (!e.active_at(at) || e.cluster_index == kNone) continue;
    if (e.nodes.empty()) {
      for (auto n : snap.index.cluster_nodes[e.cluster_index]) ok[n] = 0;
    } else {
      for (auto n : e.node_indices) ok[n] = 0;
    }
  }
  return ok;
}

namespace {
// Rf per cluster and per reservation (docs/design.md): a reserved schedulable node's GPUs less its
// running jobs' shares. Fills f.reserved and f.reserved_idle; nothing when no node is reserved.
void reserved_idle(const Snapshot& snap, FleetAt& f, std::vector<ClusterExtra>& extra) {
  if (snap.index.node_reservations.size() == 0) return;
  f.reserved.assign(snap.nodes.size(), 0);
  f.reserved_idle.assign(snap.clusters.size(), {});
  std::vector<Gpus> used;
  for (std::size_t n = 0; n < snap.nodes.size(); ++n) {
    const Node& node = snap.nodes[n];
    std::uint32_t held = kNone;
    for (auto r : snap.index.node_reservations[n])
      if (snap.reservations[r].active_at(f.at)) held = r;
    if (held == kNone) continue;
    f.reserved[n] = 1;
    if (!f.schedulable[n] || node.cluster_index == kNone) continue;
    if (used.empty()) {
      used.assign(snap.nodes.size(), 0);
      for (const Job& job : snap.jobs)
        if (job.running()) for_each_share(job, [&](std::uint32_t m, Gpus g) { used[m] += g; });
    }
    const Gpus idle = std::max<Gpus>(0, node.gpus - used[n]);
    extra[node.cluster_index].reserved_free += idle;
    auto& per = f.reserved_idle[node.cluster_index];
    auto it = std::find_if(per.begin(), per.end(), [&](const auto& p) { return p.first == held; });
    if (it == per.end())
      per.emplace_back(held, idle);
    else
      it->second += idle;
  }
}
} // namespace

std::vector<std::uint8_t> partition_nodes(const Snapshot& snap, std::uint32_t partition) {
  std::vector<std::uint8_t> keep(snap.nodes.size(), 0);
  if (partition < snap.index.partition_nodes.size())
    for (auto n : snap.index.partition_nodes[partition]) keep[n] = 1;
  return keep;
}

namespace {
// Uq, Uf, Us of the kept nodes: each running job's share on them.
void partition_use(const Snapshot& snap, std::span<const std::uint8_t> keep, std::vector<Gpus>& uq,
                   std::vector<Gpus>& uf, std::vector<ClusterExtra>& extra) {
  for (const auto& j : snap.jobs) {
    if (!j.running() || j.cluster_index == kNone) continue;
    for_each_share(j, [&](std::uint32_t n, Gpus g) {
      if (!keep[n]) return;
      (j.flex ? uf : uq)[j.cluster_index] += g;
      if (j.stable_use()) extra[j.cluster_index].stable_used += g;
    });
  }
}
} // namespace

FleetAt evaluate(const Snapshot& snap, Time at, std::span<const std::uint8_t> keep) {
  FleetAt f;
  f.at = at;
  f.schedulable = schedulable_nodes(snap, at);
  if (!keep.empty())
    for (std::size_t n = 0; n < snap.nodes.size(); ++n) f.schedulable[n] = f.schedulable[n] && keep[n];
  f.occupied.assign(snap.nodes.size(), 0);
  for (std::size_t n = 0; n < snap.nodes.size(); ++n) f.occupied[n] = !snap.index.node_jobs[n].empty();

  f.island_free.assign(snap.index.islands.size(), 0);
  const std::size_t nc = snap.clusters.size();
  std::vector<Gpus> total(nc), healthy(nc), assigned(nc), uq(nc), uf(nc), block(nc);
  std::vector<ClusterExtra> extra(nc);
  reserved_idle(snap, f, extra);
  for (std::size_t n = 0; n < snap.nodes.size(); ++n) {
    const Node& node = snap.nodes[n];
    if (node.cluster_index == kNone || (!keep.empty() && !keep[n])) continue;
    total[node.cluster_index] += node.gpus;
    if (!f.schedulable[n]) continue;
    healthy[node.cluster_index] += node.gpus;
    // A reserved node is free only for its reservation's accounts: not in anyone's free block.
    if (!f.occupied[n] && (f.reserved.empty() || !f.reserved[n])) f.island_free[node.island_index] += node.gpus;
  }
  for (std::size_t i = 0; i < f.island_free.size(); ++i) {
    const auto c = snap.index.islands[i].cluster_index;
    block[c] = std::max(block[c], f.island_free[i]);
  }
  for (const auto& q : snap.quotas)
    if (q.leaf && q.cluster_index != kNone) assigned[q.cluster_index] += q.gpus;
  if (!keep.empty()) {
    partition_use(snap, keep, uq, uf, extra);
  } else {
    for (const auto& j : snap.jobs) {
      if (!j.running() || j.cluster_index == kNone) continue;
      (j.flex ? uf : uq)[j.cluster_index] += j.gpus;
      if (j.stable_use()) extra[j.cluster_index].stable_used += j.gpus;
    }
  }
  f.clusters.resize(nc);
  for (std::size_t c = 0; c < nc; ++c)
    f.clusters[c] = ClusterFigures::from(total[c], healthy[c], assigned[c], uq[c], uf[c], block[c], extra[c]);
  return f;
}

std::vector<Gpus> split_largest_remainder(Gpus total, const std::vector<Gpus>& weights,
                                          const std::vector<std::string_view>& names) {
  const std::size_t n = weights.size();
  std::vector<Gpus> parts(n, 0);
  const Gpus sum = std::accumulate(weights.begin(), weights.end(), Gpus{0});
  if (sum <= 0 || total <= 0) return parts;
  std::vector<Gpus> remainder(n);
  Gpus given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // total × weight can pass 2^63 for a fleet of large quotas; 128 bits cannot overflow.
    __extension__ using Wide = __int128;
    const Wide exact = static_cast<Wide>(total) * weights[i];
    parts[i] = static_cast<Gpus>(exact / sum);
    remainder[i] = static_cast<Gpus>(exact % sum);
    given += parts[i];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    return names[a] < names[b];
  });
  for (std::size_t k = 0; k < order.size() && given < total; ++k, ++given) ++parts[order[k]];
  return parts;
}

} // namespace fleetcap
