// docs/maintenance.md `nodes` on the docs/worked-example.md fleet: which nodes are listed, and what each row says.
#include <catch2/catch.hpp>

#include "fleetcap/figures/nodes.hpp"
#include "support/fixtures.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace fleetcap;

namespace {
std::vector<std::string> names(const Snapshot& snap, const NodesReport& r) {
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.emplace_back(snap.nodes[row.node].name);
  return out;
}
MaintenanceHorizon horizon(Duration window = kDefaultMaintenanceWindow) {
  MaintenanceHorizon h;
  h.at = test::worked_at();
  h.window = window;
  return h;
}
} // namespace

TEST_CASE("nodes lists what is down, has issues or has maintenance coming", "[nodes]") {
  const Snapshot snap = test::worked();
  const NodesReport r = list_nodes(snap, Selection{}, horizon(), NodesQuery{});
  // Problems first (docs/maintenance.md): not schedulable (t05 unhealthy with a p0, t11 in m1,
  // t12 cordoned), then an issue on a schedulable node (t09, p3), then maintenance coming (l07
  // in m3; t07, t08 in m2); within each, by cluster, island and name.
  REQUIRE(names(snap, r) == std::vector<std::string>{"t05", "t11", "t12", "t09", "l07", "t07", "t08"});
  CHECK(r.rows[0].concern == NodeConcern::unschedulable);
  CHECK(r.rows[2].concern == NodeConcern::unschedulable);
  CHECK(r.rows[3].concern == NodeConcern::issue);
  CHECK(r.rows[4].concern == NodeConcern::maintenance);
  const NodeRow& t05 = r.rows[0];
  CHECK_FALSE(t05.schedulable);
  CHECK(t05.worst_issue == 0);
  CHECK(t05.next_event == kNone);
  CHECK(t05.gpus_used == 0);
  const NodeRow& t07 = r.rows[5];
  CHECK(t07.schedulable);
  CHECK(snap.maintenance[t07.next_event].id == "m2");
  CHECK_FALSE(t07.event_active);
  CHECK(t07.gpus_used == 8); // j3's 16 over t07, t08
  REQUIRE(t07.jobs.size() == 1);
  CHECK(snap.jobs[t07.jobs[0]].name == "j3");
  const NodeRow& t11 = r.rows[1];
  CHECK(snap.maintenance[t11.next_event].id == "m1");
  CHECK(t11.event_active);
  // Per island and in all.
  REQUIRE(r.islands.size() == 3);
  CHECK(snap.index.islands[r.islands[2].island].name == "tiger-ib2");
  CHECK(r.islands[2].nodes == 5);
  CHECK(r.islands[2].unschedulable == 2); // t11, t12
  CHECK(r.islands[2].running_jobs == 2);  // j3, j4
  CHECK(r.totals.nodes == 7);
  CHECK(r.totals.with_events == 4);
  CHECK(r.totals.with_issues == 2);
}

TEST_CASE("nodes --all, --island, the window and the cluster filter", "[nodes]") {
  const Snapshot snap = test::worked();
  NodesQuery all;
  all.all = true;
  const NodesReport every = list_nodes(snap, Selection{}, horizon(), all);
  CHECK(every.rows.size() == 20);
  CHECK(every.totals.schedulable_gpus == 136); // docs/worked-example.md: healthy 72 + 64
  CHECK(every.totals.gpus_used == 120);        // in quota 104 + flex 16
  CHECK(every.totals.running_jobs == 7);
  NodesQuery island = all;
  island.islands = {"tiger-ib1"};
  CHECK(list_nodes(snap, Selection{}, horizon(), island).rows.size() == 6);
  // m3 starts 24T00, beyond a 3-day window: l07 is no longer listed.
  const NodesReport near = list_nodes(snap, Selection{}, horizon(3 * 86400), NodesQuery{});
  CHECK(names(snap, near) == std::vector<std::string>{"t05", "t11", "t12", "t09", "t07", "t08"});
  Selection lion;
  lion.clusters = {"lion"};
  CHECK(names(snap, list_nodes(snap, lion, horizon(), NodesQuery{})) == std::vector<std::string>{"l07"});
}

