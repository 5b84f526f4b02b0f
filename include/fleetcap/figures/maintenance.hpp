// `fleetcap maintenance`: events in a window, one node's card, what the events do to
// schedulable GPUs over time, and which jobs must move where (SPEC §6). Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <string>
#include <string_view>
#include <span>
#include <vector>

namespace fleetcap {

inline constexpr Duration kDefaultMaintenanceWindow = 14 * 86400;
inline constexpr Duration kDefaultActionLead = 12 * 3600;

// The span a maintenance command looks at: [at, at + window), acting `lead` before each start.
struct MaintenanceHorizon {
  Time at = 0;
  Duration window = kDefaultMaintenanceWindow;
  Duration lead = kDefaultActionLead;
  Time end() const { return at + window; }
};

// The nodes an event covers: its list, or every node of its cluster when the list is empty.
std::span<const std::uint32_t> event_nodes(const Snapshot& snap, const MaintenanceEvent& e);
// Σ gpus of the event's nodes.
Gpus event_gpus(const Snapshot& snap, const MaintenanceEvent& e);
// Running jobs listing any of the event's nodes, in snapshot order, each once.
std::vector<std::uint32_t> event_jobs(const Snapshot& snap, const MaintenanceEvent& e);

inline Time action_by(const MaintenanceEvent& e, Duration lead) { return e.start - lead; }
// The event overlaps [at, at + window): start < at + window and end > at.
inline bool overlaps(const MaintenanceEvent& e, const MaintenanceHorizon& h) { return e.start < h.end() && e.end > h.at; }
// Jobs must be off the event's nodes within the horizon: an open event whose action-by
// falls in [at, at + window) or has passed while the event has not ended.
inline bool requires_action(const MaintenanceEvent& e, const MaintenanceHorizon& h) {
  return e.open() && action_by(e, h.lead) < h.end() && e.end > h.at;
}
// The action-by time has come (action_by <= at), the event has not ended, and `jobs` remain.
inline bool overdue(const MaintenanceEvent& e, const MaintenanceHorizon& h, bool jobs_remain) {
  return jobs_remain && e.open() && action_by(e, h.lead) <= h.at && h.at < e.end;
}

// ---- maintenance list
struct EventFilter {
  std::vector<EventState> states{EventState::scheduled, EventState::in_progress};
  bool hard_only = false;
};

struct EventRow {
  std::uint32_t event = kNone;
  Gpus gpus = 0;
  Time action_by = 0;
  std::vector<std::uint32_t> jobs; // running jobs still on its nodes
  bool overdue = false;
};

struct EventList {
  MaintenanceHorizon horizon;
  std::vector<EventRow> rows; // by start, then id
};

// Events of the selected clusters that overlap the horizon and pass the filter.
EventList list_events(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const EventFilter& f);

// ---- maintenance node
enum class EventTiming { past, current, coming }; // end <= at; start <= at < end; start > at

struct NodeEventRow {
  std::uint32_t event = kNone;
  Time action_by = 0;
  EventTiming when = EventTiming::coming;
  bool whole_cluster = false;
};

struct NodeCard {
  std::uint32_t node = kNone;
  Time at = 0;
  bool schedulable = false;
  std::vector<std::uint32_t> active_events; // open events covering the node at `at`
  std::vector<std::uint32_t> issues;        // indices into Node::issues: p0 first, then earliest detected
  std::vector<NodeEventRow> events;         // every event covering the node, by start, then id
  std::vector<std::uint32_t> jobs;          // running jobs listing it
  std::vector<std::uint32_t> quotas;        // leaf quotas those jobs target, by name
};

NodeCard node_card(const Snapshot& snap, std::uint32_t node, Time at, Duration lead);

// Levenshtein distance; and the `n` node names closest to `name` (ties by name).
std::size_t edit_distance(std::string_view a, std::string_view b);
std::vector<std::string> closest_node_names(const Snapshot& snap, std::string_view name, std::size_t n = 3);

// ---- maintenance impact
struct ImpactStep {
  Time at = 0;
  Gpus healthy = 0; // schedulable GPUs (H)
  Gpus unbacked = 0;
  Gpus largest_free_block = 0;
};

struct ClusterImpact {
  std::uint32_t cluster = kNone;
  Gpus total = 0, assigned = 0;
  std::size_t events = 0;         // open events overlapping the horizon
  std::vector<ImpactStep> steps;  // at the horizon's start, then at each boundary where a value changes
  Gpus min_healthy = 0;
  Time min_healthy_at = 0;        // the first time it is reached
  Gpus max_healthy = 0;
  Gpus worst_unbacked = 0;
  Gpus min_largest_free_block = 0;
  Time min_largest_free_block_at = 0;
};

struct ImpactReport {
  MaintenanceHorizon horizon;
  std::vector<ClusterImpact> clusters; // selected clusters, snapshot order
};

// Near-linear: each cluster sweeps only its own event boundaries, updating node coverage
// and island free GPUs incrementally instead of re-evaluating the fleet per boundary.
ImpactReport maintenance_impact(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h);

// The lowest schedulable GPUs in each of `count` slots of `slot` seconds from `from` (the
// last slot is cut at `until`); steps as in ClusterImpact. Drives the terminal timeline.
std::vector<Gpus> slot_minimum(const std::vector<ImpactStep>& steps, Time from, Time until, Duration slot);

// ---- maintenance plan
enum class MoveScope { cluster, region, fleet }; // same cluster; same region and provider; any

struct PlanJob {
  std::uint32_t job = kNone;
  bool unhealthy = false;            // a node it lists is not healthy
  std::vector<std::uint32_t> events; // events requiring action on its nodes, by action-by
  Time move_by = 0;                  // earliest action-by; `at` for an unhealthy node
  bool placed = false;
  // Destination, when placed.
  MoveScope scope = MoveScope::cluster;
  std::uint32_t cluster = kNone, island = kNone;
  std::vector<std::uint32_t> nodes;
  Gpus node_gpus = 0;
  std::uint32_t quota_after = kNone; // the leaf it can target there; kNone = flex
  // When not placed: the largest free block it was allowed to use, and where.
  Gpus best_block = 0;
  std::uint32_t best_island = kNone;
};

struct PlanSummary {
  std::size_t jobs = 0, placed = 0, unplaced = 0, out_of_cluster = 0;
  Gpus gpus = 0, gpus_placed = 0, gpus_unplaced = 0;
};

struct MovePlan {
  MaintenanceHorizon horizon;
  bool same_region = false;
  std::vector<PlanJob> jobs; // in placement order: priority, then GPUs (largest first), then name
  PlanSummary summary;
};

// Jobs of the selected clusters that must move, and a destination for each (greedy, see
// docs/maintenance.md): whole free nodes of the same SKU in one island, best fit, in the
// job's cluster, then production clusters of its region and provider, then (unless
// same_region) any production cluster. Jobs that need not move are never moved.
MovePlan plan_moves(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, bool same_region);

std::string_view to_string(EventTiming t);
std::string_view to_string(MoveScope s);

} // namespace fleetcap
