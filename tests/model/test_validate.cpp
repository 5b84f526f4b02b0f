// Cross-item rules of docs/fleet-api.md (src/model/validate.cpp): one message per violation, in
// resource order, and the index link() builds when the items are valid.
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace fleetcap;

namespace {

using Errors = std::vector<std::string>;

// A small valid fleet, one JSON items list per resource; each test breaks one rule.
struct Fleet {
  std::map<Resource, std::string> items{
      {Resource::clusters,
       R"({"name": "tiger", "region": "us-south", "provider": "cw", "sku": "h100", "state": "production"},
          {"name": "lion", "region": "us-west", "provider": "cw", "sku": "h200", "state": "production"})"},
      {Resource::nodes,
       R"({"name": "t01", "cluster": "tiger", "island": "tiger-ib1", "gpus": 8, "health": "healthy"},
          {"name": "t02", "cluster": "tiger", "island": "tiger-ib2", "gpus": 8, "health": "healthy"},
          {"name": "l01", "cluster": "lion", "island": "lion-ib1", "gpus": 8, "health": "healthy"})"},
      {Resource::quotas,
       R"({"name": "research", "parent": null, "cluster": null},
          {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16},
          {"name": "research/b", "parent": "research", "cluster": "lion", "gpus": 8})"},
      {Resource::jobs,
       R"({"name": "j1", "namespace": "ns", "quota": "research/a", "cluster": "tiger", "priority": "high",
           "gpus": 8, "state": "running", "nodes": ["t01"]},
          {"name": "j2", "namespace": "ns", "quota": "research/b", "priority": "low", "gpus": 8, "state": "pending"},
          {"name": "j3", "namespace": "other", "quota": "flex", "priority": "low", "gpus": 8, "state": "pending"})"},
      {Resource::maintenance,
       R"({"id": "m1", "cluster": "tiger", "nodes": ["t02"], "priority": "p1", "start": "2026-11-20T10:00:00Z",
           "end": "2026-11-21T10:00:00Z", "state": "scheduled"})"},
      {Resource::health_history,
       R"({"cluster": "lion", "at": "2026-11-20T00:00:00Z", "healthy_gpus": 8, "total_gpus": 8})"},
  };

  Fleet& set(Resource r, std::string text) {
    items[r] = std::move(text);
    return *this;
  }
  Fleet& add(Resource r, const std::string& text) {
    items[r] += ",\n" + text;
    return *this;
  }
};

// Parses every resource (which must parse cleanly) and links; returns link()'s errors.
Errors link_errors(const Fleet& f, Snapshot& snap) {
  for (const auto& [r, text] : f.items) {
    std::string bytes = "{\"api_version\": \"v1\", \"items\": [" + text + "]}";
    Errors parse_errors;
    parse_page(r, std::string(to_string(r)), bytes, snap, parse_errors);
    INFO(to_string(r));
    REQUIRE(parse_errors == Errors{});
  }
  Errors errors;
  link(snap, errors);
  return errors;
}

Errors link_errors(const Fleet& f) {
  Snapshot snap;
  return link_errors(f, snap);
}

} // namespace

// FleetIndex groups are spans; compare their members as a vector.
static std::vector<std::uint32_t> as_vector(std::span<const std::uint32_t> g) { return {g.begin(), g.end()}; }

