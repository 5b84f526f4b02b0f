// SPEC §6: maintenance list, node, impact and plan figures.
#include "fleetcap/figures/maintenance.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace fleetcap {

std::string_view to_string(EventTiming t) {
  switch (t) {
  case EventTiming::past: return "past";
  case EventTiming::current: return "current";
  case EventTiming::coming: break;
  }
  return "coming";
}

std::string_view to_string(MoveScope s) {
  switch (s) {
  case MoveScope::cluster: return "cluster";
  case MoveScope::region: return "region";
  case MoveScope::fleet: break;
  }
  return "fleet";
}

std::span<const std::uint32_t> event_nodes(const Snapshot& snap, const MaintenanceEvent& e) {
  if (!e.nodes.empty()) return e.node_indices;
  return e.cluster_index == kNone ? std::span<const std::uint32_t>() : snap.index.cluster_nodes[e.cluster_index];
}

Gpus event_gpus(const Snapshot& snap, const MaintenanceEvent& e) {
  Gpus sum = 0;
  for (auto n : event_nodes(snap, e)) sum += snap.nodes[n].gpus;
  return sum;
}

std::vector<std::uint32_t> event_jobs(const Snapshot& snap, const MaintenanceEvent& e) {
  std::vector<std::uint32_t> jobs;
  for (auto n : event_nodes(snap, e))
    for (auto j : snap.index.node_jobs[n]) jobs.push_back(j);
  std::sort(jobs.begin(), jobs.end());
  jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
  return jobs;
}

namespace {
bool by_start_then_id(const MaintenanceEvent& a, const MaintenanceEvent& b) {
  return a.start != b.start ? a.start < b.start : a.id < b.id;
}
} // namespace

// ---- list

EventList list_events(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const EventFilter& f) {
  EventList out;
  out.horizon = h;
  for (std::size_t i = 0; i < snap.maintenance.size(); ++i) {
    const MaintenanceEvent& e = snap.maintenance[i];
    if (e.cluster_index == kNone || !sel.matches(snap.clusters[e.cluster_index])) continue;
    if (std::find(f.states.begin(), f.states.end(), e.state) == f.states.end()) continue;
    if (f.hard_only && !e.hard_start) continue;
    if (!overlaps(e, h)) continue;
    EventRow row;
    row.event = static_cast<std::uint32_t>(i);
    row.gpus = event_gpus(snap, e);
    row.action_by = action_by(e, h.lead);
    row.jobs = event_jobs(snap, e);
    row.overdue = overdue(e, h, !row.jobs.empty());
    out.rows.push_back(std::move(row));
  }
  std::sort(out.rows.begin(), out.rows.end(), [&](const EventRow& a, const EventRow& b) {
    return by_start_then_id(snap.maintenance[a.event], snap.maintenance[b.event]);
  });
  return out;
}

// ---- node

NodeCard node_card(const Snapshot& snap, std::uint32_t node, Time at, Duration lead) {
  NodeCard card;
  card.node = node;
  card.at = at;
  const Node& n = snap.nodes[node];
  card.schedulable = schedulable_nodes(snap, at)[node] != 0;

  card.issues.resize(n.issues.size());
  std::iota(card.issues.begin(), card.issues.end(), 0u);
  std::stable_sort(card.issues.begin(), card.issues.end(), [&](std::uint32_t a, std::uint32_t b) {
    const NodeIssue &x = n.issues[a], &y = n.issues[b];
    if (x.priority != y.priority) return x.priority < y.priority;
    // Undated issues after dated ones.
    const Time tx = x.detected_at.value_or(std::numeric_limits<Time>::max());
    const Time ty = y.detected_at.value_or(std::numeric_limits<Time>::max());
    return tx < ty;
  });

  std::vector<std::uint32_t> events(snap.index.node_events[node].begin(), snap.index.node_events[node].end());
  if (n.cluster_index != kNone)
    for (auto e : snap.index.cluster_events[n.cluster_index])
      if (snap.maintenance[e].nodes.empty()) events.push_back(e);
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end()); // a node named twice in one event
  std::sort(events.begin(), events.end(),
            [&](auto a, auto b) { return by_start_then_id(snap.maintenance[a], snap.maintenance[b]); });
  for (auto i : events) {
    const MaintenanceEvent& e = snap.maintenance[i];
    NodeEventRow row;
    row.event = i;
    row.action_by = action_by(e, lead);
    row.when = e.end <= at ? EventTiming::past : e.start <= at ? EventTiming::current : EventTiming::coming;
    row.whole_cluster = e.nodes.empty();
    card.events.push_back(row);
    if (e.active_at(at)) card.active_events.push_back(i);
  }

  card.jobs.assign(snap.index.node_jobs[node].begin(), snap.index.node_jobs[node].end());
  std::sort(card.jobs.begin(), card.jobs.end());
  card.jobs.erase(std::unique(card.jobs.begin(), card.jobs.end()), card.jobs.end());
  for (auto j : card.jobs)
    if (snap.jobs[j].quota_index != kNone) card.quotas.push_back(snap.jobs[j].quota_index);
  std::sort(card.quotas.begin(), card.quotas.end(),
            [&](auto a, auto b) { return snap.quotas[a].name < snap.quotas[b].name; });
  card.quotas.erase(std::unique(card.quotas.begin(), card.quotas.end()), card.quotas.end());
  return card;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_node_names(const Snapshot& snap, std::string_view name, std::size_t n) {
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  scored.reserve(snap.nodes.size());
  for (const auto& node : snap.nodes) scored.emplace_back(edit_distance(name, node.name), node.name);
  const std::size_t k = std::min(n, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < k; ++i) out.emplace_back(scored[i].second);
  return out;
}

