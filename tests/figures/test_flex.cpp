#include "support/fixtures.hpp"

#include "fleetcap/figures/flex.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>

using namespace fleetcap;

namespace {
const FlexCluster& cluster_named(const Snapshot& snap, const FlexReport& r, std::string_view name) {
  auto it = std::find_if(r.clusters.begin(), r.clusters.end(),
                         [&](const FlexCluster& c) { return snap.clusters[c.cluster].name == name; });
  REQUIRE(it != r.clusters.end());
  return *it;
}
std::vector<std::string> island_names(const Snapshot& snap, const FlexReport& r) {
  std::vector<std::string> out;
  for (const auto& i : r.islands) out.push_back(snap.index.islands[i.island].name);
  return out;
}
} // namespace

TEST_CASE("flex reproduces the docs/worked-example.md flex figures, most free first", "[flex]") {
  const Snapshot snap = test::worked();
  const FlexReport r = flex(snap, test::at_snapshot(snap), Selection{}, FlexQuery{});
  REQUIRE(r.clusters.size() == 2); // puma is provisioning
  // Both have 8 free; lion's are stable, so it comes first.
  CHECK(snap.clusters[r.clusters[0].cluster].name == "lion");
  CHECK(snap.clusters[r.clusters[1].cluster].name == "tiger");
  const auto& tiger = cluster_named(snap, r, "tiger").figures;
  CHECK(tiger.flex_used == 8);
  CHECK(tiger.flex_free == 8);
  CHECK(tiger.flex_stable_free == 0);
  CHECK(tiger.flex_reclaimable_free == 8);
  CHECK(tiger.largest_free_block == 8);
  const auto& lion = cluster_named(snap, r, "lion").figures;
  CHECK(lion.flex_used == 8);
  CHECK(lion.flex_free == 8);
  CHECK(lion.flex_stable_free == 8);
  CHECK(lion.flex_reclaimable_free == 0);
  CHECK(lion.largest_free_block == 8);
}

TEST_CASE("flex fair share: 16 for evals in tiger, 8 for any other namespace (docs/worked-example.md)", "[flex]") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = test::at_snapshot(snap);
  const std::uint32_t tiger = snap.find_cluster("tiger");
  CHECK(flex_pool(fleet.clusters[tiger]) == 16); // H 72 − Uq 56
  const auto names = flex_namespaces(snap, fleet, tiger);
  REQUIRE(names.size() == 1);
  CHECK(names[0].ns == "evals");
  CHECK(names[0].flex_used == 8);
  CHECK(names[0].fair_share == 16);
  CHECK(namespace_flex(names, fleet.clusters[tiger], "evals").fair_share == 16);
  CHECK(namespace_flex(names, fleet.clusters[tiger], "chat").fair_share == 8);
  CHECK(namespace_flex(names, fleet.clusters[tiger], "chat").flex_used == 0);

  FlexQuery q;
  q.ns = "chat";
  const FlexReport r = flex(snap, fleet, Selection{}, q);
  REQUIRE(cluster_named(snap, r, "tiger").selected);
  CHECK(cluster_named(snap, r, "tiger").selected->fair_share == 8);
  CHECK(cluster_named(snap, r, "lion").selected->fair_share == 8); // lion: 16 over evals and chat
}

TEST_CASE("flex counts pending flex jobs in N, and flags a namespace over its share", "[flex]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  const std::uint32_t yak = snap.find_cluster("yak");
  const auto names = flex_namespaces(snap, fleet, yak);
  // cv only has a pending job in yak (g3); g4 names no cluster and counts nowhere.
  REQUIRE(names.size() == 2);
  CHECK(names[0].ns == "cv");
  CHECK(names[0].flex_used == 0);
  CHECK(names[0].flex_pending == 8);
  CHECK(names[0].fair_share == 8); // pool 16 over 2 namespaces
  CHECK(names[1].ns == "ml");
  CHECK(names[1].flex_used == 12);
  CHECK(names[1].over_share());
  CHECK_FALSE(names[0].over_share());
  CHECK(namespace_flex(names, fleet.clusters[yak], "zz").fair_share == 5); // floor(16 / 3)
}

