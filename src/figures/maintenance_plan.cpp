// docs/maintenance.md `maintenance plan`: which jobs must move, and where to, in GPUs and in time.
//
// Greedy, in move order (move-by, priority, GPUs, name), so each move sees the fleet as the
// moves before it left it. State per node: free GPUs (its GPUs minus the shares of the jobs
// still on it), flex GPUs on it (what an in-quota job could preempt), and whether it is in the
// pool of destinations: a node joins the pool at the time from which no event covers it until
// the window's end, and stays. Moves come in non-decreasing time, so the pool only grows.
// Indices, kept up to date as GPUs are taken and released, make each move a few ordered-set
// operations: nodes by free GPUs and islands by free GPUs per cluster, per (SKU, region,
// provider) and per SKU; and per cluster, nodes and islands by GPUs free once flex is preempted.
#include "fleetcap/figures/maintenance.hpp"

#include <algorithm>
#include <bit>
#include <future>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

namespace fleetcap {

Gpus PlanJob::gpus_moved() const { return std::accumulate(node_gpus.begin(), node_gpus.end(), Gpus{0}); }

namespace {
constexpr Time kNever = std::numeric_limits<Time>::max();

// Nodes (or islands) by a value (free GPUs, say), for best fit: an ordered map of stacks. An
// item is pushed again whenever its value changes; entries whose value no longer holds are
// dropped when met (value(x) is the current value, or -1 for a node out of the pool). Cheaper
// than erasing and inserting in an ordered set at every change, and as exact.
class Buckets {
public:
  void push(Gpus v, std::uint32_t n) {
    if (v <= 0) return;
    if (v >= kDense) {
      sparse_[v].push_back(n);
      return;
    }
    const auto k = static_cast<std::size_t>(v);
    if (k >= dense_.size()) {
      dense_.resize(k + 1);
      bits_.resize(k / 64 + 1, 0);
    }
    dense_[k].push_back(n);
    bits_[k / 64] |= std::uint64_t{1} << (k % 64);
  }
  // An item whose value is the smallest at or above `g`, or kNone.
  template <class Value> std::uint32_t best_fit(Gpus g, const Value& value) {
    for (auto k = next(static_cast<std::size_t>(std::clamp<Gpus>(g, 0, kDense))); k < dense_.size(); k = next(k + 1))
      if (const auto n = top(static_cast<Gpus>(k), dense_[k], value); n != kNone)
        return n;
      else
        bits_[k / 64] &= ~(std::uint64_t{1} << (k % 64));
    for (auto it = sparse_.lower_bound(g); it != sparse_.end();) {
      if (const auto n = top(it->first, it->second, value); n != kNone) return n;
      it = sparse_.erase(it);
    }
    return kNone;
  }
  template <class Value> std::uint32_t largest(const Value& value) {
    while (!sparse_.empty()) {
      const auto it = std::prev(sparse_.end());
      if (const auto n = top(it->first, it->second, value); n != kNone) return n;
      sparse_.erase(it);
    }
    for (auto k = dense_.size(); k-- > 0;)
      if (const auto n = top(static_cast<Gpus>(k), dense_[k], value); n != kNone) return n;
    return kNone;
  }

private:
  static constexpr Gpus kDense = 1 << 14; // values below: a vector slot each, found by bitmap
  // The first slot at or after k that may hold items; dense_.size() when none.
  std::size_t next(std::size_t k) const {
    if (k >= dense_.size()) return dense_.size();
    std::size_t w = k / 64;
    std::uint64_t word = bits_[w] & (~std::uint64_t{0} << (k % 64));
    while (word == 0) {
      if (++w == bits_.size()) return dense_.size();
      word = bits_[w];
    }
    return std::min(dense_.size(), w * 64 + static_cast<std::size_t>(std::countr_zero(word)));
  }
  template <class Value> static std::uint32_t top(Gpus v, std::vector<std::uint32_t>& items, const Value& value) {
    while (!items.empty() && value(items.back()) != v) items.pop_back();
    return items.empty() ? kNone : items.back();
  }
  std::vector<std::vector<std::uint32_t>> dense_;
  std::vector<std::uint64_t> bits_;
  std::map<Gpus, std::vector<std::uint32_t>> sparse_;
};

// Victims in the order docs/maintenance.md preempts them: lowest priority, then latest started_at (none
// counts as oldest), then name.
bool preempt_first(const Job& a, const Job& b) {
  if (a.priority != b.priority) return a.priority < b.priority;
  const Time x = a.started_at.value_or(std::numeric_limits<Time>::min());
  const Time y = b.started_at.value_or(std::numeric_limits<Time>::min());
  if (x != y) return x > y;
  return a.name < b.name;
}

Gpus share_on(const Job& job, std::uint32_t node) {
  Gpus g = 0;
  for_each_share(job, [&](std::uint32_t n, Gpus s) { g += n == node ? s : 0; });
  return g;
}

class Planner {
public:
  Planner(const Snapshot& snap, const MaintenanceHorizon& h, bool same_region, MovePlan& plan)
      : snap_(snap), ix_(snap.index), h_(h), same_region_(same_region), plan_(plan) {}