// ---- impact

namespace {
struct Change {
  Time at;
  std::uint32_t event;
  int delta; // +1 the event starts covering its nodes, -1 it stops
};
} // namespace

ImpactReport maintenance_impact(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h) {
  ImpactReport report;
  report.horizon = h;
  const auto& ix = snap.index;
  std::vector<std::vector<std::uint32_t>> cluster_islands(snap.clusters.size());
  for (std::size_t i = 0; i < ix.islands.size(); ++i)
    if (ix.islands[i].cluster_index != kNone) cluster_islands[ix.islands[i].cluster_index].push_back(static_cast<std::uint32_t>(i));
  std::vector<Gpus> assigned(snap.clusters.size(), 0);
  for (const auto& q : snap.quotas)
    if (q.leaf && q.cluster_index != kNone) assigned[q.cluster_index] += q.gpus;

  // Shared scratch, touched only on each cluster's own nodes and islands.
  std::vector<std::uint32_t> cover(snap.nodes.size(), 0); // open events covering the node now
  std::vector<Gpus> island_free(ix.islands.size(), 0);

  for (auto c : select_clusters(snap, sel)) {
    ClusterImpact ci;
    ci.cluster = c;
    ci.assigned = assigned[c];
    const auto& nodes = ix.cluster_nodes[c];
    const auto& islands = cluster_islands[c];
    auto ready = [&](std::uint32_t n) { return snap.nodes[n].healthy && !snap.nodes[n].cordoned; };
    auto free_node = [&](std::uint32_t n) { return ix.node_jobs[n].empty(); };

    Gpus healthy = 0;  // GPUs on ready nodes no node-list event covers
    int whole = 0;     // whole-cluster events active now: nothing is schedulable
    auto apply = [&](std::uint32_t ev, int delta) {
      const MaintenanceEvent& e = snap.maintenance[ev];
      if (e.nodes.empty()) {
        whole += delta;
        return;
      }
      for (auto n : e.node_indices) {
        const bool was = cover[n] == 0;
        cover[n] = static_cast<std::uint32_t>(static_cast<int>(cover[n]) + delta);
        const bool is = cover[n] == 0;
        if (was == is || !ready(n)) continue;
        const Gpus g = is ? snap.nodes[n].gpus : -snap.nodes[n].gpus;
        healthy += g;
        if (free_node(n)) island_free[snap.nodes[n].island_index] += g;
      }
    };

    std::vector<Change> changes;
    for (auto ev : ix.cluster_events[c]) {
      const MaintenanceEvent& e = snap.maintenance[ev];
      if (!e.open() || !overlaps(e, h)) continue;
      ++ci.events;
      if (e.start > h.at) changes.push_back({e.start, ev, +1});
      if (e.end < h.end()) changes.push_back({e.end, ev, -1});
    }
    std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.at < b.at; });

    // State at the horizon's start: the events active then (start <= at < end).
    for (auto n : nodes) {
      cover[n] = 0;
      ci.total += snap.nodes[n].gpus;
    }
    for (auto i : islands) island_free[i] = 0;
    for (auto ev : ix.cluster_events[c]) {
      const MaintenanceEvent& e = snap.maintenance[ev];
      if (!e.open() || !overlaps(e, h) || e.start > h.at) continue;
      if (e.nodes.empty()) ++whole;
      for (auto n : e.node_indices) ++cover[n];
    }
    for (auto n : nodes) {
      if (cover[n] != 0 || !ready(n)) continue;
      healthy += snap.nodes[n].gpus;
      if (free_node(n)) island_free[snap.nodes[n].island_index] += snap.nodes[n].gpus;
    }

    auto record = [&](Time t) {
      ImpactStep s;
      s.at = t;
      if (whole == 0) {
        s.healthy = healthy;
        for (auto i : islands) s.largest_free_block = std::max(s.largest_free_block, island_free[i]);
      }
      s.unbacked = std::max<Gpus>(0, ci.assigned - s.healthy);
      if (!ci.steps.empty() && ci.steps.back().healthy == s.healthy &&
          ci.steps.back().largest_free_block == s.largest_free_block)
        return;
      ci.steps.push_back(s);
    };
    record(h.at);
    for (std::size_t k = 0; k < changes.size();) {
      const Time t = changes[k].at;
      for (; k < changes.size() && changes[k].at == t; ++k) apply(changes[k].event, changes[k].delta);
      record(t);
    }

    ci.min_healthy = ci.max_healthy = ci.steps.front().healthy;
    ci.min_healthy_at = ci.min_largest_free_block_at = h.at;
    ci.min_largest_free_block = ci.steps.front().largest_free_block;
    for (const auto& s : ci.steps) {
      if (s.healthy < ci.min_healthy) {
        ci.min_healthy = s.healthy;
        ci.min_healthy_at = s.at;
      }
      ci.max_healthy = std::max(ci.max_healthy, s.healthy);
      if (s.largest_free_block < ci.min_largest_free_block) {
        ci.min_largest_free_block = s.largest_free_block;
        ci.min_largest_free_block_at = s.at;
      }
    }
    ci.worst_unbacked = std::max<Gpus>(0, ci.assigned - ci.min_healthy);
    report.clusters.push_back(std::move(ci));
  }
  return report;
}

