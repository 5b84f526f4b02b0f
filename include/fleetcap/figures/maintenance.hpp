// `fleetcap maintenance`: events in a window, one node's card, what the events do to
// schedulable GPUs over time, and which jobs must move where (docs/maintenance.md). Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <span>
#include <string>
#include <string_view>
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
inline bool overlaps(const MaintenanceEvent& e, const MaintenanceHorizon& h) {
  return e.start < h.end() && e.end > h.at;
}
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
  std::size_t overdue = 0;    // rows whose action-by has passed while jobs remain
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
  std::size_t events = 0;        // open events overlapping the horizon
  std::vector<ImpactStep> steps; // at the horizon's start, then at each boundary where a value changes
  Gpus min_healthy = 0;
  Time min_healthy_at = 0; // the first time it is reached
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
// What became of a job that must move: a destination; none (an in-quota job the operator must
// act on); or preempted (a flex job with no free GPUs to go to, or one an earlier move
// preempted to make room).
enum class MoveOutcome { placed, unplaced, preempted };

struct PlanJob {
  std::uint32_t job = kNone;
  bool unhealthy = false;            // a node it lists is not healthy
  std::vector<std::uint32_t> events; // events requiring action on its nodes, by action-by
  Time move_by = 0;                  // earliest action-by; `at` for an unhealthy node
  Time move_at = 0;                  // when the plan moves it: max(move_by, at)
  bool overdue = false;              // move_by has passed: it should have moved already
  MoveOutcome outcome = MoveOutcome::unplaced;
  bool placed = false; // outcome == placed
  // Destination, when placed: nodes of one island and the GPUs the job takes on each.
  MoveScope scope = MoveScope::cluster;
  std::uint32_t cluster = kNone, island = kNone;
  std::vector<std::uint32_t> nodes;
  std::vector<Gpus> node_gpus;         // per destination node
  std::uint32_t quota_after = kNone;   // the leaf it can target there; kNone = flex
  std::vector<std::uint32_t> preempts; // flex jobs this move preempted, in the order preempted
  // When preempted by an earlier move: that move, as an index into MovePlan::jobs.
  std::uint32_t preempted_by = kNone;
  // When not placed: the largest block it was allowed to use at move_at (free GPUs on one node
  // for a single-node job, in one island otherwise) and where; and, in its own cluster, what
  // would make room: an event (of another job) ending before move_at, or one flex job leaving.
  Gpus best_block = 0;
  std::uint32_t best_island = kNone, best_node = kNone;
  std::uint32_t hint_island = kNone, hint_event = kNone, hint_job = kNone;
  Gpus hint_gpus = 0; // the block in hint_island once the hint's event or job is out of the way

  Gpus gpus_moved() const; // Σ node_gpus
};

// A flex job preempted to make room for a move, with that move (an index into MovePlan::jobs).
struct Preemption {
  std::uint32_t job = kNone;
  std::uint32_t by = kNone;
  bool must_move = false; // it was itself among the jobs to move (then also in MovePlan::jobs)
};

// Jobs and GPUs, per outcome; per move-by day (UTC) and in all.
struct PlanCounts {
  std::size_t jobs = 0, placed = 0, unplaced = 0, preempted = 0, out_of_cluster = 0;
  Gpus gpus = 0, gpus_placed = 0, gpus_unplaced = 0, gpus_preempted = 0;
};
struct PlanDay {
  Time day = 0; // midnight UTC of the move-by times it counts
  PlanCounts counts;
};
struct PlanSummary : PlanCounts {
  std::vector<PlanDay> days; // by day
};

struct MovePlan {
  MaintenanceHorizon horizon;
  bool same_region = false;
  // In the order moves are made: move-by, then priority (critical first), then GPUs (most
  // first), then name.
  std::vector<PlanJob> jobs;
  std::vector<Preemption> preempted; // in the order preempted
  PlanSummary summary;               // jobs = to move; preempted counts every preempted flex job
  std::size_t overdue = 0;           // jobs to move whose move-by has passed
};

// Jobs of the selected clusters that must move, and a destination for each (docs/maintenance.md; greedy in
// move order, see docs/maintenance.md): in GPUs and in time, best fit, in the job's cluster,
// then production clusters of its SKU, region and provider, then (unless same_region) of its
// SKU anywhere; an in-quota job that fits nowhere on free GPUs preempts flex jobs in its own
// cluster. Jobs that need not move are never moved. Per job O(log n) but for the GPUs and
// islands it touches.
MovePlan plan_moves(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, bool same_region);

std::string_view to_string(EventTiming t);
std::string_view to_string(MoveScope s);

} // namespace fleetcap
