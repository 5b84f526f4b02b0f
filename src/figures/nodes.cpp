// `fleetcap nodes` (docs/maintenance.md): the nodes worth a look, problems first, their sums per
// island, and `nodes --free`.
#include "fleetcap/figures/nodes.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace fleetcap {

std::string_view to_string(NodeConcern c) {
  switch (c) {
  case NodeConcern::unschedulable: return "unschedulable";
  case NodeConcern::issue: return "issue";
  case NodeConcern::maintenance: return "maintenance";
  case NodeConcern::reserved: return "reserved";
  case NodeConcern::none: break;
  }
  return "none";
}

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

// What every node listing shares: which nodes are asked about, and how much running jobs use
// of each (in quota and flex apart).
struct NodeScan {
  const Snapshot& snap;
  const MaintenanceHorizon& h;
  std::vector<std::uint8_t> schedulable, island_ok;
  std::vector<std::uint8_t> in_partition; // with --partition: its nodes; empty = any node
  std::vector<Gpus> inquota, flex;        // running jobs' shares per node (docs/maintenance.md: spread evenly)

  NodeScan(const Snapshot& s, const MaintenanceHorizon& horizon, const NodesQuery& q)
      : snap(s), h(horizon), schedulable(schedulable_nodes(s, horizon.at)),
        island_ok(s.index.islands.size(), q.islands.empty() ? 1 : 0), inquota(s.nodes.size(), 0),
        flex(s.nodes.size(), 0) {
    if (q.partition != kNone) in_partition = partition_nodes(s, q.partition);
    for (const auto& name : q.islands)
      for (std::size_t i = 0; i < s.index.islands.size(); ++i)
        if (s.index.islands[i].name == name) island_ok[i] = 1;
    for (const Job& job : s.jobs)
      if (job.running()) for_each_share(job, [&](std::uint32_t n, Gpus g) { (job.flex ? flex : inquota)[n] += g; });
  }

  bool asked(std::uint32_t n) const {
    const auto i = snap.nodes[n].island_index;
    return i != kNone && island_ok[i] && (in_partition.empty() || in_partition[n]);
  }

  // Whole-cluster events, which apply to every node of the cluster.
  std::vector<std::uint32_t> whole_cluster_events(std::uint32_t c) const {
    std::vector<std::uint32_t> whole;
    for (auto e : snap.index.cluster_events[c])
      if (snap.maintenance[e].nodes.empty()) whole.push_back(e);
    return whole;
  }

  // The open event covering n that is active now (the one ending last), else the next one to
  // start in the window.
  std::pair<std::uint32_t, bool> next_event(std::uint32_t n, const std::vector<std::uint32_t>& whole) const {
    std::uint32_t best = kNone;
    bool best_active = false;
    auto consider = [&](std::uint32_t ev) {
      const MaintenanceEvent& e = snap.maintenance[ev];
      if (!e.open() || !overlaps(e, h)) return;
      const bool active = e.active_at(h.at);
      if (best == kNone) {
        best = ev;
        best_active = active;
        return;
      }
      const MaintenanceEvent& cur = snap.maintenance[best];
      // Active beats coming; among active, the one ending last; among coming, the first to start.
      const bool better = active != best_active ? active
                          : active              ? std::tie(e.end, e.id) > std::tie(cur.end, cur.id)
                                                : std::tie(e.start, e.id) < std::tie(cur.start, cur.id);
      if (better) {
        best = ev;
        best_active = active;
      }
    };
    for (auto ev : snap.index.node_events[n]) consider(ev);
    for (auto ev : whole) consider(ev);
    return {best, best_active};
  }
};

// The lowest priority number, then the earliest detected (undated last); -1 when none.
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

NodeRow node_row(const NodeScan& scan, std::uint32_t n, const std::vector<std::uint32_t>& whole) {
  NodeRow row;
  row.node = n;
  row.gpus_used = scan.inquota[n] + scan.flex[n];
  row.schedulable = scan.schedulable[n] != 0;
  row.worst_issue = worst_issue(scan.snap.nodes[n]);
  std::tie(row.next_event, row.event_active) = scan.next_event(n, whole);
  row.reservation = reservation_of(scan.snap, n, scan.h);
  row.concern = !row.schedulable           ? NodeConcern::unschedulable
                : row.worst_issue >= 0     ? NodeConcern::issue
                : row.next_event != kNone  ? NodeConcern::maintenance
                : row.reservation != kNone ? NodeConcern::reserved
                                           : NodeConcern::none;
  return row;
}

void add_to(IslandNodes& s, const Snapshot& snap, const NodeRow& row) {
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
  s.reserved += row.concern == NodeConcern::reserved ? 1 : 0;
}

std::size_t distinct(std::vector<std::uint32_t>& jobs) {
  std::sort(jobs.begin(), jobs.end());
  jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
  return jobs.size();
}