std::vector<Gpus> slot_minimum(const std::vector<ImpactStep>& steps, Time from, Time until, Duration slot) {
  std::vector<Gpus> out;
  if (steps.empty() || slot <= 0 || until <= from) return out;
  std::size_t k = 0; // steps[k] is the value in force at the slot's start
  for (Time s = from; s < until; s += slot) {
    const Time e = std::min(until, s + slot);
    while (k + 1 < steps.size() && steps[k + 1].at <= s) ++k;
    Gpus low = steps[k].healthy;
    for (std::size_t i = k + 1; i < steps.size() && steps[i].at < e; ++i) low = std::min(low, steps[i].healthy);
    out.push_back(low);
  }
  return out;
}

// ---- plan

namespace {
// An island's free nodes, largest first. Jobs take them from the front, so the ones before
// `next` are taken and the rest are free.
struct FreeIsland {
  std::vector<std::uint32_t> nodes;
  std::size_t next = 0;
  Gpus free = 0;
};

// An island with free GPUs, as a destination (one with none holds no job: a job has at least
// one GPU). Ordered by free GPUs, then (cluster, island) index: the first one at or above a
// job's GPUs is the best fit, with ties going to the island that comes first in the snapshot.
struct Candidate {
  Gpus free = 0;
  std::uint32_t cluster = kNone, island = kNone;
  auto operator<=>(const Candidate&) const = default;
};
using Candidates = std::set<Candidate>;

// The island with the fewest free GPUs that still hold `gpus`, or null.
const Candidate* best_fit(const Candidates& c, Gpus gpus) {
  const auto it = c.lower_bound({gpus, 0, 0});
  return it == c.end() ? nullptr : &*it;
}

// The island with the most free GPUs, the first in the snapshot among equals; or null.
const Candidate* largest(const Candidates& c) {
  return c.empty() ? nullptr : &*c.lower_bound({std::prev(c.end())->free, 0, 0});
}

const Candidate* larger(const Candidate* a, const Candidate* b) {
  if (!a || !b) return a ? a : b;
  if (a->free != b->free) return a->free > b->free ? a : b;
  return std::tie(a->cluster, a->island) < std::tie(b->cluster, b->island) ? a : b;
}
} // namespace

