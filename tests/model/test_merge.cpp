// Several sources as one fleet (fleetcap/model/merge.hpp, docs/sources.md "Names"): which names
// collide, how they and their references are renamed, and what --cluster words select.
#include "fleetcap/error.hpp"
#include "fleetcap/figures/select.hpp"
#include "fleetcap/model/merge.hpp"

#include "support/fixtures.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

namespace {
// A source with one cluster, two nodes, a quota tree and a job on a node.
Snapshot source(const std::string& cluster, const std::string& node_prefix, const std::string& job,
                const std::string& event = "ev-1") {
  return test::snapshot_of({
      {Resource::clusters, R"({"name": ")" + cluster + R"(", "region": "r", "provider": "p", "sku": "h100",
                             "state": "production"})"},
      {Resource::nodes, R"({"name": ")" + node_prefix + R"(1", "cluster": ")" + cluster +
                            R"(", "island": "ib", "gpus": 8, "health": "healthy"},
                          {"name": ")" +
                            node_prefix + R"(2", "cluster": ")" + cluster +
                            R"(", "island": "ib", "gpus": 8, "health": "healthy"})"},
      {Resource::quotas, R"({"name": "research", "parent": null, "cluster": null},
                           {"name": "research/llm", "parent": "research", "cluster": ")" +
                             cluster + R"(", "gpus": 8})"},
      {Resource::jobs,
       R"({"name": ")" + job + R"(", "namespace": "ml", "quota": "research/llm", "cluster": ")" + cluster +
           R"(", "priority": "high", "gpus": 8, "state": "running", "nodes": [")" + node_prefix + R"(1"]},
                         {"name": "scavenge-)" +
           job + R"(", "namespace": "ml", "quota": "flex", "cluster": ")" + cluster +
           R"(", "priority": "low", "gpus": 4, "state": "running", "nodes": [")" + node_prefix + R"(2"]})"},
      {Resource::maintenance, R"({"id": ")" + event + R"(", "cluster": ")" + cluster + R"(", "nodes": [")" +
                                  node_prefix + R"(2"], "kind": "firmware", "reason": "bios",
                                "priority": "p2", "start": "2026-12-01T00:00:00Z",
                                "end": "2026-12-01T04:00:00Z", "hard_start": false, "state": "scheduled"})"},
  });
}

Snapshot fleet_of(std::vector<Snapshot>& parts, const std::vector<std::string>& names) {
  const FleetNames fleet_names(parts, names);
  std::vector<std::uint32_t> source_of;
  for (std::size_t i = 0; i < parts.size(); ++i) source_of.push_back(static_cast<std::uint32_t>(i));
  Snapshot snap = merge_fleet(parts, fleet_names, source_of);
  for (const auto& n : names) {
    SourceStatus s;
    s.name = n;
    snap.sources.push_back(s);
  }
  return snap;
}
} // namespace

TEST_CASE("merge: distinct names stay, shared names become SOURCE/NAME on both sides") {
  std::vector<Snapshot> parts;
  parts.push_back(source("gpu", "a", "1234"));
  parts.push_back(source("tiger", "b", "1234", "ev-2"));
  const FleetNames names(parts, {"lab", "prod"});
  // Each kind on its own: the quota tree and job 1234 collide; clusters, nodes, events do not.
  CHECK(names.renamed(0, FleetNames::cluster, "gpu") == std::nullopt);
  CHECK(names.renamed(0, FleetNames::quota, "research") == "lab/research");
  CHECK(names.renamed(1, FleetNames::quota, "research/llm") == "prod/research/llm");
  CHECK(names.renamed(1, FleetNames::job, "1234") == "prod/1234");
  CHECK(names.renamed(0, FleetNames::node, "a1") == std::nullopt);
  CHECK(names.renamed(1, FleetNames::event, "ev-2") == std::nullopt);
  CHECK(names.renames(0));
  CHECK(names.renames(1));

  Snapshot snap = fleet_of(parts, {"lab", "prod"});
  REQUIRE(snap.clusters.size() == 2);
  CHECK(snap.clusters[0].name == "gpu");
  CHECK(snap.clusters[1].name == "tiger");
  CHECK(snap.clusters[1].source == 1);
  REQUIRE(snap.quotas.size() == 4);
  CHECK(snap.quotas[1].name == "lab/research/llm");
  CHECK(snap.quotas[1].parent == "lab/research");
  CHECK(snap.quotas[3].cluster == "tiger");
  // Linked again as one fleet: each job in its own source's quota, cluster and node.
  const Job& j = snap.jobs[2];
  CHECK(j.name == "prod/1234");
  CHECK(j.quota == "prod/research/llm");
  CHECK(snap.quotas[j.quota_index].name == "prod/research/llm");
  CHECK(snap.clusters[j.cluster_index].name == "tiger");
  REQUIRE(j.node_indices.size() == 1);
  CHECK(snap.nodes[j.node_indices[0]].name == "b1");
  CHECK(snap.jobs[3].flex); // "flex" is no quota name: it stays
  CHECK(snap.jobs[3].quota == "flex");
  CHECK(snap.index.islands.size() == 2); // "ib" of gpu and "ib" of tiger are two islands
  CHECK(snap.maintenance[1].cluster_index == 1);
}