TEST_CASE("the base fleet is valid and linked") {
  Snapshot snap;
  REQUIRE(link_errors(Fleet{}, snap) == Errors{});
  CHECK(snap.warnings.empty());
  const auto tiger = snap.find_cluster("tiger"), lion = snap.find_cluster("lion");
  REQUIRE(tiger != kNone);
  REQUIRE(lion != kNone);
  CHECK(snap.find_cluster("puma") == kNone);
  CHECK(as_vector(snap.index.cluster_nodes[tiger]) == std::vector<std::uint32_t>{0, 1});
  CHECK(snap.index.islands.size() == 3); // tiger-ib1, tiger-ib2, lion-ib1
  CHECK(snap.nodes[0].healthy);
  const auto group = snap.find_quota("research"), a = snap.find_quota("research/a");
  CHECK_FALSE(snap.quotas[group].leaf);
  CHECK(snap.quotas[a].leaf);
  CHECK(snap.quotas[a].tree_index == group);
  CHECK(snap.quotas[group].tree_index == group);
  CHECK(as_vector(snap.index.cluster_leaves[tiger]) == std::vector<std::uint32_t>{a});
  CHECK(as_vector(snap.index.node_jobs[0]) == std::vector<std::uint32_t>{0});   // j1 runs on t01
  CHECK(as_vector(snap.index.node_events[1]) == std::vector<std::uint32_t>{0}); // m1 covers t02
  // A pending job without a cluster lies in its quota's cluster; a pending flex job in none.
  CHECK(snap.jobs[1].cluster_index == lion);
  CHECK(snap.jobs[2].flex);
  CHECK(snap.jobs[2].cluster_index == kNone);
  CHECK(snap.health_history[0].cluster_index == lion);
}

TEST_CASE("unknown clusters") {
  CHECK(link_errors(Fleet{}.add(Resource::nodes, R"({"name": "x1", "cluster": "puma", "island": "i", "gpus": 8,
                                                     "health": "healthy"})")) ==
        Errors{R"(nodes[3] "x1": field "cluster" names unknown cluster "puma")"});
  CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "research/c", "parent": "research", "cluster": "puma",
                                                      "gpus": 8})")) ==
        Errors{R"(quotas[3] "research/c": field "cluster" names unknown cluster "puma")"});
  CHECK(link_errors(Fleet{}.add(Resource::jobs, R"({"name": "j9", "namespace": "ns", "quota": "flex",
                                                    "cluster": "puma", "priority": "low", "gpus": 8,
                                                    "state": "running"})")) ==
        Errors{R"(jobs[3] "j9": field "cluster" names unknown cluster "puma")"});
  CHECK(link_errors(Fleet{}.add(Resource::maintenance, R"({"id": "m9", "cluster": "puma", "nodes": [],
        "priority": "p1", "start": "2026-11-20T10:00:00Z", "end": "2026-11-21T10:00:00Z", "state": "scheduled"})")) ==
        Errors{R"(maintenance[1] "m9": field "cluster" names unknown cluster "puma")"});
  CHECK(link_errors(Fleet{}.add(Resource::health_history, R"({"cluster": "puma", "at": "2026-11-20T00:00:00Z",
                                                              "healthy_gpus": 0, "total_gpus": 0})")) ==
        Errors{R"(health_history[1] "puma": field "cluster" names unknown cluster "puma")"});
}

TEST_CASE("a node of an unknown cluster is reported once, not again by the jobs on it") {
  Fleet f;
  f.set(Resource::nodes, R"({"name": "t01", "cluster": "tigre", "island": "tiger-ib1", "gpus": 8, "health": "healthy"},
                            {"name": "t02", "cluster": "tiger", "island": "tiger-ib2", "gpus": 8, "health": "healthy"},
                            {"name": "l01", "cluster": "lion", "island": "lion-ib1", "gpus": 8, "health": "healthy"})");
  CHECK(link_errors(f) == Errors{R"(nodes[0] "t01": field "cluster" names unknown cluster "tigre")"});
}

TEST_CASE("duplicate names") {
  CHECK(link_errors(Fleet{}.add(Resource::clusters, R"({"name": "tiger", "region": "r", "provider": "p",
                                                        "sku": "s", "state": "planned"})")) ==
        Errors{R"(clusters[2] "tiger": field "name" duplicates clusters[0])"});
  CHECK(link_errors(Fleet{}.add(Resource::nodes, R"({"name": "t02", "cluster": "lion", "island": "lion-ib1",
                                                     "gpus": 8, "health": "healthy"})")) ==
        Errors{R"(nodes[3] "t02": field "name" duplicates nodes[1])"});
  CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "research/a", "parent": "research",
                                                      "cluster": "tiger", "gpus": 8})")) ==
        Errors{R"(quotas[3] "research/a": field "name" duplicates quotas[1])"});
  CHECK(link_errors(Fleet{}.add(Resource::jobs, R"({"name": "j1", "namespace": "ns", "quota": "flex",
                                                    "priority": "low", "gpus": 8, "state": "pending"})")) ==
        Errors{R"(jobs[3] "j1": field "name" duplicates jobs[0])"});
  CHECK(link_errors(Fleet{}.add(Resource::maintenance, R"({"id": "m1", "cluster": "lion", "nodes": [],
        "priority": "p1", "start": "2026-11-20T10:00:00Z", "end": "2026-11-21T10:00:00Z", "state": "scheduled"})")) ==
        Errors{R"(maintenance[1] "m1": field "id" duplicates maintenance[0])"});
}

