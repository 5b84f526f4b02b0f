// `fleetcap nodes` (docs/maintenance.md): a node listing like `sinfo -R`: the nodes that are not
// schedulable now, have an open issue or a coming event in the window (or every node), and
// the same summed per island. Pure: no I/O.
#pragma once

#include "fleetcap/figures/maintenance.hpp"

#include <string>
#include <vector>

namespace fleetcap {

struct NodesQuery {
  bool all = false;                 // --all: every node of the selected clusters
  std::vector<std::string> islands; // --island (names); empty = every island
  std::uint32_t partition = kNone;  // --partition (Snapshot::partitions); kNone = any node
  bool by_partition = false;        // --by partition: sums per partition too
};

// Why a node is listed, in the order `nodes` lists them (problems first; docs/maintenance.md).
enum class NodeConcern : std::uint8_t {
  unschedulable, // not schedulable now: unhealthy, cordoned or in maintenance
  issue,         // schedulable, with an open issue
  maintenance,   // schedulable, no issue, an open event coming in the window
  reserved,      // schedulable, none of the above, a reservation holds it now or in the window
  none,          // listed only with --all
};
std::string_view to_string(NodeConcern c);

struct NodeRow {
  std::uint32_t node = kNone;
  NodeConcern concern = NodeConcern::none;
  Gpus gpus_used = 0;       // Σ of the running jobs' shares on it (docs/maintenance.md: spread evenly)
  bool schedulable = false; // now (docs/concepts.md)
  int worst_issue = -1;     // index into Node::issues: the lowest priority number, then the earliest detected
  // The open event covering it that is active now (the one ending last), else the next one to
  // start in the window; kNone when none.
  std::uint32_t next_event = kNone;
  bool event_active = false;
  // The reservation (not maintenance) holding it now, else the next in the window; kNone when none.
  std::uint32_t reservation = kNone;
  std::vector<std::uint32_t> jobs; // running jobs listing it, in snapshot order
};

// Sums over the listed nodes of one island (or all of them, for the totals).
struct IslandNodes {
  std::uint32_t island = kNone;
  std::size_t nodes = 0, unschedulable = 0, unhealthy = 0, cordoned = 0, with_issues = 0, with_events = 0;
  std::size_t reserved = 0;     // listed only because a reservation holds them (NodeConcern::reserved)
  std::size_t running_jobs = 0; // distinct running jobs on its listed nodes
  Gpus gpus = 0, gpus_used = 0, schedulable_gpus = 0;
};

struct NodesReport {
  MaintenanceHorizon horizon;
  bool all = false;
  // By concern (problems first), then cluster, island, node name.
  std::vector<NodeRow> rows;
  std::vector<IslandNodes> islands; // islands with a listed node, by cluster and island name
  // With --by partition: the same sums per partition (`island` holds its Snapshot::partitions
  // index); a node in several partitions counts in each.
  std::vector<IslandNodes> partitions;
  IslandNodes totals;
};

// Why a node is listed without --all: not schedulable now, an open issue, or an open event or a
// reservation that overlaps the window.
NodesReport list_nodes(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const NodesQuery& q);

// `nodes --free`: schedulable nodes with free GPUs (GPUs less the running jobs' shares of them,
// docs/maintenance.md's even spread), most free first, then cluster, island, node name.
// A node a reservation holds now is free only for its accounts (docs/design.md): not listed.
struct FreeNodeRow {
  std::uint32_t node = kNone;
  Gpus gpus = 0, gpus_used = 0, inquota_used = 0, flex_used = 0, gpus_free = 0;
  std::uint32_t next_event = kNone; // as NodeRow's: active now, else the next to start in the window
  bool event_active = false;
};
struct FreeNodes {
  MaintenanceHorizon horizon;
  std::vector<FreeNodeRow> rows;
  FreeNodeRow totals; // sums (node kNone)
  std::size_t nodes = 0;
};
FreeNodes free_nodes(const Snapshot& snap, const Selection& sel, const MaintenanceHorizon& h, const NodesQuery& q);

} // namespace fleetcap