  void run(const Selection& sel) {
    index_clusters();
    // The state of the nodes reads only the snapshot, not the jobs that must move: it is worked
    // out beside them (each about a third of the plan's figures on a million GPUs).
    auto nodes = std::async(std::launch::async, [this] { node_state(); });
    collect_movers(sel);
    nodes.get();
    if (plan_.jobs.empty()) return;
    for (std::size_t k = 0; k < plan_.jobs.size(); ++k) move(static_cast<std::uint32_t>(k));
    summarise();
  }

private:
  const Snapshot& snap_;
  const FleetIndex& ix_;
  MaintenanceHorizon h_;
  bool same_region_;
  MovePlan& plan_;

  std::vector<std::uint32_t> region_of_, sku_of_;
  std::vector<std::uint8_t> production_;
  std::vector<std::vector<std::uint32_t>> cluster_islands_;
  std::vector<std::uint32_t> mover_of_; // job -> index in plan_.jobs

  std::vector<Gpus> free_, flex_;           // per node: GPUs minus shares of jobs on it; flex shares on it
  std::vector<Time> ready_;                 // per node: when it joins the pool; kNever = never
  std::vector<std::uint32_t> sole_;         // per node: the one event keeping it out, or kNone
  std::vector<std::uint8_t> pooled_, gone_; // node in the pool; job no longer where it was
  std::vector<std::uint32_t> pending_;      // nodes to pool later, by ready time
  std::size_t next_pending_ = 0;
  std::vector<std::uint8_t> dirty_;
  std::vector<std::uint32_t> dirty_list_;
  std::vector<Gpus> island_room_, island_room_flex_;
  // Islands by free GPUs (per cluster, per SKU/region/provider, per SKU), and per cluster by GPUs
  // free once its flex jobs are preempted; nodes the same way.
  std::vector<Buckets> in_cluster_, in_region_, in_sku_, flex_cluster_;
  std::vector<Buckets> nodes_cluster_, nodes_region_, nodes_sku_, nodes_flex_cluster_;

  Gpus room(std::uint32_t n) const { return std::max<Gpus>(0, free_[n]); }
  Gpus room_flex(std::uint32_t n) const { return std::max<Gpus>(0, free_[n] + flex_[n]); }