TEST_CASE("the quota tree") {
  SECTION("unknown parent") {
    CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "applied/x", "parent": "applied",
                                                        "cluster": "tiger", "gpus": 8})")) ==
          Errors{R"(quotas[3] "applied/x": field "parent" names unknown quota "applied")"});
  }
  SECTION("a cycle is reported once, with its path") {
    CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "a", "parent": "b"}, {"name": "b", "parent": "c"},
                                                        {"name": "c", "parent": "a"})")) ==
          Errors{R"(quotas[3] "a": field "parent" makes a cycle: a -> b -> c -> a)"});
    CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "self", "parent": "self"})")) ==
          Errors{R"(quotas[3] "self": field "parent" makes a cycle: self -> self)"});
  }
  SECTION("a quota with children names no cluster and holds no GPUs") {
    CHECK(
        link_errors(Fleet{}.set(Resource::quotas,
                                R"({"name": "research", "cluster": "tiger", "gpus": 8},
                                     {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16},
                                     {"name": "research/b", "parent": "research", "cluster": "lion", "gpus": 8})")) ==
        Errors{
            R"(quotas[0] "research": field "cluster" is "tiger" but the quota has children; only leaves name a cluster)",
            R"(quotas[0] "research": field "gpus" is 8 but the quota has children; only leaves hold GPUs)"});
  }
  SECTION("a leaf with GPUs names its cluster; a leaf with a cluster has gpus") {
    CHECK(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "research/c", "parent": "research", "gpus": 8},
                                                        {"name": "research/d", "parent": "research",
                                                         "cluster": "lion"})")) ==
          Errors{R"(quotas[3] "research/c": field "cluster" is missing; a leaf quota with gpus must name its cluster)",
                 R"(quotas[4] "research/d": field "gpus" is missing)"});
  }
  SECTION("borrowing and lending limits are a leaf's, shared GPUs a group's (docs/quota.md)") {
    Snapshot snap;
    REQUIRE(link_errors(Fleet{}.set(Resource::quotas,
                                    R"({"name": "research", "shared_gpus": 4},
                                       {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16,
                                        "borrowing_limit": 0, "lending_limit": 2},
                                       {"name": "research/b", "parent": "research", "cluster": "lion", "gpus": 8,
                                        "borrowing_limit": null})"),
                        snap) == Errors{});
    CHECK(snap.quotas[0].shared_gpus == 4);
    CHECK(snap.quotas[1].borrowing_limit == 0);
    CHECK(snap.quotas[1].lending_limit == 2);
    CHECK_FALSE(snap.quotas[2].borrowing_limit);
    CHECK(
        link_errors(Fleet{}.set(Resource::quotas,
                                R"({"name": "research", "borrowing_limit": 4, "lending_limit": 1},
                                     {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16,
                                      "shared_gpus": 2},
                                     {"name": "research/b", "parent": "research", "cluster": "lion", "gpus": 8})")) ==
        Errors{
            R"(quotas[0] "research": field "borrowing_limit" is 4 but the quota is a group (it has children or no cluster); only leaves borrow and lend)",
            R"(quotas[0] "research": field "lending_limit" is 1 but the quota is a group (it has children or no cluster); only leaves borrow and lend)",
            R"(quotas[1] "research/a": field "shared_gpus" is 2 but the quota is a leaf; only groups share GPUs with their leaves)"});
  }
  SECTION("an empty group is no leaf") {
    Snapshot snap;
    REQUIRE(link_errors(Fleet{}.add(Resource::quotas, R"({"name": "empty"})"), snap) == Errors{});
    CHECK_FALSE(snap.quotas[snap.find_quota("empty")].leaf);
  }
  SECTION("a tree's root is its top-level ancestor") {
    Snapshot snap;
    REQUIRE(link_errors(Fleet{}
                            .set(Resource::quotas, R"({"name": "top"}, {"name": "top/mid", "parent": "top"},
                                    {"name": "top/mid/leaf", "parent": "top/mid", "cluster": "tiger", "gpus": 8})")
                            .set(Resource::jobs, ""),
                        snap) == Errors{});
    CHECK(snap.quotas[2].tree_index == 0);
    CHECK(snap.quotas[1].tree_index == 0);
  }
}

