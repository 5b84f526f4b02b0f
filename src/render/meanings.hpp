// What the columns that several lists show mean (Column::meaning), said once: a cluster's own
// columns, the cluster figures of docs/figures.md and a job's columns are the same words in
// capacity, flex, overalloc, maintenance, quota and jobs. Private to the render layer.
#pragma once

#include <string_view>

namespace fleetcap::cols::meaning {

// A cluster (docs/concepts.md).
inline constexpr std::string_view kCluster = "The cluster.";
inline constexpr std::string_view kRegion = "The cluster's region.";
inline constexpr std::string_view kProvider = "The cloud or site that runs the cluster.";
inline constexpr std::string_view kSku = "The cluster's GPU model.";
inline constexpr std::string_view kClusterState =
    "Lifecycle: planned, provisioning, provisioned, production or decommissioned.";

// The cluster figures (docs/figures.md, "Cluster figures"); H healthy, A assigned.
inline constexpr std::string_view kTotal = "GPUs of all nodes.";
inline constexpr std::string_view kHealthy = "GPUs on schedulable nodes (H).";
inline constexpr std::string_view kAssigned = "GPUs of the leaf quotas (A).";
inline constexpr std::string_view kInquotaUsed = "GPUs of running in-quota jobs.";
inline constexpr std::string_view kInquotaFree =
    "max(0, min(A, H) - in-quota used): quota GPUs free for in-quota jobs; the same idle GPUs may count in "
    "FLEX-FREE too.";
inline constexpr std::string_view kFlexUsed = "GPUs of running flex jobs.";
inline constexpr std::string_view kFlexFree =
    "Unused GPUs on schedulable nodes: max(0, H - in-quota used - flex used).";
inline constexpr std::string_view kStable = "Free GPUs that in-quota jobs can never reclaim.";
inline constexpr std::string_view kReclaimable =
    "Free GPUs that in-quota jobs may reclaim (flex_free - flex_stable_free).";
inline constexpr std::string_view kUnbacked = "Quota GPUs with no healthy GPU behind them: max(0, A - H).";
inline constexpr std::string_view kHeadroom = "Healthy GPUs beyond quota: max(0, H - A).";
inline constexpr std::string_view kBlock = "Largest number of free GPUs on schedulable nodes within one island.";
inline constexpr std::string_view kStableUsed =
    "GPUs of running flex jobs never preempted: in FLEX-USED, but never anyone's to reclaim.";
inline constexpr std::string_view kReservedFree =
    "Idle GPUs on schedulable nodes an active reservation holds: not in FLEX-FREE, STABLE or BLOCK.";
inline constexpr std::string_view kFairShare = "The namespace's fair share of flex in the cluster: floor(pool / N).";
inline constexpr std::string_view kNamespaceFlex = "GPUs of the namespace's running flex jobs in the cluster.";

// A job (docs/jobs.md).
inline constexpr std::string_view kJob = "The job (Slurm: its id; Kubernetes: NAMESPACE/WORKLOAD).";
inline constexpr std::string_view kNamespace = "Its namespace (Slurm: its account).";
inline constexpr std::string_view kJobQuota = "The leaf quota it runs in, or flex.";
inline constexpr std::string_view kPriority = "critical, high, mid or low.";
inline constexpr std::string_view kJobGpus = "GPUs it holds (running) or asks for (pending).";
inline constexpr std::string_view kJobState = "running or pending.";
inline constexpr std::string_view kJobNodes = "The nodes it runs on.";
inline constexpr std::string_view kStarted = "When it started.";
inline constexpr std::string_view kIdle = "Whether it runs but does no useful work, as the source says.";

// A quota (docs/quota.md).
inline constexpr std::string_view kQuota = "The quota.";
inline constexpr std::string_view kQuotaAssigned = "GPUs assigned to the leaf quota.";
inline constexpr std::string_view kQuotaUsed = "GPUs of running jobs targeting the quota.";
inline constexpr std::string_view kTree = "The quota tree it belongs to (its root).";
inline constexpr std::string_view kAccess = "Namespaces that may target it: * any, (none) none.";

// A maintenance event (docs/maintenance.md).
inline constexpr std::string_view kEventId = "The maintenance event.";
inline constexpr std::string_view kEventStart = "When it starts.";
inline constexpr std::string_view kEventEnd = "When it ends.";
inline constexpr std::string_view kHardStart = "Whether its start date cannot move.";
inline constexpr std::string_view kActionBy =
    "When its nodes must be free of jobs: start - lead (--lead, default 12h).";
inline constexpr std::string_view kEventNodes = "The nodes it covers.";
inline constexpr std::string_view kEventState = "scheduled, in_progress, completed or cancelled.";
inline constexpr std::string_view kEventKind = "What kind of maintenance it is, as the source says.";
inline constexpr std::string_view kEventReason = "Why, as the source says.";

// The cut of a quota buffer (docs/overalloc.md).
inline constexpr std::string_view kCut = "GPUs of quota taken away to reach the target.";
inline constexpr std::string_view kCutShare = "The cut as a share of assigned.";
inline constexpr std::string_view kPhase =
    "Rollout phase: 1 no cut, 2 unscheduled quota only, 3 idle jobs too, 4 running jobs preempted.";
inline constexpr std::string_view kJobsPreempted = "Running jobs preempted to make the cut.";
inline constexpr std::string_view kGpusPreempted = "GPUs those jobs hold (whole jobs, so at least RUNNING).";

// Shared by several lists of one command or more.
inline constexpr std::string_view kIsland = "The island: nodes one multi-node job may span.";
inline constexpr std::string_view kNode = "The node.";
inline constexpr std::string_view kNodeGpus = "GPUs of the node.";
inline constexpr std::string_view kNodeInUse = "GPUs its running jobs use (a job's GPUs spread evenly over its nodes).";
inline constexpr std::string_view kNextEvent = "Maintenance it is in now, else the next to start in the window.";
inline constexpr std::string_view kHeldGpus = "GPUs it holds.";
inline constexpr std::string_view kQuotasAffected = "Leaf quotas with a cut.";
inline constexpr std::string_view kCutFromUnscheduled = "Part of the cut that is unscheduled quota.";
inline constexpr std::string_view kCutFromIdle = "Part of the cut taken from idle jobs.";
inline constexpr std::string_view kCutFromRunning = "Part of the cut taken from running jobs.";

} // namespace fleetcap::cols::meaning