  void index_clusters() {
    const std::size_t nc = snap_.clusters.size();
    region_of_.resize(nc);
    sku_of_.resize(nc);
    production_.resize(nc);
    cluster_islands_.resize(nc);
    std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::uint32_t> regions;
    std::map<std::string_view, std::uint32_t> skus;
    for (std::size_t c = 0; c < nc; ++c) {
      const Cluster& cl = snap_.clusters[c];
      region_of_[c] = regions.try_emplace({cl.sku, cl.region, cl.provider}, regions.size()).first->second;
      sku_of_[c] = skus.try_emplace(cl.sku, skus.size()).first->second;
      production_[c] = cl.state == ClusterState::production;
    }
    for (std::size_t i = 0; i < ix_.islands.size(); ++i)
      if (ix_.islands[i].cluster_index != kNone)
        cluster_islands_[ix_.islands[i].cluster_index].push_back(static_cast<std::uint32_t>(i));
    in_cluster_.resize(nc);
    flex_cluster_.resize(nc);
    nodes_cluster_.resize(nc);
    nodes_flex_cluster_.resize(nc);
    in_region_.resize(regions.size());
    nodes_region_.resize(regions.size());
    in_sku_.resize(skus.size());
    nodes_sku_.resize(skus.size());
  }

  void collect_movers(const Selection& sel) {
    // Per node: not healthy; and a job on it must leave (not healthy, or named by an event that
    // needs action), in small arrays so that only the jobs that must move read their events.
    const std::size_t nn = snap_.nodes.size();
    std::vector<std::uint8_t> unhealthy(nn), leave(nn);
    for (std::size_t n = 0; n < nn; ++n) unhealthy[n] = leave[n] = !snap_.nodes[n].healthy;
    std::vector<std::vector<std::uint32_t>> whole_cluster_events(snap_.clusters.size());
    for (std::size_t i = 0; i < snap_.maintenance.size(); ++i) {
      const MaintenanceEvent& e = snap_.maintenance[i];
      if (!requires_action(e, h_) || e.cluster_index == kNone) continue;
      for (auto n : e.node_indices) leave[n] = 1;
      if (e.nodes.empty()) whole_cluster_events[e.cluster_index].push_back(static_cast<std::uint32_t>(i));
    }
    std::vector<bool> selected(snap_.clusters.size());
    for (auto c : select_clusters(snap_, sel)) selected[c] = true;
    for (std::size_t j = 0; j < snap_.jobs.size(); ++j) {
      const Job& job = snap_.jobs[j];
      if (!job.running() || job.cluster_index == kNone || !selected[job.cluster_index] || job.node_indices.empty())
        continue;
      if (whole_cluster_events[job.cluster_index].empty() &&
          std::none_of(job.node_indices.begin(), job.node_indices.end(), [&](auto n) { return leave[n]; }))
        continue;
      PlanJob pj;
      pj.job = static_cast<std::uint32_t>(j);
      for (auto n : job.node_indices) {
        if (unhealthy[n]) pj.unhealthy = true;
        for (auto ev : ix_.node_events[n])
          if (requires_action(snap_.maintenance[ev], h_)) pj.events.push_back(ev);
      }
      for (auto ev : whole_cluster_events[job.cluster_index]) pj.events.push_back(ev);
      if (!pj.unhealthy && pj.events.empty()) continue;
      std::sort(pj.events.begin(), pj.events.end());
      pj.events.erase(std::unique(pj.events.begin(), pj.events.end()), pj.events.end());
      std::sort(pj.events.begin(), pj.events.end(), [&](auto a, auto b) {
        const Time x = action_by(snap_.maintenance[a], h_.lead), y = action_by(snap_.maintenance[b], h_.lead);
        return x != y ? x < y : snap_.maintenance[a].id < snap_.maintenance[b].id;
      });
      pj.move_by = pj.unhealthy ? h_.at : std::numeric_limits<Time>::max();
      if (!pj.events.empty())
        pj.move_by = std::min(pj.move_by, action_by(snap_.maintenance[pj.events.front()], h_.lead));
      pj.move_at = std::max(pj.move_by, h_.at);
      pj.overdue = pj.move_by < h_.at;
      plan_.jobs.push_back(std::move(pj));
    }
    // Move order, sorted as small keys side by side rather than PlanJobs that each fetch a Job.
    struct Order {
      Time move_by;
      Priority priority;
      Gpus gpus;
      std::string_view name;
      std::size_t at;
    };
    std::vector<Order> order;
    order.reserve(plan_.jobs.size());
    for (std::size_t k = 0; k < plan_.jobs.size(); ++k) {
      const Job& job = snap_.jobs[plan_.jobs[k].job];
      order.push_back({plan_.jobs[k].move_by, job.priority, job.gpus, job.name, k});
    }
    std::sort(order.begin(), order.end(), [](const Order& a, const Order& b) {
      if (a.move_by != b.move_by) return a.move_by < b.move_by;
      if (a.priority != b.priority) return a.priority > b.priority;
      if (a.gpus != b.gpus) return a.gpus > b.gpus;
      return a.name < b.name;
    });
    std::vector<PlanJob> sorted;
    sorted.reserve(order.size());
    for (const auto& o : order) sorted.push_back(std::move(plan_.jobs[o.at]));
    plan_.jobs = std::move(sorted);
    mover_of_.assign(snap_.jobs.size(), kNone);
    for (std::size_t k = 0; k < plan_.jobs.size(); ++k) mover_of_[plan_.jobs[k].job] = static_cast<std::uint32_t>(k);
  }