// Per island (rows in cluster, island, name order), and the totals over every row.
void sum_islands(const Snapshot& snap, const std::vector<NodeRow>& rows, NodesReport& r) {
  std::vector<std::uint32_t> all_jobs, jobs;
  for (const auto& row : rows) {
    const auto i = snap.nodes[row.node].island_index;
    if (r.islands.empty() || r.islands.back().island != i) {
      if (!r.islands.empty()) r.islands.back().running_jobs = distinct(jobs);
      jobs.clear();
      r.islands.push_back({});
      r.islands.back().island = i;
    }
    add_to(r.islands.back(), snap, row);
    add_to(r.totals, snap, row);
    jobs.insert(jobs.end(), row.jobs.begin(), row.jobs.end());
    all_jobs.insert(all_jobs.end(), row.jobs.begin(), row.jobs.end());
  }
  if (!r.islands.empty()) r.islands.back().running_jobs = distinct(jobs);
  r.totals.running_jobs = distinct(all_jobs);
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
      add_to(s, snap, row);
      jobs.insert(jobs.end(), row.jobs.begin(), row.jobs.end());
    }
    if (s.nodes == 0) continue;
    s.running_jobs = distinct(jobs);
    r.partitions.push_back(s);
  }
}

} // namespace

NodesReport list_nodes(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const NodesQuery& q) {
  NodesReport r;
  r.horizon = h;
  r.all = q.all;
  const NodeScan scan(snap, h, q);
  for (auto c : select_clusters(snap, sel)) {
    const auto whole = scan.whole_cluster_events(c);
    for (auto n : snap.index.cluster_nodes[c]) {
      if (!scan.asked(n)) continue;
      NodeRow row = node_row(scan, n, whole);
      if (!q.all && row.concern == NodeConcern::none) continue;
      row.jobs.assign(snap.index.node_jobs[n].begin(), snap.index.node_jobs[n].end());
      row.jobs.erase(std::unique(row.jobs.begin(), row.jobs.end()), row.jobs.end());
      r.rows.push_back(std::move(row));
    }
  }
  const auto place = [&](const NodeRow& x) {
    const Node& n = snap.nodes[x.node];
    return std::tie(snap.clusters[n.cluster_index].name, snap.index.islands[n.island_index].name, n.name);
  };
  std::sort(r.rows.begin(), r.rows.end(), [&](const NodeRow& a, const NodeRow& b) { return place(a) < place(b); });
  sum_islands(snap, r.rows, r);
  if (q.by_partition) partition_sums(snap, r);
  // Problems first: the sort is stable, so each concern keeps cluster, island, name order.
  std::stable_sort(r.rows.begin(), r.rows.end(),
                   [](const NodeRow& a, const NodeRow& b) { return a.concern < b.concern; });
  return r;
}

namespace {
// Each item's place among the names of all (equal names, equal places), so that comparing
// places compares names.
template <class Items, class Name> std::vector<std::uint32_t> name_places(const Items& items, Name name) {
  std::vector<std::uint32_t> order(items.size()), place(items.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return name(items[a]) < name(items[b]); });
  for (std::size_t k = 0; k < order.size(); ++k)
    place[order[k]] = k > 0 && name(items[order[k]]) == name(items[order[k - 1]]) ? place[order[k - 1]]
                                                                                  : static_cast<std::uint32_t>(k);
  return place;
}

// Most free GPUs first, then by cluster, island and node name (46,000 rows on a million GPUs).
// Rows are made in the order of each cluster's nodes, which a fleet lists by name nearly always,
// so the order is found from small keys: the free count and the places of the cluster's and the
// island's names among all (found once), by stable counting passes over where each row was made.
// Node names are compared only when, within an island, the rows were not made in name order (one
// pass over the rows as made, whose names lie nearly in memory order), and then only within a
// run of keys equal in the rest. Comparing names at every step of a sort (each a read of two
// names far apart in memory) and reading each row's node again for its places took 12 of the
// 25 ms a million GPUs took; the comparison sort of the keys, and checking each run's names in
// the sorted order, half of the 9 ms left.
class FreeOrder {
public:
  explicit FreeOrder(const Snapshot& s)
      : snap_(s), cluster_(name_places(s.clusters, [](const Cluster& c) { return std::string_view(c.name); })),
        island_(name_places(s.index.islands, [](const auto& i) { return std::string_view(i.name); })) {}

