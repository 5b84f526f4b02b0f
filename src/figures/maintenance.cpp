// docs/maintenance.md: maintenance list, node, impact and plan figures.
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
  const std::vector<char> selected = selected_mask(snap, sel);
  for (std::size_t i = 0; i < snap.maintenance.size(); ++i) {
    const MaintenanceEvent& e = snap.maintenance[i];
    if (e.cluster_index == kNone || !selected[e.cluster_index]) continue;
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

// One cluster at a time, schedulable GPUs and island free GPUs kept up to date as events start
// and end: only the nodes and islands of the cluster are touched.
class ImpactSweep {
public:
  ImpactSweep(const Snapshot& snap, const MaintenanceHorizon& h)
      : snap_(snap), ix_(snap.index), h_(h), cluster_islands_(snap.clusters.size()), assigned_(snap.clusters.size(), 0),
        cover_(snap.nodes.size(), 0), island_free_(ix_.islands.size(), 0) {
    for (std::size_t i = 0; i < ix_.islands.size(); ++i)
      if (ix_.islands[i].cluster_index != kNone)
        cluster_islands_[ix_.islands[i].cluster_index].push_back(static_cast<std::uint32_t>(i));
    for (const auto& q : snap.quotas)
      if (q.leaf && q.cluster_index != kNone) assigned_[q.cluster_index] += q.gpus;
  }

  ClusterImpact cluster(std::uint32_t c) {
    ClusterImpact ci;
    ci.cluster = c;
    ci.assigned = assigned_[c];
    const std::vector<Change> changes = changes_of(c, ci);
    start(c, ci);
    record(h_.at, c, ci);
    for (std::size_t k = 0; k < changes.size();) {
      const Time t = changes[k].at;
      for (; k < changes.size() && changes[k].at == t; ++k) apply(changes[k].event, changes[k].delta);
      record(t, c, ci);
    }
    return ci;
  }

private:
  bool ready(std::uint32_t n) const { return snap_.nodes[n].healthy && !snap_.nodes[n].cordoned; }
  bool free_node(std::uint32_t n) const { return ix_.node_jobs[n].empty(); }

  // The open events overlapping the horizon (counted), as starts and ends inside it, in time order.
  std::vector<Change> changes_of(std::uint32_t c, ClusterImpact& ci) const {
    std::vector<Change> changes;
    for (auto ev : ix_.cluster_events[c]) {
      const MaintenanceEvent& e = snap_.maintenance[ev];
      if (!e.open() || !overlaps(e, h_)) continue;
      ++ci.events;
      if (e.start > h_.at) changes.push_back({e.start, ev, +1});
      if (e.end < h_.end()) changes.push_back({e.end, ev, -1});
    }
    std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.at < b.at; });
    return changes;
  }

  // The state at the horizon's start: the events active then (start <= at < end).
  void start(std::uint32_t c, ClusterImpact& ci) {
    healthy_ = 0;
    whole_ = 0;
    for (auto n : ix_.cluster_nodes[c]) {
      cover_[n] = 0;
      ci.total += snap_.nodes[n].gpus;
    }
    for (auto i : cluster_islands_[c]) island_free_[i] = 0;
    for (auto ev : ix_.cluster_events[c]) {
      const MaintenanceEvent& e = snap_.maintenance[ev];
      if (!e.open() || !overlaps(e, h_) || e.start > h_.at) continue;
      if (e.nodes.empty()) ++whole_;
      for (auto n : e.node_indices) ++cover_[n];
    }
    for (auto n : ix_.cluster_nodes[c]) {
      if (cover_[n] != 0 || !ready(n)) continue;
      healthy_ += snap_.nodes[n].gpus;
      if (free_node(n)) island_free_[snap_.nodes[n].island_index] += snap_.nodes[n].gpus;
    }
  }

  // An event starts (+1) or stops (-1) covering its nodes.
  void apply(std::uint32_t ev, int delta) {
    const MaintenanceEvent& e = snap_.maintenance[ev];
    if (e.nodes.empty()) {
      whole_ += delta;
      return;
    }
    for (auto n : e.node_indices) {
      const bool was = cover_[n] == 0;
      cover_[n] = static_cast<std::uint32_t>(static_cast<int>(cover_[n]) + delta);
      const bool is = cover_[n] == 0;
      if (was == is || !ready(n)) continue;
      const Gpus g = is ? snap_.nodes[n].gpus : -snap_.nodes[n].gpus;
      healthy_ += g;
      if (free_node(n)) island_free_[snap_.nodes[n].island_index] += g;
    }
  }

  // A step at t, when a value changed.
  void record(Time t, std::uint32_t c, ClusterImpact& ci) const {
    ImpactStep s;
    s.at = t;
    if (whole_ == 0) {
      s.healthy = healthy_;
      for (auto i : cluster_islands_[c]) s.largest_free_block = std::max(s.largest_free_block, island_free_[i]);
    }
    s.unbacked = std::max<Gpus>(0, ci.assigned - s.healthy);
    if (!ci.steps.empty() && ci.steps.back().healthy == s.healthy &&
        ci.steps.back().largest_free_block == s.largest_free_block)
      return;
    ci.steps.push_back(s);
  }

  const Snapshot& snap_;
  const FleetIndex& ix_;
  const MaintenanceHorizon& h_;
  std::vector<std::vector<std::uint32_t>> cluster_islands_;
  std::vector<Gpus> assigned_;
  std::vector<std::uint32_t> cover_; // open events covering the node now
  std::vector<Gpus> island_free_;
  Gpus healthy_ = 0; // GPUs on ready nodes no node-list event covers
  int whole_ = 0;    // whole-cluster events active now: nothing is schedulable
};

// The least and most schedulable GPUs over the steps, the first time each least is reached,
// and the worst unbacked.
void extremes(ClusterImpact& ci, Time at) {
  ci.min_healthy = ci.max_healthy = ci.steps.front().healthy;
  ci.min_healthy_at = ci.min_largest_free_block_at = at;
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
}
} // namespace

ImpactReport maintenance_impact(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h) {
  ImpactReport report;
  report.horizon = h;
  ImpactSweep sweep(snap, h);
  for (auto c : select_clusters(snap, sel)) {
    ClusterImpact ci = sweep.cluster(c);
    extremes(ci, h.at);
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