  void node_state() {
    const std::size_t nn = snap_.nodes.size();
    free_.resize(nn);
    flex_.assign(nn, 0);
    for (std::size_t n = 0; n < nn; ++n) free_[n] = snap_.nodes[n].gpus;
    for (const Job& job : snap_.jobs) {
      if (!job.running()) continue;
      for_each_share(job, [&](std::uint32_t n, Gpus g) {
        free_[n] -= g;
        if (job.flex) flex_[n] += g;
      });
    }
    gone_.assign(snap_.jobs.size(), 0);

    // A node can receive a job moving at T when it is schedulable at T and no event covering it
    // is active or starts in [T, window end): from the end of the last open event that covers it
    // and starts before the window's end. Never for a node not healthy, cordoned or empty.
    ready_.resize(nn);
    sole_.assign(nn, kNone);
    std::vector<std::uint8_t> blockers(nn, 0);
    for (std::size_t n = 0; n < nn; ++n) {
      const Node& node = snap_.nodes[n];
      ready_[n] = node.healthy && !node.cordoned && node.gpus > 0 ? h_.at : kNever;
    }
    for (std::size_t i = 0; i < snap_.maintenance.size(); ++i) {
      const MaintenanceEvent& e = snap_.maintenance[i];
      if (!e.open() || e.start >= h_.end() || e.end <= h_.at || e.cluster_index == kNone) continue;
      for (auto n : event_nodes(snap_, e)) {
        if (ready_[n] == kNever) continue;
        ready_[n] = std::max(ready_[n], e.end);
        if (blockers[n] < 2) ++blockers[n];
        sole_[n] = blockers[n] == 1 ? static_cast<std::uint32_t>(i) : kNone;
      }
    }

    pooled_.assign(nn, 0);
    island_room_.assign(ix_.islands.size(), 0);
    island_room_flex_.assign(ix_.islands.size(), 0);
    // Pooled from the start, pushed last first so the first node (island) of a bucket is on top;
    // islands once each, with their sums.
    dirty_.assign(ix_.islands.size(), 1); // every island is pushed once, after its sums
    for (std::size_t k = nn; k-- > 0;) {
      const auto n = static_cast<std::uint32_t>(k);
      if (ready_[n] <= h_.at)
        pool(n);
      else if (ready_[n] != kNever && ready_[n] < h_.end())
        pending_.push_back(n);
    }
    for (std::size_t i = ix_.islands.size(); i-- > 0;) dirty_list_.push_back(static_cast<std::uint32_t>(i));
    flush();
    std::stable_sort(pending_.begin(), pending_.end(), [&](auto a, auto b) { return ready_[a] < ready_[b]; });
  }