// docs/maintenance.md: a node a reservation holds lists last of the concerns (`reserved`), and is
// free only for the reservation's accounts, so `nodes --free` leaves it out while it is held
// (tests/data/fleets/enforce: t10, idle, held by `demo` 2026-11-20 -> 11-21).
TEST_CASE("a reserved node is listed as reserved and is not free for everyone", "[nodes]") {
  const Snapshot snap = test::load_fixture("tests/data/fleets/enforce");
  MaintenanceHorizon h;
  h.at = *snap.taken_at;
  h.window = kDefaultMaintenanceWindow;
  const std::uint32_t t10 = snap.find_node("t10");
  const NodesReport r = list_nodes(snap, Selection{}, h, NodesQuery{});
  const auto row = std::find_if(r.rows.begin(), r.rows.end(), [&](const NodeRow& x) { return x.node == t10; });
  REQUIRE(row != r.rows.end());
  CHECK(row->concern == NodeConcern::reserved);
  REQUIRE(row->reservation != kNone);
  CHECK(snap.reservations[row->reservation].name == "demo");
  CHECK(row == r.rows.end() - 1); // last concern, and no later row
  const auto listed = [&](Time at) {
    MaintenanceHorizon later = h;
    later.at = at;
    const FreeNodes f = free_nodes(snap, Selection{}, later, NodesQuery{});
    return std::any_of(f.rows.begin(), f.rows.end(), [&](const FreeNodeRow& x) { return x.node == t10; });
  };
  CHECK_FALSE(listed(h.at));
  CHECK(listed(h.at + 2 * 24 * 3600)); // demo has ended: t10 is free for everyone
}

TEST_CASE("nodes --free: most free first, then cluster, island and node name, whatever order the fleet lists nodes in",
          "[nodes]") {
  // Clusters, islands and nodes listed out of name order; a job uses 4 of n3's 8 GPUs.
  const Snapshot snap = test::snapshot_of({
      {Resource::clusters, R"({"name": "z", "region": "r", "provider": "p", "sku": "h100", "state": "production"},
                              {"name": "a", "region": "r", "provider": "p", "sku": "h100", "state": "production"})"},
      {Resource::nodes, R"({"name": "n9", "cluster": "z", "island": "zb", "gpus": 8, "health": "healthy"},
                           {"name": "n3", "cluster": "z", "island": "zb", "gpus": 8, "health": "healthy"},
                           {"name": "n10", "cluster": "z", "island": "zb", "gpus": 8, "health": "healthy"},
                           {"name": "n7", "cluster": "z", "island": "za", "gpus": 8, "health": "healthy"},
                           {"name": "n2", "cluster": "a", "island": "ab", "gpus": 8, "health": "healthy"},
                           {"name": "n1", "cluster": "a", "island": "ab", "gpus": 4, "health": "healthy"},
                           {"name": "n8", "cluster": "z", "island": "zb", "gpus": 4, "health": "healthy"})"},
      {Resource::quotas, R"({"name": "g"}, {"name": "g/z", "parent": "g", "cluster": "z", "gpus": 8})"},
      {Resource::jobs, R"({"name": "j", "cluster": "z", "quota": "g/z", "gpus": 4, "nodes": ["n3"],
                           "state": "running", "priority": "mid", "namespace": "ns"})"},
  });
  const FreeNodes f = free_nodes(snap, Selection{}, horizon(), NodesQuery{});
  std::vector<std::string> order;
  for (const auto& row : f.rows) order.emplace_back(snap.nodes[row.node].name);
  // 8 free: a/ab/n2, then z/za/n7, then z/zb by name ("n10" < "n9"); 4 free: a/ab/n1, then
  // z/zb n3 and n8 by name.
  CHECK(order == std::vector<std::string>{"n2", "n7", "n10", "n9", "n1", "n3", "n8"});
  CHECK(f.totals.gpus_free == 8 * 4 + 4 * 3);
  CHECK(f.nodes == 7);
}