TEST_CASE("jobs against quotas, clusters and nodes") {
  const std::string head = R"({"name": "j9", "namespace": "ns", "priority": "low", "gpus": 8, )";
  SECTION("unknown quota") {
    CHECK(link_errors(Fleet{}.add(Resource::jobs, head + R"("quota": "nope", "state": "pending"})")) ==
          Errors{R"(jobs[3] "j9": field "quota" names unknown quota "nope" (a leaf quota or "flex"))"});
  }
  SECTION("a group is not a target") {
    CHECK(link_errors(Fleet{}.add(Resource::jobs, head + R"("quota": "research", "state": "pending"})")) ==
          Errors{R"(jobs[3] "j9": field "quota" names "research", which is not a leaf quota with a cluster)"});
  }
  SECTION("a job runs in its quota's cluster") {
    CHECK(link_errors(Fleet{}.add(Resource::jobs, head + R"("quota": "research/a", "cluster": "lion",
                                                            "state": "running", "nodes": ["l01"]})")) ==
          Errors{R"(jobs[3] "j9": field "cluster" is "lion" but quota "research/a" is in cluster "tiger")"});
  }
  SECTION("a running job names its cluster") {
    CHECK(link_errors(Fleet{}.add(Resource::jobs, head + R"("quota": "flex", "state": "running"})")) ==
          Errors{R"(jobs[3] "j9": field "cluster" is missing; a running job must name its cluster)"});
  }
  SECTION("job nodes exist and lie in the job's cluster") {
    CHECK(link_errors(Fleet{}.add(Resource::jobs, head + R"("quota": "flex", "cluster": "tiger", "state": "running",
                                                            "nodes": ["t02", "l01", "zz"]})")) ==
          Errors{R"(jobs[3] "j9": field "nodes" names node "l01" of cluster "lion", not "tiger")",
                 R"(jobs[3] "j9": field "nodes" names unknown node "zz")"});
  }
}

TEST_CASE("maintenance events") {
  const std::string head = R"({"id": "m9", "priority": "p2", "state": "scheduled", )";
  SECTION("nodes of another cluster") {
    CHECK(link_errors(Fleet{}.add(Resource::maintenance, head + R"("cluster": "lion", "nodes": ["l01", "t01"],
                                  "start": "2026-11-20T10:00:00Z", "end": "2026-11-21T10:00:00Z"})")) ==
          Errors{R"(maintenance[1] "m9": field "nodes" names node "t01" of cluster "tiger", not "lion")"});
  }
  SECTION("end must be after start") {
    CHECK(
        link_errors(Fleet{}.add(Resource::maintenance, head + R"("cluster": "lion", "nodes": [],
                                  "start": "2026-11-21T10:00:00Z", "end": "2026-11-21T10:00:00Z"})")) ==
        Errors{
            R"(maintenance[1] "m9": field "end" (2026-11-21T10:00:00Z) must be after "start" (2026-11-21T10:00:00Z))"});
    CHECK(
        link_errors(Fleet{}.add(Resource::maintenance, head + R"("cluster": "lion", "nodes": [],
                                  "start": "2026-11-21T10:00:00Z", "end": "2026-11-21T11:00:00+02:00"})")) ==
        Errors{
            R"(maintenance[1] "m9": field "end" (2026-11-21T09:00:00Z) must be after "start" (2026-11-21T10:00:00Z))"});
  }
}