  Buckets* scope_buckets(std::uint32_t c, int s) {
    if (s == 0) return &nodes_cluster_[c];
    if (!production_[c]) return nullptr;
    return s == 1 ? &nodes_region_[region_of_[c]] : &nodes_sku_[sku_of_[c]];
  }
  Buckets* scope_islands(std::uint32_t c, int s) {
    if (s == 0) return &in_cluster_[c];
    if (!production_[c]) return nullptr;
    return s == 1 ? &in_region_[region_of_[c]] : &in_sku_[sku_of_[c]];
  }

  void set_island_room(std::uint32_t i, Gpus now) {
    const Gpus was = island_room_[i];
    island_room_[i] = now;
    if (was != now) mark(i);
  }
  void set_island_room_flex(std::uint32_t i, Gpus now) {
    const Gpus was = island_room_flex_[i];
    island_room_flex_[i] = now;
    if (was != now) mark(i);
  }
  // Islands whose sums changed are pushed to their buckets once, before the next query.
  void mark(std::uint32_t i) {
    if (dirty_[i]) return;
    dirty_[i] = 1;
    dirty_list_.push_back(i);
  }
  void flush() {
    for (auto i : dirty_list_) {
      dirty_[i] = 0;
      push_island(i);
      push_island_flex(i);
    }
    dirty_list_.clear();
  }
  void push_island(std::uint32_t i) {
    const auto c = ix_.islands[i].cluster_index;
    if (c == kNone) return;
    for (int s = 0; s < 3; ++s)
      if (Buckets* b = scope_islands(c, s)) b->push(island_room_[i], i);
  }
  void push_island_flex(std::uint32_t i) {
    const auto c = ix_.islands[i].cluster_index;
    if (c != kNone) flex_cluster_[c].push(island_room_flex_[i], i);
  }
  void push_node(std::uint32_t n, Gpus r, Gpus rf) {
    const auto c = snap_.nodes[n].cluster_index;
    if (c == kNone) return;
    for (int s = 0; s < 3; ++s)
      if (Buckets* b = scope_buckets(c, s)) b->push(r, n);
    nodes_flex_cluster_[c].push(rf, n);
  }

  void pool(std::uint32_t n) {
    pooled_[n] = 1;
    const auto i = snap_.nodes[n].island_index;
    set_island_room(i, island_room_[i] + room(n));
    set_island_room_flex(i, island_room_flex_[i] + room_flex(n));
    push_node(n, room(n), room_flex(n));
  }

  // GPUs taken from (negative) or given back to node n, and flex GPUs on it.
  void change(std::uint32_t n, Gpus dfree, Gpus dflex) {
    if (!pooled_[n]) {
      free_[n] += dfree;
      flex_[n] += dflex;
      return;
    }
    const Gpus r = room(n), rf = room_flex(n);
    free_[n] += dfree;
    flex_[n] += dflex;
    const auto i = snap_.nodes[n].island_index;
    if (room(n) != r) set_island_room(i, island_room_[i] + room(n) - r);
    if (room_flex(n) != rf) set_island_room_flex(i, island_room_flex_[i] + room_flex(n) - rf);
    const auto c = snap_.nodes[n].cluster_index;
    if (c == kNone) return;
    if (room(n) != r)
      for (int s = 0; s < 3; ++s)
        if (Buckets* b = scope_buckets(c, s)) b->push(room(n), n);
    if (room_flex(n) != rf) nodes_flex_cluster_[c].push(room_flex(n), n);
  }

  // The job leaves every node it was on.
  void release(std::uint32_t j) {
    const Job& job = snap_.jobs[j];
    gone_[j] = 1;
    for_each_share(job, [&](std::uint32_t n, Gpus g) { change(n, g, job.flex ? -g : 0); });
  }

