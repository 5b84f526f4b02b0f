// Answers in the scheduler's own language: the line that submits a job to the nodes flex
// --contiguous chose (docs/flex.md, "Which nodes"), and overalloc plan's change as sacctmgr
// commands or Kueue ClusterQueue patches (docs/overalloc.md, "The change in the scheduler's
// language"). Text only; which quotas change is figures' (quota_plan).
#pragma once

#include "fleetcap/figures/flex.hpp"
#include "fleetcap/figures/overalloc.hpp"

#include <optional>
#include <string>

namespace fleetcap {

// For the island's chosen nodes: `sbatch -M CLUSTER -N K -w HOSTLIST --gres=gpu:TYPE:G
// --time=D JOB.sh` on a Slurm cluster, a pod spec's nodeSelector and node affinity (YAML) on a
// Kubernetes one; nothing for a cluster whose scheduler the source does not say.
std::optional<std::string> submit_command(const Snapshot& snap, const FlexIsland& island, const FlexQuery& q);

// The plan's quotas whose gpus change, as `sacctmgr -i modify ... set GrpTRES=...` lines, or as
// ClusterQueue objects whose spec.resourceGroups carry the new GPU nominalQuota (YAML, one
// document per ClusterQueue). `heading`: the comment lines that start the text. The caller has
// checked that every quota that changes has a Slurm (or Kueue) origin.
std::string sacctmgr_lines(const QuotaPlan& plan, const Snapshot& snap, const std::string& heading);
std::string kueue_patches(const QuotaPlan& plan, const Snapshot& snap, const std::string& heading);

} // namespace fleetcap