MovePlan plan_moves(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, bool same_region) {
  MovePlan plan;
  plan.horizon = h;
  plan.same_region = same_region;
  const auto& ix = snap.index;

  // Nodes that events touch within the horizon: jobs must leave them, none may arrive.
  std::vector<std::uint8_t> affected(snap.nodes.size(), 0);
  std::vector<std::vector<std::uint32_t>> whole_cluster_events(snap.clusters.size());
  // Per node: not healthy; and a job on it must leave (not healthy, or named by an event that
  // needs action). In small arrays, so that jobs need not read their nodes, and only the jobs
  // that must move read their events.
  std::vector<std::uint8_t> unhealthy(snap.nodes.size()), leave(snap.nodes.size());
  for (std::size_t n = 0; n < snap.nodes.size(); ++n) unhealthy[n] = leave[n] = !snap.nodes[n].healthy;
  for (std::size_t i = 0; i < snap.maintenance.size(); ++i) {
    const MaintenanceEvent& e = snap.maintenance[i];
    if (!requires_action(e, h)) continue;
    for (auto n : e.node_indices) leave[n] = 1;
    if (e.cluster_index == kNone) continue;
    for (auto n : event_nodes(snap, e)) affected[n] = 1;
    if (e.nodes.empty()) whole_cluster_events[e.cluster_index].push_back(static_cast<std::uint32_t>(i));
  }

  // Which jobs must move, and why.
  std::vector<bool> selected(snap.clusters.size());
  for (auto c : select_clusters(snap, sel)) selected[c] = true;
  for (std::size_t j = 0; j < snap.jobs.size(); ++j) {
    const Job& job = snap.jobs[j];
    if (!job.running() || job.cluster_index == kNone || !selected[job.cluster_index] || job.node_indices.empty())
      continue;
    if (whole_cluster_events[job.cluster_index].empty() &&
        std::none_of(job.node_indices.begin(), job.node_indices.end(), [&](auto n) { return leave[n]; }))
      continue;
    PlanJob pj;
    pj.job = static_cast<std::uint32_t>(j);
    for (auto n : job.node_indices) {
      if (unhealthy[n]) pj.unhealthy = true;
      for (auto ev : ix.node_events[n])
        if (requires_action(snap.maintenance[ev], h)) pj.events.push_back(ev);
    }
    for (auto ev : whole_cluster_events[job.cluster_index]) pj.events.push_back(ev);
    if (!pj.unhealthy && pj.events.empty()) continue;
    std::sort(pj.events.begin(), pj.events.end());
    pj.events.erase(std::unique(pj.events.begin(), pj.events.end()), pj.events.end());
    std::sort(pj.events.begin(), pj.events.end(), [&](auto a, auto b) {
      const Time x = action_by(snap.maintenance[a], h.lead), y = action_by(snap.maintenance[b], h.lead);
      return x != y ? x < y : snap.maintenance[a].id < snap.maintenance[b].id;
    });
    pj.move_by = pj.unhealthy ? h.at : std::numeric_limits<Time>::max();
    if (!pj.events.empty()) pj.move_by = std::min(pj.move_by, action_by(snap.maintenance[pj.events.front()], h.lead));
    plan.jobs.push_back(std::move(pj));
  }
  // Placement order: priority, then GPUs (largest first), then name. Sorted as small keys side
  // by side, where comparing PlanJobs would fetch two Jobs from anywhere in memory each time.
  struct Order {
    Priority priority;
    Gpus gpus;
    std::string_view name;
    std::size_t at; // in plan.jobs
  };
  std::vector<Order> order;
  order.reserve(plan.jobs.size());
  for (std::size_t k = 0; k < plan.jobs.size(); ++k) {
    const Job& job = snap.jobs[plan.jobs[k].job];
    order.push_back({job.priority, job.gpus, job.name, k});
  }
  std::sort(order.begin(), order.end(), [](const Order& a, const Order& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.gpus != b.gpus) return a.gpus > b.gpus;
    return a.name < b.name;
  });
  std::vector<PlanJob> sorted;
  sorted.reserve(order.size());
  for (const auto& o : order) sorted.push_back(std::move(plan.jobs[o.at]));
  plan.jobs = std::move(sorted);

  // Free whole nodes: schedulable now, listed by no running job, untouched by events.
  const auto schedulable = schedulable_nodes(snap, h.at);
  std::vector<FreeIsland> islands(ix.islands.size());
  for (std::size_t i = 0; i < ix.islands.size(); ++i) {
    FreeIsland& fi = islands[i];
    for (auto n : ix.islands[i].nodes)
      if (schedulable[n] && ix.node_jobs[n].empty() && !affected[n] && snap.nodes[n].gpus > 0) fi.nodes.push_back(n);
    std::stable_sort(fi.nodes.begin(), fi.nodes.end(),
                     [&](auto a, auto b) { return snap.nodes[a].gpus > snap.nodes[b].gpus; });
    for (auto n : fi.nodes) fi.free += snap.nodes[n].gpus;
  }
  // Where a job may go, kept up to date as islands fill: islands with free GPUs per cluster
  // (its own cluster counts whatever its state), and per (SKU, region, provider) and per SKU
  // over production clusters. Each job then costs a few set operations, not a scan of every
  // island of its SKU.
  std::vector<std::uint32_t> region_of(snap.clusters.size()), sku_of(snap.clusters.size());
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::uint32_t> regions;
  std::map<std::string_view, std::uint32_t> skus;
  for (std::size_t c = 0; c < snap.clusters.size(); ++c) {
    const Cluster& cl = snap.clusters[c];
    region_of[c] = regions.try_emplace({cl.sku, cl.region, cl.provider}, regions.size()).first->second;
    sku_of[c] = skus.try_emplace(cl.sku, skus.size()).first->second;
  }
  std::vector<Candidates> in_cluster(snap.clusters.size()), in_region(regions.size()), in_sku(skus.size());
  // Island i of cluster c had `was` free GPUs and now has `now`.
  auto set_free = [&](std::uint32_t c, std::uint32_t i, Gpus was, Gpus now) {
    Candidates* sets[3] = {&in_cluster[c], nullptr, nullptr};
    if (snap.clusters[c].state == ClusterState::production) {
      sets[1] = &in_region[region_of[c]];
      sets[2] = &in_sku[sku_of[c]];
    }
    for (auto* set : sets) {
      if (!set) continue;
      if (was > 0) set->erase({was, c, i});
      if (now > 0) set->insert({now, c, i});
    }
  };
  for (std::size_t i = 0; i < ix.islands.size(); ++i)
    if (ix.islands[i].cluster_index != kNone)
      set_free(ix.islands[i].cluster_index, static_cast<std::uint32_t>(i), 0, islands[i].free);

  for (auto& pj : plan.jobs) {
    const Job& job = snap.jobs[pj.job];
    const std::uint32_t own = job.cluster_index;
    // Best fit in the nearest scope that has one, so large blocks stay whole for the jobs
    // that need them. A scope's set may hold islands of a nearer scope too, but only ones
    // too small for the job, or the nearer scope would have won.
    const Candidates* scopes[3] = {&in_cluster[own], &in_region[region_of[own]],
                                   same_region ? nullptr : &in_sku[sku_of[own]]};
    const Candidate* fit = nullptr;
    for (int s = 0; s < 3 && !fit; ++s)
      if (scopes[s] && (fit = best_fit(*scopes[s], job.gpus))) pj.scope = static_cast<MoveScope>(s);
    if (!fit) {
      // The largest block the job was allowed to use, for the reason it stays unplaced.
      const Candidates& wider = same_region ? in_region[region_of[own]] : in_sku[sku_of[own]];
      if (const Candidate* big = larger(largest(in_cluster[own]), largest(wider))) {
        pj.best_block = big->free;
        pj.best_island = big->island;
      }
      continue;
    }

    pj.placed = true;
    pj.island = fit->island;
    pj.cluster = fit->cluster;
    FreeIsland& fi = islands[pj.island];
    while (pj.node_gpus < job.gpus && fi.next < fi.nodes.size()) {
      const auto n = fi.nodes[fi.next++];
      pj.nodes.push_back(n);
      pj.node_gpus += snap.nodes[n].gpus;
    }
    set_free(pj.cluster, pj.island, fi.free, fi.free - pj.node_gpus); // `fit` is gone after this
    fi.free -= pj.node_gpus;

    // The quota it can target at the destination: its own in its cluster; elsewhere the
    // first leaf (by name) of the same tree there that admits its namespace, else flex.
    if (pj.cluster == job.cluster_index) {
      pj.quota_after = job.quota_index;
    } else if (job.quota_index != kNone) {
      const auto tree = snap.quotas[job.quota_index].tree_index;
      for (auto q : ix.cluster_leaves[pj.cluster]) {
        const Quota& leaf = snap.quotas[q];
        if (leaf.tree_index != tree || !leaf.allows(job.ns)) continue;
        if (pj.quota_after == kNone || leaf.name < snap.quotas[pj.quota_after].name) pj.quota_after = q;
      }
    }
  }

  PlanSummary& s = plan.summary;
  for (const auto& pj : plan.jobs) {
    const Gpus g = snap.jobs[pj.job].gpus;
    ++s.jobs;
    s.gpus += g;
    if (pj.placed) {
      ++s.placed;
      s.gpus_placed += g;
      if (pj.scope != MoveScope::cluster) ++s.out_of_cluster;
    } else {
      ++s.unplaced;
      s.gpus_unplaced += g;
    }
  }
  return plan;
}

} // namespace fleetcap
