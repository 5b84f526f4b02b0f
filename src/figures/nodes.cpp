// `fleetcap nodes` (docs/maintenance.md): the nodes worth a look, and their sums per island.
#include "fleetcap/figures/nodes.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace fleetcap {

namespace {

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
      NodeRow row;
      row.node = n;
      row.gpus_used = used[n];
      row.schedulable = schedulable[n] != 0;
      row.worst_issue = worst_issue(node);
      for (auto ev : ix.node_events[n]) consider_event(row, ev, snap, h);
      for (auto ev : whole) consider_event(row, ev, snap, h);
      if (!q.all && row.schedulable && row.worst_issue < 0 && row.next_event == kNone) continue;
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
  return r;
}

} // namespace fleetcap
