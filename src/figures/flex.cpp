// docs/concepts.md (Flex) and docs/figures.md (flex figures, fair share, largest free block).
#include "fleetcap/figures/flex.hpp"

#include "fleetcap/figures/capacity.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace fleetcap {

Gpus flex_pool(const ClusterFigures& f) {
  return std::max<Gpus>(0, f.healthy - f.inquota_used - f.reserved_free); // reserved: not for everyone
}

std::vector<NamespaceFlex> flex_namespaces(const Snapshot& snap, const FleetAt& fleet, std::uint32_t cluster) {
  std::map<std::string_view, NamespaceFlex> by_name; // sorted by byte order
  for (auto j : snap.index.cluster_jobs[cluster]) {
    const Job& job = snap.jobs[j];
    if (!job.flex) continue;
    NamespaceFlex& n = by_name[job.ns];
    n.ns = job.ns;
    (job.running() ? n.flex_used : n.flex_pending) += job.gpus;
  }
  const Gpus pool = flex_pool(fleet.clusters[cluster]);
  std::vector<NamespaceFlex> out;
  out.reserve(by_name.size());
  for (auto& [name, n] : by_name) {
    n.fair_share = pool / static_cast<Gpus>(by_name.size());
    out.push_back(std::move(n));
  }
  return out;
}

NamespaceFlex namespace_flex(const std::vector<NamespaceFlex>& namespaces, const ClusterFigures& f,
                             const std::string& ns) {
  for (const auto& n : namespaces)
    if (n.ns == ns) return n;
  NamespaceFlex n;
  n.ns = ns;
  n.fair_share = flex_pool(f) / static_cast<Gpus>(namespaces.size() + 1);
  return n;
}

namespace {

FlexCluster flex_cluster(const Snapshot& snap, const FleetAt& fleet, std::uint32_t c, const FlexQuery& q) {
  FlexCluster fc;
  fc.cluster = c;
  fc.figures = fleet.clusters[c];
  fc.flex_pool = flex_pool(fc.figures);
  fc.namespaces = flex_namespaces(snap, fleet, c);
  if (q.ns) fc.selected = namespace_flex(fc.namespaces, fc.figures, *q.ns);
  if (!fleet.reserved_idle.empty()) fc.reserved = fleet.reserved_idle[c];
  return fc;
}

Gpus free_of(const FlexCluster& c, bool stable) { return stable ? c.figures.flex_stable_free : c.figures.flex_free; }

} // namespace

namespace {
// Whether a reservation that does not serve `ns` (any reservation, without one) holds node n at
// some time in [from, until).
bool held_for_others(const Snapshot& snap, std::uint32_t n, Time from, Time until,
                     const std::optional<std::string>& ns) {
  if (snap.index.node_reservations.size() == 0) return false;
  for (auto r : snap.index.node_reservations[n]) {
    const Reservation& res = snap.reservations[r];
    if (res.start < until && res.end > from && (!ns || !res.serves(*ns))) return true;
  }
  return false;
}

void add_totals(FlexReport& r) {
  FlexCluster& t = r.totals;
  if (r.query.ns) t.selected = NamespaceFlex{*r.query.ns, 0, 0, 0};
  for (const auto& c : r.clusters) {
    t.figures.add(c.figures);
    t.flex_pool += c.flex_pool;
    if (t.selected && c.selected) {
      t.selected->flex_used += c.selected->flex_used;
      t.selected->flex_pending += c.selected->flex_pending;
    }
  }
}
} // namespace

