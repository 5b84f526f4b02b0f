// `fleetcap nodes` (docs/maintenance.md): the nodes worth a look, and their sums per island.
#include "fleetcap/figures/nodes.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace fleetcap {

namespace {
// The reservation (docs/design.md) holding node n now, the one ending last; else the next to
// start in the window; kNone when none.
std::uint32_t reservation_of(const Snapshot& snap, std::uint32_t n, const MaintenanceHorizon& h) {
  if (snap.index.node_reservations.size() == 0) return kNone;
  std::uint32_t best = kNone;
  for (auto r : snap.index.node_reservations[n]) {
    const Reservation& x = snap.reservations[r];
    if (x.end <= h.at || x.start >= h.end()) continue;
    if (best == kNone) {
      best = r;
      continue;
    }
    const Reservation& b = snap.reservations[best];
    const bool now = x.active_at(h.at), best_now = b.active_at(h.at);
    if (now != best_now ? now : now ? x.end > b.end : x.start < b.start) best = r;
  }
  return best;
}

// The node's worst open issue: the lowest priority number, then the earliest detected (an issue
// without a time last); -1 when it has none.
int worst_issue(const Node& node) {
  int worst = -1;
  for (std::size_t k = 0; k < node.issues.size(); ++k) {
    if (worst < 0) {
      worst = static_cast<int>(k);
      continue;
    }
    const NodeIssue &x = node.issues[k], &y = node.issues[static_cast<std::size_t>(worst)];
    const Time tx = x.detected_at.value_or(std::numeric_limits<Time>::max());
    const Time ty = y.detected_at.value_or(std::numeric_limits<Time>::max());
    if (std::tie(x.priority, tx) < std::tie(y.priority, ty)) worst = static_cast<int>(k);
  }
  return worst;
}

// Whether `ev` is the row's next event so far: an open event in the horizon; active beats
// coming; among active, the one ending last; among coming, the first to start.
void consider_event(NodeRow& row, std::uint32_t ev, const Snapshot& snap, const MaintenanceHorizon& h) {
  const MaintenanceEvent& e = snap.maintenance[ev];
  if (!e.open() || !overlaps(e, h)) return;
  const bool active = e.active_at(h.at);
  bool better = row.next_event == kNone;
  if (!better) {
    const MaintenanceEvent& cur = snap.maintenance[row.next_event];
    better = active != row.event_active ? active
             : active                   ? std::tie(e.end, e.id) > std::tie(cur.end, cur.id)
                                        : std::tie(e.start, e.id) < std::tie(cur.start, cur.id);
  }
  if (better) {
    row.next_event = ev;
    row.event_active = active;
  }
}

void add_node(IslandNodes& s, const NodeRow& row, const Snapshot& snap) {
  const Node& n = snap.nodes[row.node];
  ++s.nodes;
  s.gpus += n.gpus;
  s.gpus_used += row.gpus_used;
  if (row.schedulable) s.schedulable_gpus += n.gpus;
  s.unschedulable += row.schedulable ? 0 : 1;
  s.unhealthy += n.healthy ? 0 : 1;
  s.cordoned += n.cordoned ? 1 : 0;
  s.with_issues += n.issues.empty() ? 0 : 1;
  s.with_events += row.next_event != kNone ? 1 : 0;
}

// Per island, in row order (rows are grouped by cluster and island already), and in all; the
// distinct running jobs of each and of every listed node.
void island_sums(NodesReport& r, const Snapshot& snap) {
  for (const auto& row : r.rows) {
    const auto i = snap.nodes[row.node].island_index;
    if (r.islands.empty() || r.islands.back().island != i) {
      r.islands.push_back({});
      r.islands.back().island = i;
    }
    add_node(r.islands.back(), row, snap);
    add_node(r.totals, row, snap);
  }
  std::vector<std::uint32_t> all_jobs;
  std::size_t k = 0;
  for (auto& s : r.islands) {
    std::vector<std::uint32_t> jobs;
    for (; k < r.rows.size() && snap.nodes[r.rows[k].node].island_index == s.island; ++k)
      jobs.insert(jobs.end(), r.rows[k].jobs.begin(), r.rows[k].jobs.end());
    std::sort(jobs.begin(), jobs.end());
    jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
    s.running_jobs = jobs.size();
    all_jobs.insert(all_jobs.end(), jobs.begin(), jobs.end());
  }
  std::sort(all_jobs.begin(), all_jobs.end());
  all_jobs.erase(std::unique(all_jobs.begin(), all_jobs.end()), all_jobs.end());
  r.totals.running_jobs = all_jobs.size();
}

// --by partition: the listed nodes' sums per partition, partitions by name.
void partition_sums(const Snapshot& snap, NodesReport& r) {
  for (std::uint32_t p = 0; p < snap.partitions.size(); ++p) {
    IslandNodes s;
    s.island = p;
    std::vector<std::uint32_t> jobs;
    for (const auto& row : r.rows) {
      const Node& n = snap.nodes[row.node];
      if (!n.detail || std::find(n.detail->partitions.begin(), n.detail->partitions.end(), snap.partitions[p]) ==
                           n.detail->partitions.end())
        continue;
      add_node(s, row, snap);
      jobs.insert(jobs.end(), row.jobs.begin(), row.jobs.end());
    }
    if (s.nodes == 0) continue;
    std::sort(jobs.begin(), jobs.end());
    s.running_jobs = static_cast<std::size_t>(std::unique(jobs.begin(), jobs.end()) - jobs.begin());
    r.partitions.push_back(s);
  }
}

} // namespace

