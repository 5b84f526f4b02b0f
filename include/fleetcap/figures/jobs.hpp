// `fleetcap jobs`: who holds or waits for GPUs, in quota or on flex, and whether what waits
// would start now (docs/jobs.md). Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetcap {

struct JobsQuery {
  std::optional<std::string> ns, user;   // --namespace, --user
  std::uint32_t quota = kNone;           // --quota: jobs of this leaf, or of the leaves below this group
  bool flex = false;                     // --flex: only flex jobs
  bool pending = false, running = false; // --pending, --running: only those
  std::uint32_t node = kNone;            // --node: only jobs listing it
};

// Where a pending job would start now, were it alone with the jobs ahead of it in the queue
// (docs/jobs.md, "Would it start now?"):
//   free:  on unused GPUs of its cluster, preempting nobody (in-quota within its quota, or flex);
//   quota: within its quota's available, but only by preempting flex or reclaiming lent GPUs;
//   flex:  its quota cannot hold it now, but it would start at once as a flex job;
//   none:  it waits.
enum class Fit : std::uint8_t { none, free, quota, flex };
std::string_view to_string(Fit f); // none is "waits"

// A pending job that does not ask for GPUs now, whatever is free: its user or an admin holds it,
// or it waits for another job or for its begin time (Slurm's JobHeldUser, JobHeldAdmin,
// JobHoldMaxRequeue, Dependency, DependencyNeverSatisfied, BeginTime; docs/jobs.md, "Held
// jobs"). Its FITS-NOW is waits, and it takes nothing from the jobs behind it in the queue.
bool held_off(std::string_view pending_reason);

struct JobRow {
  std::uint32_t job = kNone;
  Fit fit = Fit::none; // pending jobs only
};

struct JobTotals {
  std::size_t jobs = 0, running = 0, pending = 0;
  Gpus gpus = 0, running_gpus = 0, pending_gpus = 0, flex_gpus = 0; // flex: of running flex jobs
  Gpus startable_gpus = 0; // of pending_gpus, those whose job would start now (a Fit other than none)
};

struct JobsReport {
  // Selected clusters' jobs (a pending job without a cluster too, unless --cluster, --region or
  // --sku narrows the clusters), filtered by the query, in this order: cluster name (none
  // last), running before pending, priority (critical first), started_at or submitted_at
  // (earliest first, none last), name.
  std::vector<JobRow> rows;
  JobTotals totals;
};

JobsReport list_jobs(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const JobsQuery& q);

// Per-job verdicts for every pending job of the snapshot (kNone clusters included), indexed like
// snap.jobs (running jobs: Fit::none). Each cluster's queue is taken in order (priority, then
// submitted_at, earliest first, none last, then name); each job spends what it takes of its
// quota's `available` and of its cluster's unused GPUs (flex_free), so the jobs after it see
// what is left. Pending jobs without a cluster come last, each taking the selected cluster
// with most unused GPUs left. A job held off (held_off) waits and spends nothing.
std::vector<Fit> pending_fits(const Snapshot& snap, const FleetAt& fleet, const std::vector<std::uint32_t>& clusters);

// `jobs --pending --by cluster|sku|quota`: the pending demand per group.
enum class PendingBy { cluster, sku, quota };
struct PendingGroup {
  std::string key;               // the cluster, SKU or quota ("flex" for flex jobs; "-": no cluster)
  std::uint32_t cluster = kNone; // --by cluster
  std::uint32_t quota = kNone;   // --by quota
  std::size_t jobs = 0;          // pending jobs
  Gpus pending_gpus = 0;         // GPUs they ask for
  Gpus fits_free = 0, fits_quota = 0, fits_flex = 0, waits = 0; // of pending_gpus, by verdict
  Gpus flex_free = 0;            // unused GPUs now of the group's clusters (a quota: its cluster)
  std::optional<Gpus> available; // --by quota: the leaf's available now
};
struct PendingDemand {
  PendingBy by = PendingBy::cluster;
  std::vector<PendingGroup> groups; // most pending GPUs first, then key
  PendingGroup totals;              // sums; flex_free over the selected clusters once each
};
PendingDemand pending_demand(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const JobsReport& report,
                             PendingBy by);

} // namespace fleetcap
