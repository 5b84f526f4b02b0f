// `fleetcap overalloc report|sweep|plan` as tables, JSON (fleetcap.overalloc.<cmd>/v1) or CSV.
#pragma once

#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/render/output.hpp"

#include <string>
#include <vector>

namespace fleetcap {

// Where the health history came from, for the report's header and JSON.
struct HistorySourceInfo {
  std::string kind = "health_history"; // "health_history" or "snapshots" (--history DIR)
  std::string dir;                     // --history DIR
  std::size_t snapshots = 0;           // subdirectories read from DIR
};

enum class OverallocBy { all, cluster, quota, tree };

struct OverallocView {
  OverallocBy by = OverallocBy::all; // which tables: all = clusters and affected quotas
  bool jobs = false;                 // also the preempted jobs table (JSON always has them)
  int phase = 0;                     // 1..4: only that rollout phase; 0 = every phase
  HistorySourceInfo history;
};

// "15%", "2.5%", "12.34%".
std::string format_bp(BasisPoints bp);
// part / whole as a percentage with one decimal, trailing ".0" dropped: "19.9%", "50%"; "-" when whole is 0.
std::string format_share(Gpus part, Gpus whole);
// The summary as one sentence a TPM can paste (no trailing newline).
std::string summary_sentence(const OverallocSummary& s);

std::string render_overalloc_report(const OverallocReport& r, const Snapshot& snap, const OverallocView& v,
                                    const RenderOptions& o);

// One report per buffer, in sweep order.
std::string render_overalloc_sweep(const std::vector<OverallocReport>& rows, const HistorySourceInfo& history,
                                   const RenderOptions& o);

// Every leaf's new gpus; `phase` 2..4 applies only corrections up to that phase, 0 = all.
std::string render_overalloc_plan(const OverallocReport& r, const Snapshot& snap, int phase,
                                  const HistorySourceInfo& history, const RenderOptions& o);

// The same plan in the scheduler's language (-o sacctmgr, -o kueue): the quotas whose gpus
// change, as sacctmgr commands or ClusterQueue patches, under comment lines saying what made them.
enum class PlanLanguage { sacctmgr, kueue };
std::string render_overalloc_plan_for(PlanLanguage language, const OverallocReport& r, const Snapshot& snap, int phase,
                                      const HistorySourceInfo& history, const RenderOptions& o);

} // namespace fleetcap