  void preempt(std::uint32_t victim, std::uint32_t by) {
    release(victim);
    const bool must_move = mover_of_[victim] != kNone;
    plan_.preempted.push_back({victim, by, must_move});
    plan_.jobs[by].preempts.push_back(victim);
    if (must_move) {
      PlanJob& pj = plan_.jobs[mover_of_[victim]];
      pj.outcome = MoveOutcome::preempted;
      pj.preempted_by = by;
    }
  }

  Gpus room_value(std::uint32_t n) const { return pooled_[n] ? room(n) : -1; }
  Gpus room_flex_value(std::uint32_t n) const { return pooled_[n] ? room_flex(n) : -1; }

  // Nodes of island i giving `gpus`: a node that holds what is left if one does (the one with
  // the fewest free GPUs that do), else the node with the most, and again.
  void take_in_island(std::uint32_t i, Gpus gpus, PlanJob& pj) {
    std::vector<std::pair<Gpus, std::uint32_t>> nodes; // (free, node), most free first
    for (auto n : ix_.islands[i].nodes)
      if (pooled_[n] && room(n) > 0) nodes.emplace_back(room(n), n);
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::size_t first = 0;
    Gpus left = gpus;
    while (left > 0 && first < nodes.size()) {
      // The last node at or above `left` in [first, end), if any.
      auto it = std::partition_point(nodes.begin() + static_cast<std::ptrdiff_t>(first), nodes.end(),
                                     [&](const auto& x) { return x.first >= left; });
      if (it != nodes.begin() + static_cast<std::ptrdiff_t>(first)) {
        // The fewest free GPUs that hold it, on the first node (by index) that has them.
        const Gpus fit = std::prev(it)->first;
        const auto at = std::partition_point(nodes.begin() + static_cast<std::ptrdiff_t>(first), it,
                                             [&](const auto& x) { return x.first > fit; });
        const auto n = at->second;
        pj.nodes.push_back(n);
        pj.node_gpus.push_back(left);
        left = 0;
        break;
      }
      pj.nodes.push_back(nodes[first].second);
      pj.node_gpus.push_back(nodes[first].first);
      left -= nodes[first].first;
      ++first;
    }
    pj.island = i;
  }

  // Free GPUs only, nearest scope first: true when placed.
  bool place_on_free(PlanJob& pj, const Job& job, bool single) {
    const auto own = job.cluster_index;
    for (int s = 0; s < 3; ++s) {
      if (s == 2 && same_region_) break;
      if (single) {
        Buckets* b = scope_buckets(own, s);
        if (!b) continue;
        const auto n = b->best_fit(job.gpus, [&](std::uint32_t x) { return room_value(x); });
        if (n == kNone) continue;
        pj.scope = static_cast<MoveScope>(s);
        pj.nodes = {n};
        pj.node_gpus = {job.gpus};
        pj.island = snap_.nodes[n].island_index;
        return true;
      }
      Buckets* set = scope_islands(own, s);
      if (!set) continue;
      const auto fit = set->best_fit(job.gpus, [&](std::uint32_t i) { return island_room_[i]; });
      if (fit == kNone) continue;
      pj.scope = static_cast<MoveScope>(s);
      take_in_island(fit, job.gpus, pj);
      return true;
    }
    return false;
  }

