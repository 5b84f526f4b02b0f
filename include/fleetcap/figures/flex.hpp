// `fleetcap flex`: where free flex GPUs are, whether they stay, and each namespace's fair
// share of them (docs/concepts.md Flex, docs/figures.md). Pure: no I/O.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace fleetcap {

// The GPUs flex namespaces share in a cluster: max(0, H − Uq − Rf), the healthy GPUs in-quota
// jobs do not use and no reservation holds (docs/figures.md fair share numerator; docs/design.md).
Gpus flex_pool(const ClusterFigures& f);

// One namespace's flex in one cluster.
struct NamespaceFlex {
  std::string ns;
  Gpus flex_used = 0;    // GPUs of its running flex jobs in the cluster
  Gpus flex_pending = 0; // GPUs its pending flex jobs in the cluster ask for
  Gpus fair_share = 0;   // floor(flex_pool / N) (docs/figures.md)

  // Beyond its share, a namespace's flex jobs are the first to be preempted.
  bool over_share() const { return flex_used > fair_share; }
};

// Namespaces with a running or pending flex job in `cluster`, by name, each with its fair share.
std::vector<NamespaceFlex> flex_namespaces(const Snapshot& snap, const FleetAt& fleet, std::uint32_t cluster);

// `ns` in `cluster` given that cluster's flex_namespaces(): N counts `ns` too when it has no
// flex job there yet (docs/figures.md).
NamespaceFlex namespace_flex(const std::vector<NamespaceFlex>& namespaces, const ClusterFigures& f,
                             const std::string& ns);

struct FlexQuery {
  std::optional<std::string> ns; // --namespace
  Gpus gpus = 0;                 // --gpus N; 0 = no size asked
  bool contiguous = false;       // --contiguous: N on whole free nodes of one island
  bool stable = false;           // --stable: only capacity in-quota jobs can never reclaim
  Duration stay = 24 * 3600;     // --for: with --contiguous, the block must stay free this long
};

struct FlexCluster {
  std::uint32_t cluster = kNone;
  ClusterFigures figures;
  Gpus flex_pool = 0;
  std::vector<NamespaceFlex> namespaces;
  std::optional<NamespaceFlex> selected; // the --namespace one
  // Idle GPUs reservations hold now, per reservation (Snapshot::reservations); docs/design.md.
  std::vector<std::pair<std::uint32_t, Gpus>> reserved;
  std::string partition; // with --by partition: the partition whose nodes these figures are over
};

// An island with a free block: GPUs on its schedulable nodes that no running job lists.
struct FlexIsland {
  std::uint32_t island = kNone; // index into snap.index.islands
  std::uint32_t cluster = kNone;
  Gpus free_block = 0; // now (largest_free_block's per-island figure)
  std::size_t free_nodes = 0;
  // With --contiguous (docs/figures.md): the free block leaving out nodes an open event covers at any
  // time in [at, at + stay), and those nodes' count.
  Gpus block = 0;
  std::size_t block_nodes = 0;
  bool stays = false;         // the cluster's flex_stable_free covers N: in-quota jobs cannot reclaim it
  bool exceeds_share = false; // with --namespace: N exceeds its fair share in the cluster
  Gpus fair_share = 0;        // with --namespace
  // When the block is short of N: the block once the coming maintenance on its free nodes ends,
  // and when (kNever when it never reaches N).
  Gpus block_later = 0;
  Time fits_at = 0;
  // When the block holds N: the nodes chosen for the job (docs/flex.md, "Which nodes"): whole
  // free nodes of the block, most GPUs first (the fewest nodes), the last one the smallest that
  // covers what is left; among equals, nodes with no maintenance coming (then the latest to
  // start), then by name. `per_node`: GPUs on each when N splits evenly over them, else 0.
  std::vector<std::uint32_t> nodes;
  Gpus per_node = 0;
};

struct FlexReport {
  std::string partition; // --partition: every figure over that partition's nodes
  bool by_partition = false;
  Time at = 0;
  FlexQuery query;
  // Clusters that answer the query: by flex_free (with --stable, flex_stable_free), most first,
  // then the other of the two, then name. With --contiguous, the clusters of `islands`.
  std::vector<FlexCluster> clusters;
  // With --contiguous: islands whose block holds N (and with --stable, whose cluster's stable
  // free does), best first: stable, then block closest to N, then cluster and island name.
  std::vector<FlexIsland> islands;
  // With --contiguous and no island fitting: the islands that would once the coming maintenance
  // on their free nodes ends, soonest first; and the largest block (by `block`) of any island.
  std::vector<FlexIsland> later;
  std::optional<FlexIsland> largest_block;
  bool fits() const { return !islands.empty(); }
  // The TOTAL row of `clusters`: figures summed as ClusterFigures::add does (largest_free_block
  // the largest), flex_pool summed, and with --namespace its flex_used summed.
  FlexCluster totals;
  // Over every selected cluster, whatever the query: what the "no" answer quotes.
  std::size_t selected_clusters = 0;
  Gpus selected_free = 0;          // Σ flex_free (with --stable, Σ flex_stable_free)
  std::optional<FlexIsland> best;  // the largest free block of any selected island
  std::optional<FlexCluster> most; // the selected cluster with the most free (stable) flex
  // Over every selected cluster: (cluster, reservation, idle GPUs it holds now), docs/design.md.
  std::vector<std::tuple<std::uint32_t, std::uint32_t, Gpus>> reserved;
};

FlexReport flex(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const FlexQuery& query);

// --by partition (not with --contiguous): flex() over each partition's nodes (evaluate's
// `keep`), its clusters' rows one after the other, partition by partition, and their totals; a
// node in several partitions counts in each.
FlexReport flex_by_partition(const Snapshot& snap, Time at, const Selection& sel, const FlexQuery& query);

} // namespace fleetcap