NodesReport list_nodes(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const NodesQuery& q) {
  NodesReport r;
  r.horizon = h;
  r.all = q.all;
  const auto& ix = snap.index;
  const auto schedulable = schedulable_nodes(snap, h.at);
  std::vector<std::uint8_t> island_ok(ix.islands.size(), q.islands.empty() ? 1 : 0);
  for (const auto& name : q.islands)
    for (std::size_t i = 0; i < ix.islands.size(); ++i)
      if (ix.islands[i].name == name) island_ok[i] = 1;
  const std::vector<std::uint8_t> in_partition =
      q.partition == kNone ? std::vector<std::uint8_t>{} : partition_nodes(snap, q.partition);
  // Running jobs' shares per node, once.
  std::vector<Gpus> used(snap.nodes.size(), 0);
  for (const Job& job : snap.jobs)
    if (job.running()) for_each_share(job, [&](std::uint32_t n, Gpus g) { used[n] += g; });

  for (auto c : select_clusters(snap, sel)) {
    std::vector<std::uint32_t> whole; // whole-cluster events apply to every node of the cluster
    for (auto e : ix.cluster_events[c])
      if (snap.maintenance[e].nodes.empty()) whole.push_back(e);
    for (auto n : ix.cluster_nodes[c]) {
      const Node& node = snap.nodes[n];
      if (node.island_index == kNone || !island_ok[node.island_index]) continue;
      if (!in_partition.empty() && !in_partition[n]) continue;
      NodeRow row;
      row.node = n;
      row.gpus_used = used[n];
      row.schedulable = schedulable[n] != 0;
      row.worst_issue = worst_issue(node);
      for (auto ev : ix.node_events[n]) consider_event(row, ev, snap, h);
      for (auto ev : whole) consider_event(row, ev, snap, h);
      row.reservation = reservation_of(snap, n, h);
      if (!q.all && row.schedulable && row.worst_issue < 0 && row.next_event == kNone && row.reservation == kNone)
        continue;
      row.jobs.assign(ix.node_jobs[n].begin(), ix.node_jobs[n].end());
      row.jobs.erase(std::unique(row.jobs.begin(), row.jobs.end()), row.jobs.end());
      r.rows.push_back(std::move(row));
    }
  }
  const auto key = [&](const NodeRow& x) {
    const Node& n = snap.nodes[x.node];
    return std::tie(snap.clusters[n.cluster_index].name, ix.islands[n.island_index].name, n.name);
  };
  std::sort(r.rows.begin(), r.rows.end(), [&](const NodeRow& a, const NodeRow& b) { return key(a) < key(b); });
  island_sums(r, snap);
  if (q.by_partition) partition_sums(snap, r);
  return r;
}

} // namespace fleetcap