  // An in-quota job in its own cluster, preempting flex jobs: the node (or island) that fits it
  // most tightly once its flex jobs are gone; then those jobs in preemption order, only until
  // it fits.
  bool place_preempting(std::uint32_t k, PlanJob& pj, const Job& job, bool single) {
    const auto own = job.cluster_index;
    std::vector<std::uint32_t> victims;
    auto add_victims = [&](std::uint32_t n) {
      for (auto j : ix_.node_jobs[n])
        if (snap_.jobs[j].flex && !gone_[j]) victims.push_back(j);
    };
    std::uint32_t node = kNone, island = kNone;
    if (single) {
      node = nodes_flex_cluster_[own].best_fit(job.gpus, [&](std::uint32_t x) { return room_flex_value(x); });
      if (node == kNone) return false;
      add_victims(node);
    } else {
      island = flex_cluster_[own].best_fit(job.gpus, [&](std::uint32_t i) { return island_room_flex_[i]; });
      if (island == kNone) return false;
      for (auto n : ix_.islands[island].nodes)
        if (pooled_[n]) add_victims(n);
    }
    std::sort(victims.begin(), victims.end());
    victims.erase(std::unique(victims.begin(), victims.end()), victims.end());
    std::sort(victims.begin(), victims.end(),
              [&](auto a, auto b) { return preempt_first(snap_.jobs[a], snap_.jobs[b]); });
    for (auto v : victims) {
      if ((single ? room(node) : island_room_[island]) >= job.gpus) break;
      preempt(v, k);
    }
    pj.scope = MoveScope::cluster;
    if (single) {
      pj.nodes = {node};
      pj.node_gpus = {job.gpus};
      pj.island = snap_.nodes[node].island_index;
    } else {
      take_in_island(island, job.gpus, pj);
    }
    return true;
  }

  void move(std::uint32_t k) {
    PlanJob& pj = plan_.jobs[k];
    while (next_pending_ < pending_.size() && ready_[pending_[next_pending_]] <= pj.move_at)
      pool(pending_[next_pending_++]);
    flush();                                          // every query of this move comes before its first change
    if (pj.outcome == MoveOutcome::preempted) return; // an earlier move preempted it
    const Job& job = snap_.jobs[pj.job];
    const bool single = job.node_indices.size() == 1;
    bool placed = place_on_free(pj, job, single);
    if (!placed && !job.flex) placed = place_preempting(k, pj, job, single);
    if (!placed) {
      explain(pj, job, single);
      pj.outcome = job.flex ? MoveOutcome::preempted : MoveOutcome::unplaced;
      if (job.flex) release(pj.job); // stopped: its GPUs are free for the moves after it
      return;
    }
    pj.outcome = MoveOutcome::placed;
    pj.placed = true;
    pj.cluster = ix_.islands[pj.island].cluster_index;
    for (std::size_t x = 0; x < pj.nodes.size(); ++x) change(pj.nodes[x], -pj.node_gpus[x], 0);
    release(pj.job);
    // The quota it can target at the destination: its own in its cluster; elsewhere the first
    // leaf (by name) of the same tree there that admits its namespace, else flex.
    if (pj.cluster == job.cluster_index) {
      pj.quota_after = job.quota_index;
    } else if (job.quota_index != kNone) {
      const auto tree = snap_.quotas[job.quota_index].tree_index;
      for (auto q : ix_.cluster_leaves[pj.cluster]) {
        const Quota& leaf = snap_.quotas[q];
        if (leaf.tree_index != tree || !leaf.allows(job.ns)) continue;
        if (pj.quota_after == kNone || leaf.name < snap_.quotas[pj.quota_after].name) pj.quota_after = q;
      }
    }
  }

