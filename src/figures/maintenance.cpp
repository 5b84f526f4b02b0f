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
    out.overdue += row.overdue;
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
    if (ix.islands[i].cluster_index != kNone)
      cluster_islands[ix.islands[i].cluster_index].push_back(static_cast<std::uint32_t>(i));
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

    Gpus healthy = 0; // GPUs on ready nodes no node-list event covers
    int whole = 0;    // whole-cluster events active now: nothing is schedulable
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

} // namespace fleetcap