namespace {

bool by_name(const Snapshot& snap, std::uint32_t a, std::uint32_t b) {
  return snap.clusters[a].name < snap.clusters[b].name;
}

// The selected clusters' flex, most free (with --stable, most stable free) first.
std::vector<FlexCluster> ranked_clusters(const Snapshot& snap, const FleetAt& fleet,
                                         const std::vector<std::uint32_t>& selected, const FlexQuery& q) {
  std::vector<FlexCluster> all;
  all.reserve(selected.size());
  for (auto c : selected) all.push_back(flex_cluster(snap, fleet, c, q));
  std::sort(all.begin(), all.end(), [&](const FlexCluster& a, const FlexCluster& b) {
    if (free_of(a, q.stable) != free_of(b, q.stable)) return free_of(a, q.stable) > free_of(b, q.stable);
    if (free_of(a, !q.stable) != free_of(b, !q.stable)) return free_of(a, !q.stable) > free_of(b, !q.stable);
    return by_name(snap, a.cluster, b.cluster);
  });
  return all;
}

// Islands of the selected clusters with their free block now, largest first.
std::vector<FlexIsland> free_islands(const Snapshot& snap, const FleetAt& fleet,
                                     const std::vector<std::uint32_t>& selected) {
  std::vector<std::uint8_t> chosen(snap.clusters.size(), 0);
  for (auto c : selected) chosen[c] = 1;
  std::vector<FlexIsland> islands;
  for (std::size_t i = 0; i < snap.index.islands.size(); ++i) {
    const Island& isl = snap.index.islands[i];
    if (!chosen[isl.cluster_index]) continue;
    FlexIsland fi;
    fi.island = static_cast<std::uint32_t>(i);
    fi.cluster = isl.cluster_index;
    fi.free_block = fleet.island_free[i];
    for (auto n : isl.nodes) fi.free_nodes += fleet.schedulable[n] && !fleet.occupied[n];
    islands.push_back(fi);
  }
  std::sort(islands.begin(), islands.end(), [&](const FlexIsland& a, const FlexIsland& b) {
    if (a.free_block != b.free_block) return a.free_block > b.free_block;
    if (a.cluster != b.cluster) return by_name(snap, a.cluster, b.cluster);
    return snap.index.islands[a.island].name < snap.index.islands[b.island].name;
  });
  return islands;
}

// Per node, the end of the last open event covering it that overlaps [at, until) (0: none),
// and the start of the first open event covering it that starts at or after `until` (kNever:
// none): what --contiguous leaves out, and what the choice of nodes prefers to avoid.
struct NodeEvents {
  std::vector<Time> back, next;
};
NodeEvents node_events(const Snapshot& snap, const FleetAt& fleet, const std::vector<std::uint32_t>& selected,
                       Time until) {
  NodeEvents ev{std::vector<Time>(snap.nodes.size(), 0),
                std::vector<Time>(snap.nodes.size(), std::numeric_limits<Time>::max())};
  for (auto c : selected)
    for (auto e_index : snap.index.cluster_events[c]) {
      const MaintenanceEvent& e = snap.maintenance[e_index];
      if (!e.open() || e.end <= fleet.at) continue;
      const auto nodes = e.nodes.empty() ? snap.index.cluster_nodes[c] : std::span<const std::uint32_t>(e.node_indices);
      for (auto n : nodes) {
        if (e.start < until)
          ev.back[n] = std::max(ev.back[n], e.end);
        else
          ev.next[n] = std::min(ev.next[n], e.start);
      }
    }
  return ev;
}

// docs/flex.md, "Which nodes": from the block's nodes, most GPUs first, then no maintenance
// coming (the latest first), then name; the last node the smallest that covers what is left.
void choose_nodes(const Snapshot& snap, const NodeEvents& ev, std::vector<std::uint32_t> block, Gpus wanted,
                  FlexIsland& fi) {
  const auto better = [&](std::uint32_t a, std::uint32_t b) {
    const Node &x = snap.nodes[a], &y = snap.nodes[b];
    if (x.gpus != y.gpus) return x.gpus > y.gpus;
    if (ev.next[a] != ev.next[b]) return ev.next[a] > ev.next[b];
    return x.name < y.name;
  };
  std::sort(block.begin(), block.end(), better);
  Gpus have = 0;
  for (std::size_t k = 0; k < block.size() && have < wanted; ++k) {
    // The last node: the smallest (in this order, the last) that covers what is left.
    std::size_t pick = k;
    for (std::size_t m = block.size(); m-- > k;)
      if (snap.nodes[block[m]].gpus >= wanted - have) {
        while (m > k && snap.nodes[block[m - 1]].gpus == snap.nodes[block[m]].gpus) --m; // the best of that size
        pick = m;
        break;
      }
    // Keep the order of the rest: the node picked moves to k, those between shift one down.
    std::rotate(block.begin() + static_cast<std::ptrdiff_t>(k), block.begin() + static_cast<std::ptrdiff_t>(pick),
                block.begin() + static_cast<std::ptrdiff_t>(pick) + 1);
    fi.nodes.push_back(block[k]);
    have += snap.nodes[block[k]].gpus;
  }
  std::sort(fi.nodes.begin(), fi.nodes.end(),
            [&](std::uint32_t a, std::uint32_t b) { return snap.nodes[a].name < snap.nodes[b].name; });
  const Gpus k = static_cast<Gpus>(fi.nodes.size());
  fi.per_node = k && wanted % k == 0 ? wanted / k : 0;
  for (auto n : fi.nodes)
    if (snap.nodes[n].gpus < fi.per_node) fi.per_node = 0;
}

// --contiguous (docs/flex.md): the island's block of whole free nodes no coming maintenance
// takes, whether its cluster's stable flex covers N, NS's share there, when the block would
// hold N once the maintenance on its free nodes ends (a healthy, uncordoned node listed by no
// job comes back at the end of its last event), and, when it holds N, the nodes chosen.
void lasting_block(FlexIsland& fi, const Snapshot& snap, const FleetAt& fleet, const NodeEvents& ev,
                   const FlexCluster& fc, const FlexQuery& q) {
  std::vector<std::pair<Time, Gpus>> held; // (back at, GPUs) of free-but-for-maintenance nodes
  std::vector<std::uint32_t> block;
  for (auto n : snap.index.islands[fi.island].nodes) {
    const Node& node = snap.nodes[n];
    if (fleet.occupied[n] || !node.healthy || node.cordoned || node.gpus == 0) continue;
    // A node a reservation holds within the stay is no one's but its accounts' (docs/design.md).
    if (held_for_others(snap, n, fleet.at, fleet.at + q.stay, q.ns)) continue;
    if (ev.back[n] != 0) {
      held.emplace_back(ev.back[n], node.gpus);
    } else if (fleet.schedulable[n]) {
      fi.block += node.gpus;
      ++fi.block_nodes;
      block.push_back(n);
    }
  }
  fi.stays = fc.figures.flex_stable_free >= q.gpus;
  if (fc.selected) {
    fi.fair_share = fc.selected->fair_share;
    fi.exceeds_share = q.gpus > fc.selected->fair_share;
  }
  fi.block_later = fi.block;
  fi.fits_at = fi.block >= q.gpus ? fleet.at : std::numeric_limits<Time>::max();
  std::sort(held.begin(), held.end());
  for (const auto& [t, g] : held) {
    if (fi.block_later >= q.gpus) break;
    fi.block_later += g;
    if (fi.block_later >= q.gpus) fi.fits_at = t;
  }
  if (fi.block >= q.gpus) choose_nodes(snap, ev, std::move(block), q.gpus, fi);
}

// The answer's order: islands that hold N stable first, then the block closest to N; those that
// would once maintenance ends, soonest first.
void order_islands(FlexReport& r, const Snapshot& snap) {
  const auto name_order = [&](const FlexIsland& a, const FlexIsland& b) {
    if (a.cluster != b.cluster) return by_name(snap, a.cluster, b.cluster);
    return snap.index.islands[a.island].name < snap.index.islands[b.island].name;
  };
  std::sort(r.islands.begin(), r.islands.end(), [&](const FlexIsland& a, const FlexIsland& b) {
    if (a.stays != b.stays) return a.stays;
    if (a.block != b.block) return a.block < b.block; // all hold N: the closest to N first
    return name_order(a, b);
  });
  std::sort(r.later.begin(), r.later.end(), [&](const FlexIsland& a, const FlexIsland& b) {
    if (a.fits_at != b.fits_at) return a.fits_at < b.fits_at;
    if (a.stays != b.stays) return a.stays;
    return name_order(a, b);
  });
}

// --contiguous: the islands that hold N, those that would later, the largest block, and the
// clusters of the islands listed.
void contiguous(FlexReport& r, std::vector<FlexCluster>& all, std::vector<FlexIsland>& islands, const Snapshot& snap,
                const FleetAt& fleet, const std::vector<std::uint32_t>& selected, const FlexQuery& q) {
  const NodeEvents ev = node_events(snap, fleet, selected, fleet.at + q.stay);
  const auto cluster_of = [&](std::uint32_t c) -> const FlexCluster& {
    return *std::find_if(all.begin(), all.end(), [&](const FlexCluster& x) { return x.cluster == c; });
  };
  std::vector<std::uint8_t> listed(snap.clusters.size(), 0);
  for (auto& fi : islands) {
    lasting_block(fi, snap, fleet, ev, cluster_of(fi.cluster), q);
    if (!r.largest_block || fi.block > r.largest_block->block) r.largest_block = fi; // islands are in order
    if (q.stable && !fi.stays) continue;
    if (fi.block >= q.gpus) {
      r.islands.push_back(fi);
      listed[fi.cluster] = 1;
    } else if (fi.fits_at != std::numeric_limits<Time>::max()) {
      r.later.push_back(fi);
    }
  }
  order_islands(r, snap);
  for (auto& c : all)
    if (listed[c.cluster]) r.clusters.push_back(std::move(c));
}

} // namespace