TEST_CASE("every violation is collected, in resource order") {
  Fleet f;
  f.add(Resource::nodes, R"({"name": "x1", "cluster": "puma", "island": "i", "gpus": 8, "health": "healthy"})")
      .add(Resource::quotas, R"({"name": "q", "parent": "nope"})")
      .add(Resource::jobs, R"({"name": "j1", "namespace": "ns", "quota": "flex", "priority": "low", "gpus": 8,
                              "state": "pending"})")
      .add(Resource::maintenance, R"({"id": "m9", "priority": "p2", "state": "scheduled", "cluster": "lion",
                                      "nodes": [], "start": "2026-11-22T00:00:00Z", "end": "2026-11-21T00:00:00Z"})");
  CHECK(link_errors(f) ==
        Errors{
            R"(nodes[3] "x1": field "cluster" names unknown cluster "puma")",
            R"(quotas[3] "q": field "parent" names unknown quota "nope")",
            R"(jobs[3] "j1": field "name" duplicates jobs[0])",
            R"(maintenance[1] "m9": field "end" (2026-11-21T00:00:00Z) must be after "start" (2026-11-22T00:00:00Z))"});
}

TEST_CASE("health values other than healthy/unhealthy warn once per value") {
  Snapshot snap;
  Fleet f;
  f.set(Resource::nodes, R"({"name": "t01", "cluster": "tiger", "island": "i", "gpus": 8, "health": "degraded"},
                            {"name": "t02", "cluster": "tiger", "island": "i", "gpus": 8, "health": "unhealthy"},
                            {"name": "t03", "cluster": "tiger", "island": "i", "gpus": 8, "health": "Healthy"},
                            {"name": "l01", "cluster": "lion", "island": "j", "gpus": 8, "health": "degraded"},
                            {"name": "l02", "cluster": "lion", "island": "j", "gpus": 8, "health": "healthy"})")
      .set(Resource::jobs, "")
      .set(Resource::maintenance, "");
  REQUIRE(link_errors(f, snap) == Errors{});
  CHECK(
      snap.warnings ==
      Errors{R"(nodes: health "Healthy" is neither "healthy" nor "unhealthy"; 1 node with it counts as not healthy)",
             R"(nodes: health "degraded" is neither "healthy" nor "unhealthy"; 2 nodes with it count as not healthy)"});
  CHECK_FALSE(snap.nodes[0].healthy);
  CHECK_FALSE(snap.nodes[1].healthy);
  CHECK_FALSE(snap.nodes[2].healthy);
  CHECK(snap.nodes[4].healthy);
}

// The optional fields of docs/design.md ("What schedulers enforce").
TEST_CASE("caps: defined once by name, used by leaves and jobs; definitions must agree") {
  Fleet f;
  f.set(Resource::quotas, R"({"name": "research", "parent": null, "cluster": null},
      {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16,
       "caps": [{"name": "acct", "gpus": 20}, {"name": "qos", "gpus": 8, "cluster": "tiger"}]},
      {"name": "research/b", "parent": "research", "cluster": "lion", "caps": ["acct"]})");
  f.add(Resource::jobs, R"({"name": "j4", "namespace": "ns", "quota": "flex", "cluster": "lion", "priority": "low",
      "gpus": 4, "state": "running", "nodes": ["l01"], "caps": ["acct"], "reclaimable": false})");
  Snapshot snap;
  REQUIRE(link_errors(f, snap) == Errors{});
  REQUIRE(snap.caps.size() == 2);
  CHECK(snap.caps[0].name == "acct");
  CHECK(snap.caps[0].cluster_index == kNone);
  CHECK(snap.caps[1].cluster_index == snap.find_cluster("tiger"));
  const Quota& b = snap.quotas[snap.find_quota("research/b")];
  CHECK(b.cap_only); // no gpus, caps: promises nothing
  CHECK(b.leaf);
  CHECK(b.gpus == 0);
  // j1 (research/a) counts against its leaf's caps; j4 names its own; j3 (flex) none.
  CHECK(as_vector(snap.index.job_caps[0]) == std::vector<std::uint32_t>{0, 1});
  CHECK(as_vector(snap.index.job_caps[2]).empty());
  CHECK(as_vector(snap.index.job_caps[3]) == std::vector<std::uint32_t>{0});
  CHECK(snap.jobs[3].stable_use());

  Fleet bad;
  bad.set(Resource::quotas, R"({"name": "research", "parent": null, "cluster": null},
      {"name": "research/a", "parent": "research", "cluster": "tiger", "gpus": 16, "caps": [{"name": "acct", "gpus": 20}]},
      {"name": "research/b", "parent": "research", "cluster": "lion", "gpus": 8,
       "caps": [{"name": "acct", "gpus": 24, "cluster": "lion"}, "ghost"]})");
  CHECK(
      link_errors(bad) ==
      Errors{
          R"(quotas[2] "research/b": field "caps[0]" defines cap "acct" as 24 GPUs in lion, but quotas[1] "research/a" defines it as 20 GPUs)",
          R"(quotas[2] "research/b": field "caps[1]" names cap "ghost", which no quota or job defines (give {"name", "gpus", "cluster"} once))"});
}

