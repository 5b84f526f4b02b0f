// `fleetcap quota`: what each leaf quota really gives its team now (docs/figures.md quota figures),
// the quota tree with group sums, and one quota in detail. Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetcap {

// docs/figures.md leaf quota figures; names match the JSON keys. For a group, the sums of its leaves'
// assigned, used, free, borrowed and unbacked; borrowable and available are not summed (each
// sibling's borrowable counts the same idle GPUs again) and stay 0.
struct QuotaFigures {
  Gpus assigned = 0;
  Gpus used = 0;       // Σ gpus of running jobs targeting the quota
  Gpus free = 0;       // max(0, assigned − used)
  Gpus borrowed = 0;   // max(0, used − assigned)
  Gpus borrowable = 0; // max(0, max(0, P − U) − free): siblings' unused, same tree and cluster;
                       // with a borrowing_limit, at most max(0, borrowing_limit − borrowed)
  Gpus available = 0;  // min(free + borrowable, max(0, H − Uq) + min(free, B)), and its caps (docs/design.md)
  Gpus unbacked = 0;   // the cluster's unbacked, split by assigned (largest remainder)
  // The cap that holds `available` below what the leaf and its cluster give (Snapshot::caps);
  // kNone when none does.
  std::uint32_t capped_by = kNone;

  // Group sums: assigned, used, free, borrowed, unbacked.
  void add(const QuotaFigures& leaf);
};

// Figures of every leaf quota, indexed like snap.quotas (groups all zero).
std::vector<QuotaFigures> leaf_quota_figures(const Snapshot& snap, const FleetAt& fleet);

// A cap's use (docs/design.md): GPUs of the running jobs counting against it where it holds.
struct CapFigures {
  Gpus gpus = 0, used = 0, free = 0; // free = max(0, gpus − used)
};
// Indexed like snap.caps.
std::vector<CapFigures> cap_figures(const Snapshot& snap);

// The order in which a quota's jobs go when it shrinks: lowest priority first, then newest
// first — a pending job counts as newer than any running one, a running job without
// started_at as the oldest (docs/overalloc.md) — then name.
bool preempts_before(const Job& a, const Job& b);

struct QuotaRow {
  std::uint32_t quota = kNone;
  int depth = 0; // 0 for a root; with --namespace every row is a leaf at depth 0
  bool leaf = true;
  std::size_t leaves = 1; // leaves summed into a group row
  QuotaFigures figures;
  // With --namespace: the flex in the leaf's cluster the namespace could use instead, its own
  // flex use there, and what it could start on flex and stay within its fair share,
  // min(flex_free, max(0, fair_share − ns_flex_used)).
  Gpus flex_free = 0, flex_stable_free = 0, fair_share = 0, ns_flex_used = 0, flex_within_share = 0;
  // Where a job of the namespace submitted now would run: in-quota when anything is available
  // (flex jobs never preempt it), else flex within its fair share, else nowhere yet.
  enum class Serve { none, quota, flex } serve = Serve::none;
};

struct QuotaReport {
  Time at = 0;
  std::optional<std::string> ns;
  // Tree order: roots, then each quota's children, by name at every level. Leaves in selected
  // clusters; groups with at least one of them. With --namespace: only the leaves the
  // namespace may target (their own `access`), no groups.
  std::vector<QuotaRow> rows;
  QuotaFigures totals; // sums over the leaf rows
  // The caps of the shown leaves, by name, with their use (docs/design.md); empty without caps.
  std::vector<std::uint32_t> caps;
  std::vector<CapFigures> cap_use; // indexed like snap.caps
};

QuotaReport quota_tree(const Snapshot& snap, const FleetAt& fleet, const Selection& sel,
                       const std::optional<std::string>& ns);

// Why a cluster's schedulable GPUs fall short of its total: each node not schedulable counts
// once, under the first of unhealthy, cordoned, in maintenance.
struct NotSchedulable {
  Gpus unhealthy = 0, cordoned = 0, maintenance = 0;
  std::size_t unhealthy_nodes = 0, cordoned_nodes = 0, maintenance_nodes = 0;
};

NotSchedulable not_schedulable(const Snapshot& snap, const FleetAt& fleet, std::uint32_t cluster);

// `quota show NAME`.
struct QuotaDetail {
  QuotaRow row;                    // the quota itself (a group's row holds its sums)
  std::vector<std::uint32_t> jobs; // running and pending, in preemption order (preempts_before)
  // Leaf: the other leaves of its tree in its cluster, by name; `tree` sums the whole tree there
  // (P, U, B of docs/figures.md are its assigned, used, borrowed).
  std::vector<QuotaRow> siblings;
  QuotaFigures tree;
  Gpus tree_unused = 0;           // max(0, P − U): what the tree's leaves there may still use
  ClusterFigures cluster;         // the leaf's cluster: healthy vs assigned is why it is unbacked
  std::size_t cluster_leaves = 0; // leaves sharing the cluster's unbacked
  NotSchedulable down;
  // Group: its leaves (and the groups between), in tree order, depth relative to it.
  std::vector<QuotaRow> subtree;
};

// What a leaf lends to and borrows from the other leaves of its tree in its cluster (quota
// show's siblings): a leaf lends its free GPUs and borrows beyond its assigned; the tree as a
// whole lends what its leaves leave unused, max(0, P − U), not the sum of their free.
struct Lending {
  Gpus assigned = 0, used = 0, lends = 0, borrows = 0;
};
Lending lending(const QuotaRow& leaf);
Lending tree_lending(const QuotaDetail& d);

// Every cluster counts here, whatever --state: the name chose the quota.
QuotaDetail quota_detail(const Snapshot& snap, const FleetAt& fleet, std::uint32_t quota);

} // namespace fleetcap