  // Why a job found no room: the largest block it could use, and in its own cluster what would
  // make room: an event that alone keeps nodes out (not one of the job's own), or one flex job.
  void explain(PlanJob& pj, const Job& job, bool single) {
    const auto own = job.cluster_index;
    const int wider = same_region_ ? 1 : 2;
    if (single) {
      auto value = [&](std::uint32_t x) { return room_value(x); };
      std::uint32_t best = nodes_cluster_[own].largest(value);
      if (Buckets* b = scope_buckets(own, wider)) {
        const auto other = b->largest(value);
        if (other != kNone && (best == kNone || room(other) > room(best))) best = other;
      }
      if (best != kNone) {
        pj.best_block = room(best);
        pj.best_node = best;
        pj.best_island = snap_.nodes[best].island_index;
      }
    } else {
      auto value = [&](std::uint32_t i) { return island_room_[i]; };
      std::uint32_t best = in_cluster_[own].largest(value);
      if (Buckets* b = scope_islands(own, wider)) {
        const auto other = b->largest(value);
        if (other != kNone && (best == kNone || island_room_[other] > island_room_[best])) best = other;
      }
      if (best != kNone) {
        pj.best_block = island_room_[best];
        pj.best_island = best;
      }
    }

    struct Gain {
      std::uint32_t what;
      Gpus gpus; // Σ over the island (several nodes) or the most on one node (single)
    };
    auto add = [&](std::vector<Gain>& gains, std::uint32_t what, Gpus g) {
      for (auto& x : gains)
        if (x.what == what) {
          x.gpus = single ? std::max(x.gpus, g) : x.gpus + g;
          return;
        }
      gains.push_back({what, g});
    };
    std::vector<Gain> events, jobs;
    for (auto i : cluster_islands_[own]) {
      events.clear();
      jobs.clear();
      for (auto n : ix_.islands[i].nodes) {
        if (!pooled_[n]) {
          const auto e = sole_[n];
          if (ready_[n] == kNever || e == kNone || std::find(pj.events.begin(), pj.events.end(), e) != pj.events.end())
            continue;
          add(events, e, room(n));
          continue;
        }
        for (auto j : ix_.node_jobs[n])
          if (snap_.jobs[j].flex && !gone_[j] && j != pj.job)
            add(jobs, j, single ? room(n) + share_on(snap_.jobs[j], n) : share_on(snap_.jobs[j], n));
      }
      const Gpus base = single ? 0 : island_room_[i];
      for (const auto* gains : {&events, &jobs}) {
        const Gain* best = nullptr;
        for (const auto& g : *gains)
          if (!best || g.gpus > best->gpus) best = &g;
        if (!best || base + best->gpus < job.gpus) continue;
        pj.hint_island = i;
        pj.hint_gpus = base + best->gpus;
        (gains == &events ? pj.hint_event : pj.hint_job) = best->what;
        return;
      }
    }
  }

  void summarise() {
    PlanSummary& s = plan_.summary;
    std::map<Time, PlanCounts> days;
    auto day_of = [](Time t) { return t - ((t % 86400) + 86400) % 86400; };
    for (const auto& pj : plan_.jobs) {
      const Job& job = snap_.jobs[pj.job];
      const Gpus g = job.gpus;
      plan_.overdue += pj.overdue;
      for (PlanCounts* c : {static_cast<PlanCounts*>(&s), &days[day_of(pj.move_by)]}) {
        ++c->jobs;
        c->gpus += g;
        switch (pj.outcome) {
        case MoveOutcome::placed:
          ++c->placed;
          c->gpus_placed += g;
          if (pj.scope != MoveScope::cluster) ++c->out_of_cluster;
          break;
        case MoveOutcome::unplaced:
          ++c->unplaced;
          c->gpus_unplaced += g;
          break;
        case MoveOutcome::preempted:
          ++c->preempted;
          c->gpus_preempted += g;
          break;
        }
      }
    }
    // Flex jobs preempted that were not themselves to move: on the day of the move that needed them.
    for (const auto& p : plan_.preempted) {
      if (p.must_move) continue;
      const Gpus g = snap_.jobs[p.job].gpus;
      for (PlanCounts* c : {static_cast<PlanCounts*>(&s), &days[day_of(plan_.jobs[p.by].move_by)]}) {
        ++c->preempted;
        c->gpus_preempted += g;
      }
    }
    for (const auto& [day, counts] : days) s.days.push_back({day, counts});
  }
};
} // namespace

MovePlan plan_moves(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, bool same_region) {
  MovePlan plan;
  plan.horizon = h;
  plan.same_region = same_region;
  Planner(snap, h, same_region, plan).run(sel);
  return plan;
}

} // namespace fleetcap