TEST_CASE("merge: a shared cluster renames the nodes', quotas', jobs', events' references to it") {
  std::vector<Snapshot> parts;
  parts.push_back(source("gpu", "a", "1"));
  parts.push_back(source("gpu", "a", "2", "ev-2")); // the same node names too
  Snapshot snap = fleet_of(parts, {"lab", "prod"});
  CHECK(snap.clusters[0].name == "lab/gpu");
  CHECK(snap.clusters[1].name == "prod/gpu");
  CHECK(snap.nodes[2].name == "prod/a1");
  CHECK(snap.nodes[2].cluster == "prod/gpu");
  CHECK(snap.nodes[2].cluster_index == 1);
  CHECK(snap.jobs[2].nodes[0] == "prod/a1");
  CHECK(*snap.jobs[2].cluster == "prod/gpu");
  CHECK(snap.maintenance[1].cluster == "prod/gpu");
  // Event node lists and their indices are spans into the snapshot's arenas.
  const auto& ev = snap.maintenance[1];
  CHECK(std::vector<std::string>(ev.nodes.begin(), ev.nodes.end()) == std::vector<std::string>{"prod/a2"});
  CHECK(std::vector<std::uint32_t>(ev.node_indices.begin(), ev.node_indices.end()) == std::vector<std::uint32_t>{3});

  // --cluster words: a cluster's name, a source's name, or a prefixed cluster's own name.
  CHECK(clusters_named(snap, "lab/gpu") == std::vector<std::uint32_t>{0});
  CHECK(clusters_named(snap, "prod") == std::vector<std::uint32_t>{1});
  CHECK(clusters_named(snap, "gpu") == std::vector<std::uint32_t>{0, 1});
  CHECK(clusters_named(snap, "puma").empty());
  CHECK(cluster_words(snap) == std::vector<std::string>{"lab/gpu", "prod/gpu", "lab", "prod", "gpu"});
  Selection sel;
  sel.clusters = {"prod"};
  CHECK(select_clusters(snap, sel) == std::vector<std::uint32_t>{1});
}

TEST_CASE("merge: a cluster's own name wins over a source of the same name") {
  std::vector<Snapshot> parts;
  parts.push_back(source("prod", "a", "1"));
  parts.push_back(source("tiger", "b", "2", "ev-2"));
  Snapshot snap = fleet_of(parts, {"lab", "prod"});
  CHECK(clusters_named(snap, "prod") == std::vector<std::uint32_t>{0});
  CHECK(clusters_named(snap, "lab") == std::vector<std::uint32_t>{0});
}

TEST_CASE("merge: a name the renaming makes collide is invalid data, named") {
  std::vector<Snapshot> parts;
  parts.push_back(source("gpu", "a", "1"));
  parts.push_back(source("gpu", "b", "2", "ev-2"));
  parts.push_back(source("lab/gpu", "c", "3", "ev-3"));
  const FleetNames names(parts, {"lab", "prod", "odd"});
  std::vector<std::uint32_t> source_of{0, 1, 2};
  try {
    merge_fleet(parts, names, source_of);
    FAIL("merged");
  } catch (const DataError& e) {
    REQUIRE_FALSE(e.messages().empty());
    CHECK_THAT(e.messages().front(), Catch::Contains("the fleet of every source") && Catch::Contains("lab/gpu"));
  }
}

TEST_CASE("merge: each source's warnings are kept, led by its name") {
  std::vector<Snapshot> parts;
  parts.push_back(source("gpu", "a", "1"));
  parts.push_back(source("tiger", "b", "2", "ev-2"));
  parts[1].warnings.push_back("context \"x\" has no Kueue");
  Snapshot snap = fleet_of(parts, {"lab", "prod"});
  CHECK(snap.warnings == std::vector<std::string>{"prod: context \"x\" has no Kueue"});
}