TEST_CASE("a leaf without gpus needs caps") {
  Fleet f;
  f.set(Resource::quotas, R"({"name": "research/a", "parent": null, "cluster": "tiger"})");
  f.set(Resource::jobs, "");
  CHECK(link_errors(f) == Errors{R"(quotas[0] "research/a": field "gpus" is missing)"});
}

TEST_CASE("reservations on nodes: one per name, partitions listed, healthy given outright") {
  Fleet f;
  f.set(Resource::nodes, R"({"name": "t01", "cluster": "tiger", "island": "tiger-ib1", "gpus": 8, "health": "down",
       "healthy": false, "partitions": ["gpu", "debug"],
       "reservations": [{"name": "demo", "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z",
                         "namespaces": ["evals"]}]},
      {"name": "t02", "cluster": "tiger", "island": "tiger-ib2", "gpus": 8, "health": "drained", "healthy": true,
       "partitions": ["gpu"],
       "reservations": [{"name": "demo", "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z",
                         "namespaces": ["evals"]}]},
      {"name": "l01", "cluster": "lion", "island": "lion-ib1", "gpus": 8, "health": "healthy"})");
  Snapshot snap;
  REQUIRE(link_errors(f, snap) == Errors{});
  CHECK(snap.warnings.empty()); // "down" and "drained" are counted as said: no warning
  CHECK_FALSE(snap.nodes[0].healthy);
  CHECK(snap.nodes[1].healthy);
  CHECK(snap.partitions == std::vector<std::string>{"debug", "gpu"});
  CHECK(as_vector(snap.index.partition_nodes[1]) == std::vector<std::uint32_t>{0, 1});
  REQUIRE(snap.reservations.size() == 1);
  CHECK(snap.reservations[0].nodes == std::vector<std::uint32_t>{0, 1});
  CHECK(snap.reservations[0].serves("evals"));
  CHECK_FALSE(snap.reservations[0].serves("chat"));

  Fleet bad;
  bad.set(Resource::nodes, R"({"name": "t01", "cluster": "tiger", "island": "tiger-ib1", "gpus": 8, "health": "healthy",
       "reservations": [{"name": "demo", "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"}]},
      {"name": "t02", "cluster": "tiger", "island": "tiger-ib2", "gpus": 8, "health": "healthy",
       "reservations": [{"name": "demo", "start": "2026-11-20T00:00:00Z", "end": "2026-11-22T00:00:00Z"}]},
      {"name": "l01", "cluster": "lion", "island": "lion-ib1", "gpus": 8, "health": "healthy"})");
  CHECK(
      link_errors(bad) ==
      Errors{
          R"(nodes[1] "t02": field "reservations[0]" defines reservation "demo" unlike node "t01" (start, end, namespaces and users must agree))"});
}