TEST_CASE("flex --gpus keeps clusters with that many free; --stable only stable capacity", "[flex]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  FlexQuery q;
  FlexReport all = flex(snap, fleet, Selection{}, q);
  REQUIRE(all.clusters.size() == 4);
  CHECK(snap.clusters[all.clusters[0].cluster].name == "owl"); // 39
  CHECK(snap.clusters[all.clusters[1].cluster].name == "emu"); // 32
  CHECK(snap.clusters[all.clusters[2].cluster].name == "yak"); // 4
  CHECK(snap.clusters[all.clusters[3].cluster].name == "elk"); // 0

  q.gpus = 33;
  FlexReport r = flex(snap, fleet, Selection{}, q);
  REQUIRE(r.clusters.size() == 1);
  CHECK(snap.clusters[r.clusters[0].cluster].name == "owl");

  q.stable = true; // owl has only 31 stable
  r = flex(snap, fleet, Selection{}, q);
  CHECK(r.clusters.empty());
  REQUIRE(r.most);
  CHECK(snap.clusters[r.most->cluster].name == "emu");
  CHECK(r.selected_free == 31 + 32 + 4);

  q.gpus = 0; // --stable alone: clusters with any stable capacity, most stable first
  r = flex(snap, fleet, Selection{}, q);
  REQUIRE(r.clusters.size() == 3);
  CHECK(snap.clusters[r.clusters[0].cluster].name == "emu");
  CHECK(snap.clusters[r.clusters[1].cluster].name == "owl");
  CHECK(snap.clusters[r.clusters[2].cluster].name == "yak");
}

TEST_CASE("flex --contiguous: enough free in total but split across islands answers no", "[flex][contiguous]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  Selection owl;
  owl.clusters = {"owl"};
  FlexQuery q;
  q.gpus = 24;
  q.contiguous = true;
  const FlexReport r = flex(snap, fleet, owl, q);
  // owl has 39 free flex GPUs, but whole free nodes only 16 per island (a3 carries a 1-GPU job,
  // a4 is unhealthy, b3 cordoned, b4 busy).
  CHECK(r.islands.empty());
  CHECK(r.clusters.empty());
  CHECK(r.selected_free == 39);
  REQUIRE(r.best);
  CHECK(snap.index.islands[r.best->island].name == "owl-a");
  CHECK(r.best->free_block == 16);

  // Without --contiguous the same cluster is fine.
  q.contiguous = false;
  CHECK(flex(snap, fleet, owl, q).clusters.size() == 1);
}

TEST_CASE("flex --contiguous names the islands that hold the block", "[flex][contiguous]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  FlexQuery q;
  q.gpus = 24;
  q.contiguous = true;
  FlexReport r = flex(snap, fleet, Selection{}, q);
  REQUIRE(island_names(snap, r) == std::vector<std::string>{"emu-a"});
  CHECK(r.islands[0].free_block == 32);
  CHECK(r.islands[0].free_nodes == 4);
  REQUIRE(r.clusters.size() == 1);
  CHECK(snap.clusters[r.clusters[0].cluster].name == "emu");

  // Every cluster's stable flex covers 16: best first is the block closest to N.
  q.gpus = 16;
  r = flex(snap, fleet, Selection{}, q);
  CHECK(island_names(snap, r) == std::vector<std::string>{"owl-a", "owl-b", "emu-a"});

  q.gpus = 33;
  r = flex(snap, fleet, Selection{}, q);
  CHECK(r.islands.empty());

  // --stable: the island's block and the cluster's stable free must both cover N.
  q.stable = true;
  q.gpus = 32;
  r = flex(snap, fleet, Selection{}, q);
  CHECK(island_names(snap, r) == std::vector<std::string>{"emu-a"});
  q.gpus = 16;
  r = flex(snap, fleet, Selection{}, q);
  CHECK(island_names(snap, r) == std::vector<std::string>{"owl-a", "owl-b", "emu-a"});
}