  void add(const FreeNodeRow& row, std::uint32_t c, std::uint32_t i) {
    keys_.push_back({row.gpus_free, cluster_[c], island_[i], static_cast<std::uint32_t>(rows_.size())});
    islands_.push_back(i);
    rows_.push_back(row);
  }
  void reserve(std::size_t n) {
    keys_.reserve(n);
    islands_.reserve(n);
    rows_.reserve(n);
  }
  std::vector<FreeNodeRow> sorted() && {
    order();
    if (!made_in_name_order()) {
      const auto by_name = [&](const Key& a, const Key& b) { return name(a.at) < name(b.at); };
      for (auto run = keys_.begin(); run != keys_.end();) {
        const auto end = std::find_if(run + 1, keys_.end(), [&](const Key& k) { return !k.same_place(*run); });
        if (!std::is_sorted(run, end, by_name)) std::sort(run, end, by_name);
        run = end;
      }
    }
    std::vector<FreeNodeRow> out;
    out.reserve(keys_.size());
    for (const auto& k : keys_) out.push_back(rows_[k.at]);
    return out;
  }

private:
  struct Key {
    Gpus free;
    std::uint32_t cluster, island, at;
    bool same_place(const Key& o) const { return free == o.free && cluster == o.cluster && island == o.island; }
  };
  std::string_view name(std::uint32_t at) const { return snap_.nodes[rows_[at].node].name; }

  // keys_ by free (most first), cluster, island, then where made (as added): stable counting
  // passes, the least significant first; a comparison sort where the free counts spread too wide
  // for a count each.
  void order() {
    Gpus most = 0;
    for (const auto& k : keys_) most = std::max(most, k.free);
    if (static_cast<std::size_t>(most) > 4 * keys_.size() + 1024) {
      std::sort(keys_.begin(), keys_.end(), [](const Key& a, const Key& b) {
        if (a.free != b.free) return a.free > b.free;
        if (a.cluster != b.cluster) return a.cluster < b.cluster;
        if (a.island != b.island) return a.island < b.island;
        return a.at < b.at;
      });
      return;
    }
    std::vector<Key> spare(keys_.size());
    const auto pass = [&](std::size_t buckets, auto bucket) {
      std::vector<std::uint32_t> start(buckets + 1, 0);
      for (const auto& k : keys_) ++start[bucket(k) + 1];
      for (std::size_t b = 1; b <= buckets; ++b) start[b] += start[b - 1];
      for (const auto& k : keys_) spare[start[bucket(k)]++] = k;
      keys_.swap(spare);
    };
    pass(island_.size(), [](const Key& k) { return std::size_t{k.island}; });
    pass(cluster_.size(), [](const Key& k) { return std::size_t{k.cluster}; });
    pass(static_cast<std::size_t>(most) + 1, [most](const Key& k) { return static_cast<std::size_t>(most - k.free); });
  }

  // Whether each island's rows were made in the order of their node names, so that every run of
  // the order already is.
  bool made_in_name_order() const {
    std::vector<std::uint32_t> last(snap_.index.islands.size(), kNone);
    for (std::uint32_t at = 0; at < rows_.size(); ++at) {
      std::uint32_t& before = last[islands_[at]];
      if (before != kNone && name(at) < name(before)) return false;
      before = at;
    }
    return true;
  }

  const Snapshot& snap_;
  std::vector<std::uint32_t> cluster_, island_;
  std::vector<Key> keys_;
  std::vector<std::uint32_t> islands_; // each row's island (its index), as made
  std::vector<FreeNodeRow> rows_;
};
} // namespace

FreeNodes free_nodes(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const NodesQuery& q) {
  FreeNodes r;
  r.horizon = h;
  const NodeScan scan(snap, h, q);
  const auto clusters = select_clusters(snap, sel);
  FreeOrder order(snap);
  std::size_t most = 0; // reserved, never regrown: only what is filled is backed by memory
  for (auto c : clusters) most += snap.index.cluster_nodes[c].size();
  order.reserve(most);
  for (auto c : clusters) {
    const auto whole = scan.whole_cluster_events(c);
    for (auto n : snap.index.cluster_nodes[c]) {
      const Node& node = snap.nodes[n];
      const Gpus used = scan.inquota[n] + scan.flex[n];
      if (!scan.asked(n) || !scan.schedulable[n] || used >= node.gpus) continue;
      if (const auto res = reservation_of(snap, n, h); res != kNone && snap.reservations[res].active_at(h.at)) continue;
      FreeNodeRow row{n, node.gpus, used, scan.inquota[n], scan.flex[n], node.gpus - used, kNone, false};
      std::tie(row.next_event, row.event_active) = scan.next_event(n, whole);
      order.add(row, c, node.island_index);
      r.totals.gpus += row.gpus;
      r.totals.gpus_used += row.gpus_used;
      r.totals.inquota_used += row.inquota_used;
      r.totals.flex_used += row.flex_used;
      r.totals.gpus_free += row.gpus_free;
    }
  }
  r.rows = std::move(order).sorted();
  r.nodes = r.rows.size();
  return r;
}

} // namespace fleetcap