FlexReport flex(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const FlexQuery& q) {
  FlexReport r;
  r.at = fleet.at;
  r.query = q;
  const auto selected = select_clusters(snap, sel);
  r.selected_clusters = selected.size();
  std::vector<FlexCluster> all = ranked_clusters(snap, fleet, selected, q);
  for (const auto& c : all) {
    r.selected_free += free_of(c, q.stable);
    for (const auto& [res, idle] : c.reserved) r.reserved.emplace_back(c.cluster, res, idle);
  }
  if (!all.empty()) r.most = all.front();
  std::vector<FlexIsland> islands = free_islands(snap, fleet, selected);
  if (!islands.empty()) r.best = islands.front();
  if (q.contiguous) {
    contiguous(r, all, islands, snap, fleet, selected, q);
  } else {
    for (auto& c : all)
      if (free_of(c, q.stable) >= std::max<Gpus>(q.gpus, q.stable ? 1 : 0)) r.clusters.push_back(std::move(c));
  }
  add_totals(r);
  return r;
}

FlexReport flex_by_partition(const Snapshot& snap, Time at, const Selection& sel, const FlexQuery& q) {
  FlexReport r;
  r.at = at;
  r.query = q;
  r.by_partition = true;
  for (std::uint32_t p = 0; p < snap.partitions.size(); ++p) {
    const auto keep = partition_nodes(snap, p);
    FlexReport part = flex(snap, evaluate(snap, at, keep), in_partition(snap, sel, p), q);
    for (auto& c : part.clusters) {
      c.partition = snap.partitions[p];
      r.clusters.push_back(std::move(c));
    }
    r.selected_clusters += part.selected_clusters;
    r.selected_free += part.selected_free;
    r.reserved.insert(r.reserved.end(), part.reserved.begin(), part.reserved.end());
    if (part.most && (!r.most || part.most->figures.flex_free > r.most->figures.flex_free)) r.most = part.most;
  }
  add_totals(r);
  return r;
}

} // namespace fleetcap