TEST_CASE("flex --contiguous in the worked example: 8 in tiger-ib2 and lion-ib1, never 16", "[flex][contiguous]") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = test::at_snapshot(snap);
  FlexQuery q;
  q.gpus = 8;
  q.contiguous = true;
  CHECK(island_names(snap, flex(snap, fleet, Selection{}, q)) == std::vector<std::string>{"lion-ib1", "tiger-ib2"});
  q.gpus = 16;
  const FlexReport r = flex(snap, fleet, Selection{}, q);
  CHECK(r.islands.empty());
  CHECK(r.selected_free == 16); // 8 + 8, in two clusters
}

// One cluster, two islands: i1 free (n1-n4, 32 GPUs), n4 under maintenance from 10 h after --at
// for 20 h; i2 runs 1-GPU flex jobs of namespaces a, b, c. Flex pool 48, three namespaces: a's
// fair share is 16.
Snapshot staying_fleet() {
  std::string nodes;
  for (int n = 1; n <= 6; ++n)
    nodes += fmt::format(R"({}{{"name": "n{}", "cluster": "c", "island": "{}", "gpus": 8, "health": "healthy"}})",
                         n > 1 ? "," : "", n, n <= 4 ? "i1" : "i2");
  return test::snapshot_of(
      {{Resource::clusters, R"({"name": "c", "region": "r", "provider": "p", "sku": "h100", "state": "production"})"},
       {Resource::nodes, nodes},
       {Resource::quotas, R"({"name": "q", "parent": null, "cluster": "c", "gpus": 0})"},
       {Resource::jobs,
        R"({"name": "ja", "namespace": "a", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 1, "state": "running", "nodes": ["n5"]},
           {"name": "jb", "namespace": "b", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 1, "state": "running", "nodes": ["n5"]},
           {"name": "jc", "namespace": "c", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 1, "state": "running", "nodes": ["n6"]})"},
       {Resource::maintenance,
        R"({"id": "m", "cluster": "c", "nodes": ["n4"], "kind": "os", "reason": "", "priority": "p2", "start": "2026-11-20T22:00:00Z", "end": "2026-11-21T18:00:00Z", "hard_start": true, "state": "scheduled"})"}});
}

TEST_CASE("flex --contiguous --for: the block leaves out nodes maintenance takes; fair share; later",
          "[flex][contiguous]") {
  const Snapshot snap = staying_fleet();
  const FleetAt fleet = evaluate(snap, test::at("2026-11-20T12:00:00Z"));
  FlexQuery q;
  q.contiguous = true;
  q.gpus = 24;
  q.ns = "a";
  FlexReport r = flex(snap, fleet, Selection{}, q);
  REQUIRE(island_names(snap, r) == std::vector<std::string>{"i1"});
  CHECK(r.islands[0].free_block == 32);
  CHECK(r.islands[0].block == 24); // n4 goes in 10 h, within the default 24 h
  CHECK(r.islands[0].block_nodes == 3);
  CHECK(r.islands[0].fair_share == 16);
  CHECK(r.islands[0].exceeds_share); // 24 > 16: first in line to be preempted
  CHECK(r.islands[0].stays);         // no quota: all flex is stable
  CHECK(r.fits());

  q.gpus = 16;
  CHECK_FALSE(flex(snap, fleet, Selection{}, q).islands.at(0).exceeds_share);

  // 32 fits now only if the job need not outlast 10 h.
  q.gpus = 32;
  q.stay = 6 * 3600;
  r = flex(snap, fleet, Selection{}, q);
  REQUIRE(r.fits());
  CHECK(r.islands[0].block == 32);
  q.stay = 24 * 3600;
  r = flex(snap, fleet, Selection{}, q);
  CHECK_FALSE(r.fits());
  REQUIRE(r.largest_block);
  CHECK(snap.index.islands[r.largest_block->island].name == "i1");
  CHECK(r.largest_block->block == 24);
  // ... and once m ends, i1 holds 32 again.
  REQUIRE(r.later.size() == 1);
  CHECK(snap.index.islands[r.later[0].island].name == "i1");
  CHECK(r.later[0].block_later == 32);
  CHECK(r.later[0].fits_at == test::at("2026-11-21T18:00:00Z"));
  // Too big for i1 even then: not listed.
  q.gpus = 40;
  CHECK(flex(snap, fleet, Selection{}, q).later.empty());
}
